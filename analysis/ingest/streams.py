"""Reading byte streams that may be damaged or enormous: bounded reads, bounded lines, and
the errors a damaged file, .gz or zip member raises, so callers catch exactly those."""

from __future__ import annotations

import io
import lzma
import zipfile
import zlib
from collections.abc import Iterator

PIECE = 1 << 20  # what streams are read by when the size of a read does not matter
# What reading a damaged file or archive member raises: a bad deflate stream (zlib.error),
# a bad CRC (BadZipFile, BadGzipFile is an OSError), a truncated stream (EOFError), a
# compression method zipfile cannot read (NotImplementedError).
READ_ERRORS = (OSError, EOFError, zlib.error, zipfile.BadZipFile, lzma.LZMAError, NotImplementedError)


def describe(exc: BaseException) -> str:
    """One line for a rejects row: what went wrong reading, in words."""
    if isinstance(exc, zlib.error):
        return f"damaged compressed data ({exc})"
    return f"{type(exc).__name__}: {exc}"


def read_upto(stream, limit: int, step: int = 1 << 16) -> bytes:
    """At most ``limit`` bytes of ``stream``, read ``step`` bytes at a time: ``read(limit)``
    would allocate ``limit`` bytes up front (mapped and unmapped for every small page)."""
    parts, total = [], 0
    while total < limit:
        part = stream.read(min(step, limit - total))
        if not part:
            break
        parts.append(part)
        total += len(part)
    return parts[0] if len(parts) == 1 else b"".join(parts)


def head_of(stream, limit: int = 1 << 16, step: int = 8192) -> tuple[bytes, Exception | None]:
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


class Rewound(io.RawIOBase):
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


def read_lines(stream, limit: int) -> Iterator[tuple[bytes, int | None]]:
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
        total, dropped_quotes = len(line), 0
        while True:
            rest = stream.readline(PIECE)
            total += len(rest)
            dropped_quotes += rest.count(b'"')
            if not rest or rest.endswith(b"\n"):
                break
        yield line + (b'"' if dropped_quotes % 2 else b""), total
