"""The taxonomy scorer: weighted multilingual keywords -> topic scores and a primary topic.

The taxonomy is data (analysis/data/topics/: topics.yaml, keywords/<lang>.yaml); this module
compiles it into per-language lookup tables keyed by the normalised keys of
``analysis.topics.text`` and scores texts in pure Python (dict lookups, no regex per
keyword), which is what makes thousands of articles per second possible.

Scoring (also written at the top of topics.yaml): every matched keyword adds
``weight × (1 + ln(count))``, where an occurrence in the title counts ``title_weight`` times;
at each word the longest matching phrase wins and consumes its words. A negative weight is
context against a topic (figure-skating words against Culture's "artistique"/"danse"); a
topic's total below zero counts as zero. The primary topic is the best topic when its score
reaches ``min_score``, ``min_share`` of all topics' scores and ``min_lead`` times the runner-up's.
"""

from __future__ import annotations

import hashlib
import logging
import math
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from itertools import compress
from pathlib import Path

import numpy as np
import yaml

from analysis.errors import DataFileError, InvalidArgument
from analysis.topics import text as textmod
from analysis.topics import wordids

log = logging.getLogger(__name__)

KINDS = ("article", "headline")


@dataclass(frozen=True)
class Thresholds:
    min_score: float
    min_share: float
    min_lead: float = 1.0  # best / runner-up: two close topics are weak evidence for either


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
        self._table: _Table | None = None
        self._topic_weights: tuple | None = None

    def lookup(self, word: str) -> tuple:
        """What a normalised word means to this lexicon: (key, unigram term or None, phrase
        table or None, Arabic fallback key or None)."""
        if word == wordids.SEPARATOR:
            return _NOTHING
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
        return key, term, seconds, alt

    def topic_weights(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``terms`` as arrays: term t's (topic, weight) pairs are topics/weights[offsets[t]:offsets[t + 1]]."""
        if self._topic_weights is None:
            lengths = [len(pairs) for pairs in self.terms]
            self._topic_weights = (np.cumsum([0] + lengths),
                                   np.array([t for pairs in self.terms for t, _ in pairs], dtype=np.int64),
                                   np.array([w for pairs in self.terms for _, w in pairs], dtype=np.float64))
        return self._topic_weights

    def table(self) -> _Table:
        """``lookup`` of every word of the language's vocabulary, as arrays by word id."""
        vocab = wordids.vocabulary(self.lang)
        table = self._table
        if table is None or table.generation != vocab.generation:
            table = self._table = _Table(self, vocab.generation)
        if table.size < len(vocab.words):
            table.extend(vocab.words[table.size:])
        return table


_NOTHING = (wordids.SEPARATOR, None, None, None)


class _Table:
    """A lexicon's view of a vocabulary, by word id: ``term`` (the word's unigram term, -1 for
    none); ``first`` (when a phrase starts with the word's key, that key's code, else -1);
    ``second`` and ``alt`` (the codes of the word's key and of its Arabic fallback key among
    the phrases' keys, K — their number — when none); ``entries`` (the lookup tuples).
    ``pairs[first, second]`` says whether some phrase starts with that pair of keys (a K × K+1
    table, a few MB): a text's words that can start a phrase are found with array operations,
    and only those are walked in Python."""

    def __init__(self, lex: Lexicon, generation: int):
        self.lex, self.generation, self.size = lex, generation, 0
        self.entries: list[tuple] = []
        self.codes = {}
        for first, seconds in lex.phrases.items():
            for second, options in seconds.items():
                for keys, _ in options:
                    for key in keys:
                        self.codes.setdefault(key, len(self.codes))
        self.none = len(self.codes)
        self.pairs = np.zeros((self.none, self.none + 1), dtype=bool)
        for first, seconds in lex.phrases.items():
            for second in seconds:
                self.pairs[self.codes[first], self.codes[second]] = True
        self.longest = max((len(keys) for seconds in lex.phrases.values() for options in seconds.values()
                            for keys, _ in options), default=2)
        self._fill = {"term": -1, "first": -1, "second": self.none, "alt": self.none}
        for name, fill in self._fill.items():
            setattr(self, name, np.full(1024, fill, dtype=np.int32))

    def extend(self, words: list[str]) -> None:
        entries = [self.lex.lookup(w) for w in words]
        codes, none = self.codes, self.none
        columns = {"term": [-1 if e[1] is None else e[1] for e in entries],
                   "first": [-1 if e[2] is None else codes[e[0]] for e in entries],
                   "second": [codes.get(e[0], none) for e in entries],
                   "alt": [codes.get(e[3], none) for e in entries]}
        size = self.size + len(entries)
        if size > len(self.term):
            for name in columns:
                setattr(self, name, wordids.grown(getattr(self, name), size, self._fill[name]))
        for name, values in columns.items():
            getattr(self, name)[self.size:size] = values
        self.entries += entries
        self.size = size


@dataclass
class Taxonomy:
    version: str
    topic_ids: tuple[str, ...]
    labels: dict[str, dict[str, str]]
    thresholds: dict[str, Thresholds]
    store_min_score: float
    title_weight: float
    lexicons: dict[str, Lexicon]
    families: tuple[str, ...] = ()  # per topic index: its family, or its own id

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
        raise DataFileError(f"{folder / 'topics.yaml'} lists a topic id twice")
    labels = {t["id"]: dict(t["labels"]) for t in topics}
    for tid, lab in labels.items():
        missing = [lang for lang in textmod.LANGS if not lab.get(lang)]
        if missing:
            raise DataFileError(f"topic {tid!r} has no label in {', '.join(missing)}; add it to topics.yaml")
    th = meta["thresholds"]
    thresholds = {kind: Thresholds(float(th[kind]["min_score"]), float(th[kind]["min_share"]),
                                   float(th[kind].get("min_lead", 1.0))) for kind in KINDS}
    index = {tid: i for i, tid in enumerate(ids)}
    sources = {}
    for lang in textmod.LANGS:
        path = folder / "keywords" / f"{lang}.yaml"
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        unknown = sorted(set(raw) - set(index))
        if unknown:
            raise DataFileError(f"{path} has keywords for unknown topic(s) {', '.join(unknown)}; add them to topics.yaml")
        sources[lang] = (raw, path)
    families = tuple(str(t.get("family") or t["id"]) for t in topics)
    return Taxonomy(version=_files_digest(folder), topic_ids=ids, labels=labels, thresholds=thresholds,
                    families=families,
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
            if not -5 <= weight <= 5:
                raise DataFileError(f"{path}: weight {weight} for {topic!r} is outside -5..5")
            for word in words or []:
                word = str(word)
                if word.startswith("="):
                    # "=Irán": match this written word exactly (lower case, normalised), not its
                    # lemma, for names the lemmatiser turns into common words (Irán -> ir "to go")
                    written = textmod.words(word[1:], lang)
                    if len(written) != 1:
                        raise DataFileError(f"{path}: exact keyword {word!r} of {topic!r} must be one word")
                    keys = ("=" + written[0],)
                else:
                    keys = textmod.phrase_keys(word, lang)
                if not keys:
                    log.warning("%s: keyword %r of %s has no word of two or more characters; ignored",
                                path.name, word, topic)
                    continue
                slot = entries.setdefault(keys, {})
                # a word listed twice for a topic keeps its strongest weight, negative or positive
                slot[index[topic]] = max(weight, slot.get(index[topic], weight), key=abs)
                surfaces.setdefault(keys, str(word))
    lex = Lexicon(lang=lang)
    for keys, topics in entries.items():
        term = len(lex.terms)
        lex.terms.append(tuple((t, w) for t, w in sorted(topics.items()) if w != 0))
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
    _, terms = keyword_hits(lex, wordids.vocabulary(lex.lang).ids(words))
    for term in terms.tolist():
        counts[term] = counts.get(term, 0.0) + weight


def keyword_hits(lex: Lexicon, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions and terms of the keywords of a text given as word ids
    (``wordids.Vocabulary``), in text order: at each word the longest phrase starting
    there wins and consumes its words; otherwise the word's own term counts.

    Done with arrays: every word's term by gathering; the words that start a phrase whose
    second word follows them (``_Table.pairs``) are the only ones walked in Python, in order
    (few words of an article start a phrase), over a work item's documents at once.
    """
    table = lex.table()
    terms = table.term[ids]
    starts = np.flatnonzero(table.first[ids[:-1]] >= 0)
    if starts.size:
        after, first = ids[starts + 1], table.first[ids[starts]]
        starts = starts[table.pairs[first, table.second[after]] | table.pairs[first, table.alt[after]]]
    entries, longest = table.entries, table.longest
    free = 0
    for j in starts.tolist():
        if j < free:
            continue
        info = [entries[w] for w in ids[j:j + longest].tolist()]
        nxt = info[1]
        for keys, phrase in info[0][2].get(nxt[0]) or info[0][2].get(nxt[3]) or ():
            size = len(keys)
            if size <= len(info) and all(info[o][0] == keys[o] or info[o][3] == keys[o] for o in range(2, size)):
                terms[j] = phrase  # the phrase counts where it starts; its other words are used up
                terms[j + 1:j + size] = -1
                free = j + size
                break
    positions = np.flatnonzero(terms >= 0)
    return positions, terms[positions]


def score_text(tax: Taxonomy, *, title: str | None, body: str | None, lang: str | None,
               kind: str = "article") -> Scored:
    """Topic scores and primary topic of one article (title + body) or headline (title only)."""
    return score_texts(tax, [(title, body, lang)], kind=kind)[0]


def score_texts(tax: Taxonomy, docs: list[tuple[str | None, str | None, str | None]], *,
                kind: str = "article") -> list[Scored]:
    """``score_text`` of many (title, body, lang) documents, in their order: split into word
    ids together and scored a language at a time (``score_ids``), because NumPy's cost per
    call would be most of the work one document at a time."""
    if kind not in KINDS:
        raise InvalidArgument(f"kind must be 'article' or 'headline', not {kind!r}")
    langs = [scoring_lang(tax, title=title, body=body, lang=lang) for title, body, lang in docs]
    return score_split(tax, wordids.document_ids([(title, body) for title, body, _ in docs], langs), langs,
                       kind=kind)


def score_split(tax: Taxonomy, split: list[tuple[np.ndarray, int]], langs: list[str], *, kind: str = "article",
                wanted: list[bool] | None = None) -> list[Scored | None]:
    """``score_ids`` of documents already split into word ids, each in its language (a
    language of the taxonomy), a language at a time, in their order; None for a document
    ``wanted`` leaves out (the topics stage splits some only for model topics)."""
    wanted = wanted if wanted is not None else [True] * len(split)
    out: list = [None] * len(split)
    for lang in dict.fromkeys(compress(langs, wanted)):
        at = [i for i, (doc_lang, w) in enumerate(zip(langs, wanted)) if w and doc_lang == lang]
        for i, scored in zip(at, score_ids(tax, [split[i] for i in at], lang=lang, kind=kind)):
            out[i] = scored
    return out


def scoring_lang(tax: Taxonomy, *, title: str | None, body: str | None, lang: str | None) -> str:
    """The lexicon a document is scored with: its own language, guessed when it has none we know."""
    if lang in tax.lexicons:
        return lang
    return textmod.guess_lang(f"{title or ''} {body or ''}"[:2000])


def score_ids(tax: Taxonomy, docs: list[tuple[np.ndarray, int]], *, lang: str, kind: str = "article") -> list[Scored]:
    """``score_text`` of documents given as word ids and their number of title words
    (``wordids.document_ids``: title, SEPARATOR, body), all split in ``lang``, a language of
    the taxonomy. Their keywords are found in one pass over all their ids (NumPy's cost is per
    call more than per word), separated so no phrase runs from one into
    the next; their topic totals are summed in NumPy too, in the order ``decide`` sums them
    (so the floats are the same), and only the ranking is done per document."""
    if not docs:
        return []
    lex = tax.lexicons[lang]
    gap = np.zeros(1, dtype=np.int32)
    joined = np.concatenate([part for ids, _ in docs for part in (ids, gap)])
    starts = np.cumsum([0] + [len(ids) + 1 for ids, _ in docs])
    positions, terms = keyword_hits(lex, joined)
    doc = np.searchsorted(starts, positions, side="right") - 1
    title_ends = starts[:-1] + np.array([n_title for _, n_title in docs], dtype=np.int64)
    weights = np.where(positions < title_ends[doc], tax.title_weight if kind == "article" else 1.0, 1.0)
    # Each document's count of each term (bincount adds in text order, as the counting dict
    # did), then its terms in order of first occurrence, the order decide goes through them.
    n_terms, n_topics = len(lex.terms), len(tax.topic_ids)
    pairs, first, which = np.unique(doc * n_terms + terms, return_index=True, return_inverse=True)
    counts = np.bincount(which, weights=weights, minlength=len(pairs))
    order = np.argsort(first)
    pair_doc, pair_term, counts = pairs[order] // n_terms, pairs[order] % n_terms, counts[order]
    values, at = np.unique(counts, return_inverse=True)
    boosts = np.array([1.0 + math.log(c) if c >= 1.0 else c for c in values.tolist()])[at]
    # Every (term, topic, weight) of those terms, summed per document and topic (bincount adds
    # in the order given, one by one, from 0.0: the floats of decide's loop).
    offsets, topics, topic_weights = lex.topic_weights()
    lengths = offsets[pair_term + 1] - offsets[pair_term]
    pair = np.repeat(np.arange(len(pair_term)), lengths)
    flat = np.repeat(offsets[pair_term], lengths) + np.arange(len(pair)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    totals = np.bincount(pair_doc[pair] * n_topics + topics[flat], weights=topic_weights[flat] * boosts[pair],
                         minlength=len(docs) * n_topics)
    return [_ranked(tax, row, kind) for row in totals.reshape(len(docs), n_topics).tolist()]


def decide(tax: Taxonomy, counts: dict[int, float], lang: str, kind: str) -> Scored:
    """Scores and primary topic from keyword counts (term -> count, in the order found)."""
    if not counts:
        return Scored((), None)
    terms = tax.lexicons[lang].terms
    totals = [0.0] * len(tax.topic_ids)
    for term, count in counts.items():
        boost = 1.0 + math.log(count) if count >= 1.0 else count
        for topic, weight in terms[term]:
            totals[topic] += weight * boost
    return _ranked(tax, totals, kind)


def _ranked(tax: Taxonomy, totals: list[float], kind: str) -> Scored:
    ranked = sorted(((s, -i) for i, s in enumerate(totals) if s > 0), reverse=True)
    if not ranked:
        return Scored((), None)
    th = tax.thresholds[kind]
    best, best_i = ranked[0]
    overall = sum(s for s, _ in ranked)
    family = tax.families[-best_i] if tax.families else None
    runner_up = next((s for s, i in ranked[1:] if not tax.families or tax.families[-i] != family), 0.0)
    strong = best >= th.min_score and best >= th.min_share * overall and best >= th.min_lead * runner_up
    primary = tax.topic_ids[-best_i] if strong else None
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
