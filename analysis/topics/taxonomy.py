"""The taxonomy scorer: weighted multilingual keywords -> topic scores and a primary topic.

The taxonomy is data (analysis/data/topics/: topics.yaml, keywords/<lang>.yaml); this module
compiles it into per-language lookup tables keyed by the normalised keys of
``analysis.topics.text`` and scores texts in pure Python (dict lookups, no regex per
keyword), which is what makes thousands of articles per second possible.

Scoring (also written at the top of topics.yaml): every matched keyword adds
``weight × (1 + ln(count))``, where an occurrence in the title counts ``title_weight`` times;
at each word the longest matching phrase wins and consumes its words. The primary topic is
the best topic when its score reaches ``min_score`` and ``min_share`` of all topics' scores.
"""

from __future__ import annotations

import hashlib
import logging
import math
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml

from analysis.topics import text as textmod

log = logging.getLogger(__name__)

KINDS = ("article", "headline")
WORD_CACHE_LIMIT = 400_000


@dataclass(frozen=True)
class Thresholds:
    min_score: float
    min_share: float


@dataclass
class Lexicon:
    """Compiled keywords of one language."""

    unigrams: dict[str, int] = field(default_factory=dict)          # key -> term index
    # first key -> second key -> [(all keys, term)], longest first
    phrases: dict[str, dict[str, list[tuple[tuple[str, ...], int]]]] = field(default_factory=dict)
    terms: list[tuple[tuple[int, float], ...]] = field(default_factory=list)  # term -> ((topic index, weight), ...)
    surfaces: list[str] = field(default_factory=list)               # term -> the keyword as written
    lang: str = ""
    exact: dict[str, int] = field(default_factory=dict)             # "=word" keywords: normalised word -> term

    def __post_init__(self):
        # normalised word -> (key, unigram term or None, phrase table or None, Arabic fallback key or None)
        self.words = _WordMap(self)

    def lookup(self, word: str) -> tuple:
        """What a normalised word means to this lexicon (computed once per distinct word)."""
        key = textmod.word_key(word, self.lang)
        term, seconds, alt = self.unigrams.get(key), self.phrases.get(key), None
        if self.lang == "ar":
            alt = textmod.ar_fallback(word)
            if term is None and seconds is None and alt is not None:
                alt_term, alt_seconds = self.unigrams.get(alt), self.phrases.get(alt)
                if alt_term is not None or alt_seconds is not None:
                    key, term, seconds = alt, alt_term, alt_seconds
        if term is None and seconds is None:
            term = self.exact.get(word)
        entry = (key, term, seconds, alt)
        if len(self.words) > WORD_CACHE_LIMIT:
            self.words.clear()
        self.words[word] = entry
        return entry


class _WordMap(dict):
    """Word -> Lexicon.lookup(word), computed on first use; known words are a C-level lookup."""

    def __init__(self, lexicon: Lexicon):
        super().__init__()
        self.lexicon = lexicon

    def __missing__(self, word: str) -> tuple:
        return self.lexicon.lookup(word)


@dataclass
class Taxonomy:
    version: str
    topic_ids: tuple[str, ...]
    labels: dict[str, dict[str, str]]
    thresholds: dict[str, Thresholds]
    store_min_score: float
    title_weight: float
    lexicons: dict[str, Lexicon]

    def label(self, topic_id: str, lang: str = "en") -> str:
        return self.labels[topic_id].get(lang) or self.labels[topic_id]["en"]


@dataclass(frozen=True)
class Scored:
    """Topic scores of one text: ``scores`` holds topics >= store_min_score, best first."""

    scores: tuple[tuple[str, float], ...]
    primary: str | None


def data_dir() -> Path:
    return Path(str(resources.files("analysis").joinpath("data", "topics")))


def _files_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted([folder / "topics.yaml", *sorted((folder / "keywords").glob("*.yaml"))]):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def load_taxonomy(folder: str | Path | None = None) -> Taxonomy:
    """Read and compile the taxonomy files (cached per folder for the default folder)."""
    if folder is None:
        return _default_taxonomy()
    return _load(Path(folder))


@lru_cache(maxsize=1)
def _default_taxonomy() -> Taxonomy:
    return _load(data_dir())


