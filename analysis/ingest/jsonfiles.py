"""JSON exports: JSON Lines, or one JSON document (an array of records or one object).

Read a record at a time: a line through a bounded reader, an array an element at a time
by scanning its structure only, so memory is one record (at most ``MAX_RECORD_BYTES``),
never the file. A bad record is rejected on its own and the rest of the file goes on.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterable, Iterator

from analysis.ingest import records
from analysis.ingest.decoding import Decoder
from analysis.ingest.records import FileProblem, Record
from analysis.ingest.streams import PIECE, Rewound, head_of, read_lines, read_upto


def read_json(stream: io.BufferedIOBase) -> Iterator[Record]:
    """JSON Lines (one object per line), or one JSON document: an array of records (read an
    element at a time) or a single object, pretty-printed or not. Told apart by the start:
    ``[`` begins an array; a first line that is a whole object begins JSON Lines."""
    head, error = head_of(stream)
    stream = io.BufferedReader(Rewound(head, stream, error), PIECE)
    body = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    newline = body.find(b"\n")
    if body[:1] == b"[":
        yield from _read_json_array(iter(lambda: stream.read(PIECE), b""))
    elif body[:1] == b"{" and newline > 0 and not _is_object(body[:newline]):
        yield from _read_json_document(stream)
    else:
        yield from _read_json_lines(read_lines(stream, records.MAX_RECORD_BYTES))


def _is_object(line: bytes) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except (ValueError, RecursionError):
        return False


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
        if too_long is not None or len(stripped) > records.MAX_RECORD_BYTES:
            size = too_long or len(stripped)
            yield Record(index, stripped[:1024], problem=(
                "too_large", f"line {number} is {size:,} bytes (limit {records.MAX_RECORD_BYTES:,})"))
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


def _read_json_document(stream) -> Iterator[Record]:
    """A file holding one JSON object (pretty-printed), read whole up to the record size
    cap. When it is not one object but the lines after the first are whole objects, it is
    JSON Lines whose first line is damaged, and read as such."""
    limit = records.MAX_RECORD_BYTES
    data = read_upto(stream, limit + 1)
    if not _later_lines_are_objects(data):
        if len(data) > limit:
            yield Record(0, data[:1024], problem=("too_large", f"one JSON document over {limit:,} bytes"))
        else:
            yield _json_record(0, data.strip().removeprefix(b"\xef\xbb\xbf"), Decoder(), "the document")
        return
    yield from _read_json_lines(read_lines(io.BufferedReader(Rewound(data, stream), PIECE), limit))


def _later_lines_are_objects(data: bytes, lines: int = 5) -> bool:
    return any(_is_object(line) for line in data[:PIECE].splitlines()[1:lines + 1])


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
        for raw, size in json_array_elements(chunks, records.MAX_RECORD_BYTES):
            if raw is None:
                yield Record(index, b"", problem=("too_large", f"item {index} is {size:,} bytes (limit {records.MAX_RECORD_BYTES:,})"))
            else:
                yield _json_record(index, raw, decoder, f"item {index}", canonical=True)
            index += 1
    except FileProblem as exc:
        yield Record(index, b"", problem=(exc.reason, f"item {index}: {exc.detail}"))
