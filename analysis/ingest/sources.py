"""Finding the inputs: files, folders (recursively), globs, .gz files and .zip archives.

An input is one file on disk; a zip archive is one input whose members become documents
named ``archive.zip!member``. Sidecar manifests (``manifest.csv``, ``manifest.tsv`` or
``manifest.jsonl`` with columns ``file``, ``crawled_at`` and optionally ``url``, ``site``)
are read as metadata for the pages beside them, never loaded as documents.

What cannot be read is still an input, so that it is accounted for: an unreadable folder,
a symlink loop, a hidden file named on the command line, a manifest without a ``file``
column each become an ``OddInput`` carrying its problem, which the worker turns into a
rejected document.
"""

from __future__ import annotations

import csv
import errno
import fnmatch
import glob
import gzip
import io
import json
import logging
import os
import stat as stat_mod
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from analysis.errors import DataFileError, InvalidArgument
from analysis.ingest.dates import parse_date

log = logging.getLogger(__name__)

MANIFEST_NAMES = ("manifest.csv", "manifest.tsv", "manifest.jsonl")
READ_LIMIT = 64 * 1024 * 1024  # members/pages larger than this are not read into memory


class Input(NamedTuple):
    """One input file. A tuple, not a dataclass: a load of a million pages holds a million."""

    path: str  # absolute, valid UTF-8: what the database stores
    bytes: int
    mtime_ns: int

    @property
    def name(self) -> str:
        return os.path.basename(self.path)

    @property
    def os_path(self) -> str:
        return self.path

    @property
    def problem(self) -> tuple[str, str] | None:
        return None


class OddInput(NamedTuple):
    """An input that a plain path does not describe: its name on disk is not valid UTF-8
    (``os_path`` opens it, ``path`` is the printable form stored), or it cannot be read at
    all (``problem`` = (reason, detail)). Rare, so ``Input`` stays three fields."""

    path: str
    bytes: int
    mtime_ns: int
    os_path: str
    problem: tuple[str, str] | None = None

    @property
    def name(self) -> str:
        return os.path.basename(self.path)


AnyInput = Input | OddInput


@dataclass(frozen=True)
class Member:
    """A readable unit: a plain file, the inside of a .gz, or one zip member."""

    path: str  # document path (archive.zip!member for zip members)
    name: str  # name used to recognise the format (without .gz)
    opener: object  # () -> binary stream
    problem: tuple[str, str] | None = None  # (reason, detail): skipped without being read
    warnings: tuple[str, ...] = field(default=())


def printable(path: str) -> str:
    """``path`` itself when it is valid UTF-8; else its undecodable bytes written as ``\\xNN``
    (file names on Linux are bytes: the database and Arrow need text)."""
    if path.isascii():
        return path
    try:
        path.encode("utf-8")
        return path
    except UnicodeEncodeError:
        return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _input(path: str, size: int, mtime_ns: int, problem: tuple[str, str] | None = None) -> AnyInput:
    shown = printable(path)
    if shown is path and problem is None:
        return Input(path, size, mtime_ns)
    return OddInput(shown, size, mtime_ns, path, problem)


def discover(paths: list[str], *, exclude: Iterable[str] = ()) -> tuple[list[AnyInput], list[Path]]:
    """Inputs (sorted, de-duplicated) and manifest files under the given paths. ``exclude``
    holds glob patterns matched against each path below an argument (``notes/*``), its name
    (``*.bak``) and its absolute path; a matching folder is not walked.

    Raises InvalidArgument naming every argument that matched nothing.
    """
    patterns = tuple(exclude)
    found: dict[str, AnyInput] = {}
    manifests: set[Path] = set()
    missing = []
    for arg in paths:
        if os.path.lexists(arg):
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
            top = os.path.realpath(candidate)
            walker = _Walker(top, patterns)
            if candidate != arg and walker.excluded(top, os.path.basename(top)):
                continue  # a glob's match, excluded by name
            for inp in walker.walk(top, explicit=True):
                if inp.problem is None and inp.name.lower() in MANIFEST_NAMES:
                    problem = manifest_problem(inp.os_path)
                    if problem is None:
                        manifests.add(Path(inp.os_path))
                        continue
                    inp = OddInput(inp.path, inp.bytes, inp.mtime_ns, inp.os_path, ("bad_manifest", problem))
                found.setdefault(inp.path, inp)
    if missing:
        raise InvalidArgument("no such file, folder or glob match: " + ", ".join(missing))
    return [found[k] for k in sorted(found)], sorted(manifests)


