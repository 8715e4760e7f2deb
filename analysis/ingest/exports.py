"""Article exports: JSON Lines, CSV and Parquet, one article per record.

Columns are matched to article fields by common names (case-insensitive, first match
wins); ``--map col=field`` adds or overrides a mapping. Records are streamed, so an
export of any size loads in bounded memory; a bad record is rejected on its own and the
rest of the file goes on.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from analysis.ingest.dates import parse_date
from analysis.ingest.decoding import Decoder
from analysis.ingest.langs import LANGS
from analysis.ingest.records import Article
from analysis.ingest.sources import READ_ERRORS, read_upto

PARSER_VERSION = "export/1"
# The most one record (a line, a CSV row, an array element, a .json document) may hold; a
# larger one is rejected as too_large without ever being held whole. A long article is
# ~100 KB: 10 MB is something else, and the cap keeps a load's memory bounded by it.
MAX_RECORD_BYTES = 10 * 1024 * 1024

FIELDS = ("title", "body", "date", "outlet", "url", "lang", "category", "source_id")
ALIASES: dict[str, tuple[str, ...]] = {
    "title": ("title", "headline", "titre", "name"),
    "body": ("text", "body", "content", "article", "texte", "contenu", "maintext", "description"),
    "date": ("published_at", "published", "publication_date", "date_published", "pubdate", "datetime",
             "datetime_utc", "date", "time", "timestamp", "created_at"),
    "outlet": ("outlet", "source", "src", "publisher", "newspaper", "journal", "site", "source_name"),
    "url": ("url", "link", "href", "uri", "source_url"),
    "lang": ("lang", "language", "langue"),
    "category": ("category", "cat", "section", "rubrique", "topic"),
    "source_id": ("id", "docno", "doc_id", "article_id", "uuid", "guid"),
}

# A quote left open would otherwise make the rest of the file one field, held in memory.
csv.field_size_limit(MAX_RECORD_BYTES)


class FileProblem(Exception):
    """The whole file cannot be read as this format (reason, detail)."""

    def __init__(self, reason: str, detail: str):
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


@dataclass
class Record:
    index: int
    raw: bytes  # what the record's content hash is computed from
    fields: dict | None = None
    problem: tuple[str, str] | None = None
    warnings: list[str] = field(default_factory=list)


def parse_mapping(items: Iterable[str]) -> dict[str, str]:
    """``["body_html=body", ...]`` → {column: field}; raises ValueError on a bad item."""
    mapping = {}
    for item in items:
        column, sep, target = item.partition("=")
        if not sep or not column or target not in FIELDS:
            raise ValueError(f"--map takes COLUMN=FIELD with FIELD one of {', '.join(FIELDS)}; got {item!r}")
        mapping[column] = target
    return mapping


def resolve_columns(columns: Iterable[str], mapping: dict[str, str]) -> dict[str, str]:
    """{field: column} for the columns present."""
    columns = list(columns)
    chosen = {target: column for column, target in mapping.items() if column in columns}
    lower = {c.casefold(): c for c in reversed(columns)}
    for target, names in ALIASES.items():
        if target in chosen:
            continue
        for name in names:
            if name in lower and lower[name] not in mapping:
                chosen[target] = lower[name]
                break
    return chosen


def to_article(fields: dict, columns: dict[str, str]) -> tuple[Article | None, list[str], str | None]:
    """Map one record; returns (article, warnings, problem)."""

    def get(name: str) -> str | None:
        column = columns.get(name)
        value = fields.get(column) if column else None
        if value is None:
            return None
        if isinstance(value, (list, tuple)):
            value = "\n".join(str(v) for v in value)
        text = str(value).strip()
        return text or None

    title = get("title")
    body = get("body") or ""
    if title is None and not body:
        return None, [], "no title and no text"
    warnings = [] if title else ["no_title"]
    raw_date = fields.get(columns["date"]) if "date" in columns else None
    date = parse_date(raw_date) if raw_date not in (None, "") else None
    if raw_date not in (None, "") and date.date is None:
        warnings.append("bad_date")
    elif raw_date in (None, ""):
        warnings.append("no_date")
    lang = (get("lang") or "").lower()[:2]
    return (
        Article(
            title=" ".join(title.split()) if title else None,
            body="\n".join(p.strip() for p in body.splitlines() if p.strip()),
            outlet=get("outlet"),
            url=get("url"),
            lang=lang if lang in LANGS else None,
            date_raw=None if raw_date in (None, "") else str(raw_date),
            date=date,
            category=get("category"),
            source_id=get("source_id"),
        ),
        warnings,
        None,
    )


def read_json(stream: io.BufferedIOBase) -> Iterator[Record]:
    """JSON Lines (one object per line), or one JSON document: an array of records (read an
    element at a time) or a single object, pretty-printed or not. Told apart by the start:
    ``[`` begins an array; a first line that is a whole object begins JSON Lines."""
    head, error = _head(stream)
    stream = io.BufferedReader(_Rewound(head, stream, error), _PIECE)
    body = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    newline = body.find(b"\n")
    if body[:1] == b"[":
        yield from _read_json_array(iter(lambda: stream.read(_PIECE), b""))
    elif body[:1] == b"{" and newline > 0 and not _is_object(body[:newline]):
        yield _read_json_document(stream)
    else:
        yield from _read_json_lines(_lines(stream, MAX_RECORD_BYTES))


read_jsonl = read_json


def _head(stream, limit: int = 1 << 16, step: int = 8192) -> tuple[bytes, Exception | None]:
    """The start of a stream, enough to tell its layout (up to the end of its first
    non-blank line, at most ``limit``), and the error that cut it short, if any: the
    records before a damaged spot are read before the error is reported."""
    data = b""
    try:
        while len(data) < limit:
            piece = stream.read(step)
            if not piece:
                break
            data += piece
            if b"\n" in data.lstrip(b"\xef\xbb\xbf \t\r\n"):
                break
    except READ_ERRORS as exc:
        return data, exc
    return data, None


class _Rewound(io.RawIOBase):
    """``head`` (already read) followed by the rest of ``stream``, or by the error that
    stopped the head from being read."""

    def __init__(self, head: bytes, stream, error: Exception | None = None):
        self.head, self.stream, self.error = memoryview(head), stream, error

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self.head:
            n = min(len(buffer), len(self.head))
            buffer[:n] = self.head[:n]
            self.head = self.head[n:]
            return n
        if self.error is not None:
            raise self.error
        # read1: what a damaged stream yields before its error is kept, not lost with a whole buffer
        data = self.stream.read1(len(buffer)) if hasattr(self.stream, "read1") else self.stream.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)


def _is_object(line: bytes) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except (ValueError, RecursionError):
        return False


def _lines(stream, limit: int) -> Iterator[tuple[bytes, int | None]]:
    """(line, None), or (the line's first ``limit`` + 1 bytes, its full length) for a line
    longer than ``limit``: the rest of it is read and dropped a piece at a time, so one
    enormous line never sits in memory whole. The cut line gets one more quote when the
    dropped part held an odd number: CSV follows quoted fields by the quotes' parity."""
    while True:
        line = stream.readline(limit + 1)
        if not line:
            return
        if len(line) <= limit or line.endswith(b"\n"):
            yield line, None
            continue
        total, quotes = len(line), line.count(b'"')
        while True:
            rest = stream.readline(_PIECE)
            total += len(rest)
            quotes += rest.count(b'"')
            if not rest or rest.endswith(b"\n"):
                break
        yield line[:limit + 1] + (b'"' if quotes % 2 != line[:limit + 1].count(b'"') % 2 else b""), total


_PIECE = 1 << 20


def _read_json_lines(lines: Iterable[tuple[bytes, int | None]]) -> Iterator[Record]:
    """One record per non-blank line; ``index`` counts records, ``line N`` in details counts lines."""
    decoder = Decoder()
    index = 0
    for number, (line, too_long) in enumerate(lines, start=1):
        stripped = line.strip()
        if number == 1:
            stripped = stripped.removeprefix(b"\xef\xbb\xbf")
        if not stripped and too_long is None:
            continue
        if too_long is not None or len(stripped) > MAX_RECORD_BYTES:
            size = too_long or len(stripped)
            yield Record(index, stripped[:1024], problem=("too_large", f"line {number} is {size:,} bytes (limit {MAX_RECORD_BYTES:,})"))
        else:
            yield _json_record(index, stripped, decoder, f"line {number}")
        index += 1


def _json_record(index: int, raw: bytes, decoder: Decoder, where: str, *, canonical: bool = False) -> Record:
    text, legacy = decoder(raw)
    if text is None:
        return Record(index, raw, problem=("encoding", f"{where}: neither UTF-8 nor text in cp1256 or cp1252"))
    try:
        value = json.loads(text)
    except ValueError as exc:
        return Record(index, raw, problem=("bad_json", f"{where}: {exc}"))
    except RecursionError:
        return Record(index, raw, problem=("bad_json", f"{where}: nested too deeply"))
    if not isinstance(value, dict):
        return Record(index, raw, problem=("bad_json", f"{where}: a {type(value).__name__}, not an object"))
    if canonical:  # what array elements were always hashed as, so a re-read array dedups against itself
        try:
            raw = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str).encode("utf-8")
        except RecursionError:
            return Record(index, raw, problem=("bad_json", f"{where}: nested too deeply"))
    return Record(index, raw, value, warnings=[f"decoded_{legacy}"] if legacy else [])


def _read_json_document(stream) -> Record:
    """A file holding one JSON object, read whole up to the record size cap."""
    data = read_upto(stream, MAX_RECORD_BYTES + 1)
    if len(data) > MAX_RECORD_BYTES:
        return Record(0, data[:1024], problem=("too_large", f"one JSON document over {MAX_RECORD_BYTES:,} bytes"))
    return _json_record(0, data.strip().removeprefix(b"\xef\xbb\xbf"), Decoder(), "the document")


_STRUCTURE = re.compile(rb'[\[\]{},"]')


def json_array_elements(chunks: Iterable[bytes], limit: int) -> Iterator[tuple[bytes | None, int]]:
    """(raw bytes, size) of each element of the JSON array the chunks hold, or (None, size)
    for an element over ``limit`` bytes (scanned past, never held). Only the structure is
    scanned (brackets, commas, string ends), so memory is one element, not the file.
    Raises FileProblem when the bytes are not an array or end inside one."""
    buf = bytearray()
    i = start = dropped = 0
    depth = 0  # 0 before the array, 1 between its elements
    in_string = False
    chunks = iter(chunks)
    while True:
        if i >= len(buf):
            chunk = next(chunks, None)
            if chunk is None:
                break
            keep = start if depth else i
            if depth and i - start > limit:  # an oversized element: drop what was scanned of it
                keep = max(start, i - 64)  # keep a little for the backslashes before a quote
                dropped += keep - start
            del buf[:keep]
            i, start = i - keep, start - keep if depth else 0
            buf += chunk
            continue
        if in_string:
            quote = buf.find(b'"', i)
            if quote < 0:
                i = len(buf)
                continue
            slashes = 0
            while quote - slashes - 1 >= 0 and buf[quote - slashes - 1] == 0x5C:
                slashes += 1
            in_string = slashes % 2 == 1
            i = quote + 1
            continue
        match = _STRUCTURE.search(buf, i)
        if match is None:
            i = len(buf)
            continue
        char, at = buf[match.start()], match.start()
        i = at + 1
        if depth == 0:
            if char != 0x5B or bytes(buf[:at]).strip(b" \t\r\n\xef\xbb\xbf"):
                raise FileProblem("bad_json", "not a JSON array of records")
            depth, start = 1, i
        elif char == 0x22:
            in_string = True
        elif char in b"[{":
            depth += 1
        elif char in b"]}" and depth > 1:
            depth -= 1
        elif (char == 0x2C and depth == 1) or char == 0x5D:
            element = bytes(buf[start:at]).strip()
            size = dropped + len(element)
            if size > limit:
                yield None, size
            elif element or char == 0x2C:
                yield element, size
            if char == 0x5D and depth == 1:
                return
            start, dropped = i, 0
    raise FileProblem("bad_json", "the file ends inside the JSON array" if depth else "no JSON array found")


def _read_json_array(chunks: Iterable[bytes]) -> Iterator[Record]:
    decoder = Decoder()
    index = 0
    try:
        for raw, size in json_array_elements(chunks, MAX_RECORD_BYTES):
            if raw is None:
                yield Record(index, b"", problem=("too_large", f"item {index} is {size:,} bytes (limit {MAX_RECORD_BYTES:,})"))
            else:
                yield _json_record(index, raw, decoder, f"item {index}", canonical=True)
            index += 1
    except FileProblem as exc:
        yield Record(index, b"", problem=(exc.reason, f"item {index}: {exc.detail}"))


def read_csv(stream: io.BufferedIOBase) -> Iterator[Record]:
    """RFC 4180 CSV with a header row; quoted multi-line fields; delimiter sniffed (, ; tab).
    A row is rejected on its own when one of its lines is over the record size cap
    (``too_large``) or is in no encoding the evidence supports (``encoding``)."""
    decoder = Decoder()
    marks: list[str] = []  # what the lines read so far needed: a reject reason or a warning

    def lines() -> Iterator[str]:
        for number, (line, too_long) in enumerate(_lines(stream, MAX_RECORD_BYTES)):
            if number == 0:
                line = line.removeprefix(b"\xef\xbb\xbf")
            if too_long is not None:
                marks.append("too_large")
                # Only the quotes matter to the reader's state: keep their parity, drop the rest.
                yield '"' * (line.count(b'"') % 2) + "\n"
                continue
            text, legacy = decoder(line)
            if text is None:
                marks.append("encoding")
                yield '"' * (line.count(b'"') % 2) + "\n"
                continue
            if legacy:
                marks.append(f"decoded_{legacy}")
            yield text

    source = lines()
    first = next(source, None)
    if first is None or not first.strip():
        raise FileProblem("empty_file", "no header row")
    if marks and marks[-1] in ("too_large", "encoding"):
        raise FileProblem(marks[-1], "the header row " + ("is too long" if marks[-1] == "too_large" else "is in no known encoding"))
    try:
        delimiter = csv.Sniffer().sniff(first, delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.reader(_prepend(first, source), delimiter=delimiter)
    try:
        header = next(reader)
    except csv.Error as exc:  # e.g. a lone carriage return in the first line
        raise FileProblem("bad_csv", f"header row: {exc}") from None
    width = len(header)
    index = 0
    while True:
        del marks[:]
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            reason = "too_large" if "field limit" in str(exc) else "bad_csv"
            yield Record(index, str(exc).encode(), problem=(reason, f"row {index + 1}: {exc}"))
            index += 1
            continue
        if not any(cell.strip() for cell in row) and not marks:
            continue
        raw = json.dumps(row, ensure_ascii=False).encode("utf-8")
        if "too_large" in marks:
            yield Record(index, raw[:1024], problem=("too_large", f"row {index + 1} holds a line over {MAX_RECORD_BYTES:,} bytes"))
        elif "encoding" in marks:
            yield Record(index, raw, problem=("encoding", f"row {index + 1}: neither UTF-8 nor text in cp1256 or cp1252"))
        elif len(row) != width:
            reason = "missing_column" if len(row) < width else "bad_csv"
            yield Record(index, raw, problem=(reason, f"row {index + 1} has {len(row)} fields, the header has {width}"))
        elif len(raw) > MAX_RECORD_BYTES:
            yield Record(index, raw[:1024], problem=("too_large", f"row {index + 1} is {len(raw):,} bytes"))
        else:
            yield Record(index, raw, dict(zip(header, row)), warnings=sorted(set(marks)))
        index += 1


def _prepend(first: str, rest: Iterator[str]) -> Iterator[str]:
    yield first
    yield from rest


def read_parquet(path_or_file) -> Iterator[Record]:
    """The rows of a Parquet file, a row group at a time. A damaged row group is one
    ``bad_parquet`` record (numbered by its first row) and the next row group goes on."""
    import pyarrow.parquet as pq

    try:
        # pre_buffer (pyarrow's default) keeps every row group it read until the file is
        # closed (apache/arrow#39808): read one row group at a time, memory stays flat.
        parquet = pq.ParquetFile(path_or_file, pre_buffer=False)
    except Exception as exc:  # pyarrow raises several types for a damaged file
        raise FileProblem("bad_parquet", str(exc)) from None
    first = 0
    for group in range(parquet.metadata.num_row_groups):
        rows = parquet.metadata.row_group(group).num_rows
        index = first
        try:
            for batch in parquet.iter_batches(batch_size=2048, row_groups=[group]):
                for row in batch.to_pylist():
                    raw = json.dumps(row, ensure_ascii=False, sort_keys=True, default=str).encode("utf-8")
                    yield Record(index, raw, row)
                    index += 1
        except Exception as exc:  # pyarrow raises several types for a damaged page
            lost = first + rows - index
            yield Record(index, b"", problem=("bad_parquet", f"row group {group}: {lost:,} of its {rows:,} rows "
                                                             f"from row {index} unreadable: {exc}"))
        first += rows
