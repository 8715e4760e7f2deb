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


DOC_SCHEMA = pa.schema([
    ("document_id", pa.int64()), ("path", pa.string()), ("record", pa.int64()), ("sha256", pa.string()),
    ("bytes", pa.int64()), ("format", pa.string()), ("parser_version", pa.string()), ("load_id", pa.int32()),
    ("status", pa.string()), ("duplicate_of", pa.int64()), ("edition_lang", pa.string()), ("site", pa.string()),
    ("crawled_at", pa.timestamp("us", tz="UTC")), ("n_headlines", pa.int32()), ("warnings", pa.list_(pa.string())),
])
ARTICLE_SCHEMA = pa.schema([
    ("article_id", pa.int64()), ("document_id", pa.int64()), ("outlet", pa.string()), ("url", pa.string()),
    ("url_key", pa.string()), ("title", pa.string()), ("body", pa.string()), ("lang", pa.string()),
    ("published_date", pa.date32()), ("published_at", pa.timestamp("us", tz="UTC")),
    ("published_local", pa.timestamp("us")), ("date_raw", pa.string()), ("category", pa.string()),
    ("related_title", pa.string()), ("source_id", pa.string()), ("content_sha256", pa.string()),
])
SIGHTING_SCHEMA = pa.schema([
    ("document_id", pa.int64()), ("headline_id", pa.int64()), ("position", pa.int32()),
    ("seen_at", pa.timestamp("us", tz="UTC")), ("seen_source", pa.string()),
])
HEADLINE_SCHEMA = pa.schema([
    ("headline_id", pa.int64()), ("text", pa.string()), ("lang", pa.string()),
    ("first_seen", pa.timestamp("us", tz="UTC")), ("last_seen", pa.timestamp("us", tz="UTC")),
    ("n_sightings", pa.int64()),
])
REJECT_SCHEMA = pa.schema([
    ("path", pa.string()), ("record", pa.int64()), ("reason", pa.string()), ("detail", pa.string()),
    ("load_id", pa.int32()), ("document_id", pa.int64()),
])
FILE_SCHEMA = pa.schema([
    ("path", pa.string()), ("bytes", pa.int64()), ("mtime_ns", pa.int64()), ("format", pa.string()),
    ("n_records", pa.int64()), ("load_id", pa.int32()),
])


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

    doc_rows, article_rows, sighting_rows, reject_rows = [], [], [], []
    for offset, (doc, crawl) in enumerate(docs):
        document_id = next_doc + offset
        status, duplicate_of, warnings = "loaded", None, list(doc.warnings)
        article = doc.article
        if doc.reject:
            status = "rejected"
            reason, detail = doc.reject
            reject_rows.append((doc.path, doc.record, reason, detail, load_id, document_id))
            counts.reasons[reason] = counts.reasons.get(reason, 0) + 1
        elif doc.sha256 in seen_sha:
            status, duplicate_of = "duplicate", seen_sha[doc.sha256]
        elif article is not None:
            key, content = article.url_key, article.content_sha256
            original = seen_url.get(key) if key else None
            original = original or seen_content.get(content)
            if original is not None:
                if doc.ticker:  # keep the page for its ticker; the article itself is not stored twice
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
                article_rows.append(_article_row(next_article + counts.articles, document_id, article))
                counts.articles += 1
            for position, (headline_id, _text, _lang) in enumerate(doc.ticker, start=1):
                sighting_rows.append((document_id, headline_id, position, crawl.at, crawl.source))
            counts.sightings += len(doc.ticker)
            counts.loaded += 1
        elif status == "duplicate":
            counts.duplicates += 1
        else:
            counts.rejected += 1
        for w in warnings:
            name = w.split(":", 1)[0]
            counts.warnings[name] = counts.warnings.get(name, 0) + 1
        doc_rows.append((document_id, doc.path, doc.record, doc.sha256, doc.bytes, doc.format, doc.parser_version,
                         load_id, status, duplicate_of, doc.edition_lang, crawl.site,
                         crawl.at if crawl.source in ("option", "manifest", "file_mtime") else None,
                         len(doc.ticker) if status == "loaded" else 0, warnings))

    _insert(con, "documents", DOC_SCHEMA, doc_rows)
    _insert(con, "articles", ARTICLE_SCHEMA, article_rows)
    _insert(con, "sightings", SIGHTING_SCHEMA, sighting_rows)
    _insert(con, "rejects", REJECT_SCHEMA, reject_rows)
    _upsert_headlines(con, docs, sighting_rows)
    _upsert_files(con, files, load_id)
    con.execute(
        """UPDATE loads SET n_inputs = n_inputs + $i, n_loaded = n_loaded + $l, n_duplicates = n_duplicates + $d,
                  n_rejected = n_rejected + $r WHERE load_id = $id""",
        {"i": counts.inputs, "l": counts.loaded, "d": counts.duplicates, "r": counts.rejected, "id": load_id},
    )
    return counts