def _load(folder: Path) -> Taxonomy:
    meta = yaml.safe_load((folder / "topics.yaml").read_text(encoding="utf-8"))
    topics = meta.get("topics") or []
    ids = tuple(t["id"] for t in topics)
    if len(set(ids)) != len(ids):
        raise ValueError(f"{folder / 'topics.yaml'} lists a topic id twice")
    labels = {t["id"]: dict(t["labels"]) for t in topics}
    for tid, lab in labels.items():
        missing = [lang for lang in textmod.LANGS if not lab.get(lang)]
        if missing:
            raise ValueError(f"topic {tid!r} has no label in {', '.join(missing)}; add it to topics.yaml")
    th = meta["thresholds"]
    thresholds = {kind: Thresholds(float(th[kind]["min_score"]), float(th[kind]["min_share"])) for kind in KINDS}
    index = {tid: i for i, tid in enumerate(ids)}
    sources = {}
    for lang in textmod.LANGS:
        path = folder / "keywords" / f"{lang}.yaml"
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        unknown = sorted(set(raw) - set(index))
        if unknown:
            raise ValueError(f"{path} has keywords for unknown topic(s) {', '.join(unknown)}; add them to topics.yaml")
        sources[lang] = (raw, path)
    return Taxonomy(version=_files_digest(folder), topic_ids=ids, labels=labels, thresholds=thresholds,
                    store_min_score=float(th["store_min_score"]), title_weight=float(th["title_weight"]),
                    lexicons=_Lexicons(sources, index))


class _Lexicons(dict):
    """Language -> compiled Lexicon, compiled on first use: lemmatising a language's keywords
    loads its simplemma dictionary (~1 s), which Arabic-only work never needs."""

    def __init__(self, sources: dict, index: dict[str, int]):
        super().__init__()
        self._sources, self._index = sources, index

    def __missing__(self, lang: str) -> Lexicon:
        if lang not in self._sources:
            raise KeyError(lang)
        raw, path = self._sources[lang]
        lexicon = self[lang] = _compile(raw, lang, self._index, path)
        return lexicon

    def __contains__(self, lang) -> bool:
        return lang in self._sources

    def compile_all(self) -> None:
        for lang in self._sources:
            self[lang]


def _compile(raw: dict, lang: str, index: dict[str, int], path: Path) -> Lexicon:
    # keys -> {topic index: weight}; the same word listed twice for a topic keeps its highest weight
    entries: dict[tuple[str, ...], dict[int, float]] = {}
    surfaces: dict[tuple[str, ...], str] = {}
    for topic, groups in raw.items():
        for weight, words in (groups or {}).items():
            weight = float(weight)
            if not 0 <= weight <= 5:
                raise ValueError(f"{path}: weight {weight} for {topic!r} is outside 0..5")
            for word in words or []:
                word = str(word)
                if word.startswith("="):
                    # "=Irán": match this written word exactly (lower case, normalised), not its
                    # lemma, for names the lemmatiser turns into common words (Irán -> ir "to go")
                    written = textmod.words(word[1:], lang)
                    if len(written) != 1:
                        raise ValueError(f"{path}: exact keyword {word!r} of {topic!r} must be one word")
                    keys = ("=" + written[0],)
                else:
                    keys = textmod.phrase_keys(word, lang)
                if not keys:
                    log.warning("%s: keyword %r of %s has no word of two or more characters; ignored",
                                path.name, word, topic)
                    continue
                slot = entries.setdefault(keys, {})
                slot[index[topic]] = max(weight, slot.get(index[topic], 0.0))
                surfaces.setdefault(keys, str(word))
    lex = Lexicon(lang=lang)
    for keys, topics in entries.items():
        term = len(lex.terms)
        lex.terms.append(tuple((t, w) for t, w in sorted(topics.items()) if w > 0))
        lex.surfaces.append(surfaces[keys])
        if keys[0].startswith("="):
            lex.exact[keys[0][1:]] = term
        elif len(keys) == 1:
            lex.unigrams[keys[0]] = term
        else:
            lex.phrases.setdefault(keys[0], {}).setdefault(keys[1], []).append((keys, term))
    for seconds in lex.phrases.values():
        for options in seconds.values():
            options.sort(key=lambda item: -len(item[0]))
    return lex


def match_terms(tax: Taxonomy, text: str, lang: str, counts: dict[int, float], weight: float = 1.0) -> None:
    """Add ``weight`` to ``counts[term]`` for every keyword occurrence in ``text``.

    At each word the longest phrase starting there wins and consumes its words; otherwise
    the word's own key is looked up. Arabic words unknown to the lexicon get a second
    chance without their leading proclitic (text.ar_fallback). Each distinct word is
    resolved once (Lexicon.lookup); per text, only words that start a keyword are visited.
    """
    match_words(tax.lexicons[lang], textmod.words(text, lang), counts, weight)


