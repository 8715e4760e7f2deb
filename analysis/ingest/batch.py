"""Parsed documents in columns, the unit that travels from parser processes to the writer.

The writer decides, per document, whether it is new, a duplicate or rejected; that needs
only a few small keys, kept as Python objects (``Key``). The bulky part (article text,
ticker lists) goes into one Arrow table built in the parser process: it crosses the
process boundary as Arrow buffers and reaches DuckDB without the writer touching a body.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import NamedTuple

import pyarrow as pa

from analysis.ingest.records import Parsed

TS = pa.timestamp("us", tz="UTC")
UTC = dt.timezone.utc
HEAVY_SCHEMA = pa.schema([
    ("outlet", pa.string()), ("outlet_raw", pa.string()), ("url", pa.string()), ("url_key", pa.string()), ("title", pa.string()),
    ("body", pa.string()), ("lang", pa.string()), ("published_date", pa.date32()), ("published_at", TS),
    ("published_local", pa.timestamp("us")), ("date_raw", pa.string()), ("category", pa.string()),
    ("related_title", pa.string()), ("source_id", pa.string()), ("content_sha256", pa.string()),
    ("ids", pa.list_(pa.int64())), ("texts", pa.list_(pa.string())), ("langs", pa.list_(pa.string())),
])


class Key(NamedTuple):
    """What deduplication and bookkeeping need to know about one document."""

    path: str
    record: int
    sha256: str
    bytes: int
    format: str
    parser_version: str
    reject: tuple[str, str] | None
    warnings: list[str]
    edition_lang: str | None
    ticker_date: dt.date | None
    n_ticker: int
    has_article: bool
    url_key: str | None
    content_sha256: str | None


@dataclass
class DocBatch:
    """Documents ``keys`` and their heavy columns: rows ``start … start + len(keys)`` of
    ``heavy``. A slice keeps the whole table and moves ``start``, so the one-file slices of a
    parsed chunk concatenate back into one piece instead of a table of one-row chunks (slow
    to ``take`` from and to insert)."""

    keys: list[Key]
    heavy: pa.Table  # HEAVY_SCHEMA
    start: int = 0

    def __len__(self) -> int:
        return len(self.keys)

    def rows(self) -> pa.Table:
        """This batch's rows of ``heavy`` (HEAVY_SCHEMA, same order as ``keys``)."""
        if self.start == 0 and len(self.keys) == self.heavy.num_rows:
            return self.heavy
        return self.heavy.slice(self.start, len(self.keys))

    def slice(self, start: int, size: int) -> "DocBatch":
        return DocBatch(self.keys[start:start + size], self.heavy, self.start + start)

    @classmethod
    def concat(cls, batches: list["DocBatch"]) -> "DocBatch":
        if len(batches) == 1:
            return batches[0]
        runs: list[list] = []  # [heavy, start, stop]: adjacent slices of one table merged
        for b in batches:
            if runs and runs[-1][0] is b.heavy and runs[-1][2] == b.start:
                runs[-1][2] += len(b)
            else:
                runs.append([b.heavy, b.start, b.start + len(b)])
        keys = [k for b in batches for k in b.keys]
        tables = [heavy.slice(start, stop - start) for heavy, start, stop in runs]
        return cls(keys, pa.concat_tables(tables) if tables else empty_heavy())


def empty_heavy() -> pa.Table:
    return HEAVY_SCHEMA.empty_table()


def to_batch(docs: list[Parsed]) -> DocBatch:
    """Columns from parsed documents (runs in the parser process)."""
    columns: list[list] = [[] for _ in HEAVY_SCHEMA]
    keys = []
    for doc in docs:
        a = doc.article
        if a is not None:
            date = a.date
            row = (a.outlet, a.outlet_raw, a.url, a.url_key, a.title, a.body, a.lang,
                   date.date if date else None, date.at.astimezone(UTC) if date and date.at else None,
                   date.local if date else None, a.date_raw, a.category, a.related_title, a.source_id,
                   a.content_sha256)
        else:
            row = (None,) * 15
        for column, value in zip(columns, (*row, doc.ticker_ids, doc.ticker_texts, doc.ticker_langs)):
            column.append(value)
        keys.append(Key(doc.path, doc.record, doc.sha256, doc.bytes, doc.format, doc.parser_version, doc.reject,
                        doc.warnings, doc.edition_lang, doc.ticker_date, len(doc.ticker_ids), a is not None,
                        a.url_key if a is not None else None, a.content_sha256 if a is not None else None))
    heavy = pa.table([pa.array(c, f.type) for c, f in zip(columns, HEAVY_SCHEMA)], schema=HEAVY_SCHEMA)
    return DocBatch(keys, heavy)
