"""The full-text index beside the database: what it holds, how it is kept in step.

One tantivy index in ``<database>.search/`` holds every article (title, body) and every ticker
headline (its text in ``title``), folded with ``analysis.entities.text.fold`` (a batch at a
time: ``analysis.search.folding``) so queries and documents meet on the same key (case, Latin
accents, Arabic letter forms and harakat).

The index is its own state: each update adds every article after the index's last
``article_id`` in one commit, and each headline carries the last ``documents.document_id`` the
update had read (``through_doc``), so the maximum id and the counts read from the committed
index say what it covers. A crash before a commit leaves the previous commit; a crash after it
leaves a complete one. Nothing is recorded anywhere else, so no record can disagree with the
index.
"""

from __future__ import annotations

import json
import logging
import shutil
import time
import uuid
import weakref
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import tantivy

from analysis.db import kept
from analysis.errors import DatabaseBusy, InvalidArgument, PresswatchError
from analysis.progress import progress_bar
from analysis.search.folding import fold_column
from analysis.search.parser import TEXT_FIELDS, midnight
from analysis.workers import ordered_map

log = logging.getLogger(__name__)

# Bump when the schema, the tokenizer or the folding changes: an index of another version is rebuilt.
FORMAT = 1
TOKENIZER = "presswatch"
# Tokens longer than this many UTF-8 bytes (glued URLs, base64) are left out of the index.
MAX_TOKEN_BYTES = 100
# Rows per batch: fold_column's Polars call builds its table of every folded character anew each
# time, so a batch's titles, bodies and outlets are folded together, in few large batches.
BATCH = 5000
# ids per delete query: a term set query of every id at once would be one large allocation
DELETE_CHUNK = 10_000
# Split between the indexing threads (one per core): a larger share means fewer segments to merge.
WRITER_HEAP = 1_000_000_000


class IndexOutOfStep(PresswatchError, RuntimeError):
    """The search index holds documents the database lacks, or misses some it has."""


def analyzer() -> tantivy.TextAnalyzer:
    """The words of folded text: runs of letters and digits (Arabic letters included)."""
    return (tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
            .filter(tantivy.Filter.remove_long(MAX_TOKEN_BYTES)).build())


def stored_analyzer() -> tantivy.TextAnalyzer:
    """The index's tokenizer: ``fold_column`` leaves only whitespace between the words, so
    it gives the tokens ``analyzer`` gives of the folded text."""
    return (tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace())
            .filter(tantivy.Filter.remove_long(MAX_TOKEN_BYTES)).build())


def schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("id", indexed=True, fast=True)
    builder.add_text_field("kind", tokenizer_name="raw")
    builder.add_text_field("lang", tokenizer_name="raw")
    for name in TEXT_FIELDS:
        builder.add_text_field(name, tokenizer_name=TOKENIZER)
    builder.add_date_field("date", indexed=True, fast=True)
    builder.add_integer_field("through_doc", fast=True)
    return builder.build()


# connection -> its index path: a connection's database file does not change, and asking
# DuckDB costs a catalog query on every search call
_PATHS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def index_path(con: duckdb.DuckDBPyConnection) -> Path:
    """``<database file>.search``: the index lives beside the database it mirrors."""
    if con in _PATHS:
        return _PATHS[con]
    row = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchall()[0]
    if not row or not row[0]:
        raise InvalidArgument("search needs a database file: an in-memory database has no place for its index")
    _PATHS[con] = Path(row[0] + ".search")
    return _PATHS[con]


@dataclass
class SearchIndex:
    """An open index and its schema; ``searcher()`` sees the last commit."""

    index: tantivy.Index
    schema: tantivy.Schema
    path: Path

    def searcher(self) -> tantivy.Searcher:
        return self.index.searcher()


MARKER = "presswatch-search.json"


def open_at(path: Path, *, create: bool) -> SearchIndex | None:
    """The index at ``path``: None when there is none of this format; ``create`` starts an
    empty one in its place."""
    marker = path / MARKER
    if not create:
        try:
            if json.loads(marker.read_text())["format"] != FORMAT:
                return None
        except (OSError, ValueError, KeyError):
            return None
        if not tantivy.Index.exists(str(path)):
            return None
    else:
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True)
    sch = schema()
    index = tantivy.Index(sch, path=str(path), reuse=not create)
    index.register_tokenizer(TOKENIZER, stored_analyzer())
    if create:
        # the build id tells a process holding the old index that it was replaced
        marker.write_text(json.dumps({"format": FORMAT, "build": uuid.uuid4().hex}))
    return SearchIndex(index, sch, path)


