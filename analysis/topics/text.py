"""Text to matching keys: the one normalisation shared by the taxonomy scorer and discovery.

A *key* is what two spellings of the same word have in common. Keywords in the taxonomy
files and words in articles go through the same function, so a reviewer writes natural
words ("élections", "الانتخابات") and they match inflected and cliticised forms.

- fr/en/es: lower case, then the simplemma lemma (offline dictionaries), cached per word
  because a lookup is slow and news vocabulary repeats.
- ar: ``analysis.textfold.fold_arabic`` (diacritics and tatweel removed, alef forms -> ا,
  ى -> ي, ة -> ه, so spellings with and without hamza agree); then a light stemmer in the
  style of Larkey's light10: the article and its fused prepositions (ال وال بال كال فال لل)
  and a short list of suffixes (ها ان ات ون ين يه ه ي) are removed. A bare proclitic
  (و ف ب ل ك) is ambiguous ("وزير" starts with و), so it is only stripped as a fallback
  when the whole word is unknown to the lexicon (see ``ar_fallback``).
"""

from __future__ import annotations

import importlib.util
import logging
import re
import unicodedata
from functools import lru_cache
from importlib import resources
from pathlib import Path

import simplemma

from analysis import textfold
from analysis.errors import InvalidArgument

log = logging.getLogger(__name__)

LANGS = ("fr", "ar", "en", "es")

# Runs of at least two word characters: "4G", "COP22", "2030" are words; single letters
# (l', d') and punctuation are not. Twice as fast as a letters-only pattern; numbers simply
# never match a keyword unless a keyword spells one, and discovery drops them.
_WORD = re.compile(r"\w{2,}")

_AR_DIACRITICS = str.maketrans(dict.fromkeys(textfold.HARAKAT + textfold.TATWEEL))

_AR_PREFIXES = ("وال", "فال", "بال", "كال", "لل", "ال")
_AR_SUFFIXES = ("ها", "ان", "ات", "ون", "ين", "يه", "ه", "ي")
_AR_PROCLITICS = "وفبلك"

# Per-language word -> key caches; cleared when they grow past this many entries so a
# long enrichment run keeps flat memory.
_CACHE_LIMIT = 400_000
_caches: dict[str, dict[str, str]] = {lang: {} for lang in LANGS}
_fallbacks: dict[str, str] = {}


def normalise_arabic(text: str) -> str:
    """Remove Arabic diacritics and tatweel; unify alef, ya, ta marbuta and Persian letters."""
    return textfold.fold_arabic(text)


def ar_stem(word: str) -> str:
    """Light stem of one normalised Arabic word (article + suffixes, light10 style)."""
    for prefix in _AR_PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= 2:
            word = word[len(prefix):]
            break
    for suffix in _AR_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 2:
            word = word[: -len(suffix)]
    return word


def ar_fallback(word: str) -> str | None:
    """Key of an Arabic word with one leading proclitic (و ف ب ل ك) removed, or None.

    Used only when the word's own key is unknown: "بوزارة" -> key of "وزارة",
    "لكرة" -> key of "كرة", "وبالتالي" -> key of "بالتالي" -> "تالي".
    """
    key = _fallbacks.get(word)
    if key is None:
        if len(word) < 4 or word[0] not in _AR_PROCLITICS:
            key = ""
        else:
            key = ar_stem(word[1:])
        if len(_fallbacks) > _CACHE_LIMIT:
            _fallbacks.clear()
        _fallbacks[word] = key
    return key or None


def guess_lang(text: str) -> str:
    """Language of a text stored without one: the loader's detector (script, function words,
    py3langid), French when there is nothing to judge by (the bulk of this press is French)."""
    from analysis.ingest.langs import detect

    return detect(text) or "fr"


def prepare(text: str, lang: str) -> str:
    """Text normalised for tokenising: NFC, lower case, Arabic letters unified."""
    if not text:
        return ""
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    text = text.lower()
    if lang == "ar":
        text = normalise_arabic(text)
    return text


