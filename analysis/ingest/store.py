"""Writing parsed documents to DuckDB, one batch per transaction.

A batch is deduplicated against the database and against itself, then written with a
handful of ``INSERT … SELECT`` from registered Arrow tables (executemany is ~60x slower).
Duplicates: same document bytes (sha256), or an article already stored under the same
normalised URL or the same normalised title+body. A page whose article is a duplicate
still contributes its ticker sightings.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import duckdb
import pyarrow as pa

from analysis.db import scalar
from analysis.ingest.records import Parsed

UTC = dt.timezone.utc


@dataclass
class Crawl:
    """When a page was crawled and how we know it."""

    at: dt.datetime | None
    source: str  # option, manifest, file_mtime, inferred, unknown
    site: str | None = None


@dataclass
class FileDone:
    path: str
    bytes: int
    mtime_ns: int
    formats: set[str]
    n_records: int


@dataclass
class BatchCounts:
    inputs: int = 0
    loaded: int = 0
    duplicates: int = 0
    rejected: int = 0
    articles: int = 0
    sightings: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    warnings: dict[str, int] = field(default_factory=dict)

    def add(self, other: "BatchCounts") -> None:
        for name in ("inputs", "loaded", "duplicates", "rejected", "articles", "sightings"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for mine, theirs in ((self.reasons, other.reasons), (self.warnings, other.warnings)):
            for key, value in theirs.items():
                mine[key] = mine.get(key, 0) + value


def _next_id(con: duckdb.DuckDBPyConnection, table: str, column: str) -> int:
    # table/column come from the two fixed call sites below, never from input.
    return scalar(con, f"SELECT coalesce(max({column}), 0) + 1 FROM {table}")


def _lookup(con, sql: str, values: list) -> dict:
    if not values:
        return {}
    con.register("_keys", pa.table({"k": pa.array(values, pa.string())}))
    try:
        return dict(con.execute(sql).fetchall())
    finally:
        con.unregister("_keys")


TS = pa.timestamp("us", tz="UTC")
DOC_SCHEMA = pa.schema([
    ("document_id", pa.int64()), ("path", pa.string()), ("record", pa.int64()), ("sha256", pa.string()),
    ("bytes", pa.int64()), ("format", pa.string()), ("parser_version", pa.string()), ("load_id", pa.int32()),
    ("status", pa.string()), ("duplicate_of", pa.int64()), ("edition_lang", pa.string()), ("site", pa.string()),
    ("crawled_at", TS), ("n_headlines", pa.int32()), ("warnings", pa.list_(pa.string())),
])
ARTICLE_SCHEMA = pa.schema([
    ("article_id", pa.int64()), ("document_id", pa.int64()), ("outlet", pa.string()), ("url", pa.string()),
    ("url_key", pa.string()), ("title", pa.string()), ("body", pa.string()), ("lang", pa.string()),
    ("published_date", pa.date32()), ("published_at", TS), ("published_local", pa.timestamp("us")),
    ("date_raw", pa.string()), ("category", pa.string()), ("related_title", pa.string()), ("source_id", pa.string()),
    ("content_sha256", pa.string()),
])
# One row per page with its whole ticker as list columns; DuckDB expands it into sightings.
TICKER_SCHEMA = pa.schema([
    ("document_id", pa.int64()), ("ids", pa.list_(pa.int64())), ("texts", pa.list_(pa.string())),
    ("langs", pa.list_(pa.string())), ("seen_at", TS), ("seen_source", pa.string()),
])
REJECT_SCHEMA = pa.schema([
    ("path", pa.string()), ("record", pa.int64()), ("reason", pa.string()), ("detail", pa.string()),
    ("load_id", pa.int32()), ("document_id", pa.int64()),
])
FILE_SCHEMA = pa.schema([
    ("path", pa.string()), ("bytes", pa.int64()), ("mtime_ns", pa.int64()), ("format", pa.string()),
    ("n_records", pa.int64()), ("load_id", pa.int32()),
])


class _Columns:
    """Rows appended as columns, turned into one Arrow table (no row tuples to transpose)."""

    def __init__(self, schema: pa.Schema):
        self.schema = schema
        self.columns: list[list] = [[] for _ in schema]

    def add(self, *values) -> None:
        for column, value in zip(self.columns, values):
            column.append(value)

    def __len__(self) -> int:
        return len(self.columns[0])

    def table(self) -> pa.Table:
        return pa.table([pa.array(c, f.type) for c, f in zip(self.columns, self.schema)], schema=self.schema)


def write_batch(con: duckdb.DuckDBPyConnection, docs: list[tuple[Parsed, Crawl]], files: list[FileDone],
                *, load_id: int) -> BatchCounts:
    """Deduplicate and insert one batch inside the caller's transaction."""
    counts = BatchCounts(inputs=len(docs))
    next_doc = _next_id(con, "documents", "document_id")
    next_article = _next_id(con, "articles", "article_id")

    live = [d for d, _ in docs if d.reject is None]
    seen_sha = _lookup(con, "SELECT d.sha256, min(d.document_id) FROM documents d JOIN _keys k ON d.sha256 = k.k "
                            "WHERE d.status <> 'rejected' GROUP BY ALL", sorted({d.sha256 for d in live}))
    articles = [d.article for d in live if d.article is not None]
    seen_url = _lookup(con, "SELECT a.url_key, min(a.document_id) FROM articles a JOIN _keys k ON a.url_key = k.k GROUP BY ALL",
                       sorted({a.url_key for a in articles if a.url_key}))
    seen_content = _lookup(con, "SELECT a.content_sha256, min(a.document_id) FROM articles a JOIN _keys k "
                                "ON a.content_sha256 = k.k GROUP BY ALL", sorted({a.content_sha256 for a in articles}))

    doc_rows, article_rows = _Columns(DOC_SCHEMA), _Columns(ARTICLE_SCHEMA)
    ticker_rows, reject_rows = _Columns(TICKER_SCHEMA), _Columns(REJECT_SCHEMA)
    for offset, (doc, crawl) in enumerate(docs):
        document_id = next_doc + offset
        status, duplicate_of, warnings = "loaded", None, list(doc.warnings)
        article = doc.article
        if doc.reject:
            status = "rejected"
            reason, detail = doc.reject
            reject_rows.add(doc.path, doc.record, reason, detail, load_id, document_id)
            counts.reasons[reason] = counts.reasons.get(reason, 0) + 1
        elif doc.sha256 in seen_sha:
            status, duplicate_of = "duplicate", seen_sha[doc.sha256]
        elif article is not None:
            original = seen_url.get(article.url_key) if article.url_key else None
            original = original or seen_content.get(article.content_sha256)
            if original is not None:
                if doc.ticker_ids:  # keep the page for its ticker; the article itself is not stored twice
                    warnings.append(f"article_duplicate_of:{original}")
                    article = None
                else:
                    status, duplicate_of = "duplicate", original
        if status == "loaded":
            seen_sha[doc.sha256] = document_id
            if article is not None:
                if article.url_key:
                    seen_url[article.url_key] = document_id
                seen_content[article.content_sha256] = document_id
                article_rows.add(*_article_values(next_article + counts.articles, document_id, article))
                counts.articles += 1
            if doc.ticker_ids:
                ticker_rows.add(document_id, doc.ticker_ids, doc.ticker_texts, doc.ticker_langs, crawl.at, crawl.source)
                counts.sightings += len(doc.ticker_ids)
            counts.loaded += 1
        elif status == "duplicate":
            counts.duplicates += 1
        else:
            counts.rejected += 1
        for w in warnings:
            name = w.split(":", 1)[0]
            counts.warnings[name] = counts.warnings.get(name, 0) + 1
        doc_rows.add(document_id, doc.path, doc.record, doc.sha256, doc.bytes, doc.format, doc.parser_version,
                     load_id, status, duplicate_of, doc.edition_lang, crawl.site,
                     crawl.at if crawl.source in ("option", "manifest", "file_mtime") else None,
                     len(doc.ticker_ids) if status == "loaded" else 0, warnings)

    _insert(con, "documents", doc_rows)
    _insert(con, "articles", article_rows)
    _insert(con, "rejects", reject_rows)
    _insert_tickers(con, ticker_rows)
    _upsert_files(con, files, load_id)
    con.execute(
        """UPDATE loads SET n_inputs = n_inputs + $i, n_loaded = n_loaded + $l, n_duplicates = n_duplicates + $d,
                  n_rejected = n_rejected + $r WHERE load_id = $id""",
        {"i": counts.inputs, "l": counts.loaded, "d": counts.duplicates, "r": counts.rejected, "id": load_id},
    )
    return counts


