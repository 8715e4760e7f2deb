"""Text to hashed shingles, vectorised over a batch of documents.

Everything here is deterministic arithmetic on UTF-8 bytes (no salted ``hash()``, no
library hash whose value may change between versions): a signature computed today must
equal the one computed for the same text next year, because the index persists.

Pipeline: ``fold`` (lower case, accents and Arabic hamza/harakat removed, Arabic-Indic
digits to ASCII) -> ``tokenise`` (64-bit hashes of the runs of letters or of digits, so
"30أكتوبر" is two tokens and punctuation never matters) -> ``shingles`` (hashes of word
n-grams). ``calendar_masks`` reads the folded text for the
days a text names (weekdays, day + month), used to keep two days' bulletins apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import polars as pl
import pyarrow as pa

from analysis import textfold

# Texts are cut to this many characters: enough for any news article, and it bounds the
# work a pathological record (a whole site in one field) can cause.
MAX_CHARS = 20_000
# Tokens are hashed in chunks of at most this many bytes (bounded temporary arrays; one
# document is at most 4 × MAX_CHARS bytes, well below).
CHUNK_BYTES = 1 << 21

_MASK64 = np.uint64(0xFFFFFFFFFFFFFFFF)
_P = 0x100000001B3  # FNV prime: odd, so invertible modulo 2**64
_P_INV = pow(_P, -1, 1 << 64)
_GOLD = np.uint64(0x9E3779B97F4A7C15)

def _fold_table() -> dict[str, str]:
    table = dict(textfold.ARABIC_INDIC_DIGITS)
    # Latin letters with diacritics, either case (ASCII case is folded by the tokeniser). A
    # fixed list rather than textfold.latin_base: stored signatures depend on exactly these.
    for base, variants in {"a": "àáâãäåā", "c": "çćč", "e": "èéêëēė", "i": "ìíîïī", "n": "ñń",
                           "o": "òóôõöøō", "u": "ùúûüū", "y": "ýÿ", "s": "šś", "z": "žź"}.items():
        table |= dict.fromkeys(variants + variants.upper(), base)
    table |= {"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss"}
    # Arabic: hamza seats, alef variants, ta marbuta, alef maqsura; harakat and tatweel go.
    table |= textfold.arabic_letters(persian=False, hamza_seats=True)
    table |= dict.fromkeys(textfold.HARAKAT + textfold.TATWEEL, "")
    # Invisible marks vanish; non-ASCII spaces and punctuation separate words.
    table |= dict.fromkeys(["\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u061c", "\ufeff"], "")
    table |= dict.fromkeys("\u00a0\u2009\u202f\u2002\u2003«»“”„‘’‚–—―…•·،؛؟٪٫٬¿¡°", " ")
    return table


_FOLD = _fold_table()

# Byte classes for tokenising folded UTF-8: 0 separates, 1 digit, 2 letter (every
# non-ASCII byte: a multi-byte letter; the punctuation that matters was mapped to spaces).
_CLASS = np.zeros(256, np.uint8)
_CLASS[ord("0"): ord("9") + 1] = 1
_CLASS[ord("a"): ord("z") + 1] = 2
_CLASS[ord("A"): ord("Z") + 1] = 2
_CLASS[0x80:] = 2
# Byte values hashed: ASCII upper case as lower case, in uint64 for the polynomial.
_VALUE = np.arange(256, dtype=np.uint64)
_VALUE[ord("A"): ord("Z") + 1] += np.uint64(32)


def mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: spreads every input bit over the whole 64-bit word."""
    x = np.asarray(x, dtype=np.uint64)
    with np.errstate(over="ignore"):
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def fold(texts: pl.Series) -> pl.Series:
    """Text without accents, harakat or hamza seats (ة→ه, ى→ي), with ASCII digits and
    non-ASCII punctuation as spaces. ASCII punctuation stays (dates need "12/09"), and so
    does the case of ASCII letters: ``tokenise`` ignores it (so does ``calendar``)."""
    return texts.cast(pl.String).fill_null("").str.slice(0, MAX_CHARS).str.replace_many(_FOLD)


@dataclass(frozen=True)
class Tokens:
    """Token hashes of a batch: document ``d`` owns ``hashes[starts[d]:starts[d + 1]]``."""

    hashes: np.ndarray  # uint64
    starts: np.ndarray  # int64, length n_docs + 1

    @property
    def counts(self) -> np.ndarray:
        return np.diff(self.starts)


@lru_cache(maxsize=1)
def _powers(n: int = CHUNK_BYTES) -> tuple[np.ndarray, np.ndarray]:
    with np.errstate(over="ignore"):
        pw = np.cumprod(np.full(n, _P, dtype=np.uint64))
        inv = np.cumprod(np.full(n, _P_INV, dtype=np.uint64))
    pw = np.concatenate([[np.uint64(1)], pw[:-1]])
    inv = np.concatenate([[np.uint64(1)], inv[:-1]])
    return pw, inv


