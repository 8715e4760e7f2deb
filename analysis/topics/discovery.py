"""Topic discovery: TF-IDF on lemma keys + NMF per language, deterministic for the same input.

Reveals themes the taxonomy misses. Documents become lists of lemma keys (the same keys as
the taxonomy, minus stop words: spaCy's lists plus news boilerplate from
analysis/data/topics/stopwords/); scikit-learn's TfidfVectorizer weighs them (sublinear tf,
document-frequency filtering) and NMF (or MiniBatchNMF above ``MINIBATCH_ABOVE`` documents)
with ``init="nndsvda"`` and a fixed ``random_state`` factorises them. Same documents in the
same order and same parameters give the same topics.

Pure computation: no database here (see stage.py for storage).
"""

from __future__ import annotations

import io
import logging
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import repeat

import numpy as np
from threadpoolctl import threadpool_limits

from analysis.errors import InvalidArgument
from analysis.topics import text as textmod
from analysis.topics import wordids

log = logging.getLogger(__name__)

MINIBATCH_ABOVE = 20_000
DEFAULTS = {
    "max_topics": 20,
    "docs_per_topic": 40,       # small corpora get fewer topics: n_docs // 40, at least 2
    "min_df": 3,
    "max_df": 0.5,
    "max_features": 10_000,
    "seed": 0,
    "max_iter": 400,
    "tol": 1e-4,
    "batch_size": 2048,
    "minibatch_epochs": 20,
    # a sentence is an outlet's boilerplate when this many of its articles, and this share of
    # them, repeat it (disclaimers, newsletter calls, datelines): stripped before fitting
    "boilerplate_min_articles": 5,
    "boilerplate_min_share": 0.02,
}


class TooLittleText(InvalidArgument):
    """The documents of a language cannot support a model (too few, or too few terms once
    boilerplate and rare words are pruned): the stage skips that language, not the run."""


@dataclass
class Model:
    lang: str
    method: str
    params: dict
    vectorizer: object               # fitted TfidfVectorizer (vocabulary and idf)
    components: np.ndarray           # NMF H: topics x terms
    keys: np.ndarray                 # vocabulary keys, column order
    doc_topic: np.ndarray | None     # normalised W of the fitted documents (rows sum to 1 or 0)
    reconstruction_error: float | None
    seconds: float
    _columns: tuple | None = field(default=None, init=False, repr=False, compare=False)

    def column_table(self) -> np.ndarray:
        """1 + this model's column of every word of the language's vocabulary, by word id
        (0: not a feature of the model); extended as the vocabulary grows."""
        vocab = wordids.vocabulary(self.lang)
        generation, table, size = self._columns or (None, None, 0)
        if generation != vocab.generation:
            table, size = np.zeros(1024, dtype=np.int32), 0
        if size < len(vocab.words):
            keys, columns = _feature_map(self.lang), self.vectorizer.vocabulary_
            new = [columns.get(keys[w], -1) + 1 if w else 0 for w in vocab.words[size:]]
            if size + len(new) > len(table):
                table = wordids.grown(table, size + len(new))
            table[size:size + len(new)] = new
            size += len(new)
        self._columns = vocab.generation, table, size
        return table

    @property
    def n_topics(self) -> int:
        return int(self.components.shape[0])

    def to_state(self) -> bytes:
        """The model as .npz bytes (no pickle): keys, idf, components."""
        buffer = io.BytesIO()
        np.savez_compressed(buffer, keys=self.keys.astype(str), idf=self.vectorizer.idf_.astype(np.float32),
                            components=self.components.astype(np.float32))
        return buffer.getvalue()

    @classmethod
    def from_state(cls, state: bytes, *, lang: str, method: str, params: dict) -> Model:
        with np.load(io.BytesIO(state), allow_pickle=False) as arrays:
            keys, idf, components = arrays["keys"], arrays["idf"], arrays["components"]
        vectorizer = _vectorizer(vocabulary={str(k): i for i, k in enumerate(keys)})
        vectorizer.idf_ = idf
        return cls(lang=lang, method=method, params=params, vectorizer=vectorizer, components=components,
                   keys=keys, doc_topic=None, reconstruction_error=None, seconds=0.0)