def database_state(con: duckdb.DuckDBPyConnection) -> tuple:
    """What changes when the database gains or loses articles, pages or headlines (cheap:
    counts and maxima come from DuckDB's metadata)."""
    return kept(con, "search.database_state", lambda: tuple(con.execute(
        """SELECT (SELECT count(*) FROM articles), (SELECT coalesce(max(article_id), 0) FROM articles),
                  (SELECT coalesce(max(document_id), 0) FROM documents), (SELECT count(*) FROM headlines)"""
    ).fetchall()[0]))


def _index_state(path: Path) -> tuple:
    try:
        return (path / MARKER).read_text(), (path / "meta.json").stat().st_mtime_ns
    except OSError:
        return None, None


# path -> (database and index state when last found in step, the open index): a search in a
# notebook re-checks the whole index only when either side changed since.
_CHECKED: dict[Path, tuple[tuple, SearchIndex]] = {}


def open_writer(idx: SearchIndex, *, wait: float = 30.0) -> tantivy.IndexWriter:
    """The index's one writer; another process updating the same index holds its lock."""
    start = time.monotonic()
    while True:
        try:
            return idx.index.writer(WRITER_HEAP, 0)  # 0: one indexing thread per core, up to 8
        except ValueError as exc:
            if "LockBusy" not in str(exc):
                raise
            if time.monotonic() - start > wait:
                raise DatabaseBusy(f"the search index {idx.path} is being updated by another process; "
                                   "try again when it has finished") from None
            time.sleep(0.2)


@contextmanager
def committing(idx: SearchIndex):
    """The index's writer; what it was given is committed in one commit when the block ends,
    and rolled back if it raises (or on Ctrl-C)."""
    writer = open_writer(idx)
    try:
        yield writer
        writer.commit()
        writer.wait_merging_threads()
    except BaseException:
        writer.rollback()
        raise
    idx.index.reload()


@dataclass
class Coverage:
    """What the committed index holds: articles (count, max id, sum of ids), headlines
    (count), and the last document whose headlines it read."""

    n_articles: int
    max_article: int
    sum_articles: int
    n_headlines: int
    through_doc: int


def coverage(idx: SearchIndex) -> Coverage:
    searcher = idx.searcher()
    kinds = {}
    for kind in ("article", "headline"):
        query = tantivy.Query.term_query(idx.schema, "kind", kind)
        kinds[kind] = (searcher.search(query, 1, count=True).count,
                       searcher.aggregate(query, {"max": {"max": {"field": "id"}}, "sum": {"sum": {"field": "id"}},
                                                  "doc": {"max": {"field": "through_doc"}}}))
    n_art, agg_art = kinds["article"]
    n_head, agg_head = kinds["headline"]
    return Coverage(n_art, int(agg_art["max"]["value"] or 0) if n_art else 0,
                    int(agg_art["sum"]["value"] or 0) if n_art else 0, n_head,
                    int(agg_head["doc"]["value"] or 0) if n_head else 0)


def _articles_in_db(con, up_to: int) -> tuple[int, int, int]:
    n, top, total = con.execute(
        "SELECT count(*), coalesce(max(article_id), 0), coalesce(sum(article_id), 0) FROM articles "
        "WHERE article_id <= $up_to", {"up_to": up_to}).fetchall()[0]
    return int(n), int(top), int(total)


def out_of_step(con: duckdb.DuckDBPyConnection, cov: Coverage) -> str | None:
    """Why the index's articles are not the database's articles up to the index's last id
    (None when they are). Sums of ids are exact here: ids are far below 2**53."""
    n, top, total = _articles_in_db(con, cov.max_article)
    if (n, top, total) == (cov.n_articles, cov.max_article, cov.sum_articles):
        return None
    if cov.n_articles > n or cov.max_article > top:
        return f"it holds {cov.n_articles:,} articles up to id {cov.max_article} where the database has {n:,}"
    return f"it misses some of the database's {n:,} articles up to id {cov.max_article}"


def _article_batches(con, low: int, high: int):
    """The articles after ``low`` up to ``high``, as Arrow batches in the table's order. One
    commit adds them all, so their order does not matter; sorting them would hold every body
    of the range before the first batch reached the writer."""
    return con.sql(
        """SELECT article_id, lang, title, body, outlet, published_date FROM articles
           WHERE article_id > $low AND article_id <= $high""",
        params={"low": low, "high": high}).to_arrow_reader(BATCH)


