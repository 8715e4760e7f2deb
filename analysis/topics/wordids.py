"""Texts to word ids with array operations: the topics stage's tokeniser and vocabulary.

``text.words`` splits a text with a regular expression (``\\w{2,}``) into Python strings, one
at a time, and splitting and looking words up is most of what an article costs. Here the
same words are found on the code points of a hundred documents at once, in NumPy: a table says which code
points are word characters (the regular expression's ``\\w``, checked over all of Unicode in
the tests), and runs of two or more are the words. Each word is identified by two 64-bit
polynomial hashes of its code points (independent odd bases, the length mixed in), looked up
in an open-addressing table of the words seen so far, and the word found must also have the
same length, first and last character. A false match needs all 128 bits of two words to
collide as well: for random hashes and the ~400,000 words a vocabulary holds, a probability
of ~1e-28; the structural collisions known for such hashes need strings thousands of
characters long, and words longer than MAX_HASHED are not hashed. Words
not found — new words, longer words — go the exact way: sliced out of the text and looked up
by string.

Per id, arrays built by their owners (``taxonomy.Lexicon.table``,
``discovery.Model.column_table``) then answer for all the words of a text at once.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from analysis import chars
from analysis.topics import text as textmod

# Words a vocabulary holds before it starts afresh (flat memory on long runs).
VOCABULARY_LIMIT = 400_000
# Id 0 of every vocabulary: stands between a title and a body given as one id array (no
# keyword starts, ends or continues on it; the tokeniser never yields an empty word).
SEPARATOR = ""
# Longer words (URLs glued by underscores, digit strings) are not hashed: looked up by string.
MAX_HASHED = 64
# Documents tokenised together: enough to spread NumPy's per-call cost, few enough for the
# arrays (~40 bytes a character) to stay in cache.
BATCH = 100
# "\x00" is not a word character: joined texts never run into each other.
_JOIN = "\x00"
_BASES = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F))
_LENGTH_MIX = np.uint64(0xBF58476D1CE4E5B9)


@lru_cache(maxsize=1)
def word_characters() -> np.ndarray:
    """Which code points the regular expression ``\\w`` matches (str patterns): alphanumeric
    in Python's sense (``str.isalnum``: letters, decimals, digits, numerics) or the underscore."""
    table = chars.alphanumeric().copy()
    table[ord("_")] = True
    return table