def _identity(doc):
    return doc


def _vectorizer(**options):
    """scikit-learn's TfidfVectorizer over documents that are already key lists."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(analyzer=_identity, lowercase=False, sublinear_tf=True, dtype=np.float32, **options)


class _FeatureMap(dict):
    """Normalised word -> discovery key, or "" for words that are not features (stop words,
    numbers, 1-letter keys; Arabic words whose proclitic-less form is a stop word, "وأضاف").
    Resolved once per distinct word; lookups of known words stay in C (dict.__getitem__)."""

    def __init__(self, lang: str):
        super().__init__()
        self.lang = lang
        self.stops = textmod.stop_keys(lang)

    def __missing__(self, word: str) -> str:
        key = textmod.word_key(word, self.lang)
        if key in self.stops or len(key) < 2 or key[0].isdigit():
            key = ""
        elif self.lang == "ar" and textmod.ar_fallback(word) in self.stops:
            key = ""
        if len(self) > 400_000:
            self.clear()
        self[word] = key
        return key


_feature_maps: dict[str, _FeatureMap] = {}


def _feature_map(lang: str) -> _FeatureMap:
    fmap = _feature_maps.get(lang)
    if fmap is None:
        fmap = _feature_maps[lang] = _FeatureMap(lang)
    return fmap


def features(title: str | None, body: str | None, lang: str) -> list[str]:
    """Lemma keys of an article for discovery: stop words, numbers and 1-letter keys dropped."""
    ws = textmod.words(f"{title or ''}\n{body or ''}", lang)
    return list(filter(None, map(_feature_map(lang).__getitem__, ws)))


def word_columns(model: Model, words: Iterable[str]) -> np.ndarray:
    """1 + the model columns of a document's normalised words (``textmod.words``), the words
    the model does not use left out: what ``project`` takes. Same terms as ``features``."""
    return id_columns(model, wordids.vocabulary(model.lang).ids(list(words)))


def id_columns(model: Model, ids: np.ndarray) -> np.ndarray:
    """``word_columns`` of a document given as word ids (``wordids.Vocabulary``)."""
    columns = model.column_table()[ids]
    return columns[columns > 0]


def choose_n_topics(n_docs: int, *, max_topics: int = 20, docs_per_topic: int = 40) -> int:
    return max(2, min(max_topics, n_docs // docs_per_topic))


def fit(docs: Sequence[list[str]], lang: str, *, n_topics: int | None = None, **options) -> Model:
    """Fit TF-IDF + NMF on documents given as key lists (see ``features``).

    Options (defaults in DEFAULTS): max_topics, docs_per_topic, min_df, max_df, max_features,
    seed, max_iter, tol, batch_size, minibatch_epochs. Raises TooLittleText when there is
    too little text (too few documents, or too few terms left after document-frequency pruning).
    """
    import sklearn
    from sklearn.decomposition import NMF, MiniBatchNMF

    opts = {**DEFAULTS, **options}
    unknown = set(options) - set(DEFAULTS)
    if unknown:
        raise InvalidArgument(f"unknown discovery option(s): {', '.join(sorted(unknown))}")
    n_docs = len(docs)
    if n_docs < 10:
        raise TooLittleText(f"topic discovery needs at least 10 {lang} articles, got {n_docs}")
    k = n_topics or choose_n_topics(n_docs, max_topics=opts["max_topics"], docs_per_topic=opts["docs_per_topic"])
    # min_df as a count cannot exceed what a small corpus can satisfy
    min_df = min(opts["min_df"], max(1, n_docs // 50))
    start = time.perf_counter()
    vectorizer = _vectorizer(min_df=min_df, max_df=opts["max_df"], max_features=opts["max_features"])
    try:
        x = vectorizer.fit_transform(docs)
    except ValueError as exc:  # scikit-learn: "empty vocabulary", "After pruning, no terms remain"
        raise TooLittleText(f"the {lang} articles leave no discovery terms ({exc})") from None
    if x.shape[1] < k:
        raise TooLittleText(f"too few distinct terms ({x.shape[1]}) in the {lang} articles to find {k} topics")
    if n_docs > MINIBATCH_ABOVE:
        method = "MiniBatchNMF"
        nmf = MiniBatchNMF(n_components=k, init="nndsvda", random_state=opts["seed"],
                           batch_size=opts["batch_size"], max_iter=opts["minibatch_epochs"], tol=opts["tol"])
    else:
        method = "NMF"
        nmf = NMF(n_components=k, init="nndsvda", solver="mu", random_state=opts["seed"], max_iter=opts["max_iter"],
                  tol=opts["tol"])
    # One BLAS thread: results do not depend on thread scheduling, and BLAS threads beside
    # the stage's worker processes oversubscribe the cores.
    with threadpool_limits(limits=1):
        w = nmf.fit_transform(x)
    seconds = time.perf_counter() - start
    params = {"method": method, "n_topics": k, "min_df": min_df, "max_df": opts["max_df"],
              "max_features": opts["max_features"], "sublinear_tf": True, "init": "nndsvda", "solver": "mu",
              "seed": opts["seed"], "max_iter": nmf.max_iter, "tol": opts["tol"],
              "batch_size": opts["batch_size"] if method == "MiniBatchNMF" else None,
              "n_iter": int(nmf.n_iter_), "features": "simplemma lemmas (fr/en/es), light stems (ar); "
              "spaCy stop words + analysis/data/topics/stopwords", "tfidf": "sublinear tf, smooth idf, l2",
              "minibatch_epochs": opts["minibatch_epochs"] if method == "MiniBatchNMF" else None,
              "boilerplate_min_articles": opts["boilerplate_min_articles"],
              "boilerplate_min_share": opts["boilerplate_min_share"],
              "sklearn": sklearn.__version__}
    return Model(lang=lang, method=method, params=params, vectorizer=vectorizer,
                 components=nmf.components_.astype(np.float32), keys=vectorizer.get_feature_names_out(),
                 doc_topic=_normalise(w),
                 reconstruction_error=float(getattr(nmf, "reconstruction_err_", float("nan"))),
                 seconds=seconds)


def _normalise(w: np.ndarray) -> np.ndarray:
    sums = w.sum(axis=1, keepdims=True)
    return np.divide(w, sums, out=np.zeros_like(w), where=sums > 0)


def transform(model: Model, docs: Sequence[list[str]]) -> np.ndarray:
    """Normalised topic weights (rows sum to 1; all zero when no term is known) of new documents
    given as key lists (see ``features``)."""
    vocabulary = model.vectorizer.vocabulary_
    return project(model, [[c + 1 for c in map(vocabulary.get, doc, repeat(-1)) if c >= 0] for doc in docs])


# Iterations of the projection's solve: a fixed number (tol=0), not a convergence test. That
# test is on the error of the whole chunk, so a document's weights would depend on which
# documents share its chunk.
PROJECT_ITERATIONS = 200


def project(model: Model, docs: Sequence[list[int]]) -> np.ndarray:
    """Normalised topic weights (rows sum to 1; all zero when no term is known) of documents
    given as 1-based column lists (see ``word_columns``)."""
    from sklearn.decomposition import non_negative_factorization

    if not docs:
        return np.zeros((0, model.n_topics), dtype=np.float32)
    x = tfidf(model, docs)
    with threadpool_limits(limits=1):
        w, _, _ = non_negative_factorization(x, H=model.components, n_components=model.n_topics, update_H=False,
                                             solver="mu", max_iter=PROJECT_ITERATIONS, tol=0)
    return _normalise(w)


def tfidf(model: Model, docs: Sequence[list[int]]):
    """The TF-IDF matrix the model's vectorizer gives the same documents (same float32 values),
    counted with NumPy: scikit-learn's transform counts in a Python loop per term, most of the
    projection's cost."""
    from scipy import sparse
    from sklearn.preprocessing import normalize

    lengths = np.fromiter(map(len, docs), dtype=np.int64, count=len(docs))
    columns = np.concatenate([np.asarray(d, dtype=np.int64) for d in docs]) - 1
    rows = np.repeat(np.arange(len(docs)), lengths)
    # From (row, column) pairs, CSR sums repeated pairs into counts and sorts each row's
    # columns: the canonical matrix scikit-learn's counting leaves.
    x = sparse.csr_matrix((np.ones(len(columns), dtype=np.float32), (rows, columns)),
                          shape=(len(docs), len(model.vectorizer.vocabulary_)))
    np.log(x.data, out=x.data)  # sublinear tf: 1 + log(count)
    x.data += 1.0
    x.data *= model.vectorizer.idf_[x.indices]
    return normalize(x, norm="l2", copy=False)


