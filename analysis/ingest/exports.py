"""Article exports: JSON Lines, CSV and Parquet, one article per record.

Columns are matched to article fields by common names (case-insensitive, first match
wins); ``--map col=field`` adds or overrides a mapping. Records are streamed, so an
export of any size loads in bounded memory; a bad record is rejected on its own and the
rest of the file goes on.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from analysis.ingest.dates import parse_date
from analysis.ingest.langs import LANGS
from analysis.ingest.records import Article

PARSER_VERSION = "export/1"
MAX_RECORD_BYTES = 10 * 1024 * 1024  # one article; a 50 MB line is not an article

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

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


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


def decode(data: bytes) -> tuple[str, bool]:
    """UTF-8, or cp1252 (what Windows tools write) when that fails; (text, used_cp1252)."""
    try:
        return data.decode("utf-8"), False
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), True


def read_jsonl(stream: io.BufferedIOBase) -> Iterator[Record]:
    """One JSON object per line (a file holding one JSON array is read too)."""
    first = stream.peek(64)[:64] if hasattr(stream, "peek") else b""
    if first.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"["):
        yield from _read_json_array(stream)
        return
    for index, line in enumerate(stream):
        if index == 0:
            line = line.removeprefix(b"\xef\xbb\xbf")
        stripped = line.strip()
        if not stripped:
            continue
        if len(stripped) > MAX_RECORD_BYTES:
            yield Record(index, stripped, problem=("too_large", f"line {index + 1} is {len(stripped):,} bytes (limit {MAX_RECORD_BYTES:,})"))
            continue
        text, cp1252 = decode(stripped)
        try:
            value = json.loads(text)
        except ValueError as exc:
            yield Record(index, stripped, problem=("bad_json", f"line {index + 1}: {exc}"))
            continue
        if not isinstance(value, dict):
            yield Record(index, stripped, problem=("bad_json", f"line {index + 1}: a {type(value).__name__}, not an object"))
            continue
        yield Record(index, stripped, value, warnings=["decoded_cp1252"] if cp1252 else [])


def _read_json_array(stream) -> Iterator[Record]:
    text, cp1252 = decode(stream.read())
    try:
        values = json.loads(text.lstrip("\ufeff"))
    except ValueError as exc:
        raise FileProblem("bad_json", str(exc)) from None
    for index, value in enumerate(values if isinstance(values, list) else [values]):
        raw = json.dumps(value, ensure_ascii=False, sort_keys=True).encode("utf-8")
        if isinstance(value, dict):
            yield Record(index, raw, value, warnings=["decoded_cp1252"] if cp1252 else [])
        else:
            yield Record(index, raw, problem=("bad_json", f"item {index}: a {type(value).__name__}, not an object"))


def read_csv(stream: io.BufferedIOBase) -> Iterator[Record]:
    """RFC 4180 CSV with a header row; quoted multi-line fields; delimiter sniffed (, ; tab)."""
    cp1252_lines = []

    def lines() -> Iterator[str]:
        for number, line in enumerate(stream):
            text, cp1252 = decode(line.removeprefix(b"\xef\xbb\xbf") if number == 0 else line)
            if cp1252:
                cp1252_lines.append(number)
            yield text

    source = lines()
    first = next(source, None)
    if first is None or not first.strip():
        raise FileProblem("empty_file", "no header row")
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
        seen_cp1252 = len(cp1252_lines)
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield Record(index, str(exc).encode(), problem=("bad_csv", f"row {index + 1}: {exc}"))
            index += 1
            continue
        if not any(cell.strip() for cell in row):
            index += 1
            continue
        raw = json.dumps(row, ensure_ascii=False).encode("utf-8")
        if len(row) != width:
            reason = "missing_column" if len(row) < width else "bad_csv"
            yield Record(index, raw, problem=(reason, f"row {index + 1} has {len(row)} fields, the header has {width}"))
        elif len(raw) > MAX_RECORD_BYTES:
            yield Record(index, raw, problem=("too_large", f"row {index + 1} is {len(raw):,} bytes"))
        else:
            warnings = ["decoded_cp1252"] if len(cp1252_lines) > seen_cp1252 else []
            yield Record(index, raw, dict(zip(header, row)), warnings=warnings)
        index += 1


def _prepend(first: str, rest: Iterator[str]) -> Iterator[str]:
    yield first
    yield from rest


def read_parquet(path_or_file) -> Iterator[Record]:
    import pyarrow.parquet as pq

    try:
        # pre_buffer (pyarrow's default) keeps every row group it read until the file is
        # closed (apache/arrow#39808): loading a 2.9 GB export of a million articles peaked
        # at 3.7 GB; read one row group at a time it stays flat.
        parquet = pq.ParquetFile(path_or_file, pre_buffer=False)
    except Exception as exc:  # pyarrow raises several types for a damaged file
        raise FileProblem("bad_parquet", str(exc)) from None
    index = 0
    batches = parquet.iter_batches(batch_size=2048)
    while True:
        try:
            batch = next(batches)
        except StopIteration:
            return
        except Exception as exc:  # a damaged row group: keep what was read, reject the rest
            raise FileProblem("bad_parquet", f"after row {index}: {exc}") from None
        for row in batch.to_pylist():
            raw = json.dumps(row, ensure_ascii=False, sort_keys=True, default=str).encode("utf-8")
            yield Record(index, raw, row)
            index += 1
