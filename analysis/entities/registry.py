"""The entity registry: canonical entities kept as reviewable YAML in ``analysis/data/entities/``.

Each ``*.yaml`` file there is a list of entities::

    - {id: morocco, type: LOC, qid: Q1028, fr: Maroc, en: Morocco, ar: المغرب, es: Marruecos,
       aliases: {fr: [Royaume du Maroc], ar: [المملكة المغربية]}}

``fr``/``en``/``ar``/``es`` are the preferred names per language (each is also an alias);
``aliases`` adds surface forms per language (``xx`` = any language, e.g. acronyms); ``strict``
lists aliases that only match with exact case and accents (``Salé`` must not match English
``Sale``). ``merges.yaml`` lists ``{from: id, into: id}`` pairs: a user merges two entities by
adding a line there, without touching code. See the README in that folder.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import yaml

from analysis.entities.text import fold
from analysis.errors import DataFileError

log = logging.getLogger(__name__)

# libyaml's parser is ~20x faster than the pure-Python one on these files.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

TYPES = ("PER", "ORG", "LOC", "EVENT", "MISC")
LANGS = ("fr", "en", "ar", "es")
ANY_LANG = "xx"
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_QID_RE = re.compile(r"^Q[1-9][0-9]*$")
_KEYS = {"id", "type", "qid", "aliases", "strict", "note", *LANGS}


class RegistryError(DataFileError):
    """The registry files are inconsistent (the message says where)."""


@dataclass(frozen=True)
class Entity:
    entity_id: str
    type: str
    name: str
    wikidata_id: str | None
    names: dict[str, str]
    file: str


@dataclass(frozen=True)
class Alias:
    entity_id: str
    alias: str
    lang: str | None
    strict: bool = False

    @property
    def key(self) -> str:
        return fold(self.alias)


@dataclass
class Registry:
    entities: dict[str, Entity]
    aliases: list[Alias]
    fingerprint: str
    merged: dict[str, str] = field(default_factory=dict)

    def by_key(self) -> dict[str, str]:
        """Folded alias -> entity_id (unambiguous by construction)."""
        return {a.key: a.entity_id for a in self.aliases}


def default_dir() -> Path:
    return Path(str(resources.files("analysis").joinpath("data", "entities")))


def load_registry(directory: str | Path | None = None) -> Registry:
    """Read, validate and merge the registry files; raise RegistryError on any inconsistency."""
    directory = Path(directory) if directory else default_dir()
    files = sorted(p for p in directory.glob("*.yaml") if p.name != "merges.yaml")
    if not files:
        raise RegistryError(f"no entity registry files (*.yaml) in {directory}")
    digest = hashlib.sha256()
    entities: dict[str, Entity] = {}
    aliases: list[Alias] = []
    for path in files:
        raw = path.read_bytes()
        digest.update(path.name.encode() + b"\0" + raw)
        rows = yaml.load(raw, Loader=_Loader) or []
        if not isinstance(rows, list):
            raise RegistryError(f"{path.name}: expected a list of entities")
        for i, row in enumerate(rows):
            ent, als = _parse_row(row, f"{path.name} item {i + 1}")
            if ent.entity_id in entities:
                raise RegistryError(f"{path.name}: entity id {ent.entity_id!r} is already defined in {entities[ent.entity_id].file}")
            entities[ent.entity_id] = ent
            aliases.extend(als)
    merges_path = directory / "merges.yaml"
    merged: dict[str, str] = {}
    if merges_path.exists():
        raw = merges_path.read_bytes()
        digest.update(b"merges\0" + raw)
        merged = _apply_merges(yaml.load(raw, Loader=_Loader) or [], entities, aliases)
        aliases = [Alias(merged.get(a.entity_id, a.entity_id), a.alias, a.lang, a.strict) for a in aliases]
    aliases = _dedupe_and_check(aliases, entities)
    return Registry(entities=entities, aliases=aliases, fingerprint=digest.hexdigest()[:16], merged=merged)


def _parse_row(row: object, where: str) -> tuple[Entity, list[Alias]]:
    if not isinstance(row, dict):
        raise RegistryError(f"{where}: expected a mapping with id, type and names")
    unknown = set(row) - _KEYS
    if unknown:
        raise RegistryError(f"{where}: unknown field(s) {', '.join(sorted(map(str, unknown)))}")
    eid = str(row.get("id", ""))
    if not _ID_RE.match(eid):
        raise RegistryError(f"{where}: id {eid!r} must be lower-case letters, digits and dashes")
    etype = row.get("type")
    if etype not in TYPES:
        raise RegistryError(f"{where} ({eid}): type must be one of {', '.join(TYPES)}, not {etype!r}")
    qid = row.get("qid")
    if qid is not None and not _QID_RE.match(str(qid)):
        raise RegistryError(f"{where} ({eid}): qid {qid!r} is not a Wikidata id like Q1028")
    names = {lang: str(row[lang]).strip() for lang in LANGS if row.get(lang)}
    if not names:
        raise RegistryError(f"{where} ({eid}): give at least one name (fr, en, ar or es)")
    strict = {str(s) for s in row.get("strict") or []}
    out = [Alias(eid, name, lang, name in strict) for lang, name in names.items()]
    extra = row.get("aliases") or {}
    if not isinstance(extra, dict):
        raise RegistryError(f"{where} ({eid}): aliases must map a language to a list of names")
    for lang, values in extra.items():
        if lang not in (*LANGS, ANY_LANG):
            raise RegistryError(f"{where} ({eid}): alias language {lang!r} is not one of fr, en, ar, es, xx")
        if isinstance(values, str):
            values = [values]
        for value in values or []:
            value = str(value).strip()
            if value:
                out.append(Alias(eid, value, None if lang == ANY_LANG else lang, value in strict))
    name = names.get("fr") or names.get("en") or names.get("ar") or names["es"]
    file = where.split(" item ")[0]
    return Entity(eid, etype, name, str(qid) if qid else None, names, file), out


def _apply_merges(rows: list, entities: dict[str, Entity], aliases: list[Alias]) -> dict[str, str]:
    merged: dict[str, str] = {}
    for i, row in enumerate(rows):
        if not isinstance(row, dict) or "from" not in row or "into" not in row:
            raise RegistryError(f"merges.yaml item {i + 1}: expected {{from: id, into: id}}")
        src, dst = str(row["from"]), str(row["into"])
        for eid in (src, dst):
            if eid not in entities:
                raise RegistryError(f"merges.yaml item {i + 1}: unknown entity id {eid!r}")
        merged[src] = dst
    # Resolve chains (a -> b -> c) so every merged id points at a surviving entity.
    for src in list(merged):
        seen = {src}
        dst = merged[src]
        while dst in merged:
            if dst in seen:
                raise RegistryError(f"merges.yaml: merge cycle through {dst!r}")
            seen.add(dst)
            dst = merged[dst]
        merged[src] = dst
    for src in merged:
        entities.pop(src)
    return merged


def _dedupe_and_check(aliases: list[Alias], entities: dict[str, Entity]) -> list[Alias]:
    owner: dict[str, Alias] = {}
    out: list[Alias] = []
    seen: set[tuple[str, str, str | None]] = set()
    for a in aliases:
        key = a.key
        if not key:
            raise RegistryError(f"entity {a.entity_id!r}: alias {a.alias!r} is empty once folded")
        prev = owner.setdefault(key, a)
        if prev.entity_id == a.entity_id:
            if (a.entity_id, a.alias, a.lang) not in seen:
                seen.add((a.entity_id, a.alias, a.lang))
                out.append(a)
        else:
            raise RegistryError(
                f"alias {a.alias!r} of {a.entity_id!r} ({entities[a.entity_id].file}) folds to the same key "
                f"as {prev.alias!r} of {prev.entity_id!r} ({entities[prev.entity_id].file}); "
                "keep it on one entity or merge them in merges.yaml")
    return out
