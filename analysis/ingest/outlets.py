"""The outlets table: one canonical name per publisher, whatever script or code an input uses.

``analysis/data/outlets/outlets.yaml`` lists each outlet with its aliases; the loader stores the
canonical name in ``articles.outlet`` and the string as written in ``articles.outlet_raw``.
An outlet the table does not know is kept as written.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import duckdb
import pyarrow as pa
import yaml

from analysis.errors import DataFileError
from analysis.textfold import fold_arabic, strip_latin_accents

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "data" / "outlets" / "outlets.yaml"
_FIELDS = {"id", "name", "country", "lang", "aliases"}
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_NOT_WORD = re.compile(r"[\W_]+")
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Outlet:
    outlet_id: str
    name: str
    country: str | None
    lang: str | None
    aliases: tuple[str, ...]


@lru_cache(maxsize=65_536)  # a load meets few distinct outlet strings, each on many articles
def outlet_key(text: str) -> str:
    """What two spellings of one outlet have in common: no case, accents, Arabic letter-form
    differences, spaces or punctuation ("L'Opinion" and "lopinion" share a key)."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return _NOT_WORD.sub("", fold_arabic(strip_latin_accents(text), hamza_seats=True))


def read_outlets(path: str | Path | None = None) -> list[Outlet]:
    """The outlets of a table file; DataFileError naming the file and entry when one is malformed
    or two outlets share a folded name."""
    path = Path(path) if path else DEFAULT_PATH
    try:
        rows = yaml.load(path.read_bytes(), Loader=_Loader) or []
    except OSError as exc:
        raise DataFileError(f"cannot read the outlets table {path}: {exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        raise DataFileError(f"{path.name} is not valid YAML: {exc}") from exc
    if not isinstance(rows, list):
        raise DataFileError(f"{path.name}: expected a list of outlets")
    outlets: list[Outlet] = []
    owner: dict[str, str] = {}
    for i, row in enumerate(rows, 1):
        outlet = _parse_row(row, f"{path.name} entry {i}")
        for spelling in (outlet.name, *outlet.aliases):
            key = outlet_key(spelling)
            if not key:
                raise DataFileError(f"{path.name} entry {i} ({outlet.outlet_id}): {spelling!r} has no letters or digits")
            if owner.get(key, outlet.outlet_id) != outlet.outlet_id:
                raise DataFileError(f"{path.name} entry {i} ({outlet.outlet_id}): {spelling!r} is also a name of "
                                    f"{owner[key]!r}; an alias may belong to one outlet only")
            owner[key] = outlet.outlet_id
        if any(o.outlet_id == outlet.outlet_id for o in outlets):
            raise DataFileError(f"{path.name} entry {i}: id {outlet.outlet_id!r} is already used")
        outlets.append(outlet)
    return outlets


def _parse_row(row, where: str) -> Outlet:
    if not isinstance(row, dict):
        raise DataFileError(f"{where}: expected a mapping such as {{id: jawhara-fm, name: Jawhara FM}}")
    unknown = set(row) - _FIELDS
    if unknown:
        raise DataFileError(f"{where}: unknown field(s) {', '.join(sorted(map(str, unknown)))}")
    oid, name = row.get("id"), row.get("name")
    if not isinstance(oid, str) or not _ID.match(oid):
        raise DataFileError(f"{where}: id must be lower-case letters, digits and dashes, got {oid!r}")
    if not isinstance(name, str) or not name.strip():
        raise DataFileError(f"{where} ({oid}): name must be a non-empty string")
    aliases = row.get("aliases") or []
    if not isinstance(aliases, list) or not all(isinstance(a, (str, int)) for a in aliases):
        raise DataFileError(f"{where} ({oid}): aliases must be a list of names")
    for field in ("country", "lang"):
        if row.get(field) is not None and not isinstance(row[field], str):
            raise DataFileError(f"{where} ({oid}): {field} must be a string")
    return Outlet(oid, name.strip(), row.get("country"), row.get("lang"), tuple(str(a) for a in aliases))


@lru_cache(maxsize=4)
def outlet_names(path: str | None = None) -> dict[str, str]:
    """Folded spelling -> canonical name, for every name and alias of the table."""
    return {outlet_key(s): o.name for o in read_outlets(path) for s in (o.name, *o.aliases)}


def canonical_outlet(raw: str | None, *, names: dict[str, str] | None = None) -> str | None:
    """The canonical name of an outlet as written; unknown outlets as written (spaces trimmed)."""
    if raw is None or not raw.strip():
        return None
    names = outlet_names() if names is None else names
    return names.get(outlet_key(raw), raw.strip())


def store_outlets(con: duckdb.DuckDBPyConnection, path: str | Path | None = None) -> int:
    """Replace the ``outlets`` table with the table file, in the caller's transaction, so SQL can
    join an article's outlet to its country and language. Returns the number of outlets."""
    outlets = read_outlets(path)
    rows = pa.table({"outlet_id": [o.outlet_id for o in outlets], "name": [o.name for o in outlets],
                     "country": pa.array([o.country for o in outlets], pa.string()),
                     "lang": pa.array([o.lang for o in outlets], pa.string()),
                     "aliases": pa.array([list(o.aliases) for o in outlets], pa.list_(pa.string()))})
    con.execute("DELETE FROM outlets")
    con.register("_outlets", rows)
    try:
        con.execute("INSERT INTO outlets BY NAME SELECT * FROM _outlets")
    finally:
        con.unregister("_outlets")
    return len(outlets)
