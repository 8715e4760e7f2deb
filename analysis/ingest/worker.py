"""Turning one input into parsed documents. Runs in worker processes: no database here.

Everything that costs CPU per document happens here (reading, hashing, decoding, parsing,
language detection), so the parent process only deduplicates and writes.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections.abc import Iterator
from functools import lru_cache

from analysis.ingest import exports, jsonfiles, page, trec
from analysis.ingest.dates import find_dates
from analysis.ingest.decoding import decode
from analysis.ingest.langs import detect
from analysis.ingest.records import (
    Article,
    FileProblem,
    Parsed,
    clean_text,
    headline_id,
    sha256,
)
from analysis.ingest.sources import READ_LIMIT, AnyInput, Member, members
from analysis.ingest.streams import READ_ERRORS, describe, read_upto

MAX_PAGE_BYTES = 5 * 1024 * 1024  # real pages are ~12 KB; 5 MB of "page" is something else
TEXT_EXTENSIONS = (".txt", ".text", ".htm.txt", ".dump", "")
EXPORT_READERS = {"jsonl": jsonfiles.read_json, "csv": exports.read_csv}
VERSIONS = {"page": page.PARSER_VERSION, "trec": trec.PARSER_VERSION, "jsonl": exports.PARSER_VERSION,
            "csv": exports.PARSER_VERSION, "parquet": exports.PARSER_VERSION, "unknown": "none"}
PARSER_VERSION = "+".join(sorted(set(VERSIONS.values()) - {"none"}))


def detect_format(name: str, head: bytes) -> str | None:
    """page, trec, jsonl, csv, parquet — from the name, then the first bytes; None if unknown."""
    lower = name.lower()
    if lower.endswith(".parquet") or head.startswith(b"PAR1"):
        return "parquet"
    if lower.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    if lower.endswith((".csv", ".tsv")):
        return "csv"
    if b"\x00" in head[:8192]:
        return None
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text[:5].upper() == b"<DOC>":
        return "trec"
    if lower.endswith((".txt", ".text")) or "." not in name:
        return "page"
    if text[:1] == b"{":
        return "jsonl"
    return None


def parse_input(inp: AnyInput, *, mapping: dict[str, str], skip_records: dict[str, int] | None = None) -> Iterator[Parsed]:
    """Every document of one input, rejected ones included. Never raises for bad data."""
    if inp.problem:
        yield _reject(inp.path, 0, b"", "unknown", *inp.problem)
        return
    # A name on disk that is not UTF-8 is stored in a printable form: say so on its documents.
    extra = ["path_not_utf8"] if inp.os_path != inp.path else []
    units = members(inp)
    while True:
        try:
            unit = next(units, None)
        except READ_ERRORS as exc:
            reason = "bad_archive" if inp.path.lower().endswith(".zip") else "unreadable"
            yield _reject(inp.path, 0, b"", "unknown", reason, describe(exc))
            return
        if unit is None:
            return
        skip = (skip_records or {}).get(unit.path, -1)
        for doc in parse_member(unit, mapping=mapping):
            if doc.record > skip:
                doc.warnings += extra + list(unit.warnings)
                yield doc


def parse_member(unit: Member, *, mapping: dict[str, str]) -> Iterator[Parsed]:
    if unit.problem:
        yield _reject(unit.path, 0, b"", "unknown", *unit.problem)
        return
    try:
        stream = unit.opener()
    except READ_ERRORS as exc:
        yield _reject(unit.path, 0, b"", "unknown", "unreadable", describe(exc))
        return
    with stream:
        try:
            head = stream.peek(8192)[:8192] if hasattr(stream, "peek") else b""
        except READ_ERRORS as exc:
            yield _reject(unit.path, 0, b"", "unknown", "unreadable", describe(exc))
            return
        fmt = detect_format(unit.name, head)
        if fmt in EXPORT_READERS or fmt == "parquet":
            yield from _parse_export(unit, stream, fmt, mapping)
            return
        try:
            data = read_upto(stream, max(READ_LIMIT, MAX_PAGE_BYTES) + 1)
        except READ_ERRORS as exc:
            yield _reject(unit.path, 0, b"", fmt or "unknown", "unreadable", describe(exc))
            return
    digest = sha256(data)
    if not data.strip():
        yield _reject(unit.path, 0, data, fmt or "unknown", "empty_file", "the file is empty" if not data else "only whitespace", digest)
        return
    if fmt is None:
        reason = "binary" if b"\x00" in head else "unknown_format"
        yield _reject(unit.path, 0, data, "unknown", reason, f"not a page dump, TREC file or article export: {unit.name}", digest)
        return
    if len(data) > MAX_PAGE_BYTES:
        yield _reject(unit.path, 0, data, fmt, "too_large",
                      f"{len(data):,} bytes is too large for a {fmt} file (limit {MAX_PAGE_BYTES:,})", digest)
        return
    text, legacy = decode(data)
    if text is None:
        yield _reject(unit.path, 0, data, fmt, "encoding", "not UTF-8, and neither cp1256 (Arabic) nor cp1252 reads as text", digest)
        return
    warnings = [f"decoded_{legacy}"] if legacy else []
    if fmt == "trec":
        yield from _parse_trec(unit.path, data, digest, text, warnings)
    else:
        yield _parse_page(unit.path, data, digest, text, warnings)


def _parse_page(path: str, data: bytes, digest: str, text: str, warnings: list[str]) -> Parsed:
    parsed_page = page.parse_page(text)
    doc = Parsed(path, 0, digest, len(data), "page", page.PARSER_VERSION,
                 warnings=warnings + parsed_page.warnings, edition_lang=parsed_page.edition_lang)
    if not parsed_page.ticker and not parsed_page.has_article:
        reason = "empty_file" if "empty_page" in parsed_page.warnings else "not_a_page"
        doc.reject = (reason, "no ticker, notice or dateline found: " + clean_text(text)[:120])
        return doc
    items = [_ticker_item(h) for h in parsed_page.ticker]
    doc.ticker_ids = [item[0] for item in items]
    doc.ticker_texts = [item[1] for item in items]
    doc.ticker_langs = [item[2] for item in items]
    published = parsed_page.date.date if parsed_page.date else None
    distinct = {item[0]: item[3] for item in items}.values()
    doc.ticker_date = page.ticker_crawl_date(distinct, published=published, today=dt.date.today())
    if parsed_page.has_article:
        article = Article(
            title=parsed_page.title,
            body=parsed_page.body,
            outlet=parsed_page.outlet,
            date_raw=parsed_page.date_raw,
            date=parsed_page.date,
            related_title=parsed_page.related_title,
        )
        doc.article = article.seal()
    return doc


@lru_cache(maxsize=131_072)
def _ticker_item(raw: str) -> tuple[int, str, str | None, tuple[dt.date, ...]]:
    """(headline_id, text, lang, dates written in it). Cached per process: the same
    headlines fill the ticker of page after page."""
    text = clean_text(raw)
    return headline_id(text), text, detect(text), find_dates(text)


def _parse_trec(path: str, data: bytes, digest: str, text: str, warnings: list[str]) -> Iterator[Parsed]:
    """One document per <DOC> block."""
    count = 0
    for index, (block, article, doc_warnings, problem) in enumerate(trec.parse_trec(text)):
        count += 1
        # A one-DOC file is hashed whole (as a page is); several DOCs are hashed one by one.
        raw = data if index == 0 and len(text) - len(block) < 64 else block.encode("utf-8")
        doc = Parsed(path, index, sha256(raw), len(raw), "trec", trec.PARSER_VERSION, warnings=warnings + doc_warnings)
        if problem:
            doc.reject = ("empty_record", problem)
        else:
            doc.article = article.seal()
        yield doc
    if count == 0:
        yield _reject(path, 0, data, "trec", "bad_trec", "no <DOC> … </DOC> block found", digest)


def _parse_export(unit: Member, stream, fmt: str, mapping: dict[str, str]) -> Iterator[Parsed]:
    version = exports.PARSER_VERSION
    index = -1
    try:
        if fmt == "parquet" and not _seekable(stream):
            stream = _spooled(stream)
        records = exports.read_parquet(stream) if fmt == "parquet" else EXPORT_READERS[fmt](stream)
        columns_cache: dict[tuple, dict] = {}
        any_record = False
        for record in records:
            any_record = True
            index = record.index
            doc = Parsed(unit.path, record.index, sha256(record.raw), len(record.raw), fmt, version,
                         warnings=list(record.warnings))
            if record.problem:
                doc.reject = record.problem
                yield doc
                continue
            key = tuple(record.fields)
            columns = columns_cache.get(key)
            if columns is None:
                columns = columns_cache[key] = exports.resolve_columns(key, mapping)
            if "body" not in columns:  # a sidecar table (a file list, a manifest) is not articles
                doc.reject = ("missing_column", "no text column among: " + ", ".join(map(str, key))
                              + " (use --map COLUMN=body)")
                yield doc
                continue
            try:
                article, warnings, problem = exports.to_article(record.fields, columns)
            except RecursionError:  # a field nested too deeply to turn into text
                article, warnings, problem = None, [], "a field is nested too deeply to read"
            doc.warnings += warnings
            if problem:
                doc.reject = ("empty_record", problem)
            else:
                doc.article = article.seal()
            yield doc
        if not any_record:
            yield _reject(unit.path, 0, b"", fmt, "empty_file", "no records")
    except FileProblem as exc:
        yield _reject(unit.path, index + 1, b"", fmt, exc.reason, exc.detail)
    except READ_ERRORS as exc:
        yield _reject(unit.path, index + 1, b"", fmt, "unreadable", f"after record {index}: {describe(exc)}")


def _seekable(stream) -> bool:
    try:
        return stream.seekable()
    except (AttributeError, ValueError):
        return False


def _spooled(stream):
    """A seekable copy of a compressed or archived stream (Parquet reads its footer first),
    on disk past a few MB so that memory does not grow with the file."""
    copy = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - returned open
    shutil.copyfileobj(stream, copy, 1 << 20)
    copy.seek(0)
    return copy


def _reject(path: str, record: int, data: bytes, fmt: str, reason: str, detail: str, digest: str | None = None) -> Parsed:
    doc = Parsed(path, record, digest or sha256(data), len(data), fmt, VERSIONS.get(fmt, "none"))
    doc.reject = (reason, detail)
    return doc