def _article_row(article_id: int, document_id: int, a) -> tuple:
    date = a.date
    return (article_id, document_id, a.outlet, a.url, a.url_key, a.title, a.body, a.lang,
            date.date if date else None, date.at.astimezone(UTC) if date and date.at else None,
            date.local if date else None, a.date_raw, a.category, a.related_title, a.source_id, a.content_sha256)


def _arrow(schema: pa.Schema, rows: list[tuple]) -> pa.Table:
    columns = list(zip(*rows))
    return pa.table({f.name: pa.array(col, f.type) for f, col in zip(schema, columns)}, schema=schema)


# Insert targets are the fixed table names of this module (an allow-list), never input.
_TABLES = {"documents", "articles", "sightings", "rejects"}


def _insert(con, table: str, schema: pa.Schema, rows: list[tuple]) -> None:
    if not rows:
        return
    assert table in _TABLES
    con.register("_batch", _arrow(schema, rows))
    try:
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _batch")
    finally:
        con.unregister("_batch")


def _upsert_headlines(con, docs: list[tuple[Parsed, Crawl]], sightings: list[tuple]) -> None:
    if not sightings:
        return
    texts: dict[int, tuple[str, str | None]] = {}
    for doc, _ in docs:
        for headline_id, text, lang in doc.ticker:
            texts.setdefault(headline_id, (text, lang))
    stats: dict[int, list] = {}
    for _doc, headline_id, _pos, seen_at, _src in sightings:
        entry = stats.get(headline_id)
        if entry is None:
            stats[headline_id] = [seen_at, seen_at, 1]
            continue
        if seen_at is not None:
            entry[0] = seen_at if entry[0] is None else min(entry[0], seen_at)
            entry[1] = seen_at if entry[1] is None else max(entry[1], seen_at)
        entry[2] += 1
    rows = [(h, *texts[h], first, last, n) for h, (first, last, n) in stats.items()]
    con.register("_heads", _arrow(HEADLINE_SCHEMA, rows))
    try:
        con.execute(
            """INSERT INTO headlines BY NAME SELECT * FROM _heads
               ON CONFLICT (headline_id) DO UPDATE SET
                 first_seen = least(headlines.first_seen, excluded.first_seen),
                 last_seen = greatest(headlines.last_seen, excluded.last_seen),
                 n_sightings = headlines.n_sightings + excluded.n_sightings"""
        )
    finally:
        con.unregister("_heads")


def _upsert_files(con, files: list[FileDone], load_id: int) -> None:
    """Record finished input files; a changed file that was read again replaces its row."""
    if not files:
        return
    rows = [(f.path, f.bytes, f.mtime_ns, ",".join(sorted(f.formats)), f.n_records, load_id) for f in files]
    con.register("_files", _arrow(FILE_SCHEMA, rows))
    try:
        con.execute(
            """INSERT INTO files BY NAME SELECT * FROM _files ON CONFLICT (path) DO UPDATE SET
                 bytes = excluded.bytes, mtime_ns = excluded.mtime_ns, format = excluded.format,
                 n_records = excluded.n_records, load_id = excluded.load_id"""
        )
    finally:
        con.unregister("_files")
