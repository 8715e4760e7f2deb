"""Batch computations of story detection, free of any database: features of texts,
candidate pairs from LSH buckets, the same-story rule, and merging into stories.

What is a story?
----------------
One piece of reporting about one event, in all its placements: the agency dispatch run by
ten papers, the page republished by an aggregator, the ticker headline re-edited when the
toll rose from 70 to 80. Two texts are placements of one story when (``same_story``):

1. their word-shingle sets are similar: Jaccard resemblance >= ``threshold``, or, for a
   truncated copy, the shorter text lies almost wholly inside the longer (containment >=
   ``containment``, with resemblance >= ``containment_floor`` and length ratio <=
   ``max_ratio``); estimated by MinHash, computed exactly near the thresholds;
2. they appeared at most ``window_days`` apart (when both are dated): the same background
   paragraph reused a month later belongs to a new event;
3. they do not name different days (``calendar.calendar_conflict``) unless they are
   near-copies (resemblance >= ``near_copy``): Monday's and Tuesday's weather bulletins,
   or two rounds' fixtures, share most words and are still different events.

Stories are the connected components of that relation; exact copies (same token
sequence) join their first copy's story without being compared further. A story's id is
the smallest document id among its placements, which is what makes incremental runs and
``--rebuild`` agree: every pair is judged the same way whatever the batch it arrives in.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from analysis.stories import minhash, text
from analysis.stories.calendar import calendar_conflict, calendar_masks

ALGORITHM = "stories/1"
# Characters of the start of a text searched for named days: the event's day is named
# in the lead; days named deep in a long article are background.
CALENDAR_CHARS = 1500
# Estimates this close to a threshold are checked on the exact shingle sets (the standard
# error of a 128-value MinHash estimate is at most 0.044).
EXACT_MARGIN = 0.12
# Bucket runs longer than this are expanded pair by pair instead of by shifted compares.
_SMALL_RUN = 32


@dataclass(frozen=True)
class Rule:
    """Parameters of ``same_story`` and of the signatures it compares (see module doc)."""

    shingle_sizes: tuple[int, ...]
    scheme: str  # "oph" or "kperm", see minhash
    min_shingles: int  # fewer: too short to judge, the text is its own story
    threshold: float
    containment: float | None
    containment_floor: float
    max_ratio: float
    window_days: int
    near_copy: float
    bands: int = 42
    rows: int = 3

    def version(self) -> str:
        """Changes when a parameter changes, so a stale index is noticed. Bump ALGORITHM
        when folding, tokenising or hashing changes: stored signatures would not match."""
        return f"{ALGORITHM} " + ",".join(f"{k}={v}" for k, v in sorted(vars(self).items()))


@dataclass
class Features:
    """Per-document features of a batch (row i = ids[i])."""

    ids: np.ndarray  # int64
    days: np.ndarray  # int64 days since epoch, -1 when undated
    fingerprint: np.ndarray  # uint64, 0 when too short
    n_shingles: np.ndarray  # int64
    calendar: np.ndarray  # uint64
    signature: np.ndarray  # (n, K) uint16 compact signatures
    bands: np.ndarray  # (n, bands) uint64
    indexable: np.ndarray  # bool: long enough to be judged
    shingles: text.Shingles

    def shingle_set(self, i: int) -> np.ndarray:
        return distinct(self.shingles.hashes[self.shingles.starts[i]: self.shingles.starts[i + 1]])


def features(ids: np.ndarray, texts: pl.Series, days: np.ndarray, rule: Rule) -> Features:
    folded = text.fold(texts)
    tokens = text.tokenise(folded)
    sh = text.shingles(tokens, sizes=rule.shingle_sizes)
    n_sh = sh.counts.astype(np.int64)
    indexable = n_sh >= rule.min_shingles
    scheme = minhash.oph_signatures if rule.scheme == "oph" else minhash.kperm_signatures
    sig = scheme(sh)
    fp = np.where(indexable, text.fingerprints(tokens), np.uint64(0))
    return Features(
        ids=np.asarray(ids, np.int64), days=np.asarray(days, np.int64), fingerprint=fp, n_shingles=n_sh,
        calendar=calendar_masks(folded.str.slice(0, CALENDAR_CHARS)),
        signature=minhash.compact(sig), bands=minhash.band_keys(sig, bands=rule.bands, rows=rule.rows),
        indexable=indexable, shingles=sh)


def shingle_sets(texts: pl.Series, rule: Rule) -> list[np.ndarray]:
    """Distinct shingle hashes of each text (for exact verification)."""
    sh = text.shingles(text.tokenise(text.fold(texts)), sizes=rule.shingle_sizes)
    return [distinct(sh.hashes[sh.starts[i]: sh.starts[i + 1]]) for i in range(sh.starts.size - 1)]


def distinct(hashes: np.ndarray) -> np.ndarray:
    """``np.unique`` of one document's shingle hashes, by sorting then deduplicating: faster
    than NumPy's hash-based ``unique`` for these sizes, and called for every document in an
    uncertain pair."""
    s = np.sort(hashes)
    if s.size < 2:
        return s
    keep = np.empty(s.size, dtype=bool)
    keep[0] = True
    np.not_equal(s[1:], s[:-1], out=keep[1:])
    return s[keep]


def estimate(sig_a: np.ndarray, sig_b: np.ndarray, n_a: np.ndarray, n_b: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray]:
    """Estimated (resemblance, containment of the shorter in the longer) of row pairs."""
    j = minhash.agreement(sig_a, sig_b)
    small = np.maximum(np.minimum(n_a, n_b), 1).astype(float)
    # |A ∩ B| = J (|A| + |B|) / (1 + J)
    contain = np.minimum(1.0, j * (n_a + n_b) / ((1.0 + j) * small))
    return j, contain


def exact(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Exact (resemblance, containment) of two arrays of distinct shingle hashes."""
    inter = np.intersect1d(a, b, assume_unique=True).size
    union = a.size + b.size - inter
    return (inter / union if union else 0.0), (inter / min(a.size, b.size) if min(a.size, b.size) else 0.0)


