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
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

MANIFEST_NAMES = ("manifest.csv", "manifest.jsonl")
READ_LIMIT = 64 * 1024 * 1024  # members/pages larger than this are not read into memory


class Input(NamedTuple):
    """One input file. A tuple, not a dataclass: a load of a million pages holds a million."""

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
            for path, info in _walk(os.path.realpath(candidate)):
                name = os.path.basename(path)
                if name in MANIFEST_NAMES:
                    manifests.add(Path(path))
                elif path not in found:
                    found[path] = info if isinstance(info, Input) else Input(path, info.st_size, info.st_mtime_ns)
    if missing:
        raise FileNotFoundError("no such file, folder or glob match: " + ", ".join(missing))
    return [found[k] for k in sorted(found)], sorted(manifests)


def _walk(top: str) -> Iterator[tuple[str, os.stat_result | Input]]:
    """(path, stat) of every non-hidden regular file at or below ``top``, sorted by path.

    A folder's files are gathered as small (name, size, mtime) tuples and sorted before any
    full path is built: the DirEntry and stat objects of a million-file folder would
    otherwise all be alive at once (~1 KB a file)."""
    if not os.path.isdir(top):
        if not os.path.basename(top).startswith("."):
            yield top, os.stat(top)
        return
    files, folders = [], []
    with os.scandir(top) as entries:
        for entry in entries:
            if entry.name.startswith("."):
                continue
            if entry.is_dir():
                folders.append(entry.name)
            elif entry.is_file():
                stat = entry.stat()
                files.append((entry.name, stat.st_size, stat.st_mtime_ns))
    names = sorted([(name, False) for name, _, _ in files] + [(name, True) for name in folders])
    sizes = {name: (size, mtime) for name, size, mtime in files}
    del files
    for name, is_folder in names:
        path = os.path.join(top, name)
        if is_folder:
            yield from _walk(path)
        else:
            size, mtime = sizes.pop(name)
            yield path, Input(path, size, mtime)


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


class ManifestEntry(NamedTuple):
    crawled_at: str | None
    url: str | None
    site: str | None


def read_manifests(manifests: list[Path], *, wanted: Iterable[str] | None = None) -> dict[str, ManifestEntry]:
    """{absolute file path: ManifestEntry}, only for ``wanted`` paths when given (a re-run
    that adds one page to a folder of a million keeps one entry, not a million). A wanted
    path is keyed by the caller's own string object: a million paths are not held twice."""
    own = None if wanted is None else {path: path for path in wanted}
    entries: dict[str, ManifestEntry] = {}
    sites: dict[str, str] = {}
    for manifest in manifests:
        with open(manifest, encoding="utf-8-sig", newline="") as handle:
            rows = csv.DictReader(handle) if manifest.suffix == ".csv" else (json.loads(line) for line in handle if line.strip())
            for row in rows:
                if not row.get("file"):
                    raise ValueError(f"{manifest}: every row needs a 'file' column")
                target = os.path.normpath(os.path.join(manifest.parent, row["file"]))
                if own is not None:
                    if target in own:
                        target = own[target]
                    elif target.split("!", 1)[0] not in own:
                        continue
                site = row.get("site") or None
                entries[target] = ManifestEntry(row.get("crawled_at") or None, row.get("url") or None,
                                                sites.setdefault(site, site) if site else None)
    return entries
