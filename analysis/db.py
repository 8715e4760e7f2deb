"""Opening the database, applying the schema, and waiting politely for a busy file.

DuckDB allows one writing process per file; any other process (writer or reader) fails
to take the file lock. We turn that into a retry loop and one clear error.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

import duckdb
import pyarrow as pa

from analysis.errors import DatabaseBusy, DatabaseMissing, DataFileError, InvalidArgument

log = logging.getLogger(__name__)

DEFAULT_DB = "data/presswatch.duckdb"


# Never download extensions at run time. This also lets DuckDB replay a WAL after a crash
# offline: replay may need a built-in extension's function before it is loaded, and with
# autoinstall on DuckDB would try to download it instead.
OFFLINE = {"autoinstall_known_extensions": False}
# DuckDB's own default is 80 % of RAM, which big queries take without finishing sooner;
# under this cap they spill to disk. Stages lower it further (memory_cap);
# PRESSWATCH_MEMORY_LIMIT (any DuckDB size, e.g. 8GB) sets another for a whole session.
MEMORY_LIMIT = "1GB"


def default_path() -> str:
    return os.environ.get("PRESSWATCH_DB") or DEFAULT_DB


def _is_lock_error(exc: Exception) -> bool:
    text = str(exc)
    return "Could not set lock" in text or "Conflicting lock" in text


def connect(
    path: str | os.PathLike | None = None,
    *,
    read_only: bool = False,
    timeout: float = 30.0,
    on_wait=None,
) -> duckdb.DuckDBPyConnection:
    """Open the presswatch database.

    A writable open creates the file and applies the schema. While another process
    holds the file, retry for up to ``timeout`` seconds (``on_wait(elapsed)`` is called
    once per retry so a CLI can say "busy, retrying"), then raise ``DatabaseBusy``.
    """
    path = Path(path or default_path())
    if read_only and not path.exists():
        raise DatabaseMissing(f"no database at {path}; run `presswatch load` first")
    check_database_file(path)
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    delay = 0.1
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only, config=OFFLINE)
            break
        except duckdb.IOException as exc:
            if not _is_lock_error(exc):
                raise DataFileError(f"cannot open the database {path}: {str(exc).strip()}") from None
            elapsed = time.monotonic() - start
            if elapsed >= timeout:
                raise DatabaseBusy(
                    f"database {path} is busy (another presswatch process is writing it); "
                    f"gave up after {timeout:.0f} s — try again when it has finished, or raise --timeout"
                ) from None
            if on_wait:
                on_wait(elapsed)
            time.sleep(min(delay, max(0.0, timeout - elapsed)))
            delay = min(delay * 2, 2.0)
    con.execute("SET TimeZone = 'UTC'")
    _limit_memory(con)
    if not read_only:
        apply_schema(con)
    return con


# Bytes 8-11 of every DuckDB database file.
DUCKDB_MAGIC = b"DUCK"


def check_database_file(path: Path) -> None:
    """Raise ``DataFileError`` when ``path`` exists but is not a DuckDB database (a folder,
    a text file, a SQLite file): DuckDB would otherwise fail deep inside, or try to fetch an
    extension to read it."""
    if path.is_dir():
        raise DataFileError(f"{path} is a folder, not a database file; give the path of a .duckdb file")
    if not path.exists():
        return
    with path.open("rb") as handle:
        head = handle.read(16)
    if head and head[8:12] != DUCKDB_MAGIC:
        kind = "a SQLite database" if head.startswith(b"SQLite format 3") else "not a DuckDB database"
        raise DataFileError(f"{path} is {kind}; give the path of a presswatch (DuckDB) database")


def _limit_memory(con: duckdb.DuckDBPyConnection) -> None:
    """MEMORY_LIMIT, or $PRESSWATCH_MEMORY_LIMIT, unless DuckDB's default is lower already
    (a machine with little RAM) or the variable asks for more."""
    wanted = os.environ.get("PRESSWATCH_MEMORY_LIMIT")
    current = str(scalar(con, "SELECT current_setting('memory_limit')"))
    if wanted is None and size_bytes(current) <= size_bytes(MEMORY_LIMIT):
        return
    try:
        con.execute("SET memory_limit = ?", [wanted or MEMORY_LIMIT])
    except duckdb.Error as exc:
        con.close()
        raise InvalidArgument(f"PRESSWATCH_MEMORY_LIMIT={wanted!r} is not a memory size DuckDB reads (try 2GB): {exc}") from None


# Room for Python, pyarrow and a query's result beside DuckDB's own memory_limit.
PROCESS_HEADROOM = "256MB"


@contextmanager
def process_memory_cap(limit: str | None = None):
    """Inside the block, cap this process's data segment (RLIMIT_DATA) at what it uses now
    plus ``limit`` (default: MEMORY_LIMIT or $PRESSWATCH_MEMORY_LIMIT) plus PROCESS_HEADROOM.

    DuckDB's memory_limit does not cover every allocation (a list() aggregate of millions of
    values grows past it); past this cap such an allocation fails with DuckDB's
    OutOfMemoryException instead of growing the process to the machine's RAM. A no-op where
    the platform has no RLIMIT_DATA or /proc."""
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
        used = _data_segment_bytes()
    except (ImportError, AttributeError, OSError, ValueError):
        yield
        return
    wanted = limit or os.environ.get("PRESSWATCH_MEMORY_LIMIT") or MEMORY_LIMIT
    cap = int(used + size_bytes(wanted) + size_bytes(PROCESS_HEADROOM))
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    if soft != resource.RLIM_INFINITY and soft <= cap:
        yield
        return
    resource.setrlimit(resource.RLIMIT_DATA, (cap, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_DATA, (soft, hard))


def _data_segment_bytes() -> int:
    """VmData of this process (what RLIMIT_DATA counts), from /proc/self/status."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmData:"):
                return int(line.split()[1]) * 1024
    raise ValueError("no VmData in /proc/self/status")


