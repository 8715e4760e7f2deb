"""The registry matcher: every alias of the registry found in a text in one Aho–Corasick pass.

Matching runs on folded text (``text.fold_with_map``: case, Latin accents, Arabic letter
variants and diacritics) and then checks, against the original text:

- word boundaries: no letter or digit right before or after the match — except that an Arabic
  match may be preceded by proclitics (و ف ب ل ك, e.g. ``بالمغرب``, ``وللمغرب``);
- the Arabic article after ``ل``: ``للمغرب`` is ``ل`` + ``المغرب`` with the alef dropped;
- case: an alias written with a capital needs a capital in the text (``Niger`` but not the word
  ``niger``), and an acronym needs capitals throughout (``UN``, ``ONU``, never French ``un``) and
  is ignored inside an all-capitals passage (``UN HOMME``);
- ``strict`` aliases only match their exact spelling.

Overlapping candidates are resolved leftmost-longest (``Casablanca-Settat`` beats ``Casablanca``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import chain

import ahocorasick_rs
import numpy as np

from analysis import chars
from analysis.entities.registry import Alias
from analysis.entities.text import fold_with_map, is_arabic
from analysis.errors import DataFileError

# Conjunction (و/ف) then preposition (ب/ل/ك), each optional.
ARABIC_PREFIXES = frozenset(c + p for c in ("", "و", "ف") for p in ("", "ب", "ل", "ك"))
# ``ل`` + ``ال...`` is written ``لل...``: the key drops the alef, the prefix must end in ``ل``.
LAM_PREFIXES = frozenset({"ل", "ول", "فل"})

_ARABIC = 1
_ACRONYM = 2
_CAPITAL = 4
_STRICT = 8
_LAM = 16
# Texts with more candidate matches than this have them screened for word boundaries in
# NumPy first: ~190 candidates in a 5,000-character article, ~45 at word boundaries.
SCREEN_ABOVE = 24


@dataclass(frozen=True, slots=True)
class Match:
    start: int
    end: int
    entity_id: str
    surface: str


def _flags(alias: str, strict: bool) -> int:
    flags = 0
    if is_arabic(alias.strip()[:1]):
        flags |= _ARABIC
    letters = [c for c in alias if c.isalpha()]
    if letters and not is_arabic(letters[0]):
        if all(c.isupper() for c in letters) and len(letters) <= 8:
            flags |= _ACRONYM
        if letters[0].isupper():
            flags |= _CAPITAL
    if strict:
        flags |= _STRICT
    return flags


def _shouting(text: str, start: int, end: int) -> bool:
    """True when the words around a match are in capitals too (``UN HOMME``, ``AU MAROC``): there
    an acronym cannot be told from an ordinary word."""
    around = [c for c in text[max(0, start - 16):start] + text[end:end + 16] if c.isalpha()]
    return len(around) >= 4 and all(c.isupper() for c in around)


class RegistryMatcher:
    """Finds registry aliases in texts; build once, call ``find`` per text (thread-safe reads)."""

    def __init__(self, aliases: Iterable[Alias]) -> None:
        entries: dict[str, list] = {}
        for a in aliases:
            key = a.key
            entry = entries.get(key)
            flags = _flags(a.alias, a.strict)
            if entry is None:
                entries[key] = [a.entity_id, flags, {a.alias}]
            else:
                if entry[0] != a.entity_id:
                    raise DataFileError(f"alias key {key!r} maps to {entry[0]!r} and {a.entity_id!r}")
                # Looser of the two spellings wins, except strictness needs all spellings strict.
                entry[1] = (entry[1] & flags & (_ACRONYM | _CAPITAL | _STRICT)) | (entry[1] & _ARABIC)
                entry[2].add(a.alias)
        patterns, self._values = [], []
        for key, (eid, flags, spellings) in entries.items():
            exact = frozenset(spellings) if flags & _STRICT else None
            patterns.append(key)
            self._values.append((len(key), eid, flags, exact))
            if flags & _ARABIC and key.startswith("ال") and len(key) > 3:
                lam_key = "ل" + key[2:]
                if lam_key not in entries:
                    patterns.append(lam_key)
                    self._values.append((len(lam_key), eid, flags | _LAM, exact))
        # Every occurrence of every key (overlapping), with offsets in characters. (A DFA was not
        # faster here: one 1M run took 549 s against 493 s with this default automaton, and
        # interleaved runs of the worker function showed no gain.)
        self._automaton = ahocorasick_rs.AhoCorasick(patterns, matchkind=ahocorasick_rs.MatchKind.Standard)
        self._flags = np.array([v[2] for v in self._values], dtype=np.int64)

    def find(self, text: str) -> list[Match]:
        """Non-overlapping registry matches in ``text``, in order, with original offsets."""
        if not text:
            return []
        folded, omap = fold_with_map(text)
        n = len(folded)
        candidates = []
        found = self._automaton.find_matches_as_indexes(folded, overlapping=True)
        if len(found) > SCREEN_ABOVE:
            found = self._at_boundaries(folded, found)
        values = self._values
        for i, start, end in found:
            klen, eid, flags, exact = values[i]
            if end < n and folded[end].isalnum():
                continue
            if start > 0 and folded[start - 1].isalnum():
                if not flags & _ARABIC or not self._arabic_prefix_ok(folded, start, flags & _LAM):
                    continue
            elif flags & _LAM:
                continue
            ostart, oend = (omap.start(start), omap.end(end)) if omap else (start, end)
            surface = text[ostart:oend]
            if flags & _STRICT and surface not in exact:
                continue
            if flags & _ACRONYM and (any(c.islower() for c in surface) or _shouting(text, ostart, oend)):
                continue
            if flags & _CAPITAL:
                first = next((c for c in surface if c.isalpha()), "")
                if not first.isupper():
                    continue
            candidates.append((start, -klen, ostart, oend, eid, surface))
        if not candidates:
            return []
        candidates.sort()
        out: list[Match] = []
        taken_until = -1
        for start, neg_len, ostart, oend, eid, surface in candidates:
            if start >= taken_until:
                out.append(Match(ostart, oend, eid, surface))
                taken_until = start - neg_len
        return out

    def _at_boundaries(self, folded: str, found: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
        """The candidates ``find`` does not drop at once for their boundaries: no letter or
        digit right after; right before, only for an Arabic key (proclitics, checked there);
        a ``ل`` key (``للمغرب``) only after a letter. The same tests as ``find``'s, in NumPy."""
        columns = np.fromiter(chain.from_iterable(found), dtype=np.int64, count=3 * len(found)).reshape(-1, 3)
        keys, starts, ends = columns[:, 0], columns[:, 1], columns[:, 2]
        codes, alnum = chars.code_points(folded), chars.alphanumeric()
        after = np.zeros(len(found), dtype=bool)
        inside = ends < len(codes)
        after[inside] = alnum[codes[ends[inside]]]
        before = np.zeros(len(found), dtype=bool)
        inside = starts > 0
        before[inside] = alnum[codes[starts[inside] - 1]]
        flags = self._flags[keys]
        keep = ~after & np.where(before, flags & _ARABIC != 0, flags & _LAM == 0)
        return [found[j] for j in np.flatnonzero(keep).tolist()]

    @staticmethod
    def _arabic_prefix_ok(folded: str, start: int, lam: int) -> bool:
        ws = start
        while ws > 0 and is_arabic(folded[ws - 1]):
            ws -= 1
        if ws > 0 and folded[ws - 1].isalnum():
            return False
        prefix = folded[ws:start]
        return prefix in (LAM_PREFIXES if lam else ARABIC_PREFIXES)
