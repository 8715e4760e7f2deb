"""Writing parsed documents to DuckDB, one batch per transaction.

A batch is deduplicated against the database and against itself, then written with a
handful of ``INSERT … SELECT`` from registered Arrow tables (row-by-row executemany is far
slower).
Duplicates: same document bytes (sha256), or an article already stored under the same
normalised URL or the same normalised title+body. A page whose article is a duplicate
still contributes its ticker sightings. A file read again supersedes its earlier
documents in the same transaction (see ``supersede``), so nothing is counted twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from analysis.db import scalar
from analysis.ingest.batch import TS, DocBatch, Key
from analysis.ingest.known import KnownKeys
from analysis.ingest.outlets import canonical_outlet
from analysis.ingest.supersede import recount_headlines, supersede

UTC = dt.timezone.utc
# Reasons that may not hold next time (permission denied, an I/O error): such a file is read
# again by the next load, and such a reject does not replace what an earlier read stored.
RETRY_REASONS = frozenset({"unreadable"})


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
    retry: bool = False  # could not be read: the next load tries again
    reread: bool = False  # an earlier load read this path: its documents not read again are superseded


@dataclass
class BatchCounts:
    inputs: int = 0
    loaded: int = 0
    duplicates: int = 0
    rejected: int = 0
    articles: int = 0
    sightings: int = 0
    superseded: int = 0  # earlier documents replaced (not part of this load's inputs)
    reasons: dict[str, int] = field(default_factory=dict)
    warnings: dict[str, int] = field(default_factory=dict)

    def add(self, other: "BatchCounts") -> None:
        for name in ("inputs", "loaded", "duplicates", "rejected", "articles", "sightings", "superseded"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for mine, theirs in ((self.reasons, other.reasons), (self.warnings, other.warnings)):
            for key, value in theirs.items():
                mine[key] = mine.get(key, 0) + value


def _next_id(con: duckdb.DuckDBPyConnection, table: str, column: str) -> int:
    # table/column come from the two fixed call sites below, never from input.
    return scalar(con, f"SELECT coalesce(max({column}), 0) + 1 FROM {table}")


def _maybe(known: KnownKeys | None, column: str, keys: set[str]) -> list[str]:
    keys = sorted(keys)
    return keys if known is None else known.maybe(column, keys)


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
    ("crawled_at", TS), ("n_headlines", pa.int32()), ("warnings", pa.list_(pa.string())),
    ("crawl_source", pa.string()),
])
# The article columns of a DocBatch's heavy table (the rest of `articles` is added here).
ARTICLE_COLUMNS = ("outlet", "outlet_raw", "url", "url_key", "title", "body", "lang", "published_date", "published_at",
                   "published_local", "date_raw", "category", "related_title", "source_id", "content_sha256")
REJECT_SCHEMA = pa.schema([
    ("path", pa.string()), ("record", pa.int64()), ("reason", pa.string()), ("detail", pa.string()),
    ("load_id", pa.int32()), ("document_id", pa.int64()),
])
FILE_SCHEMA = pa.schema([
    ("path", pa.string()), ("bytes", pa.int64()), ("mtime_ns", pa.int64()), ("format", pa.string()),
    ("n_records", pa.int64()), ("load_id", pa.int32()), ("retry", pa.bool_()),
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


def write_batch(con: duckdb.DuckDBPyConnection, batch: DocBatch, crawls: list[Crawl], files: list[FileDone],
                *, load_id: int, known: KnownKeys | None = None, reread: list[int] = (),
                outlet: str | None = None) -> BatchCounts:
    """Deduplicate and insert one batch inside the caller's transaction. With ``known``,
    only keys it may hold are looked up in the database (the caller adds the batch's keys
    to it once the transaction committed). ``reread``: positions of the keys whose file an
    earlier load read; what that load stored for them is superseded first. ``outlet``: the
    outlet of articles whose record names none."""
    keys = batch.keys
    counts = BatchCounts(inputs=len(keys))
    old = _earlier_versions(con, [keys[i] for i in reread], load_id)
    touched = supersede(con, old, load_id=load_id)
    counts.superseded += len(old)
    next_doc = _next_id(con, "documents", "document_id")
    next_article = _next_id(con, "articles", "article_id")

    live = [k for k in keys if k.reject is None]
    seen_sha = _lookup(con, "SELECT d.sha256, min(d.document_id) FROM documents d JOIN _keys k ON d.sha256 = k.k "
                            "WHERE d.status IN ('loaded', 'duplicate') GROUP BY ALL",
                       _maybe(known, "sha256", {k.sha256 for k in live}))
    articles = [k for k in live if k.has_article]
    seen_url = _lookup(con, "SELECT a.url_key, min(a.document_id) FROM articles a JOIN _keys k ON a.url_key = k.k GROUP BY ALL",
                       sorted({k.url_key for k in articles if k.url_key}))
    seen_content = _lookup(con, "SELECT a.content_sha256, min(a.document_id) FROM articles a JOIN _keys k "
                                "ON a.content_sha256 = k.k GROUP BY ALL",
                          _maybe(known, "content_sha256", {k.content_sha256 for k in articles}))

    docs = _Columns(DOC_SCHEMA)
    rejects = _Columns(REJECT_SCHEMA)
    article_rows, article_ids, article_docs = [], [], []
    ticker_rows, ticker_docs, ticker_seen, ticker_source = [], [], [], []
    for row, (key, crawl) in enumerate(zip(keys, crawls)):
        document_id = next_doc + row
        status, duplicate_of, warnings = "loaded", None, list(key.warnings)
        keep_article = key.has_article
        if key.reject:
            status = "rejected"
            reason, detail = key.reject
            rejects.add(key.path, key.record, reason, detail, load_id, document_id)
            counts.reasons[reason] = counts.reasons.get(reason, 0) + 1
        elif key.sha256 in seen_sha:
            status, duplicate_of = "duplicate", seen_sha[key.sha256]
        elif keep_article:
            original = seen_url.get(key.url_key) if key.url_key else None
            original = original or seen_content.get(key.content_sha256)
            if original is not None:
                if key.n_ticker:  # keep the page for its ticker; the article itself is not stored twice
                    warnings.append(f"article_duplicate_of:{original}")
                    keep_article = False
                else:
                    status, duplicate_of = "duplicate", original
        if status == "loaded":
            seen_sha[key.sha256] = document_id
            if keep_article:
                if key.url_key:
                    seen_url[key.url_key] = document_id
                seen_content[key.content_sha256] = document_id
                article_rows.append(row)
                article_ids.append(next_article + counts.articles)
                article_docs.append(document_id)
                counts.articles += 1
            if key.n_ticker and crawl.source == "unknown":
                warnings.append("crawl_time_unknown")
            if key.n_ticker:
                ticker_rows.append(row)
                ticker_docs.append(document_id)
                ticker_seen.append(crawl.at)
                ticker_source.append(crawl.source)
                counts.sightings += key.n_ticker
            counts.loaded += 1
        elif status == "duplicate":
            counts.duplicates += 1
        else:
            counts.rejected += 1
        for w in warnings:
            name = w.split(":", 1)[0]
            counts.warnings[name] = counts.warnings.get(name, 0) + 1
        docs.add(document_id, key.path, key.record, key.sha256, key.bytes, key.format, key.parser_version,
                 load_id, status, duplicate_of, key.edition_lang, crawl.site,
                 crawl.at if crawl.source in ("option", "manifest", "file_mtime") else None,
                 key.n_ticker if status == "loaded" else 0, warnings,
                 crawl.source if key.format == "page" and status != "rejected" else None)

    _insert(con, "documents", docs.table())
    _insert(con, "rejects", rejects.table() if len(rejects) else None)
    heavy = batch.rows()
    if article_rows:
        # select, then take: taking every column would copy the ticker lists too
        chosen = heavy.select(list(ARTICLE_COLUMNS)).take(pa.array(article_rows, pa.int64()))
        chosen = _with_outlets(chosen, outlet)
        chosen = chosen.append_column("article_id", pa.array(article_ids, pa.int64()))
        _insert(con, "articles", chosen.append_column("document_id", pa.array(article_docs, pa.int64())))
    if ticker_rows:
        tickers = heavy.select(["ids", "texts", "langs"]).take(pa.array(ticker_rows, pa.int64()))
        tickers = tickers.append_column("document_id", pa.array(ticker_docs, pa.int64()))
        tickers = tickers.append_column("seen_at", pa.array(ticker_seen, TS))
        _insert_tickers(con, tickers.append_column("seen_source", pa.array(ticker_source, pa.string())))
    gone = _not_read_again(con, [f for f in files if f.reread and not f.retry], load_id)
    touched += supersede(con, gone, load_id=load_id)
    counts.superseded += len(gone)
    recount_headlines(con, touched)
    _upsert_files(con, files, load_id)
    con.execute(
        """UPDATE loads SET n_inputs = n_inputs + $i, n_loaded = n_loaded + $l, n_duplicates = n_duplicates + $d,
                  n_rejected = n_rejected + $r, n_superseded = n_superseded + $s WHERE load_id = $id""",
        {"i": counts.inputs, "l": counts.loaded, "d": counts.duplicates, "r": counts.rejected,
         "s": counts.superseded, "id": load_id},
    )
    return counts


def _with_outlets(articles: pa.Table, default: str | None) -> pa.Table:
    """Articles whose record names no outlet get ``default`` (as written in ``outlet_raw``, under
    its canonical name in ``outlet``)."""
    if default is None:
        return articles
    missing = pc.is_null(articles["outlet_raw"])
    canonical = canonical_outlet(default)
    return (articles.set_column(articles.schema.get_field_index("outlet"), "outlet",
                                pc.if_else(missing, pa.scalar(canonical, pa.string()), articles["outlet"]))
            .set_column(articles.schema.get_field_index("outlet_raw"), "outlet_raw",
                        pc.if_else(missing, pa.scalar(default, pa.string()), articles["outlet_raw"])))


def _earlier_versions(con, keys: list[Key], load_id: int) -> list[int]:
    """Documents of earlier loads at the same path and record as these keys, to be superseded:
    all but those with the same bytes (the new read is then their duplicate, nothing changes),
    and only rejected ones when the new read failed for a reason that may pass."""
    if not keys:
        return []
    con.register("_reread", pa.table({"path": pa.array([k.path for k in keys], pa.string()),
                                      "record": pa.array([k.record for k in keys], pa.int64()),
                                      "sha256": pa.array([k.sha256 for k in keys], pa.string()),
                                      "rejected": pa.array([k.reject is not None for k in keys], pa.bool_()),
                                      "transient": pa.array([k.reject is not None and k.reject[0] in RETRY_REASONS
                                                             for k in keys], pa.bool_())}))
    try:
        return [row[0] for row in con.execute(
            """SELECT DISTINCT d.document_id FROM documents d JOIN _reread r ON d.path = r.path AND d.record = r.record
               WHERE d.status <> 'superseded' AND d.load_id <> ?
                 AND (d.sha256 <> r.sha256 OR d.status = 'rejected' OR r.rejected)
                 AND (d.status = 'rejected' OR NOT r.transient)""", [load_id]).fetchall()]
    finally:
        con.unregister("_reread")


_EARLIER_OF_FILES = """SELECT d.document_id, d.path, d.record FROM documents d JOIN _reread_files f ON d.path = f.path
                       WHERE d.status <> 'superseded' AND d.load_id <> $load"""
_EARLIER_MEMBERS = """ UNION ALL
    SELECT d.document_id, d.path, d.record FROM documents d
    JOIN _reread_files f ON split_part(d.path, '!', 1) = f.path AND d.path <> f.path
    WHERE d.status <> 'superseded' AND d.load_id <> $load"""


def _not_read_again(con, files: list[FileDone], load_id: int) -> list[int]:
    """Documents of earlier loads from these files (or their archive members) that this load,
    having read the whole file, did not find again: records or members no longer there."""
    if not files:
        return []
    paths = [f.path for f in files]
    # Equi-joins only (a join on starts_with would compare every stored path with every file);
    # members are looked for only when an archive was read again.
    sql = _EARLIER_OF_FILES + (_EARLIER_MEMBERS if any(p.lower().endswith(".zip") for p in paths) else "")
    con.register("_reread_files", pa.table({"path": pa.array(paths, pa.string())}))
    try:
        return [row[0] for row in con.execute(
            f"""WITH earlier AS ({sql})
                SELECT DISTINCT e.document_id FROM earlier e
                WHERE NOT EXISTS (SELECT 1 FROM documents n
                                  WHERE n.load_id = $load AND n.path = e.path AND n.record = e.record)""",
            {"load": load_id}).fetchall()]
    finally:
        con.unregister("_reread_files")


# Insert targets are the fixed table names of this module (an allow-list), never input.
_TABLES = {"documents", "articles", "rejects"}


def _insert(con, table: str, frame: pa.Table | None) -> None:
    if frame is None or not frame.num_rows:
        return
    assert table in _TABLES
    con.register("_batch", frame)
    try:
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _batch")
    finally:
        con.unregister("_batch")


def _ticker_slots(tickers: pa.Table) -> pa.Table:
    """One row per ticker slot (document_id, headline_id, text, lang, position, seen_at,
    seen_source) from one row per page with list columns. Flattened in Arrow, which is much
    cheaper than DuckDB's unnest into a temporary table."""
    tickers = tickers.combine_chunks()
    lengths = pc.list_value_length(tickers["ids"]).to_numpy(zero_copy_only=False).astype(np.int64)
    page = pa.array(np.repeat(np.arange(len(lengths)), lengths))
    first_slot = np.repeat(np.cumsum(lengths) - lengths, lengths)
    return pa.table({
        "document_id": tickers["document_id"].take(page),
        "headline_id": pc.list_flatten(tickers["ids"]),
        "text": pc.list_flatten(tickers["texts"]),
        "lang": pc.list_flatten(tickers["langs"]),
        "position": pa.array(np.arange(1, len(first_slot) + 1) - first_slot, pa.int32()),
        "seen_at": tickers["seen_at"].take(page),
        "seen_source": tickers["seen_source"].take(page),
    })


def _insert_tickers(con, tickers: pa.Table) -> None:
    """Sightings (one per ticker slot) and the headline upsert."""
    con.register("_slots", _ticker_slots(tickers))
    try:
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
    finally:
        con.unregister("_slots")


def _upsert_files(con, files: list[FileDone], load_id: int) -> None:
    """Record finished input files; a changed file that was read again replaces its row."""
    if not files:
        return
    rows = _Columns(FILE_SCHEMA)
    for f in files:
        rows.add(f.path, f.bytes, f.mtime_ns, ",".join(sorted(f.formats)), f.n_records, load_id, f.retry)
    con.register("_files", rows.table())
    try:
        con.execute(
            """INSERT INTO files BY NAME SELECT * FROM _files ON CONFLICT (path) DO UPDATE SET
                 bytes = excluded.bytes, mtime_ns = excluded.mtime_ns, format = excluded.format,
                 n_records = excluded.n_records, load_id = excluded.load_id, retry = excluded.retry"""
        )
    finally:
        con.unregister("_files")
