"""Resolution of NER surfaces to canonical entities.

Within a document, a surname (``Cazeneuve``, ``M. Cazeneuve``) points to the full name seen in
the same document (``Bernard Cazeneuve``): the nearest earlier one, else the first later one.
A surname one typo away from such a full name's surname (``Cazaneuve``) points there too, but
only when the spelling is long enough for one edit to be safe (see FUZZY_*).

Across the corpus, a new name joins an existing entity when its key is an alias of it (registry
or discovered) or, failing that, when it is a near-identical spelling of one of the same type,
first letter and number of words (Levenshtein similarity >= FUZZY_MIN_SIMILARITY and at least
FUZZY_MIN_LENGTH characters). ``Hassan``/``Hassad`` (6 letters, one edit) never merge. Singular
and plural spellings of a learned name (``Gilets jaunes``/``Gilet jaune``) join one entity
(``singular_key``); a learned spelling never joins a registry entity that way.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from analysis.entities.registry import Registry
from analysis.entities.text import slug

FUZZY_MIN_SIMILARITY = 0.88  # one edit in 9+ characters, two in 17+
FUZZY_MIN_LENGTH = 8


def singular_key(key: str) -> str:
    """A folded Latin-script name with French/English plural marks removed: when its last word
    ends in s or x, every word that does loses it (``gilets jaunes`` -> ``gilet jaune``). Single
    words need 6+ letters and "ss" endings stay, so ``Paris``, ``Lucas`` or ``Congress`` are kept."""
    words = key.split()
    if not words or not key.isascii():
        return key
    shortest = 4 if len(words) > 1 else 6
    if not _plural(words[-1], shortest):
        return key
    return " ".join(w[:-1] if _plural(w, shortest) else w for w in words)


def _plural(word: str, shortest: int) -> bool:
    return len(word) >= shortest and word[-1] in "sx" and not word.endswith("ss") and word[-2].isalpha()


def near_identical(a: str, b: str) -> bool:
    """The safe-merge rule for two folded spellings."""
    if a == b:
        return True
    if min(len(a), len(b)) < FUZZY_MIN_LENGTH or a[:1] != b[:1] or len(a.split()) != len(b.split()):
        return False
    return Levenshtein.normalized_similarity(a, b) >= FUZZY_MIN_SIMILARITY


@dataclass
class Resolved:
    entity_id: str
    method: str
    label: str


@dataclass
class Resolver:
    """Holds the alias keys known so far (registry + discovered) and creates new entities.

    ``new_entities`` and ``new_aliases`` collect what was created since the last ``drain``, for
    the caller to store.
    """

    registry_keys: dict[str, str]
    registry_types: dict[str, str]
    discovered: dict[str, str] = field(default_factory=dict)          # key -> entity_id
    discovered_types: dict[str, str] = field(default_factory=dict)    # entity_id -> type
    discovered_singular: dict[str, str] = field(default_factory=dict)  # singular_key -> entity_id
    used_ids: set[str] = field(default_factory=set)
    new_entities: list[tuple[str, str, str]] = field(default_factory=list)   # (entity_id, name, type)
    new_aliases: list[tuple[str, str, str, str]] = field(default_factory=list)  # (entity_id, alias, key, lang)
    _blocks: dict[tuple, list[str]] = field(default_factory=lambda: defaultdict(list))

    @classmethod
    def from_registry(cls, registry: Registry) -> Resolver:
        types = {eid: e.type for eid, e in registry.entities.items()}
        return cls(registry_keys=registry.by_key(), registry_types=types, used_ids=set(types))

    def add_discovered(self, entity_id: str, key: str, etype: str) -> None:
        """Register a known discovered alias (e.g. loaded from the database)."""
        if key not in self.discovered:
            self.discovered[key] = entity_id
            self._blocks[self._block(key, etype)].append(key)
        self.discovered_singular.setdefault(singular_key(key), entity_id)
        self.discovered_types.setdefault(entity_id, etype)
        self.used_ids.add(entity_id)

    def drain(self) -> tuple[list, list]:
        ents, als = self.new_entities, self.new_aliases
        self.new_entities, self.new_aliases = [], []
        return ents, als

    @staticmethod
    def _block(key: str, etype: str) -> tuple:
        return (etype, key[:1], len(key.split()))

    def type_of(self, entity_id: str) -> str:
        return self.registry_types.get(entity_id) or self.discovered_types.get(entity_id, "MISC")

    # -- corpus level --------------------------------------------------------------------
    def lookup(self, key: str, surface: str, label: str, *, method: str = "crf", lang: str = "fr") -> Resolved:
        """The entity for a (document-resolved) name, creating one when nothing matches;
        ``method`` names the recogniser (``crf``, ``spacy``), ``lang`` the new alias's language."""
        eid = self.registry_keys.get(key)
        if eid:
            return Resolved(eid, f"{method}:registry", self.registry_types[eid])
        eid = self.discovered.get(key)
        if eid:
            return Resolved(eid, method, label)
        # A plural of a learned name is the same thing whatever label NER gave it in context.
        eid = self.discovered_singular.get(singular_key(key))
        if eid:
            self.add_discovered(eid, key, label)
            self.new_aliases.append((eid, surface, key, lang))
            return Resolved(eid, f"{method}:fuzzy", label)
        block = self._blocks.get(self._block(key, label))
        if block and len(key) >= FUZZY_MIN_LENGTH:
            hit = process.extractOne(key, block, scorer=Levenshtein.normalized_similarity,
                                     score_cutoff=FUZZY_MIN_SIMILARITY)
            if hit:
                eid = self.discovered[hit[0]]
                self.add_discovered(eid, key, label)
                self.new_aliases.append((eid, surface, key, lang))
                return Resolved(eid, f"{method}:fuzzy", label)
        eid = self._new_id(key)
        self.add_discovered(eid, key, label)
        self.new_entities.append((eid, surface, label))
        self.new_aliases.append((eid, surface, key, lang))
        return Resolved(eid, method, label)

    def _new_id(self, key: str) -> str:
        base = "ner:" + slug(key)[:60]
        eid, n = base, 1
        while eid in self.used_ids:
            n += 1
            eid = f"{base}-{n}"
        return eid

    # -- document level ------------------------------------------------------------------
    def resolve_document(self, spans: list, person_names: list[tuple[int, str, str]], *, lang: str = "fr") -> list[Resolved]:
        """Resolve one document's NER spans (in reading order).

        ``spans`` have ``.key``, ``.surface``, ``.label``, ``.method`` and an order position ``.pos``;
        ``person_names`` are the (pos, key, entity_id) of full person names already known in
        the document (registry matches), so ``Hammouchi`` can point at a registry person too.
        """
        full_names: list[tuple[int, str, str | None]] = list(person_names)
        for s in spans:
            if s.label == "PER" and len(s.key.split()) >= 2:
                full_names.append((s.pos, s.key, None))
        out = []
        for s in spans:
            target = None
            if s.label == "PER" and s.key not in self.registry_keys:
                target = _surname_target(s, full_names)
            if target is None:
                out.append(self.lookup(s.key, s.surface, s.label, method=s.method, lang=lang))
                continue
            (pos, key, eid), how = target
            if eid is None:
                res = self.lookup(key, key, "PER", method=s.method, lang=lang)
                eid = res.entity_id
            out.append(Resolved(eid, f"{s.method}:{how}", "PER"))
        return out


def _surname_target(span, full_names: list[tuple[int, str, str | None]]):
    tokens = span.key.split()
    exact, fuzzy = [], []
    for pos, key, eid in full_names:
        ftoks = key.split()
        if len(ftoks) <= len(tokens) or key == span.key:
            continue
        tail = " ".join(ftoks[-len(tokens):])
        if tail == span.key:
            exact.append((pos, key, eid))
        elif len(tokens) == 1 and near_identical(tail, span.key):
            fuzzy.append((pos, key, eid))
    for candidates, method in ((exact, "surname"), (fuzzy, "fuzzy")):
        if candidates:
            earlier = [c for c in candidates if c[0] < span.pos]
            best = max(earlier, key=lambda c: c[0]) if earlier else min(candidates, key=lambda c: c[0])
            return best, method
    return None
