"""A CRF named-entity recogniser (PER, LOC, ORG) for Arabic and English text, and for French as
an alternative to spaCy; trained in the repository.

The models are python-crfsuite files in ``analysis/data/models/`` (``ner-<lang>.crfsuite``),
rebuilt by ``python -m analysis.entities.train`` (``make models``); see the README there.
Tokens are words as written: punctuation is split off, Arabic proclitics stay attached (real
text writes ``والمغرب`` as one word) and reach the model as features, so text needs no
pre-tokenisation. A word's own features are computed once per distinct word and cached; per
token only the neighbours' strings are put together, which is what keeps the CRF cheap next to
a neural tagger.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from importlib import resources
from pathlib import Path
from typing import NamedTuple

from analysis.entities.ner import ORG_HEADS, NerSpan
from analysis.entities.text import clean_surface, fold, is_arabic
from analysis.errors import DataFileError

LANGS = ("ar", "en", "fr")
TYPES = ("PER", "LOC", "ORG")  # MISC is learnt (it keeps the others clean) but not reported

# A word keeps Arabic marks and tatweel, inner apostrophes and hyphens; initials such as U.S.
# are one token; anything else that is not a space is a token of its own.
_WORD = r"[\w\u0610-\u061a\u064b-\u065f\u0670\u0640]+"
TOKEN_RE = re.compile(rf"(?:[A-Za-z]\.){{2,}}|{_WORD}(?:[-'’]{_WORD})*|\S")
_POSSESSIVE = re.compile(r"['’]s$")
# French elided article or pronoun before a word: l'Algérie -> l' + Algérie.
_ELISION = re.compile(r"^(?:[ldjmnstc]|qu|jusqu|lorsqu|puisqu|quoiqu)['’](?=\w)", re.IGNORECASE)
SENTENCE_END = frozenset(".!?؟;؛")
MAX_SENTENCE = 80  # tokens; longer runs (lists, tables) are cut so tagging stays linear

# Conjunction (و/ف) then preposition (ب/ل/ك), longest first; the article ال is separate.
PROCLITICS = tuple(sorted({c + p for c in ("", "و", "ف") for p in ("", "ب", "ل", "ك")} - {""}, key=len, reverse=True))
TRIGGERS = {
    "ar": frozenset(fold(w) for w in """الرئيس رئيس الرئيسة رئيسة وزير الوزير وزيرة الوزيرة الشيخ السيد السيدة
        الملك الملكة الأمير الأميرة العاهل الجنرال العقيد اللواء العميد النائب الدكتور السفير المدير مدير
        الأمين الامين زعيم الزعيم قائد القائد المتحدث الناطق المستشار المستشارة الفنان الفنانة اللاعب المدرب
        نائب الأستاذ الاستاذ القاضي الوالي المعتمد محافظ والي البابا الإمام المطرب الكاتب الشاعر النجم""".split()),
    "en": frozenset("""president minister mr mrs ms dr senator sen king queen prince princess sir lord governor
        gov general gen col colonel captain capt judge justice mayor chancellor pope secretary
        representative rep prof professor coach chairman chairwoman ceo director spokesman
        spokeswoman leader rev reverend lt sgt commander premier ambassador sheikh""".split()),
    "fr": frozenset(fold(w) for w in """président présidente ministre m mme mmes mlle dr pr me mgr général
        colonel roi reine prince princesse cheikh sénateur sénatrice député députée maire juge secrétaire
        porte-parole directeur directrice chef ambassadeur ambassadrice gouverneur wali pape imam
        monsieur madame""".split()),
}
# A name right after one of these (quotes between them allowed) is a broadcast programme or a
# column, usually the outlet's own ("في برنامج بوليتيكا"), not a place or a person.
PROGRAMME_WORDS = {
    "ar": frozenset(fold(w) for w in "برنامج البرنامج ببرنامج لبرنامج وبرنامج حصة الحصة بحصة فقرة".split()),
    "en": frozenset("programme program show column".split()),
    "fr": frozenset(fold(w) for w in "émission programme magazine chronique rubrique".split()),
}
_BEFORE_NAME = re.compile(r"(\w+)[\s\"'«»“”‘’]*$")
# Words followed by a full stop that does not end the sentence.
ABBREVIATIONS = (TRIGGERS["en"] | TRIGGERS["fr"] | {"st", "mt", "vs", "jr", "sr"}) - {"me"}


GAZ_MAX = 6  # words in the longest registry alias the gazetteer feature looks for
# First folded word of an alias -> (its other words, type), longest first.
Gazetteer = dict[str, list[tuple[tuple[str, ...], str]]]


PERSON_TITLES_EN = TRIGGERS["en"] | frozenset("""assemblyman assemblywoman congressman congresswoman
    councillor councilman councilwoman admiral bishop archbishop cardinal father chief deputy former late
    emeritus sheriff officer detective inspector sergeant superintendent attorney lawyer doctor founder
    spokesperson dame lady madam mp""".split())


def tokenize(text: str) -> list[tuple[int, int]]:
    """(start, end) of each token; a possessive ``'s`` and a French elision ``l'`` are tokens of their own."""
    out = []
    for m in TOKEN_RE.finditer(text):
        s, e = m.span()
        word = m.group()
        if "'" not in word and "’" not in word:  # most words: no elision, no possessive
            out.append((s, e))
            continue
        el = _ELISION.match(word)
        if el:
            out.append((s, s + el.end()))
            s += el.end()
        p = _POSSESSIVE.search(text, s, e)
        if p and e - s > 2:
            out.append((s, e - 2))
            out.append((e - 2, e))
        else:
            out.append((s, e))
    return out


def sentences(text: str, tokens: list[tuple[int, int]]) -> Iterator[list[tuple[int, int]]]:
    """Tokens grouped into sentences: after . ! ? ; (Arabic too), at line breaks, or every
    ``MAX_SENTENCE`` tokens. An initial or a title (``J.``, ``Mr.``) does not end a sentence."""
    current: list[tuple[int, int]] = []
    for s, e in tokens:
        if current and "\n" in text[current[-1][1]:s]:
            yield current
            current = []
        current.append((s, e))
        if (e - s == 1 and text[s] in SENTENCE_END and not _abbreviation(text, current)) or len(current) >= MAX_SENTENCE:
            yield current
            current = []
    if current:
        yield current


def _abbreviation(text: str, current: list[tuple[int, int]]) -> bool:
    if text[current[-1][0]] != "." or len(current) < 2:
        return False
    word = text[current[-2][0]:current[-2][1]]
    return (len(word) == 1 and word.isupper()) or fold(word) in ABBREVIATIONS


def strip_proclitics(word: str) -> str:
    """A folded Arabic word without its conjunction/preposition prefix when what is left is at
    least three letters (``والمغرب`` -> ``المغرب``, ``لمحمد`` -> ``محمد``); ambiguous by nature
    (``وليد``), which is why the model gets both forms."""
    for p in PROCLITICS:
        if word.startswith(p) and len(word) - len(p) >= 3:
            return word[len(p):]
    if word.startswith("لل") and len(word) >= 5:  # ل + ال with the alef dropped
        return "ا" + word[1:]
    return word


def _shape(word: str) -> str:
    if is_arabic(word[0]):
        return "A"
    out = []
    for c in word[:6]:
        k = "X" if c.isupper() else "x" if c.islower() else "d" if c.isdigit() else c
        if not out or out[-1] != k:
            out.append(k)
    return "".join(out)


class Recogniser:
    """A trained CRF for one language, with its gazetteer of registry aliases."""

    def __init__(self, lang: str, model_path: str | Path, gazetteer: Gazetteer | None = None,
                 vocabulary: dict[str, int] | None = None) -> None:
        import pycrfsuite

        self.lang = lang
        self.tagger = pycrfsuite.Tagger()
        self.tagger.open(str(model_path))
        self.gazetteer = gazetteer if gazetteer is not None else registry_gazetteer()
        self.vocabulary = vocabulary if vocabulary is not None else word_counts(lang)
        self.word_info = functools.lru_cache(maxsize=200_000)(functools.partial(word_info, lang))

    def spans(self, text: str) -> list[NerSpan]:
        """Cleaned PER/LOC/ORG spans of a text, in order."""
        tokens = tokenize(text)
        out: list[NerSpan] = []
        needs_capital = self.lang != "ar"
        for sent in sentences(text, tokens):
            words = [text[s:e] for s, e in sent]
            if needs_capital and text[sent[0][0]:sent[-1][1]].islower():
                continue  # ``clean`` keeps no span without a capital letter: nothing to tag
            labels = self.tagger.tag(sentence_features(words, self.lang, self.gazetteer, self.word_info))
            out.extend(self._decode(text, sent, labels))
        return consistent_labels([s for s in out if s.key not in CALENDAR])

    def _decode(self, text: str, sent: list[tuple[int, int]], labels: list[str]) -> Iterator[NerSpan]:
        i = 0
        while i < len(labels):
            if labels[i] == "O":
                i += 1
                continue
            label = labels[i][2:]
            j = i + 1
            while j < len(labels) and labels[j] == "I-" + label:
                j += 1
            if label in TYPES:
                span = self.clean(text, sent[i][0], sent[j - 1][1], label)
                if span is not None:
                    yield span
            i = j

    def clean(self, text: str, start: int, end: int, label: str) -> NerSpan | None:
        """The span without what is not part of the name; None when no plausible name is left."""
        if self.lang == "ar":
            start += self.proclitic_length(text[start:end])
        if label == "PER" and self.lang == "en":
            start = self.skip_titles(text, start, end)
        raw = text[start:end]
        surface = clean_surface(raw, label)
        offset = raw.find(surface)
        if offset < 0:  # clean_surface collapsed a no-break space inside: keep the name as written
            surface = raw.strip()
            offset = raw.find(surface)
        if offset > 0:
            start += offset
        end = start + len(surface)
        if self.after_programme_word(text, start):
            return None
        letters = [c for c in surface if c.isalpha()]
        if len(letters) < 2 or (self.lang != "ar" and not letters[0].isupper() and not self.institution(surface, label)):
            return None
        return NerSpan(start, end, label, surface, fold(surface), "crf")

    def after_programme_word(self, text: str, start: int) -> bool:
        before = _BEFORE_NAME.search(text, max(0, start - 40), start)
        return before is not None and fold(before[1]) in PROGRAMME_WORDS[self.lang]

    def institution(self, surface: str, label: str) -> bool:
        """A French institution written in lower case (``ministère de l'Intérieur``, ``armée
        syrienne``): an ORG that starts with an institution head and is short, since a run-on
        span past the name also starts with its head."""
        words = fold(surface).replace("'", " ").split()
        return (self.lang == "fr" and label == "ORG" and 2 <= len(words) <= INSTITUTION_MAX_WORDS
                and words[0] in ORG_HEADS)

    @staticmethod
    def skip_titles(text: str, start: int, end: int) -> int:
        """Start of a person's name after the titles and roles the model kept in the span
        (``Admiral Elson Hermogino``, ``Assemblywoman Selena Torres``)."""
        while True:
            first, sep, rest = text[start:end].partition(" ")
            if not sep or fold(first).rstrip(".") not in PERSON_TITLES_EN:
                return start
            start += len(first) + len(sep)

    def proclitic_length(self, surface: str) -> int:
        """Characters of conjunction/preposition to drop from the start of an Arabic name: the
        stripped word must be the more frequent spelling in running text (``ومحمد`` -> ``محمد``,
        but ``وهران`` stays), or start with the article (``بالجزائر`` -> ``الجزائر``)."""
        first = surface.split(" ", 1)[0]
        key = fold(first)
        bare = strip_proclitics(key)
        if bare == key or len(key) != len(first):
            return 0
        cut = len(key) - len(bare)
        if bare.startswith("ال") and key[cut - 1:cut + 1] != "لل":
            return cut
        if key.startswith("لل"):
            return 0
        return cut if self.vocabulary.get(bare, 0) > self.vocabulary.get(key, 0) else 0


INSTITUTION_MAX_WORDS = 6  # "ministère de l'Éducation nationale"

# Day and month names: capitalised in English, never a PER/LOC/ORG alone.
CALENDAR = frozenset(fold(w) for w in """monday tuesday wednesday thursday friday saturday sunday january february
    march april may june july august september october november december""".split())


def consistent_labels(spans: list[NerSpan]) -> list[NerSpan]:
    """One type per name within a document: a surname of a person found in full is a person
    (``Pelosi`` after ``Nancy Pelosi``); otherwise a name takes its most frequent type there."""
    if len(spans) < 2:
        return spans
    votes: dict[str, Counter] = {}
    for s in spans:
        votes.setdefault(s.key, Counter())[s.label] += 1
    surnames = {" ".join(s.key.split()[-k:]) for s in spans if s.label == "PER"
                for k in range(1, len(s.key.split()))}
    out = []
    for s in spans:
        label = "PER" if s.key in surnames else votes[s.key].most_common(1)[0][0]
        out.append(s if label == s.label else NerSpan(s.start, s.end, label, s.surface, s.key, s.method))
    return out


def word_features(lang: str, word: str) -> tuple[str, ...]:
    """The features of a word on its own (cached per distinct word by ``Recogniser``)."""
    key = fold(word)
    feats = ["w=" + key, "s=" + _shape(word), "p3=" + key[:3], "x3=" + key[-3:], "x2=" + key[-2:]]
    counts = word_counts(lang)
    if lang == "ar":
        bare = strip_proclitics(key)
        core = bare[2:] if bare.startswith("ال") and len(bare) > 4 else bare
        feats += ["b=" + bare, "c=" + core, "cp3=" + core[:3], "cx3=" + core[-3:]]
        if bare != key:
            feats.append("pre=" + key[:len(key) - len(bare)])
        if bare.startswith("ال"):
            feats.append("al")
        if bare in TRIGGERS["ar"]:
            feats.append("trig")
        if bare in dictionary_words(lang):
            feats.append("dict")
        # Rare in running news text: transliterated foreign names (جانتلوني) and family names.
        n = counts.get(bare, 0)
    else:
        if key in TRIGGERS[lang]:
            feats.append("trig")
        if word[:1].isupper():
            feats.append("cap")
        if word.isupper() and len(word) > 1:
            feats.append("caps")
        # How often the word is written in lower case: common words start sentences, names do not.
        n = counts.get(key, 0)
    feats.append("f=" + ("0" if n == 0 else "1" if n < 5 else "2" if n < 50 else "3"))
    if len(key) <= 2:
        feats.append("short")
    return tuple(feats)


def context_form(features: tuple[str, ...], lang: str) -> str:
    """The form a neighbour contributes: the proclitic-free word in Arabic, the folded word otherwise."""
    return features[5][2:] if lang == "ar" else features[0][2:]


def gazetteer_tags(keys: list[str], bares: list[str], words: list[str], lang: str,
                   gazetteer: Gazetteer) -> list[str | None]:
    """``B-TYPE``/``I-TYPE`` where a registry alias matches the folded words (an Arabic first word
    with or without its proclitics), leftmost-longest."""
    tags: list[str | None] = [None] * len(keys)
    i, n = 0, len(keys)
    while i < n:
        hit = 0
        if lang != "ar" and not words[i][:1].isupper():
            i += 1
            continue
        firsts = (keys[i], bares[i]) if lang == "ar" else (keys[i],)
        for first in firsts:
            for rest, etype in gazetteer.get(first, ()):
                k = len(rest)
                if i + k < n and tuple(keys[i + 1:i + 1 + k]) == rest or not k:
                    tags[i] = "B-" + etype
                    for j in range(i + 1, i + 1 + k):
                        tags[j] = "I-" + etype
                    hit = k + 1
                    break
            if hit:
                break
        i += hit or 1
    return tags


class WordInfo(NamedTuple):
    """What one distinct word contributes to its own and its neighbours' features."""
    own: tuple[str, ...]
    key: str
    form: str
    around: tuple[str, str, str, str, str, str]  # as the word at -2, -1, +1, +2; shape at -1, +1
    trigger: bool