class _Walker:
    """Walks one argument: ``top`` is where exclude patterns' relative paths start."""

    def __init__(self, top: str, patterns: tuple[str, ...]):
        self.top, self.patterns = top, patterns
        self.ancestors: set[tuple[int, int]] = set()  # (device, inode) of the folders being walked

    def excluded(self, path: str, name: str) -> bool:
        if not self.patterns:
            return False
        rel = path[len(self.top):].lstrip(os.sep).replace(os.sep, "/")  # paths below top start with it
        return any(fnmatch.fnmatch(rel, p) or fnmatch.fnmatch(name, p) or fnmatch.fnmatch(path, p)
                   for p in self.patterns)

    def walk(self, top: str, *, explicit: bool = False) -> Iterator[AnyInput]:
        """Every non-hidden regular file at or below ``top``, sorted by path, and an
        ``OddInput`` for what cannot be walked or read.

        A folder's files are gathered as small (name, size, mtime) tuples and sorted before
        any full path is built: the DirEntry and stat objects of a million-file folder
        would otherwise all be alive at once (~1 KB a file)."""
        try:
            info = os.stat(top)
        except OSError as exc:
            yield _unusual(top, exc)
            return
        if not stat_mod.S_ISDIR(info.st_mode):
            name = os.path.basename(top)
            if not stat_mod.S_ISREG(info.st_mode):
                yield _input(top, 0, info.st_mtime_ns, ("not_a_file", "not a regular file (a device, pipe or socket)"))
            elif explicit and name.startswith("."):
                yield _input(top, info.st_size, info.st_mtime_ns,
                             ("hidden", "a hidden file (its name starts with a dot) is not read; rename it to load it"))
            else:
                yield _input(top, info.st_size, info.st_mtime_ns)
            return
        key = (info.st_dev, info.st_ino)
        if key in self.ancestors:
            yield _input(top, 0, info.st_mtime_ns,
                         ("symlink_loop", f"a link back to the enclosing folder {printable(os.path.realpath(top))}"))
            return
        files, folders, odd = [], [], []
        try:
            with os.scandir(top) as entries:
                for entry in entries:
                    if entry.name.startswith("."):
                        continue
                    try:
                        if entry.is_dir():
                            folders.append(entry.name)
                        elif entry.is_file():
                            stat = entry.stat()
                            files.append((entry.name, stat.st_size, stat.st_mtime_ns))
                        else:
                            odd.append(entry.name)  # broken link, link loop, pipe, socket, device
                    except OSError:
                        odd.append(entry.name)
        except OSError as exc:
            yield _input(top, 0, info.st_mtime_ns, ("unreadable", f"cannot list the folder: {exc.strerror or exc}"))
            return
        names = sorted([(name, False) for name, _, _ in files] + [(name, True) for name in folders + odd])
        sizes = {name: (size, mtime) for name, size, mtime in files}
        del files
        self.ancestors.add(key)
        try:
            for name, walked in names:
                path = os.path.join(top, name)
                if self.excluded(path, name):
                    sizes.pop(name, None)
                elif walked:
                    yield from self.walk(path)
                else:
                    size, mtime = sizes.pop(name)
                    yield _input(path, size, mtime)
        finally:
            self.ancestors.discard(key)


def _unusual(path: str, exc: OSError) -> AnyInput:
    """An input for a path that cannot be stat'ed (a dangling link, a link loop)."""
    try:
        mtime = os.lstat(path).st_mtime_ns
    except OSError:
        mtime = 0
    if exc.errno == errno.ELOOP:
        return _input(path, 0, mtime, ("symlink_loop", "a symbolic link that points back to itself"))
    if os.path.islink(path):
        return _input(path, 0, mtime, ("not_a_file", f"a symbolic link to nothing ({printable(os.readlink(path))})"))
    return _input(path, 0, mtime, ("unreadable", f"{type(exc).__name__}: {exc.strerror or exc}"))


def members(inp: AnyInput) -> Iterator[Member]:
    """The readable units of one input. A zip archive is opened once and stays open while
    its members are consumed. Raises zipfile.BadZipFile / OSError when unreadable."""
    lower = inp.path.lower()
    if lower.endswith(".zip"):
        with zipfile.ZipFile(inp.os_path) as archive:
            yield from _zip_members(inp.path, archive)
    elif lower.endswith(".gz"):
        yield Member(inp.path, inp.name[:-3], lambda: gzip.open(inp.os_path, "rb"))  # noqa: SIM115 - the caller closes it
    else:
        yield Member(inp.path, inp.name, lambda: open(inp.os_path, "rb"))  # noqa: SIM115 - the caller closes it