def _utf8(series: pl.Series) -> tuple[np.ndarray, np.ndarray]:
    arr = series.to_arrow()
    if isinstance(arr, pa.ChunkedArray):
        arr = pa.concat_arrays(arr.chunks) if arr.num_chunks != 1 else arr.chunk(0)
    arr = arr.cast(pa.large_string())
    _, off_buf, data_buf = arr.buffers()
    offsets = np.frombuffer(off_buf, dtype=np.int64)[arr.offset: arr.offset + len(arr) + 1]
    data = np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None else np.zeros(0, np.uint8)
    return offsets - offsets[0], data[offsets[0]: offsets[-1]]


def _hash_tokens(offsets: np.ndarray, data: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Hashes of the tokens of documents ``data[offsets[d]:offsets[d+1]]`` (runs of
    letters or of digits); returns (hashes, index of each document's first token)."""
    n = data.size
    if n == 0:
        return np.zeros(0, np.uint64), np.zeros(offsets.size, np.int64)
    cls = _CLASS[data]
    change = np.empty(n + 1, bool)
    change[0] = change[n] = True
    np.not_equal(cls[1:], cls[:-1], out=change[1:n])
    change[offsets[1:-1]] = True
    is_word = cls != 0
    starts = np.flatnonzero(change[:n] & is_word)
    ends = np.flatnonzero(change[1:] & is_word) + 1
    pw, inv = _powers()
    with np.errstate(over="ignore"):
        acc = np.empty(n + 1, np.uint64)
        acc[0] = 0
        values = _VALUE[data]
        values *= pw[:n]
        np.cumsum(values, dtype=np.uint64, out=acc[1:])
        raw = (acc[ends] - acc[starts]) * inv[starts]
        hashes = mix(raw ^ ((ends - starts).astype(np.uint64) * _GOLD))
    return hashes, np.searchsorted(starts, offsets, side="left")


def tokenise(folded: pl.Series) -> Tokens:
    """Token hashes of folded texts (output of ``fold``)."""
    offsets, data = _utf8(folded)
    n_docs = offsets.size - 1
    hashes, firsts = [], [np.zeros(1, np.int64)]
    first, n_tokens = 0, 0
    while first < n_docs:
        # Largest run of whole documents that fits in CHUNK_BYTES (at least one).
        last = int(np.searchsorted(offsets, offsets[first] + CHUNK_BYTES, side="right")) - 1
        last = min(max(last, first + 1), n_docs)
        base = offsets[first]
        h, doc_first = _hash_tokens(offsets[first: last + 1] - base, data[base: offsets[last]])
        hashes.append(h)
        firsts.append(doc_first[1:] + n_tokens)
        n_tokens += h.size
        first = last
    all_hashes = np.concatenate(hashes) if hashes else np.zeros(0, np.uint64)
    return Tokens(all_hashes, np.concatenate(firsts).astype(np.int64))


def fingerprints(tokens: Tokens) -> np.ndarray:
    """One 64-bit value per document: equal token sequences give equal values (0 for none)."""
    counts = tokens.counts
    out = np.zeros(counts.size, np.uint64)
    nonempty = np.flatnonzero(counts > 0)
    if nonempty.size:
        local = np.arange(tokens.hashes.size, dtype=np.int64) - np.repeat(tokens.starts[:-1], counts)
        with np.errstate(over="ignore"):
            terms = mix(tokens.hashes + (local.astype(np.uint64) + np.uint64(1)) * _GOLD)
            sums = np.add.reduceat(terms, tokens.starts[nonempty])
            out[nonempty] = mix(sums ^ counts[nonempty].astype(np.uint64))
    return out


@dataclass(frozen=True)
class Shingles:
    """Shingle hashes grouped by document, like ``Tokens``."""

    hashes: np.ndarray
    starts: np.ndarray

    @property
    def counts(self) -> np.ndarray:
        return np.diff(self.starts)


def shingles(tokens: Tokens, *, sizes: tuple[int, ...] = (3,)) -> Shingles:
    """Hashes of the word n-grams of each document, for every n in ``sizes``.

    A document shorter than n tokens has no n-grams (it is too short to judge).
    """
    h, counts = tokens.hashes, tokens.counts
    n_docs = counts.size
    doc_of_token = np.repeat(np.arange(n_docs), counts)
    parts, owners = [], []
    for size in sizes:
        m = h.size - size + 1
        if m <= 0:
            continue
        # Token hashes are already mixed: rotate by position, xor, mix once.
        acc = h[:m] ^ np.uint64(size)
        for j in range(1, size):
            rot = np.uint64(17 * j)
            acc = acc ^ ((h[j: j + m] << rot) | (h[j: j + m] >> (np.uint64(64) - rot)))
        acc = mix(acc)
        valid = doc_of_token[:m] == doc_of_token[size - 1:]
        parts.append(acc[valid])
        owners.append(doc_of_token[:m][valid])
    if not parts:
        return Shingles(np.zeros(0, np.uint64), np.zeros(n_docs + 1, np.int64))
    hashes = np.concatenate(parts)
    owner = np.concatenate(owners)
    if len(parts) > 1:
        order = np.argsort(owner, kind="stable")
        hashes, owner = hashes[order], owner[order]
    starts = np.searchsorted(owner, np.arange(n_docs + 1), side="left").astype(np.int64)
    return Shingles(hashes, starts)