def word_info(lang: str, word: str) -> WordInfo:
    own = word_features(lang, word)
    form = context_form(own, lang)
    shape = own[1][2:]
    return WordInfo(own, own[0][2:], form, (f"w-2={form}", f"w-1={form}", f"w1={form}", f"w2={form}",
                                            f"s-1={shape}", f"s+1={shape}"), "trig" in own)


_EDGE = WordInfo((), "", "<s>", ("w-2=<s>", "w-1=<s>", "w1=<s>", "w2=<s>", "s-1=<s>", "s+1=<s>"), False)


def sentence_features(words: list[str], lang: str, gazetteer: Gazetteer, info=None) -> list[list[str]]:
    """Per token, its own features, its neighbours' (±2) and the gazetteer's. ``info`` is a
    (cached) ``word_info`` for the language; the loop only concatenates what it returns."""
    infos = [info(w) if info else word_info(lang, w) for w in words]
    gaz = gazetteer_tags([x.key for x in infos], [x.form for x in infos], words, lang, gazetteer)
    padded = [_EDGE, _EDGE, *infos, _EDGE, _EDGE]
    triggers = [x.trigger for x in padded]
    out = []
    for i, x in enumerate(infos):
        p2, p1, n1, n2 = padded[i], padded[i + 1], padded[i + 3], padded[i + 4]
        f = [*x.own, p2.around[0], p1.around[1], n1.around[2], n2.around[3], p1.around[4], n1.around[5],
             f"w-1w={p1.form}|{x.form}"]
        if p2.trigger:
            f.append("trig-2")
        if p1.trigger:
            f.append("trig-1")
        # a title three to five words back: "وزير الشؤون الخارجية : خميس الجهيناوي"
        if True in triggers[max(0, i - 3):i]:
            f.append("trig-w")
        if i == 0:
            f.append("bos")
        if gaz[i]:
            f.append("g=" + gaz[i])
        out.append(f)
    return out


