"""`presswatch eval topics`: the taxonomy's primary topic against the outlets' own categories.

Gold files are any files carrying a category: TREC-like ``<DOC>`` files with ``<CAT>`` (the ANT
corpus layout), or CSV / JSON Lines / Parquet exports with a ``category`` column (plus title
and text/body, and optionally lang). Section names map to taxonomy topics through
analysis/data/topics/categories.yaml, decided once from what each section covers.

Metrics
-------
``macro_f1`` and ``per_category`` are computed over the documents whose gold category is a
*clear* one (a section about one subject: sport, politics, economy, culture, technology):
for each clear category c, precision = correct c predictions / all c predictions among those
documents, recall = correct / gold c. A document with no primary topic, or a primary topic
belonging to another (or no) category, is a miss. ``coverage`` is the share of all gold
documents given a primary topic. ``open`` repeats precision over every mapped document, so a
local-news article predicted "politic" counts against politic.
"""

from __future__ import annotations

import glob
import json
import re
import time
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from analysis.errors import DataFileError
from analysis.topics import taxonomy as taxmod
from analysis.topics.text import guess_lang

TABLE_SUFFIXES = {".csv", ".tsv", ".jsonl", ".ndjson", ".json", ".parquet"}
_TAG = re.compile(r"<(DOCNO|CAT|TITLE|TEXT|ABSTRACT|LANG)>(.*?)</\1>", re.S)
_DOC = re.compile(r"<DOC>(.*?)</DOC>", re.S)


@dataclass(frozen=True)
class GoldDoc:
    doc_id: str
    title: str
    body: str
    lang: str | None
    category: str


def _files(paths: Iterable[str | Path]) -> list[Path]:
    found: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found.extend(sorted(f for f in p.rglob("*") if f.is_file() and not f.name.startswith(".")))
        elif p.is_file():
            found.append(p)
        else:
            matches = sorted(Path(m) for m in glob.glob(str(raw), recursive=True))
            if not matches:
                raise DataFileError(f"no gold file at {raw}; give files, folders or globs")
            found.extend(m for m in matches if m.is_file())
    return found


def read_gold(paths: Iterable[str | Path]) -> list[GoldDoc]:
    """Documents with a category from TREC files and CSV/JSONL/Parquet exports, in path order."""
    docs: list[GoldDoc] = []
    for path in _files(paths):
        if path.suffix.lower() in TABLE_SUFFIXES:
            docs.extend(_read_table(path))
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if "<DOC>" in text:
            docs.extend(_read_trec(text, path))
    return docs


def _read_trec(text: str, path: Path) -> Iterable[GoldDoc]:
    for i, block in enumerate(_DOC.findall(text)):
        tags = {name: value.strip() for name, value in _TAG.findall(block)}
        if not tags.get("CAT"):
            continue
        body = tags.get("TEXT") or tags.get("ABSTRACT") or ""
        yield GoldDoc(tags.get("DOCNO") or f"{path.name}#{i}", tags.get("TITLE", ""), body,
                      tags.get("LANG") or None, tags["CAT"])


_COLUMNS = {"category": ("category", "cat", "section", "label"), "title": ("title", "headline"),
            "body": ("body", "text", "content"), "lang": ("lang", "language"), "id": ("id", "doc_id", "url")}


def _read_table(path: Path) -> Iterable[GoldDoc]:
    import polars as pl

    suffix = path.suffix.lower()
    if suffix == ".parquet":
        frame = pl.read_parquet(path)
    elif suffix in {".jsonl", ".ndjson", ".json"}:
        frame = pl.read_ndjson(path, infer_schema_length=None)
    else:
        frame = pl.read_csv(path, separator="\t" if suffix == ".tsv" else ",", infer_schema_length=0)
    lower = {c.lower(): c for c in frame.columns}
    pick = {field: next((lower[n] for n in names if n in lower), None) for field, names in _COLUMNS.items()}
    if pick["category"] is None:
        raise DataFileError(f"{path} has no category column (one of: {', '.join(_COLUMNS['category'])})")
    for i, row in enumerate(frame.iter_rows(named=True)):
        category = row[pick["category"]]
        if category is None or str(category).strip() == "":
            continue
        get = lambda f: str(row[pick[f]]) if pick[f] and row[pick[f]] is not None else ""  # noqa: E731
        yield GoldDoc(get("id") or f"{path.name}#{i}", get("title"), get("body"), get("lang") or None,
                      str(category).strip())


