"""Which content hashes the database may already hold, without asking it every batch.

Deduplication looks a batch's sha256 keys up in `documents` and its content keys in
`articles`: each lookup scans the whole column, so a load's lookups would grow with the
square of its size, while almost every key of a real load is new. ``KnownKeys`` holds the
first 64 bits of every stored key in sorted NumPy arrays (8 bytes a key) and lets only the
keys whose prefix is there (the duplicates, and a rare prefix collision) go to the database,
which still decides.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

# The keys deduplication compares (see store.write_batch): fixed SQL, never input.
_SOURCES = {
    "sha256": "SELECT TRY_CAST('0x' || left(sha256, 16) AS UBIGINT) AS p FROM documents WHERE status IN ('loaded', 'duplicate')",
    "content_sha256": "SELECT TRY_CAST('0x' || left(content_sha256, 16) AS UBIGINT) AS p FROM articles",
}


def prefix(key: str) -> int | None:
    """The first 64 bits of a hex digest, or None if it is not one."""
    head = key[:16]
    if len(head) < 16 or not (head.isascii() and head.isalnum()):  # int() would take " +_" and other digits
        return None
    try:
        return int(head, 16)
    except ValueError:
        return None


class Prefixes:
    """A set of 64-bit prefixes: a sorted array, plus recent additions merged into it
    when they reach an eighth of its size (so merging costs O(n log n) over a load)."""

    def __init__(self, values: np.ndarray):
        self.sorted = np.unique(values.astype(np.uint64))
        self.recent: list[np.ndarray] = []
        self.n_recent = 0

    def add(self, keys: Iterable[str]) -> None:
        values = [p for p in map(prefix, keys) if p is not None]
        if not values:
            return
        self.recent.append(np.unique(np.array(values, dtype=np.uint64)))
        self.n_recent += len(values)
        if 8 * self.n_recent > len(self.sorted):
            self.sorted = np.union1d(self.sorted, np.concatenate(self.recent))
            self.recent, self.n_recent = [], 0

    def maybe(self, keys: list[str]) -> list[str]:
        """The keys that may be stored: their prefix is known, or they are not hex digests."""
        values = [prefix(k) for k in keys]
        query = np.array([0 if v is None else v for v in values], dtype=np.uint64)
        hit = np.zeros(len(keys), dtype=bool)
        for known in (self.sorted, *self.recent):
            if len(known):
                at = np.minimum(np.searchsorted(known, query), len(known) - 1)
                hit |= known[at] == query
        return [k for k, v, h in zip(keys, values, hit) if h or v is None]


class KnownKeys:
    """Prefixes of the stored document (sha256) and article content keys. A column holding
    something other than hex digests gets None: then each of its keys is looked up."""

    def __init__(self, con):
        self.columns: dict[str, Prefixes | None] = {}
        for column, sql in _SOURCES.items():
            values = con.execute(sql).fetchnumpy()["p"]
            self.columns[column] = None if np.ma.is_masked(values) else Prefixes(np.asarray(values, dtype=np.uint64))

    def maybe(self, column: str, keys: list[str]) -> list[str]:
        known = self.columns[column]
        return keys if known is None else known.maybe(keys)

    def add(self, column: str, keys: Iterable[str]) -> None:
        known = self.columns[column]
        if known is not None:
            known.add(keys)