def _article_values(article_id: int, document_id: int, a) -> tuple:
    date = a.date
    return (article_id, document_id, a.outlet, a.url, a.url_key, a.title, a.body, a.lang,
            date.date if date else None, date.at.astimezone(UTC) if date and date.at else None,
            date.local if date else None, a.date_raw, a.category, a.related_title, a.source_id, a.content_sha256)


# Insert targets are the fixed table names of this module (an allow-list), never input.
_TABLES = {"documents", "articles", "rejects"}


def _insert(con, table: str, rows: _Columns) -> None:
    if not len(rows):
        return
    assert table in _TABLES
    con.register("_batch", rows.table())
    try:
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _batch")
    finally:
        con.unregister("_batch")


def _insert_tickers(con, tickers: _Columns) -> None:
    """Sightings (one per ticker slot) and the headline upsert, expanded and aggregated in SQL."""
    if not len(tickers):
        return
    con.register("_tickers", tickers.table())
    try:
        con.execute("""
            CREATE OR REPLACE TEMP TABLE _slots AS
            SELECT document_id, unnest(ids) AS headline_id, unnest(texts) AS text, unnest(langs) AS lang,
                   unnest(generate_series(1, len(ids))) AS position, seen_at, seen_source
            FROM _tickers""")
        con.execute("""
            INSERT INTO sightings (document_id, headline_id, position, seen_at, seen_source)
            SELECT document_id, headline_id, position, seen_at, seen_source FROM _slots""")
        # A headline's text and language are the first seen (the lowest document id).
        con.execute("""
            INSERT INTO headlines BY NAME
            SELECT headline_id, arg_min(text, document_id) AS text, arg_min(lang, document_id) AS lang,
                   min(seen_at) AS first_seen, max(seen_at) AS last_seen, count(*) AS n_sightings
            FROM _slots GROUP BY headline_id
            ON CONFLICT (headline_id) DO UPDATE SET
              first_seen = least(headlines.first_seen, excluded.first_seen),
              last_seen = greatest(headlines.last_seen, excluded.last_seen),
              n_sightings = headlines.n_sightings + excluded.n_sightings""")
        con.execute("DROP TABLE _slots")
    finally:
        con.unregister("_tickers")


def _upsert_files(con, files: list[FileDone], load_id: int) -> None:
    """Record finished input files; a changed file that was read again replaces its row."""
    if not files:
        return
    rows = _Columns(FILE_SCHEMA)
    for f in files:
        rows.add(f.path, f.bytes, f.mtime_ns, ",".join(sorted(f.formats)), f.n_records, load_id)
    con.register("_files", rows.table())
    try:
        con.execute(
            """INSERT INTO files BY NAME SELECT * FROM _files ON CONFLICT (path) DO UPDATE SET
                 bytes = excluded.bytes, mtime_ns = excluded.mtime_ns, format = excluded.format,
                 n_records = excluded.n_records, load_id = excluded.load_id"""
        )
    finally:
        con.unregister("_files")