def sql_text(name: str) -> str:
    """The text of a packaged SQL file, e.g. ``sql_text('schema.sql')``."""
    return resources.files("analysis").joinpath("sql", name).read_text(encoding="utf-8")


def schema_files() -> list[str]:
    """Schema files in the order they are applied: schema.sql first, then the stages' files, then rollups.sql."""
    folder = resources.files("analysis").joinpath("sql")
    names = sorted(p.name for p in folder.iterdir() if p.name.endswith(".sql"))
    names.remove("schema.sql")
    names.remove("rollups.sql")  # last: its freshness macro reads the other stages' tables
    return ["schema.sql", *names, "rollups.sql"]


def view_files() -> list[str]:
    folder = resources.files("analysis").joinpath("sql", "views")
    return sorted(f"views/{p.name}" for p in folder.iterdir() if p.name.endswith(".sql"))


def schema_digest() -> str:
    """SHA-256 of every packaged schema and view file, in the order they are applied."""
    digest = hashlib.sha256()
    for name in (*schema_files(), *view_files()):
        digest.update(name.encode() + b"\0" + sql_text(name).encode("utf-8") + b"\0")
    return digest.hexdigest()


def apply_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create missing tables and (re)create every view, unless this exact schema was
    applied already (a writable open then costs one query, not hundreds of DDL statements).
    Idempotent; one transaction."""
    digest = schema_digest()
    con.execute("CREATE TABLE IF NOT EXISTS schema_state (digest VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)")
    if scalar(con, "SELECT count(*) FROM schema_state WHERE digest = ?", [digest]):
        return
    with transaction(con):
        for name in (*schema_files(), *view_files()):
            con.execute(sql_text(name))
        con.execute("DELETE FROM schema_state")
        con.execute("INSERT INTO schema_state VALUES (?, now())", [digest])
        con.execute("COMMENT ON TABLE schema_state IS 'Digest of the presswatch schema and view files last applied to this "
                    "database (a writable open re-applies them when they change).'")
        con.execute("COMMENT ON COLUMN schema_state.digest IS 'SHA-256 of the packaged analysis/sql files.'")
        con.execute("COMMENT ON COLUMN schema_state.applied_at IS 'When they were applied.'")
    # Keep DDL out of the WAL: a crash right after connect then leaves only data to replay.
    con.execute("CHECKPOINT")


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection):
    """BEGIN … COMMIT around the block; ROLLBACK on any exception, Ctrl-C included."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield
    except BaseException as exc:
        con.execute("ROLLBACK")
        cause = _aborting_error(exc)
        if cause is not exc:
            raise cause from None
        raise
    con.execute("COMMIT")


def _aborting_error(exc: BaseException) -> BaseException:
    """The error that aborted a transaction. Cleanup inside the block (unregistering an Arrow
    table in a ``finally``) then fails with "Current transaction is aborted", and that second
    error would hide the first."""
    while (isinstance(exc, duckdb.TransactionException) and "aborted" in str(exc)
           and exc.__context__ is not None):
        exc = exc.__context__
    return exc


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params=None):
    """The first column of the first row. Reads the result to its end: in DuckDB 2.x a
    result left open (e.g. after ``fetchone()``) blocks the next statement on the connection."""
    rows = con.execute(sql, params).fetchall() if params is not None else con.execute(sql).fetchall()
    return rows[0][0] if rows else None