def uncertain(rule: Rule, j: np.ndarray, contain: np.ndarray) -> np.ndarray:
    """Pairs whose verdict could flip within MinHash error: they are judged again on
    their exact shingle sets. The resemblance estimate has a standard error of at most
    0.044 at K=128; containment, derived from it, up to twice that."""
    m = EXACT_MARGIN
    near = np.abs(j - rule.threshold) <= m
    if rule.containment is not None:
        below = j < rule.threshold - m  # otherwise containment cannot change the verdict
        near |= below & (np.abs(contain - rule.containment) <= 2 * m) & (j >= rule.containment_floor - m)
        near |= below & (contain >= rule.containment - 2 * m) & (np.abs(j - rule.containment_floor) <= m)
    return near


def same_story(rule: Rule, j: np.ndarray, contain: np.ndarray, n_a: np.ndarray, n_b: np.ndarray,
               day_a: np.ndarray, day_b: np.ndarray, cal_a: np.ndarray, cal_b: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray]:
    """Judge row pairs from their resemblance ``j`` and containment (estimated or exact);
    returns (same: bool array, similarity: float array).

    ``similarity`` is the resemblance, or the containment when only that links a
    truncated copy.
    """
    small = np.minimum(n_a, n_b).astype(float)
    large = np.maximum(n_a, n_b).astype(float)
    linked = j >= rule.threshold
    score = j.copy()
    if rule.containment is not None:
        eligible = (j >= rule.containment_floor) & (large <= rule.max_ratio * small) & (contain >= rule.containment)
        score = np.where(linked | ~eligible, j, contain)
        linked |= eligible
    dated = (day_a >= 0) & (day_b >= 0)
    in_window = ~dated | (np.abs(day_a - day_b) <= rule.window_days)
    vetoed = calendar_conflict(cal_a, cal_b) & (j < rule.near_copy)
    return linked & in_window & ~vetoed, score


def pairs_in_buckets(keys: np.ndarray, owners: np.ndarray) -> np.ndarray:
    """All (a, b) owner pairs, a < b, sharing a key; (m, 2) int64, duplicates removed."""
    if keys.size < 2:
        return np.zeros((0, 2), np.int64)
    order = np.lexsort((owners, keys))
    k, o = keys[order], owners[order]
    run_start = np.flatnonzero(np.concatenate([[True], k[1:] != k[:-1]]))
    run_len = np.diff(np.concatenate([run_start, [k.size]]))
    out = []
    # Small runs: compare each entry with the one d places later, d = 1 .. longest - 1.
    small = np.repeat(run_len <= _SMALL_RUN, run_len) & np.repeat(run_len > 1, run_len)
    ks, os_ = k[small], o[small]
    for d in range(1, min(_SMALL_RUN, ks.size)):
        idx = np.flatnonzero(ks[:-d] == ks[d:])
        if idx.size == 0:
            break
        out.append(np.stack([os_[idx], os_[idx + d]], axis=1))
    # Large runs (templated texts): every pair, run by run. Quadratic, but exact copies
    # never get here (they are linked by fingerprint), so such runs stay rare and small.
    for start, length in zip(run_start[run_len > _SMALL_RUN], run_len[run_len > _SMALL_RUN]):
        i, j = np.triu_indices(int(length), 1)
        members = o[start: start + length]
        out.append(np.stack([members[i], members[j]], axis=1))
    if not out:
        return np.zeros((0, 2), np.int64)
    pairs = np.concatenate(out)
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    pairs.sort(axis=1)
    return np.unique(pairs, axis=0)


def components(nodes: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Story id (smallest node of its connected component) for each of ``nodes``."""
    nodes = np.asarray(nodes, np.int64)
    if nodes.size == 0:
        return nodes
    uniq, inverse = np.unique(nodes, return_inverse=True)
    if edges.size == 0:
        return nodes.copy()
    a = np.searchsorted(uniq, edges[:, 0])
    b = np.searchsorted(uniq, edges[:, 1])
    graph = coo_matrix((np.ones(a.size, np.int8), (a, b)), shape=(uniq.size, uniq.size))
    _, label = connected_components(graph, directed=False)
    smallest = np.full(label.max() + 1, np.iinfo(np.int64).max, np.int64)
    np.minimum.at(smallest, label, uniq)
    return smallest[label][inverse]