def words(text: str, lang: str) -> list[str]:
    """Normalised words (letters only, at least two) of a text, in order."""
    return _WORD.findall(prepare(text, lang))


def _key_of(word: str, lang: str) -> str:
    if lang == "ar":
        return ar_stem(word)
    return simplemma.lemmatize(word, lang=lang).lower()


def word_key(word: str, lang: str) -> str:
    """Key of one normalised word (see ``words``), cached."""
    cache = _caches[lang]
    key = cache.get(word)
    if key is None:
        key = _key_of(word, lang)
        if len(cache) > _CACHE_LIMIT:
            cache.clear()
        cache[word] = key
    return key


def keys(text: str, lang: str) -> list[str]:
    """Keys of every word of a text, in order (stop words included: phrases need them)."""
    return words_and_keys(text, lang)[1]


def words_and_keys(text: str, lang: str) -> tuple[list[str], list[str]]:
    """Normalised words of a text and their keys, aligned (one tokenisation for both)."""
    if lang not in _caches:
        raise InvalidArgument(f"language must be one of {', '.join(LANGS)}, not {lang!r}")
    ws = _WORD.findall(prepare(text, lang))
    cache = _caches[lang]
    get = cache.get
    ks = [get(w) or word_key(w, lang) for w in ws]
    return ws, ks


def phrase_keys(phrase: str, lang: str) -> tuple[str, ...]:
    """Keys of a keyword or phrase as written in the taxonomy files."""
    return tuple(keys(phrase, lang))


def _spacy_stop_words(lang: str) -> set[str]:
    """spaCy's stop word list for a language, read from its module file.

    Importing ``spacy.lang.fr.stop_words`` the normal way first imports ``spacy.lang.fr``,
    which compiles tokenizer exceptions for ~6 s; the list itself is a plain module.
    """
    spec = importlib.util.find_spec("spacy")
    if spec is None or not spec.submodule_search_locations:
        log.warning("spaCy is not installed: %s discovery uses only presswatch's own stop words", lang)
        return set()
    path = Path(list(spec.submodule_search_locations)[0]) / "lang" / lang / "stop_words.py"
    module_spec = importlib.util.spec_from_file_location(f"_presswatch_spacy_stop_{lang}", path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return set(module.STOP_WORDS)


@lru_cache(maxsize=None)
def stop_keys(lang: str) -> frozenset[str]:
    """Keys of stop words: spaCy's list for the language plus our news-specific extras
    (analysis/data/topics/stopwords/<lang>.txt: datelines, months, reporting verbs)."""
    if lang not in LANGS:
        raise InvalidArgument(f"language must be one of {', '.join(LANGS)}, not {lang!r}")
    extra = resources.files("analysis").joinpath("data", "topics", "stopwords", f"{lang}.txt")
    lines = [line.strip() for line in extra.read_text(encoding="utf-8").splitlines()]
    words_ = [w for w in (*_spacy_stop_words(lang), *lines) if w and not w.startswith("#")]
    found: set[str] = set()
    for w in words_:
        found.update(keys(w, lang))
    return frozenset(found)


def display_words(text: str, lang: str) -> list[tuple[str, str]]:
    """(word as written, key) pairs for showing terms to people: Arabic words keep their
    alef, ya and ta marbuta spellings (only diacritics are removed), unlike ``words``."""
    if not text:
        return []
    text = unicodedata.normalize("NFC", text).lower() if not text.isascii() else text.lower()
    if lang == "ar":
        # Once diacritics are gone, normalising only swaps letters for letters, so the two
        # tokenisations align word for word.
        text = text.translate(_AR_DIACRITICS)
        shown, normal = _WORD.findall(text), _WORD.findall(normalise_arabic(text))
        return [(w, word_key(n, lang)) for w, n in zip(shown, normal)]
    return [(w, word_key(w, lang)) for w in _WORD.findall(text)]