def top_terms(model: Model, n: int = 10) -> list[list[tuple[str, float]]]:
    """For each topic, its ``n`` heaviest keys with their component weights."""
    out = []
    for row in model.components:
        order = np.argsort(-row, kind="stable")[:n]
        out.append([(str(model.keys[j]), float(row[j])) for j in order if row[j] > 0])
    return out


def surface_forms(pairs: Iterable[tuple[str, str]], wanted: set[str]) -> dict[str, str]:
    """Most frequent written form of each wanted key, from (word, key) pairs; ties by word."""
    counts: dict[str, Counter] = {}
    for word, key in pairs:
        if key in wanted:
            counts.setdefault(key, Counter())[word] += 1
    return {key: min(c.items(), key=lambda kv: (-kv[1], kv[0]))[0] for key, c in counts.items()}


def word_key_pairs(texts: Iterable[str], lang: str) -> Iterable[tuple[str, str]]:
    for text in texts:
        yield from textmod.display_words(text, lang)


def representatives(doc_topic: np.ndarray, n: int = 5) -> list[list[tuple[int, float]]]:
    """For each topic, the row numbers of its ``n`` most representative documents."""
    out = []
    for k in range(doc_topic.shape[1]):
        column = doc_topic[:, k]
        order = np.argsort(-column, kind="stable")[:n]
        out.append([(int(i), float(column[i])) for i in order if column[i] > 0])
    return out


def purity(assigned: Sequence[int], labels: Sequence[str]) -> dict:
    """How well clusters separate gold labels: purity, inverse purity and NMI.

    ``assigned`` is the cluster (topic) per document, ``labels`` the gold category.
    Purity = sum over clusters of its largest label count / N (1 = every cluster is one
    label); inverse purity swaps the roles (1 = every label sits in one cluster).
    """
    from sklearn.metrics import normalized_mutual_info_score

    n = len(labels)
    if n == 0:
        return {"purity": None, "inverse_purity": None, "nmi": None, "n_documents": 0}
    table: dict[int, Counter] = {}
    by_label: dict[str, Counter] = {}
    for k, c in zip(assigned, labels):
        table.setdefault(k, Counter())[c] += 1
        by_label.setdefault(c, Counter())[k] += 1
    pur = sum(max(c.values()) for c in table.values()) / n
    inv = sum(max(c.values()) for c in by_label.values()) / n
    nmi = normalized_mutual_info_score(list(labels), list(assigned))
    return {"purity": round(pur, 4), "inverse_purity": round(inv, 4), "nmi": round(float(nmi), 4),
            "n_documents": n, "n_clusters": len(table)}