# connection -> {key: value} of what ``kept`` computed on it
_KEPT: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def kept(con: duckdb.DuckDBPyConnection, key: str, compute: Callable[[], object]):
    """``compute()``, computed once per read-only connection: no process can write a file
    while another holds it open for reading, so what it reads cannot change. Computed
    afresh on every call on a connection that may write."""
    memo = _KEPT.get(con)
    if memo is None:
        read_only = bool(scalar(con, "SELECT readonly FROM duckdb_databases() WHERE database_name = current_database()"))
        memo = _KEPT[con] = {} if read_only else False
    if memo is False:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """True when the main schema has a table ``name`` (an enrichment stage may not have run)."""
    return bool(scalar(con, "SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND schema_name = 'main'", [name]))


def has_columns(con: duckdb.DuckDBPyConnection, table: str, columns: set[str]) -> bool:
    """True when table ``table`` of the main schema exists with every one of ``columns`` (a
    database made by an older release may lack some)."""
    found = {row[0] for row in con.execute("SELECT column_name FROM duckdb_columns() WHERE table_name = ? "
                                           "AND schema_name = 'main'", [table]).fetchall()}
    return bool(found) and set(columns) <= found


# (article_id, title, body, lang) of the articles whose ids are bound as $ids, in id order:
# what the topics and entities stages read, through rows_by_id.
ARTICLES_BY_ID = """SELECT a.article_id, a.title, a.body, a.lang FROM articles a
                    JOIN (SELECT unnest($ids::BIGINT[]) AS article_id) USING (article_id) ORDER BY 1"""


def rows_by_id(con: duckdb.DuckDBPyConnection, sql: str, ids, *, fetch: int = 5_000, size: int = 500):
    """Arrow tables of ``size`` rows of ``sql`` for the given ids, ``fetch`` ids per query.

    ``sql`` selects by ``$ids`` (a BIGINT[]) in id order. A stage computes its pending ids
    once and fetches them this way, because a per-batch "next N not done yet" query would
    re-read every remaining text each time. Arrow tables also move to worker processes as
    whole buffers."""
    for lo in range(0, len(ids), fetch):
        chunk = [int(i) for i in ids[lo:lo + fetch]]
        table = con.sql(sql, params={"ids": chunk}).to_arrow_table()
        for start in range(0, table.num_rows, size):
            # take(), not slice(): a pickled slice would carry the whole query's buffers.
            yield table.take(pa.array(range(start, min(start + size, table.num_rows)), pa.int64()))


def python_rows(table: pa.Table) -> Iterator[tuple]:
    """The rows of an Arrow table as tuples of Python values (each column converted once)."""
    return zip(*(column.to_pylist() for column in table.columns))


_SIZE = re.compile(r"^(\d+(?:\.\d+)?) ?([KMGT]?)(i?)B$")


def size_bytes(size: str) -> float:
    """Bytes of a DuckDB memory size such as '512MB', '1.5 GiB' (what current_setting prints)."""
    m = _SIZE.match(size.strip())
    if not m:
        raise ValueError(f"unexpected DuckDB memory size {size!r}")
    return float(m[1]) * (1024 if m[3] else 1000) ** " KMGT".index(m[2] or " ")


@contextmanager
def memory_cap(con: duckdb.DuckDBPyConnection, limit: str):
    """DuckDB's memory_limit lowered to ``limit`` inside the block, then put back.

    DuckDB's default limit is 80 % of RAM and its buffer pool keeps every block it touched
    up to it: a long load, a stage over a million rows or a big export would grow to
    gigabytes for no gain. A lower limit someone set themselves is left alone."""
    before = str(scalar(con, "SELECT current_setting('memory_limit')"))
    if size_bytes(before) <= size_bytes(limit):
        yield
        return
    con.execute("SET memory_limit = ?", [limit])
    try:
        yield
    finally:
        _restore(con, "memory_limit", before)


@contextmanager
def checkpoint_every(con: duckdb.DuckDBPyConnection, size: str):
    """DuckDB checkpoints (writes the WAL into the file) when the WAL reaches ``size`` inside
    the block, instead of the default 16 MB, then the previous threshold is put back.

    Fewer checkpoints pay off while loading: each checkpoint recompresses the unfinished row
    group, so frequent ones compress every body several times. A crash replays a longer WAL,
    nothing more."""
    before = str(scalar(con, "SELECT current_setting('checkpoint_threshold')"))
    con.execute("SET checkpoint_threshold = ?", [size])
    try:
        yield
    finally:
        _restore(con, "checkpoint_threshold", before)


def _restore(con: duckdb.DuckDBPyConnection, name: str, before: str) -> None:
    """Put a size setting back: the default exactly (RESET), else the value as DuckDB printed
    it (rounded to 0.1 of its unit). ``name`` comes from the two callers above."""
    con.execute(f"RESET {name}")
    if str(scalar(con, f"SELECT current_setting('{name}')")) != before:
        con.execute(f"SET {name} = ?", [before])
