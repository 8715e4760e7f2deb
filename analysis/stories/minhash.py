"""MinHash signatures, LSH band keys and similarity estimates, vectorised with numpy.

Two signature schemes share one output shape (``K`` uint32 values per document):

- ``oph_signatures``: one-permutation hashing with optimal densification (Li, Owen &
  Zhang 2012; Shrivastava 2017). Each shingle is hashed once; its top bits pick one of K
  bins, the rest is the value; a bin keeps its minimum; empty bins borrow the value of a
  bin chosen by a fixed probe sequence. Cost O(shingles) instead of O(shingles × K), which
  is what lets long article bodies scale.
- ``kperm_signatures``: classic MinHash with K multiply-shift hash functions, cost
  O(shingles × K). Used for headlines: they have ~10-30 shingles, where most OPH bins
  would be empty and densification would add variance.

Either way ``P(sig_a[k] == sig_b[k]) ≈ Jaccard(a, b)``.
"""

from __future__ import annotations

import numpy as np

from analysis.stories.text import Shingles, mix

K = 128
EMPTY = np.uint32(0xFFFFFFFF)
_SEED = 0x5EED5

_rng = np.random.default_rng(_SEED)
# Multiply-shift hash family: odd multipliers, random offsets (fixed forever: the index
# persists, so changing these would silently make old and new signatures incomparable).
_A = (_rng.integers(1, 1 << 63, size=K, dtype=np.uint64) << np.uint64(1)) | np.uint64(1)
_B = _rng.integers(0, 1 << 63, size=K, dtype=np.uint64)
# Densification probes: attempt t for empty bin j looks at bin _PROBES[t, j].
_PROBES = _rng.integers(0, K, size=(4 * K, K), dtype=np.int64)


def oph_signatures(sh: Shingles, *, k: int = K) -> np.ndarray:
    """(n_docs, k) uint32 one-permutation MinHash; rows of documents without shingles are EMPTY."""
    n_docs = sh.starts.size - 1
    sig = np.full(n_docs * k, EMPTY, dtype=np.uint32)
    if sh.hashes.size:
        h = mix(sh.hashes ^ np.uint64(_SEED))
        bins = (h >> np.uint64(64 - int(np.log2(k)))).astype(np.int64)
        vals = (h & np.uint64(0xFFFFFFFF)).astype(np.uint32)
        doc = np.repeat(np.arange(n_docs, dtype=np.int64), sh.counts)
        np.minimum.at(sig, doc * k + bins, vals)
    sig = sig.reshape(n_docs, k)
    _densify(sig, k)
    return sig


def _densify(sig: np.ndarray, k: int) -> None:
    """Fill each empty bin from the first non-empty bin of its fixed probe sequence.

    Works on the flat list of empty cells, which shrinks geometrically, instead of on the
    whole matrix once per probe."""
    flat = sig.reshape(-1)
    filled = flat != EMPTY
    has_any = filled.reshape(sig.shape).any(axis=1)
    cells = np.flatnonzero(~filled & np.repeat(has_any, k))
    base, cols = cells - cells % k, cells % k
    for attempt in range(_PROBES.shape[0]):
        if cells.size == 0:
            return
        src = base + _PROBES[attempt, cols]
        ok = filled[src]
        flat[cells[ok]] = flat[src[ok]]
        keep = ~ok
        cells, base, cols = cells[keep], base[keep], cols[keep]
    # Vanishingly rare (a document with 1-2 shingles after 512 probes): use its minimum.
    if cells.size:
        mins = np.where(filled.reshape(sig.shape), sig, EMPTY).min(axis=1)
        flat[cells] = mins[cells // k]


def kperm_signatures(sh: Shingles, *, k: int = K) -> np.ndarray:
    """(n_docs, k) uint32 classic MinHash; rows of documents without shingles are EMPTY."""
    n_docs = sh.starts.size - 1
    sig = np.full((n_docs, k), EMPTY, dtype=np.uint32)
    nonempty = np.flatnonzero(sh.counts > 0)
    if nonempty.size == 0:
        return sig
    seg = sh.starts[nonempty]
    with np.errstate(over="ignore"):
        for i in range(k):
            vals = ((sh.hashes * _A[i] + _B[i]) >> np.uint64(32)).astype(np.uint32)
            sig[nonempty, i] = np.minimum.reduceat(vals, seg)
    return sig


def band_keys(sig: np.ndarray, *, bands: int, rows: int) -> np.ndarray:
    """(n_docs, bands) uint64 LSH keys; equal keys mean equal ``rows`` signature values in
    that band. The band number is mixed in, so keys of different bands never meet."""
    if bands * rows > sig.shape[1]:
        raise ValueError(f"{bands} bands of {rows} rows need {bands * rows} signature values, have {sig.shape[1]}")
    s = sig[:, : bands * rows].astype(np.uint64).reshape(sig.shape[0], bands, rows)
    acc = mix(np.arange(bands, dtype=np.uint64) + np.uint64(_SEED))[None, :].repeat(sig.shape[0], 0)
    with np.errstate(over="ignore"):
        for r in range(rows):
            acc = mix(acc ^ s[:, :, r])
    return acc


def compact(sig: np.ndarray) -> np.ndarray:
    """Signatures kept for verification: the low 16 bits of each value (b-bit MinHash; a
    chance agreement of two different values costs 1/65536 of bias)."""
    return (sig & np.uint32(0xFFFF)).astype(np.uint16)


def agreement(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Estimated Jaccard of row pairs: the share of equal compact signature values."""
    return (a == b).mean(axis=1)
