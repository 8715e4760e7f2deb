"""`presswatch load`: discover inputs, parse them (in parallel), write atomic batches.

Guarantees a user relies on:
- nothing lost: every input file or record becomes a loaded, duplicate or rejected
  document (with its reason), or is skipped because the same file (path, size, mtime)
  was loaded before; the counts always add up;
- atomic batches: each batch is one transaction, so a crash or Ctrl-C loses at most the
  batch in flight, and re-running the same command finishes the job;
- incremental: unchanged files are skipped from their stat alone, without being read;
- replaced, never added to: a file read again (it changed, or could not be read before)
  supersedes what earlier loads stored for it, in the transaction that stores the new version.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial

import duckdb
import pyarrow as pa

from analysis import rollups
from analysis.db import checkpoint_every, memory_cap, scalar, transaction
from analysis.errors import InvalidArgument
from analysis.ingest import exports, worker
from analysis.ingest.batch import DocBatch, Key, empty_heavy, to_batch
from analysis.ingest.dates import parse_date
from analysis.ingest.known import KnownKeys
from analysis.ingest.outlets import outlet_names, store_outlets
from analysis.ingest.records import Parsed
from analysis.ingest.sources import Input, ManifestEntry, discover, read_manifests
from analysis.ingest.store import RETRY_REASONS, BatchCounts, Crawl, FileDone, write_batch
from analysis.ingest.supersede import upgrade
from analysis.progress import progress_bar
from analysis.workers import ordered_map, pool

log = logging.getLogger(__name__)

UTC = dt.timezone.utc
NO_ENTRY = ManifestEntry(None, None, None)
SITES = re.compile(r"(maghress|turess|djazairess|masress|sauress)", re.IGNORECASE)
STREAMED = (".jsonl", ".ndjson", ".json", ".csv", ".tsv", ".parquet", ".zip",
            ".jsonl.gz", ".ndjson.gz", ".json.gz", ".csv.gz", ".tsv.gz", ".parquet.gz")
PARALLEL_MIN_INPUTS = 200  # below this, starting worker processes costs more than it saves
CHUNK = 64  # inputs per worker task
CHUNK_BYTES = 8 * 1024 * 1024  # input bytes per worker task: a chunk of large files is cut short
# Document bytes a batch holds before it is committed, whatever its document count: large
# records must not make a batch of batch_size documents hold gigabytes (the writer holds
# several copies of a batch on its way into DuckDB). A default batch of pages stays under it.
BATCH_BYTES = 32 * 1024 * 1024
LOAD_MEMORY_LIMIT = "512MB"  # DuckDB's share while loading (a constant, not user input)
# Batches committed before deduplication reads stored keys from a KnownKeys filter instead
# of the database: building the filter costs more than a few lookups, so a short load into a
# large database is better off without it.
KNOWN_KEYS_AFTER = 20
STAT_BATCH = 100_000  # inputs compared with `files` per query when a database already has files
LOAD_CHECKPOINT = "1GB"  # WAL size that triggers a checkpoint while loading (see checkpoint_every)


Room = Callable[[], tuple[int, int]]  # documents and bytes a batch can still take


@dataclass
class LoadResult:
    load_id: int
    files_found: int = 0
    files_unchanged: int = 0
    manifests: int = 0
    counts: BatchCounts = field(default_factory=BatchCounts)
    seconds: float = 0.0
    bytes_read: int = 0

    @property
    def balanced(self) -> bool:
        c = self.counts
        return c.inputs == c.loaded + c.duplicates + c.rejected


# What crawl manifests hold: a whole-second ISO instant with its offset. The parent process
# reads one per page, so this common shape skips parse_date's slower general path.
_ISO_INSTANT = re.compile(r"(?:18|19|20|21)\d\d-\d\d-\d\dT\d\d:\d\d:\d\d(?:Z|[+-]\d\d:\d\d)")


def parse_crawled_at(value: str | None) -> dt.datetime | str | None:
    """A crawl time: an ISO timestamp or date (UTC unless an offset is given), or 'mtime'."""
    if value is None or value == "mtime":
        return value
    if _ISO_INSTANT.fullmatch(value):
        try:
            return dt.datetime.fromisoformat(value).astimezone(UTC)
        except ValueError:  # 2025-02-30T…: parse_date says why below
            pass
    parsed = parse_date(value)
    if parsed.date is None:
        raise InvalidArgument(f"crawled_at {value!r} is not a date or time (try 2025-09-06T10:00:00Z or 'mtime')")
    if parsed.at is not None:
        return parsed.at.astimezone(UTC)
    if parsed.local is not None:
        return parsed.local.replace(tzinfo=UTC)
    return dt.datetime.combine(parsed.date, dt.time(), UTC)


def load(con: duckdb.DuckDBPyConnection, paths: list[str], *, crawled_at: str | None = None,
         mapping: Iterable[str] = (), workers: int = 1, batch_size: int = 2000,
         progress: bool = False, arguments: str | None = None, exclude: Iterable[str] = (),
         outlet: str | None = None) -> LoadResult:
    """Load page dumps and article exports into the database; see the module docstring.

    ``workers > 1`` parses in that many processes (the CLI uses every core). They are
    started with "spawn", which re-imports the calling script: a script that asks for
    workers needs the usual ``if __name__ == "__main__":`` guard (notebooks need nothing).
    ``exclude`` holds glob patterns of paths not to read (``["*.bak", "notes/*"]``).
    ``outlet`` is the outlet of records that name none (an export without an outlet column,
    TREC without <SRC>, a page without a dateline outlet). Outlets are stored under the name
    the outlets table (analysis/data/outlets/outlets.yaml) gives them, the raw string in outlet_raw.
    """
    started = time.monotonic()
    crawl_option = parse_crawled_at(crawled_at)
    column_map = exports.parse_mapping(mapping)
    if batch_size < 1:
        raise InvalidArgument("batch_size must be at least 1")
    if outlet is not None and not outlet.strip():
        raise InvalidArgument("outlet must be a name, not an empty string")
    outlet_names()  # a malformed outlets table stops the load before anything is written
    inputs, manifest_files = discover(paths, exclude=exclude)

    upgrade(con)
    with transaction(con):
        store_outlets(con)
    con.execute("UPDATE loads SET status = 'interrupted' WHERE status = 'running'")  # we hold the lock: they died
    load_id = scalar(con, "SELECT coalesce(max(load_id), 0) + 1 FROM loads")
    con.execute(
        "INSERT INTO loads (load_id, started_at, status, arguments, parser_version) VALUES (?, now(), 'running', ?, ?)",
        [load_id, arguments or json.dumps(paths), worker.PARSER_VERSION],
    )
    result = LoadResult(load_id, files_found=len(inputs), manifests=len(manifest_files))
    todo, unchanged, reread = _changed_inputs(con, inputs)
    del inputs
    manifest = read_manifests(manifest_files, wanted=[i.path for i in todo])
    result.files_unchanged = unchanged
    con.execute("UPDATE loads SET n_unchanged = ? WHERE load_id = ?", [unchanged, load_id])
    resume = _committed_records(con, todo)

    n_todo = len(todo)
    if n_todo:
        rollups.invalidate(con)  # a file read again replaces its articles and sightings
    chunks = _chunked(todo)
    del todo  # _parse_all empties `chunks` as it goes: parsed inputs are released
    pending = _Pending(con, load_id, result, batch_size, outlet=outlet)
    # Loading touches every block once: DuckDB's cache would keep them all (see memory_cap);
    # and many small checkpoints each rewrite the growing key indexes (see checkpoint_every).
    with (memory_cap(con, LOAD_MEMORY_LIMIT), checkpoint_every(con, LOAD_CHECKPOINT),
          progress_bar("loading", n_todo, enabled=progress, unit="files", counter="documents") as bar):
        try:
            for inp, parsed in _parse_all(chunks, column_map, resume, workers, batch_size, room=pending.room):
                formats, n, retry = set(), 0, False
                again = inp.path in reread
                for part in parsed:  # one DocBatch for a small file, several for a streamed export
                    formats.update(k.format for k in part.keys)
                    n += len(part)
                    retry = retry or _may_read_later(inp, part)
                    pending.add(part, [_crawl(k, inp, crawl_option, manifest) for k in part.keys], reread=again)
                    # Only a streamed file (an export, an archive) is committed in several
                    # batches: a re-run resumes it after its last committed record. Any other
                    # file is committed whole, together with its `files` row.
                    if _is_streamed(inp) and pending.full:
                        pending.commit()
                        bar.note(extra=result.counts.inputs)
                pending.done.append(FileDone(inp.path, inp.bytes, inp.mtime_ns, formats, n + _resumed(resume, inp),
                                             retry=retry, reread=again))
                manifest.pop(inp.path, None)  # a large crawl manifest is released as the load goes
                result.bytes_read += inp.bytes
                if pending.full:
                    pending.commit()
                bar.advance(extra=result.counts.inputs + pending.n_docs)
            pending.commit()
            con.execute("UPDATE loads SET status = 'complete', finished_at = now() WHERE load_id = ?", [load_id])
        except BaseException:
            con.execute("UPDATE loads SET status = 'interrupted' WHERE load_id = ?", [load_id])
            raise
    result.seconds = time.monotonic() - started
    return result


class _Pending:
    """Parsed documents and finished files waiting for the next transaction."""

    def __init__(self, con, load_id: int, result: LoadResult, batch_size: int, *, outlet: str | None = None):
        self.con, self.load_id, self.result, self.batch_size = con, load_id, result, batch_size
        self.outlet = outlet
        self.known: KnownKeys | None = None
        self.n_commits = 0
        self.batches: list[DocBatch] = []
        self.crawls: list[Crawl] = []
        self.done: list[FileDone] = []
        self.reread: list[int] = []  # positions of documents whose file an earlier load read
        self.n_docs = 0
        self.n_bytes = 0

    @property
    def full(self) -> bool:
        return self.n_docs >= self.batch_size or self.n_bytes >= BATCH_BYTES

    def room(self) -> tuple[int, int]:
        """Documents and bytes the next part of a streamed file may bring before the batch is full."""
        return max(1, self.batch_size - self.n_docs), max(1, BATCH_BYTES - self.n_bytes)

    def add(self, batch: DocBatch, crawls: list[Crawl], *, reread: bool = False) -> None:
        if reread:
            self.reread.extend(range(self.n_docs, self.n_docs + len(batch)))
        self.batches.append(batch)
        self.crawls.extend(crawls)
        self.n_docs += len(batch)
        self.n_bytes += sum(k.bytes for k in batch.keys)

    def commit(self) -> None:
        if not self.batches and not self.done:
            return
        batch = DocBatch.concat(self.batches) if self.batches else DocBatch([], empty_heavy())
        if self.known is None and self.n_commits >= KNOWN_KEYS_AFTER:
            self.known = KnownKeys(self.con)
        with transaction(self.con):  # a crash or Ctrl-C inside rolls the whole batch back
            counts = write_batch(self.con, batch, self.crawls, self.done, load_id=self.load_id, known=self.known,
                                 reread=self.reread, outlet=self.outlet)
        self.n_commits += 1
        if self.known is not None:
            live = [k for k in batch.keys if k.reject is None]  # a superset of what was stored: fine for a filter
            self.known.add("sha256", (k.sha256 for k in live))
            self.known.add("content_sha256", (k.content_sha256 for k in live if k.has_article))
        self.result.counts.add(counts)
        self.batches, self.crawls, self.done, self.reread, self.n_docs, self.n_bytes = [], [], [], [], 0, 0


def _changed_inputs(con, inputs: list[Input]) -> tuple[list[Input], int, set[str]]:
    """Inputs to read (not read before with the same size and mtime, or marked to retry),
    how many were skipped, and which of those to read an earlier load read already.
    Compared STAT_BATCH at a time: the writer does not give back the Arrow and join memory
    of one registration of every path."""
    if not inputs or scalar(con, "SELECT count(*) FROM (SELECT 1 FROM files LIMIT 1)") == 0:
        return inputs, 0, set()
    same: set[str] = set()
    reread: set[str] = set()
    for lo in range(0, len(inputs), STAT_BATCH):
        part = inputs[lo:lo + STAT_BATCH]
        con.register("_inputs", pa.table({"path": [i.path for i in part], "bytes": [i.bytes for i in part],
                                          "mtime_ns": [i.mtime_ns for i in part]}))
        try:
            for path, unchanged in con.execute(
                """SELECT i.path, f.bytes = i.bytes AND f.mtime_ns = i.mtime_ns AND NOT coalesce(f.retry, false)
                   FROM _inputs i JOIN files f ON f.path = i.path"""
            ).fetchall():
                (same if unchanged else reread).add(path)
        finally:
            con.unregister("_inputs")
    return [i for i in inputs if i.path not in same], len(same), reread


def _may_read_later(inp: Input, part: DocBatch) -> bool:
    """Whether this input was rejected because it cannot be opened now (permission denied):
    the next load then reads it again even if it did not change. A file that opens but was
    rejected for its content is read again only once it changes."""
    if not any(k.reject and k.reject[0] in RETRY_REASONS for k in part.keys):
        return False
    try:
        with open(inp.os_path, "rb"):
            return False
    except OSError:
        return True


def _is_streamed(inp: Input) -> bool:
    return inp.path.lower().endswith(STREAMED)


def _committed_records(con, todo: list[Input]) -> dict[str, int]:
    """For streamed files a crashed load left half-done: the last committed record per
    document path (an archive's members are paths of their own: archive.zip!member)."""
    streamed = [i.path for i in todo if _is_streamed(i)]
    if not streamed:
        return {}
    con.register("_paths", pa.table({"path": streamed}))
    try:
        rows = con.execute(
            """SELECT d.path, max(d.record) FROM documents d JOIN _paths p
                 ON d.path = p.path OR starts_with(d.path, p.path || '!')
               WHERE p.path NOT IN (SELECT path FROM files) AND d.status <> 'superseded' GROUP BY ALL"""
        ).fetchall()
    finally:
        con.unregister("_paths")
    return dict(rows)


def _resumed(resume: dict[str, int], inp: Input) -> int:
    """How many records of this input earlier, interrupted loads already committed."""
    return sum(last + 1 for path, last in resume.items() if path == inp.path or path.startswith(inp.path + "!"))


def _crawl(doc: Key, inp: Input, option, manifest: dict[str, ManifestEntry]) -> Crawl:
    entry = manifest.get(doc.path) or manifest.get(inp.path) or NO_ENTRY
    site = entry.site or (entry.url and _site(entry.url)) or _site(doc.path)
    if doc.format != "page":
        return Crawl(None, "unknown", site)
    if isinstance(option, dt.datetime):
        return Crawl(option, "option", site)
    if entry.crawled_at:
        value = parse_crawled_at(entry.crawled_at)
        return Crawl(value, "manifest", site)
    if option == "mtime":
        return Crawl(dt.datetime.fromtimestamp(inp.mtime_ns / 1e9, UTC), "file_mtime", site)
    if doc.ticker_date is not None:
        return Crawl(dt.datetime.combine(doc.ticker_date, dt.time(), UTC), "inferred", site)
    return Crawl(None, "unknown", site)


def _site(text: str) -> str | None:
    m = SITES.search(os.path.basename(text) if "://" not in text else text)
    return m[1].lower() if m else None


def _chunked(todo: list[Input]) -> deque[list[Input]]:
    """The inputs in chunks of at most CHUNK inputs and about CHUNK_BYTES, for _parse_all,
    which pops each chunk as it sends it to be parsed, so that parsed inputs are released as
    the load goes on and the chunks in flight hold a bounded number of bytes."""
    chunks: deque[list[Input]] = deque()
    chunk: list[Input] = []
    size = 0
    for inp in todo:
        held = 0 if _is_streamed(inp) else inp.bytes  # the parent reads streamed files, a batch at a time
        if chunk and (len(chunk) >= CHUNK or size + held > CHUNK_BYTES):
            chunks.append(chunk)
            chunk, size = [], 0
        chunk.append(inp)
        size += held
    if chunk:
        chunks.append(chunk)
    return chunks


def _parse_all(chunks: deque[list[Input]], mapping: dict, resume: dict[str, int], workers: int,
               batch_size: int, *, room: Room | None = None) -> Iterator[tuple[Input, Iterable[DocBatch]]]:
    """(input, its documents as DocBatches) in input order, emptying ``chunks``. Small files
    are parsed in chunks, in worker processes when there are enough of them; streamed files
    (exports, archives) are parsed here, a slice at a time, so their memory stays bounded:
    each slice fills what ``room()`` says the pending batch has left."""
    small = sum(not _is_streamed(i) for chunk in chunks for i in chunk)
    parse = partial(_parse_chunk, mapping=mapping, resume=resume)
    with pool(workers if small >= PARALLEL_MIN_INPUTS else 1) as executor:
        # Enough chunks in flight to keep the workers busy while the parent commits a batch.
        window = max(3 * workers, 2 * batch_size // CHUNK + workers)
        yield from _chunks_done(ordered_map(executor, parse, _popped(chunks), window=window), mapping, resume,
                                batch_size, room)


def _popped(chunks: deque) -> Iterator:
    while chunks:
        yield chunks.popleft()


def _chunks_done(parsed, mapping, resume, batch_size, room: Room | None = None):
    room = room or (lambda: (batch_size, BATCH_BYTES))
    for chunk, (batch, sizes) in parsed:
        start = 0
        for inp, size in zip(chunk, sizes):
            if size is None:
                yield inp, _stream(inp, mapping, resume, room)
            else:
                yield inp, [batch.slice(start, size)] if size else []
                start += size


def _stream(inp: Input, mapping: dict, resume: dict[str, int], room: Room) -> Iterator[DocBatch]:
    part: list[Parsed] = []
    size = 0
    docs_left, bytes_left = room()
    for doc in worker.parse_input(inp, mapping=mapping, skip_records=resume):
        part.append(doc)
        size += doc.bytes
        if len(part) >= docs_left or size >= bytes_left:
            yield to_batch(part)
            part, size = [], 0
            docs_left, bytes_left = room()  # the caller added the part, and committed if it filled the batch
    if part:
        yield to_batch(part)


def _parse_chunk(chunk: list[Input], mapping: dict, resume: dict[str, int]) -> tuple[DocBatch, list[int | None]]:
    """One DocBatch for the small files of a chunk and how many documents each gave
    (None for a streamed file, which the parent parses itself)."""
    docs: list[Parsed] = []
    sizes: list[int | None] = []
    _prefetch(chunk)
    for inp in chunk:
        if _is_streamed(inp):
            sizes.append(None)
            continue
        before = len(docs)
        docs.extend(worker.parse_input(inp, mapping=mapping, skip_records=resume))
        sizes.append(len(docs) - before)
    return to_batch(docs), sizes


def _prefetch(chunk: list[Input]) -> None:
    """Ask the kernel to start reading a chunk's small files now, all at once: parsed one
    after the other, each page not in the page cache would otherwise wait for the disk
    while its worker sits idle."""
    if not hasattr(os, "posix_fadvise"):
        return
    for inp in chunk:
        if _is_streamed(inp):
            continue
        try:
            fd = os.open(inp.path, os.O_RDONLY)
        except OSError:
            continue  # parse_input reports it
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_WILLNEED)
        except OSError:
            pass
        finally:
            os.close(fd)