def _zip_members(path: str, archive: zipfile.ZipFile) -> Iterator[Member]:
    """Every file entry, each read once by its own ZipInfo: two entries may share a name
    (the later ones are named ``member (2)``…); hidden and macOS resource entries are
    reported, not read."""
    entries = sorted((info for info in archive.infolist() if not info.is_dir()), key=lambda i: i.filename)
    seen: dict[str, int] = {}
    for info in entries:
        name = printable(info.filename)
        copy = seen[name] = seen.get(name, 0) + 1
        shown = f"{path}!{name}" + (f" ({copy})" if copy > 1 else "")
        inner = name[:-3] if name.lower().endswith(".gz") else name
        warnings = ("duplicate_member_name",) if copy > 1 else ()
        problem = None
        if name.startswith("__MACOSX/") or any(part.startswith(".") and part not in (".", "..") for part in name.split("/")):
            problem = ("hidden", "a hidden or __MACOSX/ archive member is not read")
        yield Member(shown, os.path.basename(inner), _zip_opener(archive, info), problem, warnings)


def _zip_opener(archive: zipfile.ZipFile, info: zipfile.ZipInfo):
    def opener():
        try:
            stream = archive.open(info)
        except RuntimeError as exc:  # an encrypted member: zipfile asks for a password
            raise OSError(str(exc)) from None
        if info.filename.lower().endswith(".gz"):
            return gzip.GzipFile(fileobj=io.BufferedReader(stream))
        return io.BufferedReader(stream)

    return opener


class ManifestEntry(NamedTuple):
    crawled_at: str | None
    url: str | None
    site: str | None


def _manifest_rows(manifest: Path, handle) -> Iterator[dict | None]:
    """The rows of a manifest; None for a line that is not a JSON object."""
    if manifest.suffix.lower() in (".csv", ".tsv"):
        yield from csv.DictReader(handle, delimiter="\t" if manifest.suffix.lower() == ".tsv" else ",")
        return
    for line in handle:
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except (ValueError, RecursionError):
            row = None
        yield row if isinstance(row, dict) else None


def manifest_problem(path: str) -> str | None:
    """Why a manifest cannot serve as one (no ``file`` column, not text), or None."""
    manifest = Path(path)
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            if manifest.suffix.lower() in (".csv", ".tsv"):
                header = next(csv.reader(handle, delimiter="\t" if manifest.suffix.lower() == ".tsv" else ","), [])
                columns = {c.strip() for c in header}
            else:
                first = next((row for row in _manifest_rows(manifest, handle) if row is not None), None)
                columns = set(first or ())
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        return f"crawl manifest {printable(path)} cannot be read: {exc}"
    if "file" not in columns:
        return (f"crawl manifest {printable(path)} has no 'file' column (found: {', '.join(sorted(columns)) or 'nothing'}); "
                "its crawl times were not used")
    return None


def read_manifests(manifests: list[Path], *, wanted: Iterable[str] | None = None) -> dict[str, ManifestEntry]:
    """{absolute file path: ManifestEntry}, only for ``wanted`` paths when given (a re-run
    that adds one page to a folder of a million keeps one entry, not a million). A wanted
    path is keyed by the caller's own string object: a million paths are not held twice.

    A row without a file name or with an unreadable ``crawled_at`` is skipped with a logged
    warning (its pages get no crawl time from the manifest); the other rows still count.
    Raises DataFileError for a manifest that has no ``file`` column at all."""
    own = None if wanted is None else {path: path for path in wanted}
    entries: dict[str, ManifestEntry] = {}
    sites: dict[str, str] = {}
    for manifest in manifests:
        problem = manifest_problem(str(manifest))
        if problem:
            raise DataFileError(problem)
        skipped, example = 0, ""
        try:
            with open(manifest, encoding="utf-8-sig", newline="") as handle:
                first_row = 2 if manifest.suffix.lower() in (".csv", ".tsv") else 1  # after a header
                for number, row in enumerate(_manifest_rows(manifest, handle), start=first_row):
                    why = _bad_manifest_row(row)
                    if why:
                        skipped += 1
                        example = example or f"row {number}: {why}"
                        continue
                    target = os.path.normpath(os.path.join(manifest.parent, row["file"]))
                    if own is not None:
                        if target in own:
                            target = own[target]
                        elif target.split("!", 1)[0] not in own:
                            continue
                    site = row.get("site") or None
                    entries[target] = ManifestEntry(row.get("crawled_at") or None, row.get("url") or None,
                                                    sites.setdefault(site, site) if site else None)
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            log.warning("crawl manifest %s: stopped reading at %s", printable(str(manifest)), exc)
        if skipped:
            log.warning("crawl manifest %s: %d row(s) skipped (%s)", printable(str(manifest)), skipped, example)
    return entries


def _bad_manifest_row(row: dict | None) -> str | None:
    if row is None:
        return "not a JSON object"
    name = row.get("file")
    if not isinstance(name, str) or not name.strip():
        return "no file name"
    crawled = row.get("crawled_at")
    if crawled not in (None, "") and (not isinstance(crawled, str) or parse_date(crawled).date is None):
        return f"crawled_at {crawled!r} is not a date or time"
    for column in ("url", "site"):
        if row.get(column) is not None and not isinstance(row[column], str):
            return f"{column} is not text"
    return None
