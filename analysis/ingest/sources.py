"""Finding the inputs: files, folders (recursively), globs, .gz files and .zip archives.

An ``Input`` is one file on disk; a zip archive is one input whose members become
documents named ``archive.zip!member``. Sidecar manifests (``manifest.csv`` or
``manifest.jsonl`` with columns ``file``, ``crawled_at`` and optionally ``url``, ``site``)
are read as metadata for the pages beside them, not loaded as documents.
"""

from __future__ import annotations

import csv
import glob
import gzip
import io
import json
import os
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

MANIFEST_NAMES = ("manifest.csv", "manifest.jsonl")
READ_LIMIT = 64 * 1024 * 1024  # members/pages larger than this are not read into memory


@dataclass(frozen=True)
class Input:
    path: str  # absolute
    bytes: int
    mtime_ns: int

    @property
    def name(self) -> str:
        return os.path.basename(self.path)


@dataclass(frozen=True)
class Member:
    """A readable unit: a plain file, the inside of a .gz, or one zip member."""

    path: str  # document path (archive.zip!member for zip members)
    name: str  # name used to recognise the format (without .gz)
    opener: object  # () -> binary stream


def _is_hidden(path: Path) -> bool:
    return any(part.startswith(".") and part not in (".", "..") for part in path.parts[-1:])


def discover(paths: list[str]) -> tuple[list[Input], list[Path]]:
    """Inputs (sorted, de-duplicated) and manifest files under the given paths.

    Raises FileNotFoundError naming every argument that matched nothing.
    """
    found: dict[str, Input] = {}
    manifests: set[Path] = set()
    missing = []
    for arg in paths:
        if os.path.exists(arg):
            candidates = [arg]
        elif glob.has_magic(arg):
            candidates = sorted(glob.glob(arg, recursive=True))
        else:
            candidates = []
        if not candidates:
            missing.append(arg)
            continue
        for candidate in candidates:
            # Resolve the argument once; walking below it keeps paths absolute without a
            # realpath() per file (which costs more than the stat on a folder of 100k pages).
            for path, stat in _walk(os.path.realpath(candidate)):
                name = os.path.basename(path)
                if name in MANIFEST_NAMES:
                    manifests.add(Path(path))
                elif path not in found:
                    found[path] = Input(path, stat.st_size, stat.st_mtime_ns)
    if missing:
        raise FileNotFoundError("no such file, folder or glob match: " + ", ".join(missing))
    return [found[k] for k in sorted(found)], sorted(manifests)


def _walk(top: str) -> Iterator[tuple[str, os.stat_result]]:
    """(path, stat) of every non-hidden regular file at or below ``top``."""
    if not os.path.isdir(top):
        if not os.path.basename(top).startswith("."):
            yield top, os.stat(top)
        return
    with os.scandir(top) as entries:
        for entry in sorted(entries, key=lambda e: e.name):
            if entry.name.startswith("."):
                continue
            if entry.is_dir():
                yield from _walk(entry.path)
            elif entry.is_file():
                yield entry.path, entry.stat()


def members(inp: Input) -> Iterator[Member]:
    """The readable units of one input. Raises zipfile.BadZipFile / OSError when unreadable."""
    lower = inp.path.lower()
    if lower.endswith(".zip"):
        with zipfile.ZipFile(inp.path) as archive:
            names = sorted(i.filename for i in archive.infolist() if not i.is_dir())
        for name in names:
            if _is_hidden(Path(name)) or name.startswith("__MACOSX/"):
                continue
            inner = name[:-3] if name.lower().endswith(".gz") else name
            yield Member(f"{inp.path}!{name}", os.path.basename(inner), _zip_opener(inp.path, name))
    elif lower.endswith(".gz"):
        yield Member(inp.path, inp.name[:-3], lambda: gzip.open(inp.path, "rb"))
    else:
        yield Member(inp.path, inp.name, lambda: open(inp.path, "rb"))


def _zip_opener(archive_path: str, name: str):
    def opener():
        archive = zipfile.ZipFile(archive_path)
        stream = archive.open(name)
        if name.lower().endswith(".gz"):
            return gzip.GzipFile(fileobj=io.BufferedReader(stream))
        return io.BufferedReader(stream)

    return opener


def read_manifests(manifests: list[Path]) -> dict[str, dict]:
    """{absolute file path: {"crawled_at": str, "url": str|None, "site": str|None}}."""
    entries: dict[str, dict] = {}
    for manifest in manifests:
        with open(manifest, encoding="utf-8-sig", newline="") as handle:
            if manifest.suffix == ".csv":
                rows = list(csv.DictReader(handle))
            else:
                rows = [json.loads(line) for line in handle if line.strip()]
        for row in rows:
            if not row.get("file"):
                raise ValueError(f"{manifest}: every row needs a 'file' column")
            target = os.path.normpath(os.path.join(manifest.parent, row["file"]))
            entries[target] = {k: row.get(k) or None for k in ("crawled_at", "url", "site")}
    return entries
