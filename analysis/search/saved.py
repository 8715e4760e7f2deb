"""Saved searches: named queries kept in a YAML file, tracked by every report.

    searches:
      - name: Western Sahara
        query: '"Sahara occidental" OR "Western Sahara" OR "الصحراء الغربية"'
      - name: Migration (Arabic press)
        query: 'الهجرة OR المهاجرين'
        lang: ar

``analysis/data/searches.yaml`` is the packaged default. Every query is parsed when the file
is read, so a bad one stops a report before any work, with the search's name in the message.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from analysis.errors import DataFileError
from analysis.search.matches import parse_query
from analysis.search.parser import LANGS, SearchQueryError

DEFAULT_FILE = Path(__file__).resolve().parent.parent / "data" / "searches.yaml"
KEYS = {"name", "query", "lang"}


@dataclass(frozen=True)
class SavedSearch:
    name: str
    query: str
    lang: str | None = None

    @property
    def full_query(self) -> str:
        """The query as the index runs it: restricted to ``lang`` when one is given."""
        return f"({self.query}) AND lang:{self.lang}" if self.lang else self.query


def saved_searches(source: str | os.PathLike | Sequence | None = None) -> list[SavedSearch]:
    """The saved searches of a YAML file (the packaged default when ``source`` is None), or of
    a list of ``SavedSearch`` / ``{"name", "query", "lang"}`` entries, each query checked.
    Raises ``DataFileError`` naming the file and the search that is wrong."""
    if source is None or isinstance(source, (str, os.PathLike)):
        path = Path(source) if source is not None else DEFAULT_FILE
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise DataFileError(f"cannot read the saved searches file {path}: {exc.strerror or exc}") from None
        except yaml.YAMLError as exc:
            raise DataFileError(f"{path} is not valid YAML: {' '.join(str(exc).split())}") from None
        if not isinstance(data, dict) or not isinstance(data.get("searches"), list):
            raise DataFileError(f"{path} must hold a list under 'searches:' (entries with name and query)")
        where, entries = str(path), data["searches"]
    else:
        where, entries = "searches", list(source)
    return check_searches(entries, where)


def check_searches(entries: list, where: str) -> list[SavedSearch]:
    out: list[SavedSearch] = []
    for i, entry in enumerate(entries, 1):
        if isinstance(entry, SavedSearch):
            entry = {"name": entry.name, "query": entry.query, "lang": entry.lang}
        if not isinstance(entry, dict):
            raise DataFileError(f"{where}: search #{i} must be a mapping with name and query")
        name, query, lang = entry.get("name"), entry.get("query"), entry.get("lang")
        label = f"search #{i}" if not isinstance(name, str) else f"saved search {name!r}"
        if not isinstance(name, str) or not name.strip():
            raise DataFileError(f"{where}: {label} needs a name (text)")
        if extra := set(entry) - KEYS:
            raise DataFileError(f"{where}: {label} has unknown key(s) {', '.join(sorted(map(str, extra)))} "
                                f"(keys: name, query, lang)")
        if not isinstance(query, str) or not query.strip():
            raise DataFileError(f"{where}: {label} needs a query (text)")
        if lang is not None and lang not in LANGS:
            raise DataFileError(f"{where}: {label} has lang {lang!r}; use one of {', '.join(LANGS)}")
        if any(s.name == name.strip() for s in out):
            raise DataFileError(f"{where}: two saved searches are named {name.strip()!r}; names must be distinct")
        try:
            parse_query(query)
        except SearchQueryError as exc:
            raise DataFileError(f"{where}: {label}: {exc}") from None
        out.append(SavedSearch(name.strip(), query.strip(), lang))
    return out
