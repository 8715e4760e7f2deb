"""Merge precision and recall of ``analysis.entities.identity`` on the ITN blurbs.

Gold: every wiki link of a blurb is a name (its surface) with a target (its Wikipedia title,
in the blurb's language). Two links in different scripts denote the same thing when their
titles resolve to one identity: the story's Wikidata item for the title that is the story's
subject (``keyword``) in that language — the same ``qid`` links the fr, en and ar blurbs of a
story — or one registry entity for a title that is a registry name (its ``qid`` when it has
one, so both routes meet). Links whose title resolves to neither (dates, concepts) are left
out. Every (Arabic surface, Latin surface) pair of identified names is a candidate: the gold
positives are the pairs of one identity, all others are negatives.

The skeleton is also scored on the registry itself (``registry_skeleton``): every (Arabic
alias, Latin alias) pair it matches should be two names of one registry entity; a pair of two
entities is a near miss that only context can separate.

Each rule is scored alone on the blurbs: ``registry`` (both surfaces are spellings of one registry entity),
``skeleton`` (``translit.names_match``) and ``skeleton+context`` (the rule the stage applies
to learned names: the skeleton and ``identity.context_agreement`` on the blurbs, where a
name's context is its months and the registry entities found elsewhere in its blurbs).

    python -m analysis.entities.identity_eval [ITN.jsonl]
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

from analysis.entities.identity import Profile, candidate_pairs, context_agreement, registry_forms
from analysis.entities.matcher import RegistryMatcher
from analysis.entities.registry import Registry, load_registry
from analysis.entities.text import fold
from analysis.entities.translit import is_arabic_name, long_exact_match
from analysis.errors import DataFileError

DEFAULT_ITN = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "itn" / "itn_blurbs_dev.jsonl"


def read_blurbs(path: Path | str) -> list[dict]:
    try:
        with open(path, encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]
    except (OSError, ValueError) as exc:
        raise DataFileError(f"cannot read the ITN blurbs {path}: {exc}") from exc


def gold_names(rows: list[dict], registry: Registry) -> dict[tuple[str, str], str]:
    """``{(lang, surface): identity}`` for every link whose title resolves (module docstring)."""
    subject = {(r["lang"], r["keyword"]): r["qid"] for r in rows}
    by_key = registry.by_key()
    qid_of = {eid: e.wikidata_id for eid, e in registry.entities.items()}
    names: dict[tuple[str, str], set[str]] = defaultdict(set)
    for row in rows:
        for link in row["links"]:
            identity = subject.get((row["lang"], link["title"]))
            eid = by_key.get(fold(link["title"]))
            if eid:
                identity = qid_of[eid] or f"registry:{eid}"
            if identity:
                names[row["lang"], link["surface"]].add(identity)
    # A surface linked to two targets (a page and its redirect) tells nothing: left out.
    return {name: ids.pop() for name, ids in names.items() if len(ids) == 1}


def name_profiles(rows: list[dict], matcher: RegistryMatcher) -> tuple[dict[str, Profile], dict[str, int], int]:
    """Context of each linked surface in the blurbs (see ``identity.entity_profiles``)."""
    periods: dict[str, set[str]] = defaultdict(set)
    near: dict[str, set[str]] = defaultdict(set)
    doc_freq: dict[str, int] = defaultdict(int)
    for row in rows:
        found = matcher.find(row["text"])
        for eid in {m.entity_id for m in found}:
            doc_freq[eid] += 1
        for link in row["links"]:
            start = row["text"].find(link["surface"])
            end = start + len(link["surface"])
            periods[link["surface"]].add(row["date"][:7])
            near[link["surface"]] |= {m.entity_id for m in found if start < 0 or m.end <= start or m.start >= end}
    profiles = {s: Profile(None, frozenset(periods[s]), frozenset(near[s])) for s in periods}
    return profiles, doc_freq, len(rows)


def evaluate(rows: list[dict], registry: Registry | None = None) -> dict:
    """Precision, recall and counts of each rule (module docstring), and the false merges."""
    registry = registry or load_registry()
    gold = gold_names(rows, registry)
    arabic = sorted({s for (lang, s) in gold if lang == "ar" and is_arabic_name(s)})
    latin = sorted({s for (lang, s) in gold if lang != "ar" and not is_arabic_name(s)})
    identity = {s: i for (_, s), i in gold.items()}
    positives = {(a, b) for a in arabic for b in latin if identity[a] == identity[b]}
    by_key = registry.by_key()

    def registry_id(name: str) -> str | None:
        ids = {by_key[f] for f in registry_forms(fold(name)) if f in by_key}
        return ids.pop() if len(ids) == 1 else None

    skeleton = set(candidate_pairs(arabic, latin))
    profiles, doc_freq, n_docs = name_profiles(rows, RegistryMatcher(registry.aliases))
    predicted = {
        "registry": {(a, b) for a in arabic for b in latin if registry_id(a) and registry_id(a) == registry_id(b)},
        "skeleton": skeleton,
        "skeleton+context": {(a, b) for a, b in skeleton
                             if context_agreement(profiles[a], profiles[b], doc_freq, n_docs,
                                                  long_name=long_exact_match(a, b))},
    }
    out = {"arabic_names": len(arabic), "latin_names": len(latin), "candidate_pairs": len(arabic) * len(latin),
           "gold_pairs": len(positives)}
    for rule, pairs in predicted.items():
        right = len(pairs & positives)
        out[rule] = {"merged": len(pairs), "correct": right,
                     "precision": round(right / len(pairs), 3) if pairs else None,
                     "recall": round(right / len(positives), 3) if positives else None,
                     "false_merges": sorted(pairs - positives)}
    return out


def registry_skeleton(registry: Registry | None = None) -> dict:
    """How often the skeleton alone matches aliases of two different registry entities."""
    registry = registry or load_registry()
    ids: dict[str, set[str]] = defaultdict(set)
    for a in registry.aliases:
        ids[a.alias].add(a.entity_id)
    pairs = candidate_pairs([n for n in ids if is_arabic_name(n)], [n for n in ids if not is_arabic_name(n)])
    wrong = sorted((a, b) for a, b in pairs if not ids[a] & ids[b])
    return {"matched": len(pairs), "same_entity": len(pairs) - len(wrong),
            "precision": round(1 - len(wrong) / len(pairs), 3) if pairs else None, "near_misses": wrong}


def main(argv: list[str]) -> None:
    path = argv[0] if argv else DEFAULT_ITN
    registry = load_registry()
    print(json.dumps({"bench": "identity_itn", "input": str(path), **evaluate(read_blurbs(path), registry),
                      "registry_skeleton": registry_skeleton(registry)}, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1:])