@functools.cache
def registry_gazetteer(registry_dir: str | None = None) -> Gazetteer:
    """Every PER/LOC/ORG alias of the registry as folded words, indexed by its first word."""
    from analysis.entities.registry import load_registry

    registry = load_registry(registry_dir)
    seen: dict[tuple[str, ...], str] = {}
    for a in registry.aliases:
        etype = registry.entities[a.entity_id].type
        if etype in TYPES and not a.strict:
            words = tuple(fold(a.alias[s:e]) for s, e in tokenize(a.alias))
            if 0 < len(words) <= GAZ_MAX:
                seen.setdefault(words, etype)
    out: Gazetteer = {}
    for words, etype in sorted(seen.items(), key=lambda kv: (-len(kv[0]), kv[0])):
        out.setdefault(words[0], []).append((words[1:], etype))
    return out


def model_dir() -> Path:
    return Path(str(resources.files("analysis").joinpath("data", "models")))


@functools.cache
def word_counts(lang: str) -> dict[str, int]:
    """Folded word -> count in running text (``<lang>-words.tsv``, shipped with the models):
    every Arabic word; English and French words as written in lower case."""
    path = model_dir() / f"{lang}-words.tsv"
    out = {}
    if path.exists():  # absent only while ``train`` builds it
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                word, _, n = line.rstrip("\n").partition("\t")
                out[word] = int(n)
    return out


@functools.cache
def dictionary_words(lang: str) -> frozenset[str]:
    """Arabic words of the corpus whose form without article is in simplemma's lexicon
    (``ar-dictionary.txt``): common nouns and adjectives, rarely names."""
    path = model_dir() / f"{lang}-dictionary.txt"
    return frozenset(path.read_text(encoding="utf-8").split()) if path.exists() else frozenset()


# lang -> the recogniser in use in this process; ``train`` puts a fold's model here to score it.
RECOGNISERS: dict[str, Recogniser] = {}


def recogniser(lang: str) -> Recogniser:
    """The shipped recogniser of a language (loaded once per process)."""
    if lang not in RECOGNISERS:
        path = model_dir() / f"ner-{lang}.crfsuite"
        if not path.exists():
            raise DataFileError(f"no NER model at {path}; rebuild it with `python -m analysis.entities.train`")
        RECOGNISERS[lang] = Recogniser(lang, path)
    return RECOGNISERS[lang]


def crf_spans(texts: Iterable[str], lang: str) -> Iterator[list[NerSpan]]:
    """For each text, its cleaned CRF spans (in order)."""
    rec = recogniser(lang)
    for text in texts:
        yield rec.spans(text)