def _headline_rows(con, low: int, high: int) -> pa.Table:
    # Headlines are keyed by a hash of their text, so "new" means: shown by a page read since the
    # last update. Those are indexed again (first_seen may have moved); the rest are unchanged.
    return con.sql(
        """SELECT h.headline_id, h.lang, h.text, h.first_seen FROM headlines h
           WHERE h.headline_id IN (SELECT headline_id FROM sightings
                                   WHERE document_id > $low AND document_id <= $high)
           ORDER BY h.headline_id""", params={"low": low, "high": high}).to_arrow_table()


def _documents(kind: str, columns: dict, through_doc: int | None = None):
    """One tantivy document per row of ``columns`` (``id``, ``lang``, ``day`` and the text
    fields, texts from ``fold_column``)."""
    texts = [(name, columns[name]) for name in TEXT_FIELDS if name in columns]
    for i, (doc_id, lang, day) in enumerate(zip(columns["id"], columns["lang"], columns["day"])):
        doc = tantivy.Document()
        doc.add_integer("id", doc_id)
        doc.add_text("kind", kind)
        if lang:
            doc.add_text("lang", lang)
        for name, values in texts:
            if values[i]:
                doc.add_text(name, values[i])
        if day is not None:
            doc.add_date("date", midnight(day))
        if through_doc is not None:
            doc.add_integer("through_doc", through_doc)
        yield doc


def article_columns(batch: pa.RecordBatch) -> dict:
    """The columns ``_documents`` reads, from a batch of ``articles`` rows (article_id, lang,
    title, body, outlet, published_date), texts folded."""
    folded = fold_column(pa.chunked_array([batch.column(name).cast(pa.string()) for name in TEXT_FIELDS]))
    n = batch.num_rows
    return {"id": batch.column("article_id").to_pylist(), "lang": batch.column("lang").to_pylist(),
            "day": batch.column("published_date").to_pylist(),
            **{name: folded[i * n:(i + 1) * n] for i, name in enumerate(TEXT_FIELDS)}}


def article_documents(batch: pa.RecordBatch):
    """The index documents of a batch of ``articles`` rows."""
    return _documents("article", article_columns(batch))


def _folded_ahead(batches):
    """``article_columns`` of each batch, the next batch folded in a worker thread while the
    caller indexes this one: Polars folds without the GIL, so folding and feeding the writer
    share the cores with tantivy's own indexing threads instead of taking turns. The batches
    are read on the caller's thread, from the caller's connection (and transaction)."""
    with ThreadPoolExecutor(1, thread_name_prefix="search-fold") as pool:
        for _, columns in ordered_map(pool, article_columns, batches, window=2):
            yield columns


def add_articles(writer: tantivy.IndexWriter, batches, advance=None) -> int:
    """Add the documents of batches of ``articles`` rows (``article_columns``' columns) to
    the writer; ``advance(n)`` is called after each batch. Returns the articles added."""
    n = 0
    for columns in _folded_ahead(batches):
        for doc in _documents("article", columns):
            writer.add_document(doc)
        n += len(columns["id"])
        if advance:
            advance(len(columns["id"]))
    return n


def _headline_documents(table: pa.Table, through_doc: int):
    return _documents("headline", {
        "id": table.column("headline_id").to_pylist(), "lang": table.column("lang").to_pylist(),
        "day": table.column("first_seen").to_pylist(), "title": fold_column(table.column("text"))}, through_doc)


def _pending(con, cov: Coverage) -> tuple[int, int, int, bool]:
    """What an update after ``cov`` has to index: (highest article id, new articles, highest
    document id, whether pages were read since)."""
    top_article = int(con.execute("SELECT coalesce(max(article_id), 0) FROM articles").fetchall()[0][0])
    top_doc = int(con.execute("SELECT coalesce(max(document_id), 0) FROM documents").fetchall()[0][0])
    new_articles = int(con.execute("SELECT count(*) FROM articles WHERE article_id > $low AND article_id <= $high",
                                   {"low": cov.max_article, "high": top_article}).fetchall()[0][0])
    has_new_pages = top_doc > cov.through_doc and con.execute(
        "SELECT count(*) > 0 FROM sightings WHERE document_id > $low AND document_id <= $high",
        {"low": cov.through_doc, "high": top_doc}).fetchall()[0][0]
    return top_article, new_articles, top_doc, bool(has_new_pages)