def _fold(label: str) -> str:
    decomposed = unicodedata.normalize("NFKD", label.strip().casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def load_categories(path: str | Path | None = None) -> dict:
    """The category map: {canonical: {"aliases": [...], "topics": [...], "clear": bool}}."""
    path = Path(path) if path else taxmod.data_dir() / "categories.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    seen: dict[str, str] = {}
    for name, spec in data.items():
        for topic in spec.get("topics") or []:
            if topic in seen:
                raise DataFileError(f"topic {topic!r} is mapped to both {seen[topic]} and {name} in {path}")
            seen[topic] = name
    return data


def evaluate(paths: Sequence[str | Path], *, categories: str | Path | None = None,
             taxonomy_dir: str | Path | None = None, discovery: bool = False) -> dict:
    """Score gold documents with the taxonomy and compare primary topics with their categories."""
    start = time.perf_counter()
    docs = read_gold(paths)
    if not docs:
        raise DataFileError("no document with a category was found in the gold files")
    tax = taxmod.load_taxonomy(taxonomy_dir)
    cats = load_categories(categories)
    alias = {_fold(a): name for name, spec in cats.items() for a in [name, *(spec.get("aliases") or [])]}
    topic_cat = {t: name for name, spec in cats.items() for t in spec.get("topics") or []}
    clear = [name for name, spec in cats.items() if spec.get("clear")]
    gold, pred, langs = [], [], []
    n_primary = 0
    unmapped: Counter = Counter()
    for doc in docs:
        lang = doc.lang if doc.lang in tax.lexicons else guess_lang(f"{doc.title}\n{doc.body}"[:2000])
        langs.append(lang)
        scored = taxmod.score_text(tax, title=doc.title, body=doc.body, lang=lang)
        n_primary += scored.primary is not None
        canonical = alias.get(_fold(doc.category))
        if canonical is None:
            unmapped[doc.category] += 1
        gold.append(canonical)
        pred.append(topic_cat.get(scored.primary) if scored.primary else None)
    present = [c for c in clear if c in set(gold)]
    closed = [(g, p) for g, p in zip(gold, pred) if g in present]
    opened = [(g, p) for g, p in zip(gold, pred) if g is not None]
    per_category = {c: _prf(closed, c) for c in present}
    result = {
        "macro_f1": _macro(per_category),
        "per_category": per_category,
        "coverage": round(n_primary / len(docs), 4),
        "n_documents": len(docs),
        "n_scored_categories": len(closed),
        "open": {"macro_f1": _macro({c: _prf(opened, c) for c in present}),
                 "per_category": {c: _prf(opened, c) for c in cats if c in set(gold)}},
        "unmapped_categories": dict(unmapped.most_common()),
        "languages": dict(Counter(langs).most_common()),
        "taxonomy_version": tax.version,
    }
    if discovery:
        result["discovery"] = discovery_purity(docs, gold, langs, clear=present)
    result["seconds"] = round(time.perf_counter() - start, 3)
    return result


def _prf(pairs: list[tuple[str | None, str | None]], c: str) -> dict:
    tp = sum(1 for g, p in pairs if g == c and p == c)
    predicted = sum(1 for _, p in pairs if p == c)
    support = sum(1 for g, _ in pairs if g == c)
    precision = tp / predicted if predicted else 0.0
    recall = tp / support if support else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
            "support": support, "predicted": predicted}


def _macro(per: dict) -> float | None:
    return round(sum(v["f1"] for v in per.values()) / len(per), 4) if per else None


def discovery_purity(docs: Sequence[GoldDoc], gold: Sequence[str | None], langs: Sequence[str], *,
                     clear: Sequence[str]) -> dict:
    """Fit the discovery model per language on the gold documents; purity/NMI of its topics
    against all mapped categories, and against the clear ones only."""
    from analysis.topics import discovery as disc

    out = {}
    for lang in sorted(set(langs)):
        rows = [i for i, (g, lg) in enumerate(zip(gold, langs)) if lg == lang and g is not None]
        if len(rows) < 50:
            continue
        feats = [disc.features(docs[i].title, docs[i].body, lang) for i in rows]
        model = disc.fit(feats, lang)
        assigned = model.doc_topic.argmax(axis=1).tolist()
        labels = [gold[i] for i in rows]
        keep = [j for j, c in enumerate(labels) if c in set(clear)]
        out[lang] = {"n_topics": model.n_topics, "all_categories": disc.purity(assigned, labels),
                     "clear_categories": disc.purity([assigned[j] for j in keep], [labels[j] for j in keep]),
                     "params": model.params}
    return out


def as_json_line(result: dict) -> str:
    return json.dumps(result, ensure_ascii=False, sort_keys=False)
