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
from collections.abc import Iterable, Iterator

from analysis.ingest import records
from analysis.ingest.dates import parse_date
from analysis.ingest.decoding import Decoder
from analysis.ingest.jsonfiles import read_json
from analysis.ingest.langs import LANGS
from analysis.ingest.records import Article, FileProblem, Record
from analysis.ingest.streams import read_lines

PARSER_VERSION = "export/1"
read_jsonl = read_json  # the name pagegen and older callers use

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
csv.field_size_limit(records.MAX_RECORD_BYTES)


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


def read_csv(stream: io.BufferedIOBase) -> Iterator[Record]:
    """RFC 4180 CSV with a header row; quoted multi-line fields; delimiter sniffed (, ; tab).
    A row is rejected on its own when one of its lines is over the record size cap
    (``too_large``) or is in no encoding the evidence supports (``encoding``)."""
    decoder = Decoder()
    marks: list[str] = []  # what the lines read so far needed: a reject reason or a warning

    def lines() -> Iterator[str]:
        for number, (line, too_long) in enumerate(read_lines(stream, records.MAX_RECORD_BYTES)):
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
            yield Record(index, raw[:1024], problem=("too_large", f"row {index + 1} holds a line over {records.MAX_RECORD_BYTES:,} bytes"))
        elif "encoding" in marks:
            yield Record(index, raw, problem=("encoding", f"row {index + 1}: neither UTF-8 nor text in cp1256 or cp1252"))
        elif len(row) != width:
            reason = "missing_column" if len(row) < width else "bad_csv"
            yield Record(index, raw, problem=(reason, f"row {index + 1} has {len(row)} fields, the header has {width}"))
        elif len(raw) > records.MAX_RECORD_BYTES:
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
    except Exception as exc:  # noqa: BLE001 - pyarrow raises several types for a damaged file
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
        except Exception as exc:  # noqa: BLE001 - pyarrow raises several types for a damaged page
            lost = first + rows - index
            detail = f"row group {group}: {lost:,} of its {rows:,} rows from row {index} unreadable: {exc}"
            yield Record(index, b"", problem=("bad_parquet", detail))
        first += rows
