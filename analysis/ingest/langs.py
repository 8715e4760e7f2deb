"""Language of articles and headlines: fr, en, es or ar.

Arabic is told apart by its script (cheap and exact). For Latin-script text, an article
long enough to hold a few dozen words is decided by its function words (le/la/les…,
the/of/and…, el/los/las…), which costs a split and a few set lookups; a short text or an
unclear count goes to py3langid restricted to fr/en/es (48/48 seed headlines right), whose
pure-Python scoring costs ~20x more per text. The identifier is loaded once per process.
"""

from __future__ import annotations

import re
from functools import lru_cache

LANGS = ("fr", "en", "es", "ar")
_ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
SAMPLE_CHARS = 200  # what py3langid reads: enough for a stable answer; its cost grows with length
WORDS_CHARS = 800  # what the function-word count reads
MIN_FUNCTION_WORDS = 12  # fewer than this: not enough evidence, ask py3langid
MARGIN = 2.0  # the winner must have this many times the runner-up's count
ARABIC_SHARE = 0.25

# Frequent function words that are rare in the other two languages; words two of them share
# ("de", "en", "a", "que", "la", "son", "entre") are left out, so the lists are disjoint.
FUNCTION_WORDS = {
    "fr": frozenset("le les des du et est une pour dans qui sur au aux avec par il elle ont été sont cette ces "
                    "mais ou pas plus ses leur leurs nous vous aussi être après lors selon".split()),
    "en": frozenset("the of and to in is for on with that by was as are it from at be have has an this were "
                    "which its their not but been after will would said who".split()),
    "es": frozenset("el los las del y por con para una es se al lo su sus como más pero fue ha "
                    "sobre desde también este esta según tras durante".split()),
}
_WORD = re.compile(r"[a-zà-öø-ÿ]+")
_WORD_LANG = {word: lang for lang, vocab in FUNCTION_WORDS.items() for word in vocab}


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=False)
    ident.set_languages(["fr", "en", "es"])
    return ident


def by_function_words(text: str) -> str | None:
    """fr/en/es when the function words of ``text`` clearly point to one, else None."""
    counts = dict.fromkeys(FUNCTION_WORDS, 0)
    for word in _WORD.findall(text[:WORDS_CHARS].lower()):
        lang = _WORD_LANG.get(word)
        if lang:
            counts[lang] += 1
    best, second = sorted(counts.values(), reverse=True)[:2]
    if best < MIN_FUNCTION_WORDS or best < MARGIN * second:
        return None
    return max(counts, key=counts.get)


def detect(text: str | None) -> str | None:
    """fr/en/es/ar, or None when the text has no letters to judge by."""
    if not text:
        return None
    sample = text[:SAMPLE_CHARS]
    arabic = len(_ARABIC.findall(sample))
    latin = len(_LATIN.findall(sample))
    if arabic == 0 and latin == 0:
        return None
    # Arabic wins with a quarter of the letters: Arabic headlines quote Latin names, tags and
    # acronyms ("عاجل: OCP …"), while a French text quoting Arabic holds far less of it.
    if arabic >= ARABIC_SHARE * (arabic + latin):
        return "ar"
    return by_function_words(text) or _identifier().classify(sample)[0]