def spans(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(start, end) offsets of the words of a text given as code points: maximal runs of word
    characters at least two long, what ``re.findall(r"\\w{2,}")`` returns."""
    flags = np.zeros(len(codes) + 2, dtype=np.int8)
    flags[1:-1] = word_characters()[codes]
    edges = np.diff(flags)
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    long = ends - starts >= 2
    return starts[long], ends[long]


@lru_cache(maxsize=4)
def _powers(base: int, size: int) -> np.ndarray:
    out = np.empty(size, dtype=np.uint64)
    out[0] = 1
    with np.errstate(over="ignore"):
        np.multiply.accumulate(np.full(size - 1, base, dtype=np.uint64), out=out[1:])
    return out


def _power_tables(n: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """BASE**k and BASE**-k modulo 2**64 for k < n (at least), per base."""
    size = 1 << max(12, (n - 1).bit_length())
    return [(_powers(int(b), size), _powers(pow(int(b), -1, 2**64), size)) for b in _BASES]


def hashes(codes: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two 64-bit hashes of each word (code points [start, end)), each from one prefix sum:
    sum of code point × BASE**position over the word, times BASE**-start (so the same word
    hashes the same anywhere), the first mixed with the word's length."""
    out = []
    with np.errstate(over="ignore"):
        wide = codes.astype(np.uint64)
        for up, down in _power_tables(len(codes) + 1):
            prefix = np.zeros(len(codes) + 1, dtype=np.uint64)
            np.cumsum(wide * up[:len(codes)], out=prefix[1:])
            out.append((prefix[ends] - prefix[starts]) * down[starts])
        out[0] ^= (ends - starts).astype(np.uint64) * _LENGTH_MIX
    return out[0], out[1]


class Vocabulary:
    """Normalised word <-> a small integer id, one vocabulary per language and process.

    ``words`` lists the words by id (id 0 is SEPARATOR); ``generation`` changes when the
    vocabulary starts afresh past VOCABULARY_LIMIT words, and tables built for an older
    generation are rebuilt by their owners."""

    def __init__(self):
        self.generation = -1
        self._reset()

    def _reset(self) -> None:
        self.generation += 1
        self.words: list[str] = [SEPARATOR]
        self._ids: dict[str, int] = {SEPARATOR: 0}
        self._hashed: set[int] = set()  # ids in the hash table
        # every word's code points, for checking what a hash found: where they start, how many
        self._chars = np.zeros(1 << 16, dtype=np.uint32)
        self._used = 0
        self._start = np.zeros(1 << 12, dtype=np.int64)
        self._length = np.zeros(1 << 12, dtype=np.int64)
        self._table_size = 0
        self._resize(1 << 12)

    def __len__(self) -> int:
        return len(self.words)

    def ids(self, words: list[str]) -> np.ndarray:
        """Ids of a list of normalised words (looked up by string)."""
        self._fresh()
        known = self._ids
        return np.array([known[w] if w in known else self._add(w) for w in words], dtype=np.int32)

    def documents(self, docs: list[tuple[str, str]]) -> list[tuple[np.ndarray, int]]:
        """Word ids of documents given as (title, body) normalised texts (``text.prepare``):
        for each, the title's then the body's ids with SEPARATOR between them, and the
        number of title words."""
        self._fresh()
        out = []
        for first in range(0, len(docs), BATCH):
            out += self._batch(docs[first:first + BATCH])
        return out

    def _fresh(self) -> None:
        if len(self.words) > VOCABULARY_LIMIT:
            self._reset()

    def _batch(self, docs: list[tuple[str, str]]) -> list[tuple[np.ndarray, int]]:
        texts = [text for doc in docs for text in doc]
        joined = _JOIN.join(texts)
        codes = chars.code_points(joined)
        starts, ends = spans(codes)
        h1, h2 = hashes(codes, starts, ends)
        ids = self._find(h1, h2, ends - starts)
        found = np.flatnonzero(ids >= 0)
        ids[found[~self._same(codes, starts[found], ends[found], ids[found])]] = -1
        missing = np.flatnonzero(ids < 0)
        if len(missing):
            ids[missing] = self._slow(joined, starts[missing], ends[missing], h1[missing], h2[missing])
        # words per text, from where each text starts in the joined string
        text_starts = np.cumsum([0] + [len(t) + 1 for t in texts[:-1]])
        counts = np.bincount(np.searchsorted(text_starts, starts, side="right") - 1, minlength=len(texts))
        title_ends = np.cumsum(counts)[0::2]
        ids = np.insert(ids, title_ends, 0)  # SEPARATOR after each title
        bounds = np.concatenate([[0], np.cumsum(counts[0::2] + counts[1::2] + 1)]).tolist()
        titles = counts[0::2].tolist()
        return [(ids[bounds[i]:bounds[i + 1]], titles[i]) for i in range(len(docs))]

    def _find(self, h1: np.ndarray, h2: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        """Ids of the words found in the hash table, -1 for the others (linear probing, all
        the words of a batch one step at a time)."""
        ids = np.full(len(h1), -1, dtype=np.int32)
        todo = np.flatnonzero(lengths <= MAX_HASHED)
        slot = (h1[todo] & self._mask).astype(np.intp)
        while len(todo):
            held = self._slot_ids[slot]
            hit = (held >= 0) & (self._slot_h1[slot] == h1[todo]) & (self._slot_h2[slot] == h2[todo])
            ids[todo[hit]] = held[hit]
            going = (held >= 0) & ~hit
            todo, slot = todo[going], (slot[going] + 1) & self._mask
        return ids

    def _same(self, codes: np.ndarray, starts: np.ndarray, ends: np.ndarray, ids: np.ndarray) -> np.ndarray:
        """Whether each word (code points [start, end) of ``codes``) has the length, first and
        last character of the stored word of its id: what a 128-bit collision would also have
        to match; comparing every character would cost more than the split it saves."""
        at = self._start[ids]
        lengths = ends - starts
        last = np.minimum(at + lengths - 1, len(self._chars) - 1)  # past a shorter word: unequal anyway
        return ((self._length[ids] == lengths) & (codes[starts] == self._chars[at])
                & (codes[ends - 1] == self._chars[last]))

    def _slow(self, joined: str, starts: np.ndarray, ends: np.ndarray, h1: np.ndarray, h2: np.ndarray) -> list[int]:
        """Ids of words not found by hash: by string; new words are added (and hashed)."""
        known, out = self._ids, []
        for low, high, a, b in zip(starts.tolist(), ends.tolist(), h1.tolist(), h2.tolist()):
            word = joined[low:high]
            i = known[word] if word in known else self._add(word)
            if high - low <= MAX_HASHED and i not in self._hashed:
                self._insert(a, b, i)
            out.append(i)
        return out

    def _add(self, word: str) -> int:
        i = self._ids[word] = len(self.words)
        self.words.append(word)
        codes = chars.code_points(word)
        if self._used + len(codes) > len(self._chars):
            self._chars = grown(self._chars, self._used + len(codes))
        if i >= len(self._start):
            self._start, self._length = grown(self._start, i + 1), grown(self._length, i + 1)
        self._chars[self._used:self._used + len(codes)] = codes
        self._start[i], self._length[i] = self._used, len(codes)
        self._used += len(codes)
        return i

    def _insert(self, h1: int, h2: int, i: int) -> None:
        if 2 * (len(self._hashed) + 1) > len(self._slot_ids):
            self._resize(2 * len(self._slot_ids))
        slot = h1 & self._mask
        while self._slot_ids[slot] >= 0:
            slot = (slot + 1) & self._mask
        self._slot_h1[slot], self._slot_h2[slot], self._slot_ids[slot] = h1, h2, i
        self._hashed.add(i)

    def _resize(self, size: int) -> None:
        old = None
        if self._table_size:
            held = np.flatnonzero(self._slot_ids >= 0)
            old = (self._slot_h1[held].tolist(), self._slot_h2[held].tolist(), self._slot_ids[held].tolist())
        self._table_size, self._mask = size, size - 1
        self._slot_h1 = np.zeros(size, dtype=np.uint64)
        self._slot_h2 = np.zeros(size, dtype=np.uint64)
        self._slot_ids = np.full(size, -1, dtype=np.int32)
        self._hashed = set()
        if old:
            for a, b, i in zip(*old):
                self._insert(a, b, i)


def grown(array: np.ndarray, size: int, fill: int = 0) -> np.ndarray:
    """``array`` copied into a new one of at least ``size`` and twice its length, the rest
    ``fill``: arrays by word id grow with the vocabulary a few words at a time, and doubling
    keeps the copies to O(n) over a run."""
    out = np.full(max(size, 2 * len(array)), fill, dtype=array.dtype)
    out[:len(array)] = array
    return out


_vocabularies: dict[str, Vocabulary] = {}


def vocabulary(lang: str) -> Vocabulary:
    """The vocabulary of a language (one per process)."""
    vocab = _vocabularies.get(lang)
    if vocab is None:
        vocab = _vocabularies[lang] = Vocabulary()
    return vocab


def document_ids(docs: list[tuple[str | None, str | None]], langs: list[str]) -> list[tuple[np.ndarray, int]]:
    """Word ids (``Vocabulary.documents``) of (title, body) documents, each split in its
    language (``text.words``), in the given order."""
    out: list = [None] * len(docs)
    for lang in dict.fromkeys(langs):
        at = [i for i, doc_lang in enumerate(langs) if doc_lang == lang]
        texts = [(textmod.prepare(docs[i][0] or "", lang), textmod.prepare(docs[i][1] or "", lang)) for i in at]
        for i, result in zip(at, vocabulary(lang).documents(texts)):
            out[i] = result
    return out
