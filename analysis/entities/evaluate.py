"""Document-level evaluation of entity extraction against annotated articles (WiNER format).

A JSONL file with one article per line: ``raw`` (title, newline, body) or ``title`` + ``text``,
optional ``lang`` (default fr) and ``entities``: ``[{type, start, end, surface}, ...]`` with
offsets into ``raw``. Types ``Person``/``Location``/``Organization`` (or PER/LOC/ORG) are scored.

An article "mentions X" if any gold span of X is in it. Gold spans of one type are grouped into
entities by the normalisation a reader would accept (case, accents, titles, articles; a person's
surname joins the full name in the same article; names the registry knows to be synonyms, such
as ``Daech`` and ``État islamique``, are one entity). A predicted entity matches a gold entity of
the same type when one of its mentions overlaps one of the gold spans or has the same normalised
name; matching is one-to-one, so an entity split in two counts one false positive.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path

from analysis.entities.matcher import RegistryMatcher
from analysis.entities.pipeline import Document, extract
from analysis.entities.registry import Registry, load_registry
from analysis.entities.resolve import Resolver
from analysis.entities.text import normalize_surface
from analysis.errors import DataFileError

GOLD_TYPES = {"Person": "PER", "Location": "LOC", "Organization": "ORG", "PER": "PER", "LOC": "LOC", "ORG": "ORG"}
TYPES = ("PER", "LOC", "ORG")
DEFAULT_MODES = ("registry", "ner", "combined")


def read_gold(path: str | Path, *, limit: int | None = None) -> list[dict]:
    """Rows of a WiNER-format JSONL file (the first ``limit`` ones)."""
    path = Path(path)
    if not path.exists():
        raise DataFileError(f"no gold file at {path}")
    rows = []
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DataFileError(f"{path}:{n} is not valid JSON ({exc.msg})") from None
            if "raw" not in row:
                if "title" not in row or "text" not in row:
                    raise DataFileError(f"{path}:{n} has neither 'raw' nor 'title' and 'text'")
                row["raw"] = f"{row['title']}\n{row['text']}"
            rows.append(row)
            if limit and len(rows) >= limit:
                break
    return rows


def _documents(rows: list[dict]) -> list[Document]:
    docs = []
    for i, row in enumerate(rows):
        title, _, body = row["raw"].partition("\n")
        docs.append(Document(i, "article", (("title", title), ("body", body)), row.get("lang") or "fr"))
    return docs


def gold_entities(row: dict, synonyms: dict[str, str] | None = None) -> dict[str, list[dict]]:
    """Per type, the gold entities of one article: [{'keys': set, 'spans': [(start, end)]}].

    ``synonyms`` (folded name -> entity id, e.g. the registry's aliases) merges gold names a
    reader knows to be one entity (``Daech`` / ``État islamique``, ``ONU`` / ``Nations unies``).
    """
    synonyms = synonyms or {}
    by_type: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    names: dict[str, set] = defaultdict(set)
    for ent in row.get("entities", []):
        etype = GOLD_TYPES.get(ent.get("type"))
        if not etype:
            continue
        key = normalize_surface(ent["surface"], etype)
        if key:
            group = synonyms.get(key, key)
            by_type[etype][group].append((ent["start"], ent["end"]))
            names[group].add(key)
    out: dict[str, list[dict]] = {}
    for etype, groups in by_type.items():
        keys = sorted(groups, key=lambda k: -len(k.split()))
        merged: dict[str, dict] = {}
        for key in keys:
            target = None
            if etype == "PER":
                toks = key.split()
                target = next((m for m in merged if len(m.split()) > len(toks) and m.split()[-len(toks):] == toks), None)
            if target:
                merged[target]["keys"] |= names[key] | {key}
                merged[target]["spans"].extend(groups[key])
            else:
                merged[key] = {"keys": names[key] | {key}, "spans": list(groups[key])}
        out[etype] = list(merged.values())
    return out


def predicted_entities(mentions, offsets: dict[str, int], types: dict[str, str] | None = None) -> dict[str, list[dict]]:
    """Per type, predicted entities of one article with their spans (in raw offsets).

    ``types`` gives each entity's type (as stored in ``entities``); otherwise the most common
    label of its mentions in this article is used."""
    by_entity: dict[str, dict] = {}
    for m in mentions:
        e = by_entity.setdefault(m.entity_id, {"labels": Counter(), "spans": [], "keys": set()})
        e["labels"][m.label] += 1
        e["spans"].append((offsets[m.field] + m.start, offsets[m.field] + m.end))
        e["keys"].add(normalize_surface(m.surface, m.label))
    out: dict[str, list[dict]] = defaultdict(list)
    for eid, e in by_entity.items():
        label = (types or {}).get(eid) or e["labels"].most_common(1)[0][0]
        if label in TYPES:
            out[label].append({"entity_id": eid, "spans": e["spans"], "keys": e["keys"]})
    return out


def entity_types(labels: dict[str, Counter], registry: Registry | None) -> dict[str, str]:
    """The type of each entity: the registry's, else the most common label of its mentions in the
    whole corpus (what the enrich stage stores in ``entities.type``)."""
    out = {}
    for eid, counter in labels.items():
        if registry is not None and eid in registry.entities:
            out[eid] = registry.entities[eid].type
        else:
            out[eid] = max(sorted(counter), key=lambda k: counter[k])
    return out


def _match(pred: list[dict], gold: list[dict]) -> int:
    pairs = []
    for i, p in enumerate(pred):
        for j, g in enumerate(gold):
            overlap = sum(1 for a, b in p["spans"] for c, d in g["spans"] if a < d and c < b)
            score = overlap + (0.5 if p["keys"] & g["keys"] else 0)
            if score:
                pairs.append((score, i, j))
    used_p, used_g = set(), set()
    for _, i, j in sorted(pairs, reverse=True):
        if i not in used_p and j not in used_g:
            used_p.add(i)
            used_g.add(j)
    return len(used_p)


def score(rows: list[dict], *, modes=DEFAULT_MODES, registry: Registry | None = None, ner_cache: dict | None = None,
          french_ner: str = "crf") -> dict:
    """Per pipeline and type: tp, fp, fn, p, r, f1 (document level, micro-averaged)."""
    registry = registry or load_registry()
    matcher = RegistryMatcher(registry.aliases)
    docs = _documents(rows)
    synonyms = registry.by_key()
    gold = [gold_entities(r, synonyms) for r in rows]
    ner_cache = {} if ner_cache is None else ner_cache
    result: dict = {"n_docs": len(rows)}
    for mode in modes:
        resolver = Resolver.from_registry(registry) if mode not in ("ner", "spacy") else Resolver({}, {})
        counts = {t: Counter() for t in TYPES}
        by_doc: dict = defaultdict(list)
        labels: dict[str, Counter] = defaultdict(Counter)
        for m in extract(docs, matcher=matcher, resolver=resolver, mode=mode, ner_cache=ner_cache,
                         french_ner=french_ner):
            by_doc[m.doc_id].append(m)
            labels[m.entity_id][m.label] += 1
        types = entity_types(labels, registry if mode not in ("ner", "spacy") else None)
        for doc, g in zip(docs, gold):
            title = doc.fields[0][1]
            pred = predicted_entities(by_doc.get(doc.doc_id, []), {"title": 0, "body": len(title) + 1}, types)
            for t in TYPES:
                p, gl = pred.get(t, []), g.get(t, [])
                tp = _match(p, gl)
                counts[t].update(tp=tp, fp=len(p) - tp, fn=len(gl) - tp)
        result[mode] = {t: _prf(c) for t, c in counts.items()}
    return result


def _prf(c: Counter) -> dict:
    tp, fp, fn = c["tp"], c["fp"], c["fn"]
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return {"p": round(p, 4), "r": round(r, 4), "f1": round(f1, 4), "tp": tp, "fp": fp, "fn": fn}


def evaluate_file(path: str | Path, *, limit: int | None = None, modes=DEFAULT_MODES,
                  registry_dir: str | Path | None = None, french_ner: str = "crf") -> dict:
    """Score every pipeline on a gold file (each document in its ``lang``: the recogniser of
    that language); the dict the CLI prints as one JSON line."""
    rows = read_gold(path, limit=limit)
    out = score(rows, modes=modes, registry=load_registry(registry_dir), french_ner=french_ner)
    out["gold"] = str(path)
    return out
