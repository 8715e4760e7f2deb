"""One identity across scripts: a learned entity named in Arabic joins the entity named in Latin
script (or the registry entity) that is the same person, place or organisation.

The recognisers create one learned entity (``ner:…``) per spelling and language, so ``ناصر
بوريطة`` and ``Nasser Bourita`` would be counted apart. ``merge_identities`` runs at the end of
the entities stage and merges a learned entity only on strong evidence:

- ``registry``: one of its spellings, read without an Arabic proclitic (و ف ب ل ك, لل for ال),
  is an alias of exactly one registry entity;
- ``transliteration``: an Arabic and a Latin spelling have the same consonant skeleton
  (``analysis.entities.translit``) AND their contexts agree: same type, mentioned in a common
  month, and at least two registry entities named in the documents of both whose rarity adds
  up; a long name (two words or more, seven consonants, matched exactly) needs the same type
  and one rare shared co-mention (``context_agreement``). A name that fits two candidates
  merges with neither.

A merged entity keeps its row and aliases; its mentions move to the entity it joined, and the
move is logged (``entity_merge_mentions``) so ``unmerge`` gives them back and records the
refusal: that entity is never merged again. Merges are derived data: a rebuild of the stage
recomputes them, refusals stay. See docs/entities.md.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import duckdb
import pandas as pd

from analysis import rollups
from analysis.db import has_table, transaction
from analysis.entities.translit import MIN_EXACT, NEAR_MERGED, is_arabic_name, long_exact_match, skeleton, skeletons_match
from analysis.errors import NotFound

MIN_SHARED = 2          # registry entities named alongside both names
MIN_SHARED_BITS = 6.0   # and their summed rarity, -log2(share of documents naming each)
MIN_LONG_NAME_BITS = 2.0  # a long exact skeleton needs one co-mention named in at most 1/4 of documents
_PROCLITICS = "وفبلك"


@dataclass(frozen=True)
class Profile:
    """What is known of a name's context: its type, the months it is mentioned in and the
    registry entities named in the same documents."""

    type: str | None
    periods: frozenset[str]
    neighbours: frozenset[str]


@dataclass(frozen=True)
class Merge:
    from_id: str
    into_id: str
    evidence: str
    detail: str


def context_agreement(a: Profile, b: Profile, doc_freq: Mapping[str, int], n_docs: int, *,
                      long_name: bool = False) -> str | None:
    """A sentence saying how two contexts agree, or None when they do not. The types must be
    the same; then a common month and at least two shared co-mentioned registry entities whose
    rarity adds up to ``MIN_SHARED_BITS``; for a ``long_name`` (``translit.long_exact_match``)
    one shared co-mention as rare as ``MIN_LONG_NAME_BITS`` is enough, whatever the months."""
    if a.type != b.type:
        return None
    shared = a.neighbours & b.neighbours
    bits = {e: math.log2(n_docs / max(1, doc_freq.get(e, 1))) for e in shared}
    months = len(a.periods & b.periods)
    if long_name:
        if not any(v >= MIN_LONG_NAME_BITS for v in bits.values()):
            return None
    elif not months or len(shared) < MIN_SHARED or sum(bits.values()) < MIN_SHARED_BITS:
        return None
    return (f"type {a.type}; {months} common month(s); co-mentioned "
            f"{', '.join(sorted(shared)[:6])} ({sum(bits.values()):.1f} bits)")


def candidate_pairs(arabic: Iterable[str], latin: Iterable[str]) -> list[tuple[str, str]]:
    """The (Arabic, Latin) name pairs whose skeletons match (``translit.names_match``). Matching
    names have as many words and each word within its allowance, so Latin names are indexed by
    (number of words, position, ``_word_keys``); an Arabic name looks up its longest word there
    and only those names are compared."""
    latin_skeletons = {name: skeleton(name) for name in set(latin)}
    index: dict[tuple[int, int, str], set[str]] = defaultdict(set)
    for name, sk in latin_skeletons.items():
        if sum(map(len, sk)) >= MIN_EXACT:
            for i, word in enumerate(sk):
                for key in _word_keys(word):
                    index[len(sk), i, key].add(name)
    pairs = []
    for name in set(arabic):
        sk = skeleton(name)
        if sum(map(len, sk)) < MIN_EXACT:
            continue
        i = max(range(len(sk)), key=lambda j: len(sk[j]))
        seen = set().union(*(index.get((len(sk), i, key), ()) for key in _word_keys(sk[i])))
        pairs.extend((name, other) for other in seen if skeletons_match(sk, latin_skeletons[other]))
    return sorted(pairs)


def _word_keys(word: str) -> set[str]:
    """Index keys of a skeleton word: up to four consonants only a near class may differ, so the
    merged word; from five, one edit, so each one-letter deletion too."""
    merged = word.translate(NEAR_MERGED)
    if len(merged) < 5:
        return {merged}
    return {merged, *(merged[:i] + merged[i + 1:] for i in range(len(merged)))}


def registry_forms(key: str) -> list[str]:
    """A folded spelling and, for Arabic, the same without one proclitic (``وبوريطة``,
    ``للمغرب`` -> ``المغرب``), as long as four letters remain."""
    forms = [key]
    if is_arabic_name(key):
        if key.startswith("لل") and len(key) >= 6:
            forms.append("ا" + key[1:])
        elif key[:1] in _PROCLITICS and len(key) >= 5:
            forms.append(key[1:])
    return forms


# --- the database pass ---------------------------------------------------------------------

def merge_identities(con: duckdb.DuckDBPyConnection, *, rebuilt: bool = False) -> int:
    """Find and apply the merges the evidence supports; returns how many were made. Existing
    merges also take the mentions found since they were made. Idempotent; one transaction.
    ``rebuilt``: the stage recomputed every mention, so merges are recomputed (refusals stay)."""
    with transaction(con):
        if rebuilt:
            con.execute("DELETE FROM entity_merge_mentions")
            con.execute("DELETE FROM entity_merges WHERE status = 'merged'")
        con.execute("""DELETE FROM entity_merges g WHERE status = 'merged' AND (
                           NOT EXISTS (SELECT 1 FROM entities e WHERE e.entity_id = g.from_id)
                           OR NOT EXISTS (SELECT 1 FROM entities e WHERE e.entity_id = g.into_id))""")
        merges = find_merges(con)
        _record(con, merges)
        _move_mentions(con)
        _latin_display_names(con)
    return len(merges)


def find_merges(con: duckdb.DuckDBPyConnection) -> list[Merge]:
    """The merges the evidence supports among entities not merged yet (nothing is written)."""
    names = con.execute("""
        SELECT a.entity_id, a.alias, a.alias_key, e.source, e.type FROM aliases a JOIN entities e USING (entity_id)
        WHERE NOT EXISTS (SELECT 1 FROM entity_merges g WHERE g.from_id = a.entity_id AND g.status = 'merged')
        ORDER BY a.entity_id, a.alias""").fetchall()
    source = {eid: src for eid, _, _, src, _ in names}
    merges = _registry_merges(names)
    taken = {m.from_id for m in merges}
    merges += [m for m in _transliteration_merges(con, names, source) if m.from_id not in taken]
    refused = {f for (f,) in con.execute("SELECT from_id FROM entity_merges WHERE status = 'refused'").fetchall()}
    return [m for m in merges if m.from_id not in refused]


def _registry_merges(names: list[tuple]) -> list[Merge]:
    registry = {key: eid for eid, _, key, src, _ in names if src == "registry"}
    found: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for eid, alias, key, src, _ in names:
        if src != "ner":
            continue
        for form in registry_forms(key):
            if form in registry:
                found[eid].add((registry[form], alias))
    merges = []
    for eid, hits in sorted(found.items()):
        targets = {t for t, _ in hits}
        if len(targets) == 1:
            target = targets.pop()
            spelled = ", ".join(sorted(a for _, a in hits))
            merges.append(Merge(eid, target, "registry", f"{spelled} is a registry alias of {target}"))
    return merges


def _transliteration_merges(con, names: list[tuple], source: dict[str, str]) -> list[Merge]:
    by_name: dict[str, set[str]] = defaultdict(set)
    for eid, alias, _, _, _ in names:
        by_name[alias].add(eid)
    arabic = [n for n in by_name if is_arabic_name(n) and any(source[e] == "ner" for e in by_name[n])]
    if not arabic:
        return []
    latin = [n for n in by_name if not is_arabic_name(n)]
    # A learned Arabic name joins a Latin-script one; a learned Latin name never joins a registry
    # entity through its Arabic name, as it never does through a near spelling (resolve.py).
    pairs = [(a, b, ea, eb) for a, b in candidate_pairs(arabic, latin)
             for ea in by_name[a] if source[ea] == "ner" for eb in by_name[b] if ea != eb]
    if not pairs:
        return []
    ids = sorted({e for *_, ea, eb in pairs for e in (ea, eb)})
    profiles, doc_freq, n_docs = entity_profiles(con, ids)
    options: dict[str, dict[str, str]] = defaultdict(dict)
    for a, b, ea, eb in pairs:
        agreed = context_agreement(profiles.get(ea, _EMPTY), profiles.get(eb, _EMPTY), doc_freq, n_docs,
                                   long_name=long_exact_match(a, b))
        if agreed is None:
            continue
        options[ea].setdefault(eb, f"{a} ~ {b}: {agreed}")
    return [Merge(f, into, "transliteration", detail)
            for f, t in sorted(options.items()) if len(t) == 1 for into, detail in t.items()]


_EMPTY = Profile(None, frozenset(), frozenset())


def entity_profiles(con: duckdb.DuckDBPyConnection, ids: list[str]) -> tuple[dict[str, Profile], dict[str, int], int]:
    """Context of entities from the articles that mention them: ``{id: Profile}``, the number
    of articles naming each co-mentioned registry entity, and the number of articles."""
    rows = con.execute("""
        WITH m AS (SELECT DISTINCT entity_id, article_id FROM mentions
                   WHERE article_id IS NOT NULL AND entity_id IN (SELECT unnest($ids))),
        months AS (SELECT m.entity_id, list(DISTINCT strftime(a.published_date, '%Y-%m')) AS periods
                   FROM m JOIN articles a USING (article_id) WHERE a.published_date IS NOT NULL GROUP BY 1),
        near AS (SELECT m.entity_id, list(DISTINCT n.entity_id) AS neighbours
                 FROM m JOIN mentions n ON n.article_id = m.article_id AND n.entity_id <> m.entity_id
                 JOIN entities r ON r.entity_id = n.entity_id AND r.source = 'registry' GROUP BY 1)
        SELECT e.entity_id, e.type, months.periods, near.neighbours
        FROM entities e LEFT JOIN months USING (entity_id) LEFT JOIN near USING (entity_id)
        WHERE e.entity_id IN (SELECT unnest($ids))""", {"ids": ids}).fetchall()
    profiles = {eid: Profile(etype, frozenset(periods or ()), frozenset(near or ())) for eid, etype, periods, near in rows}
    neighbours = sorted({n for p in profiles.values() for n in p.neighbours})
    doc_freq = dict(con.execute("""
        SELECT entity_id, count(DISTINCT article_id) FROM mentions
        WHERE article_id IS NOT NULL AND entity_id IN (SELECT unnest($ids)) GROUP BY 1""",
                                {"ids": neighbours}).fetchall()) if neighbours else {}
    n_docs = con.execute("SELECT count(*) FROM articles").fetchone()[0]
    return profiles, doc_freq, max(1, n_docs)


def _record(con, merges: list[Merge]) -> None:
    """Store new merges, each pointing at an entity that is not merged itself (entities merged
    into one that is now merged follow it)."""
    for m in merges:
        con.execute("INSERT INTO entity_merges VALUES (?, ?, ?, ?, 'merged', now())",
                    [m.from_id, m.into_id, m.evidence, m.detail])
    while con.execute("""
            UPDATE entity_merges g SET into_id = h.into_id FROM entity_merges h
            WHERE g.into_id = h.from_id AND g.status = 'merged' AND h.status = 'merged' AND h.into_id <> g.from_id
            """).fetchone()[0]:
        pass


def _move_mentions(con) -> None:
    """Move every mention still attributed to a merged entity, logging it under that entity
    unless it is logged already (an entity merged into one that merged later)."""
    con.execute("""
        INSERT INTO entity_merge_mentions
        SELECT g.from_id, m.article_id, m.headline_id, m.field, m."start"
        FROM mentions m JOIN entity_merges g ON g.from_id = m.entity_id AND g.status = 'merged'
        ANTI JOIN entity_merge_mentions l
          ON coalesce(l.article_id, -1) = coalesce(m.article_id, -1)
         AND coalesce(l.headline_id, -1) = coalesce(m.headline_id, -1) AND l.field = m.field AND l."start" = m."start"
        """)
    con.execute("""UPDATE mentions SET entity_id = g.into_id FROM entity_merges g
                   WHERE mentions.entity_id = g.from_id AND g.status = 'merged'""")


def _latin_display_names(con) -> None:
    """A learned entity that Arabic spellings joined keeps its most frequent Latin-script
    spelling as its name (the stage names learned entities by their most frequent one)."""
    con.execute("""
        UPDATE entities SET name = t.surface
        FROM (SELECT entity_id, first(surface ORDER BY n DESC, surface) AS surface
              FROM (SELECT entity_id, surface, count(*) AS n FROM mentions
                    WHERE entity_id IN (SELECT into_id FROM entity_merges WHERE status = 'merged')
                      AND method IN ('spacy', 'crf') AND NOT regexp_matches(surface, '[\u0600-\u06ff]')
                    GROUP BY ALL)
              GROUP BY entity_id) t
        WHERE entities.entity_id = t.entity_id AND entities.source = 'ner'""")


def unmerge(con: duckdb.DuckDBPyConnection, from_id: str) -> None:
    """Undo a merge: the learned entity gets its mentions back, and the merge is recorded as
    refused so that later runs do not make it again."""
    row = con.execute("SELECT into_id FROM entity_merges WHERE from_id = ? AND status = 'merged'", [from_id]).fetchone()
    if row is None:
        raise NotFound(f"{from_id!r} is not a merged entity; identity_merges(con) lists the merges")
    with transaction(con):
        con.execute("""
            UPDATE mentions m SET entity_id = l.from_id FROM entity_merge_mentions l
            WHERE l.from_id = $from AND m.entity_id = $into AND l.field = m.field AND l."start" = m."start"
              AND l.article_id IS NOT DISTINCT FROM m.article_id AND l.headline_id IS NOT DISTINCT FROM m.headline_id""",
                    {"from": from_id, "into": row[0]})
        con.execute("DELETE FROM entity_merge_mentions WHERE from_id = ?", [from_id])
        con.execute("UPDATE entity_merges SET status = 'refused', decided = now() WHERE from_id = ?", [from_id])
        rollups.invalidate(con)  # mentions changed entity without changing any table's size


def identity_merges(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every merge and refusal: ``from_id``, ``from_name``, ``into_id``, ``into_name``,
    ``evidence``, ``detail``, ``status``, ``n_mentions`` (mentions moved)."""
    if not has_table(con, "entity_merges"):
        return pd.DataFrame(columns=["from_id", "from_name", "into_id", "into_name", "evidence", "detail", "status",
                                     "n_mentions"])
    return con.execute("""
        SELECT g.from_id, f.name AS from_name, g.into_id, i.name AS into_name, g.evidence, g.detail, g.status,
               (SELECT count(*) FROM entity_merge_mentions l WHERE l.from_id = g.from_id) AS n_mentions
        FROM entity_merges g LEFT JOIN entities f ON f.entity_id = g.from_id LEFT JOIN entities i ON i.entity_id = g.into_id
        ORDER BY g.status, g.into_id, g.from_id""").df()


def canonical_id(con: duckdb.DuckDBPyConnection, entity_id: str) -> str:
    """The entity a merged learned entity joined, else the id itself."""
    if not has_table(con, "entity_merges"):
        return entity_id
    row = con.execute("SELECT into_id FROM entity_merges WHERE from_id = ? AND status = 'merged'", [entity_id]).fetchone()
    return row[0] if row else entity_id


def merged_ids(con: duckdb.DuckDBPyConnection, entity_id: str) -> list[str]:
    """The learned entities merged into ``entity_id``."""
    if not has_table(con, "entity_merges"):
        return []
    rows = con.execute("SELECT from_id FROM entity_merges WHERE into_id = ? AND status = 'merged' ORDER BY 1",
                       [entity_id]).fetchall()
    return [r[0] for r in rows]