def _update(con, idx: SearchIndex, cov: Coverage, *, progress: bool) -> tuple[int, int]:
    """Add the articles after the index's last one and re-index the headlines of pages read
    since its last update, in one commit. Returns (articles, headlines) indexed."""
    _, new_articles, _, has_new_pages = _pending(con, cov)
    if not new_articles and not has_new_pages:
        return 0, 0
    with committing(idx) as writer:
        idx.index.reload()  # another process may have indexed them while this one waited for the writer
        cov = coverage(idx)
        top_article, new_articles, top_doc, has_new_pages = _pending(con, cov)
        with progress_bar("indexing for search", new_articles, enabled=progress, unit="articles") as bar:
            n_art = add_articles(writer, _article_batches(con, cov.max_article, top_article), bar.advance)
        n_head = 0
        if has_new_pages:
            rows = _headline_rows(con, cov.through_doc, top_doc)
            delete_ids(idx, writer, "headline", rows.column("headline_id").to_numpy())
            for doc in _headline_documents(rows, top_doc):
                writer.add_document(doc)
            n_head = rows.num_rows
    return n_art, n_head


def ids_of(searcher: tantivy.Searcher, query: tantivy.Query) -> np.ndarray:
    """The ids of every document matching a compiled query, in one pass: a limit of every
    document costs no more than counting the matches first would (a second pass)."""
    hits = searcher.search(query, max(searcher.num_docs, 1), count=False, order_by_field="id").hits
    return np.fromiter(map(itemgetter(0), hits), dtype=np.int64, count=len(hits))


def kind_ids(idx: SearchIndex, kind: str) -> np.ndarray:
    """The ids of every article (``kind="article"``) or headline of the index, ascending."""
    return np.sort(ids_of(idx.searcher(), tantivy.Query.term_query(idx.schema, "kind", kind)))


def add_articles_by_id(con: duckdb.DuckDBPyConnection, writer: tantivy.IndexWriter, ids: np.ndarray,
                       advance=None) -> int:
    """Add the documents of these articles (ids of the database, ascending) to the writer."""
    return add_articles(writer, _batches_of(con, ids), advance)


def _batches_of(con, ids: np.ndarray):
    # A batch of ids per query, found through the id's min/max statistics: sorting many
    # bodies at once would not fit DuckDB's memory limit.
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        yield from con.sql(
            """SELECT article_id, lang, title, body, outlet, published_date FROM articles
               WHERE article_id BETWEEN $low AND $high AND article_id IN (SELECT unnest($ids))
               ORDER BY article_id""",
            params={"low": int(chunk[0]), "high": int(chunk[-1]), "ids": chunk.tolist()}).to_arrow_reader(BATCH)


def delete_ids(idx: SearchIndex, writer: tantivy.IndexWriter, kind: str, ids: np.ndarray) -> None:
    """Delete these articles (``kind="article"``) or headlines from the index."""
    for start in range(0, len(ids), DELETE_CHUNK):
        writer.delete_documents_by_query(tantivy.Query.boolean_query([
            (tantivy.Occur.Must, tantivy.Query.term_query(idx.schema, "kind", kind)),
            (tantivy.Occur.Must, tantivy.Query.term_set_query(idx.schema, "id",
                                                              ids[start:start + DELETE_CHUNK].tolist()))]))


def _repair(con, idx: SearchIndex, *, progress: bool) -> None:
    """Make the index's articles the database's, once each: deleting those it lacks, adding
    those it misses, and index every headline again (an unload also moves headlines' first sightings),
    in one commit: cheaper than a rebuild when an unload or a lost update left a few behind."""
    want = con.execute("SELECT article_id FROM articles ORDER BY article_id").fetchnumpy()["article_id"]
    want = want.astype(np.int64)
    top_doc = int(con.execute("SELECT coalesce(max(document_id), 0) FROM documents").fetchall()[0][0])
    with committing(idx) as writer:
        idx.index.reload()  # another process may have repaired it while this one waited for the writer
        have, copies = np.unique(kind_ids(idx, "article"), return_counts=True)
        twice = have[copies > 1]  # added twice: deleted, then added once
        gone = np.union1d(np.setdiff1d(have, want, assume_unique=True), twice)
        missing = np.union1d(np.setdiff1d(want, have, assume_unique=True), np.intersect1d(twice, want))
        delete_ids(idx, writer, "article", gone)
        with progress_bar("indexing for search", len(missing), enabled=progress, unit="articles") as bar:
            add_articles_by_id(con, writer, missing, bar.advance)
        writer.delete_documents_by_query(tantivy.Query.term_query(idx.schema, "kind", "headline"))
        for doc in _headline_documents(_headline_rows(con, 0, top_doc), top_doc):
            writer.add_document(doc)