def match_words(lex: Lexicon, words: list[str], counts: dict[int, float], weight: float = 1.0) -> None:
    """``match_terms`` of a text already split into normalised words (``textmod.words``)."""
    info = list(map(lex.words.__getitem__, words))
    n = len(info)
    free = 0
    for j in [j for j, e in enumerate(info) if e[1] is not None or e[2] is not None]:
        if j < free:
            continue
        _, term, seconds, _ = info[j]
        if seconds is not None and j + 1 < n:
            nxt = info[j + 1]
            options = seconds.get(nxt[0]) or (seconds.get(nxt[3]) if nxt[3] else None)
            if options:
                for keys, phrase in options:
                    size = len(keys)
                    if j + size <= n and all(info[j + o][0] == keys[o] or info[j + o][3] == keys[o]
                                             for o in range(2, size)):
                        counts[phrase] = counts.get(phrase, 0.0) + weight
                        free = j + size
                        break
                if free > j:
                    continue
        if term is not None:
            counts[term] = counts.get(term, 0.0) + weight
            free = j + 1


def score_text(tax: Taxonomy, *, title: str | None, body: str | None, lang: str | None,
               kind: str = "article") -> Scored:
    """Topic scores and primary topic of one article (title + body) or headline (title only)."""
    if kind not in KINDS:
        raise ValueError(f"kind must be 'article' or 'headline', not {kind!r}")
    lang = scoring_lang(tax, title=title, body=body, lang=lang)
    return score_words(tax, textmod.words(title or "", lang), textmod.words(body or "", lang), lang=lang, kind=kind)


def scoring_lang(tax: Taxonomy, *, title: str | None, body: str | None, lang: str | None) -> str:
    """The lexicon a document is scored with: its own language, guessed when it has none we know."""
    if lang in tax.lexicons:
        return lang
    return textmod.guess_lang(f"{title or ''} {body or ''}"[:2000])


def score_words(tax: Taxonomy, title_words: list[str], body_words: list[str], *, lang: str,
                kind: str = "article") -> Scored:
    """``score_text`` of a title and body already split into words (``textmod.words`` with
    ``lang``, a language of the taxonomy): the topics stage splits an article once for the
    taxonomy and the discovery model."""
    lex = tax.lexicons[lang]
    counts: dict[int, float] = {}
    match_words(lex, title_words, counts, tax.title_weight if kind == "article" else 1.0)
    match_words(lex, body_words, counts, 1.0)
    return _decide(tax, counts, lang, kind)


def _decide(tax: Taxonomy, counts: dict[int, float], lang: str, kind: str) -> Scored:
    if not counts:
        return Scored((), None)
    terms = tax.lexicons[lang].terms
    totals = [0.0] * len(tax.topic_ids)
    for term, count in counts.items():
        boost = 1.0 + math.log(count) if count >= 1.0 else count
        for topic, weight in terms[term]:
            totals[topic] += weight * boost
    ranked = sorted(((s, -i) for i, s in enumerate(totals) if s > 0), reverse=True)
    if not ranked:
        return Scored((), None)
    th = tax.thresholds[kind]
    best, best_i = ranked[0]
    overall = sum(s for s, _ in ranked)
    primary = tax.topic_ids[-best_i] if best >= th.min_score and best >= th.min_share * overall else None
    kept = tuple((tax.topic_ids[-i], round(s, 4)) for s, i in ranked if s >= tax.store_min_score)
    return Scored(kept, primary)


def explain(tax: Taxonomy, *, title: str | None, body: str | None, lang: str) -> list[dict]:
    """Which keywords fired for which topic (for reviewers tuning the files)."""
    counts: dict[int, float] = {}
    if title:
        match_terms(tax, title, lang, counts, tax.title_weight)
    if body:
        match_terms(tax, body, lang, counts, 1.0)
    lex = tax.lexicons[lang]
    rows = []
    for term, count in sorted(counts.items()):
        for topic, weight in lex.terms[term]:
            rows.append({"topic": tax.topic_ids[topic], "keyword": lex.surfaces[term], "count": count,
                         "weight": weight, "contribution": round(weight * (1 + math.log(max(count, 1.0))), 4)})
    return sorted(rows, key=lambda r: (-r["contribution"], r["topic"]))