def open_index(con: duckdb.DuckDBPyConnection, *, update: bool = True, rebuild: bool = True,
               progress: bool = False) -> SearchIndex:
    """The database's search index, brought up to date and checked.

    New articles and headlines are indexed (``update``). An index out of step with the
    database (it holds articles the database lacks or misses some: after an unload, say) is
    repaired when ``rebuild`` is true: the articles it lacks deleted, those it misses added,
    the headlines indexed again. One that is missing, of another format, or still out of step
    is rebuilt. With ``rebuild`` false, ``IndexOutOfStep`` says how to rebuild it.
    The database may be open read-only: the index is a separate directory.
    """
    path = index_path(con)
    state = (database_state(con), _index_state(path))
    if path in _CHECKED and _CHECKED[path][0] == state:
        return _CHECKED[path][1]
    idx = open_at(path, create=False)
    if idx is None:
        if not rebuild:
            raise IndexOutOfStep(f"no search index at {path}; build it with analysis.search.rebuild_index(con)")
        return rebuild_index(con, progress=progress)
    cov = coverage(idx)
    problem = out_of_step(con, cov)
    if problem is None and update:
        if any(_update(con, idx, cov, progress=progress)):
            cov = coverage(idx)
        n_head = state[0][3]
        if cov.n_headlines != n_head:
            problem = f"it holds {cov.n_headlines:,} headlines where the database has {n_head:,}"
    if problem is not None:
        if not rebuild:
            raise IndexOutOfStep(f"the search index {path} is out of step with the database: {problem}; "
                                 "rebuild it with analysis.search.rebuild_index(con)")
        log.warning("search index %s out of step (%s): repairing", path, problem)
        _repair(con, idx, progress=progress)
        cov = coverage(idx)
        problem = out_of_step(con, cov)
        if problem is None and cov.n_headlines != database_state(con)[3]:
            problem = "its headlines still differ"
        if problem is not None:
            log.warning("search index %s still out of step (%s): rebuilding", path, problem)
            return rebuild_index(con, progress=progress)
    if update:
        _CHECKED[path] = ((database_state(con), _index_state(path)), idx)
    return idx


def checked_state(con: duckdb.DuckDBPyConnection) -> tuple:
    """The database state ``open_index`` last found the index in step with (read afresh when
    it has not checked this database yet): what caches derived from both are keyed on."""
    entry = _CHECKED.get(index_path(con))
    return entry[0][0] if entry else database_state(con)


def update_index(con: duckdb.DuckDBPyConnection, *, progress: bool = False) -> bool:
    """Bring the search index beside the database up to date, if there is one, and the index
    of linked articles in step with the story links (what load and enrich call, so the next
    search or attention starts at once). False when there is none, or another process is
    updating it: then that process, or the next search, brings it up to date."""
    from analysis.search.linked import linked_index  # it builds on this module

    if not (index_path(con) / MARKER).exists():
        return False
    try:
        linked_index(con, open_index(con, progress=progress))
    except DatabaseBusy as exc:
        log.warning("%s", exc)
        return False
    return True


def rebuild_index(con: duckdb.DuckDBPyConnection, *, progress: bool = False) -> SearchIndex:
    """Index every article and headline of the database from scratch, replacing any index."""
    path = index_path(con)
    _CHECKED.pop(path, None)
    # Built aside and swapped in, so other readers keep the old index until the new one is whole.
    fresh = path.with_name(f"{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        _update(con, open_at(fresh, create=True), Coverage(0, 0, 0, 0, 0), progress=progress)
        old = path.with_name(f"{path.name}.{uuid.uuid4().hex[:8]}.old")
        if path.exists():
            path.rename(old)
        fresh.rename(path)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(fresh, ignore_errors=True)
    idx = open_at(path, create=False)
    _CHECKED[path] = ((database_state(con), _index_state(path)), idx)
    return idx
