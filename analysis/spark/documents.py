"""The per-document enrichment, one Arrow batch at a time (what each Spark task runs).

No Spark here: these functions take and return ``pyarrow.RecordBatch``es, so the same code
runs inside ``mapInArrow`` on an executor and in a plain test. For every document they apply
the very functions the local engine applies:

- language: the stored language, or ``analysis.ingest.langs.detect`` when the input has none
  (exactly what the loader does when a source gives no language);
- entities: ``analysis.entities.pipeline.extract`` with the registry matcher (and spaCy NER
  on French text when asked), as the ``entities`` stage does;
- topics: ``analysis.topics.taxonomy.score_texts``, a batch at a time, as the ``topics`` stage does.

Input columns (``DOCUMENT_SCHEMA``): kind ('article'|'headline'), doc_id, title (a headline's
text), body (NULL for headlines), lang. Output (``OUTPUT_SCHEMA``): one row per document
(``output = 'document'``, with the language used), per entity mention (``'mention'``) and
per taxonomy topic score (``'topic'``); columns that do not apply to a row are NULL.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

import pyarrow as pa

from analysis.errors import DataFileError

DOCUMENT_SCHEMA = pa.schema([("kind", pa.string()), ("doc_id", pa.int64()), ("title", pa.string()),
                             ("body", pa.string()), ("lang", pa.string())])
OUTPUT_SCHEMA = pa.schema([
    ("output", pa.string()), ("kind", pa.string()), ("doc_id", pa.int64()), ("lang", pa.string()),
    ("field", pa.string()), ("entity_id", pa.string()), ("surface", pa.string()), ("start", pa.int32()),
    ("end", pa.int32()), ("method", pa.string()), ("label", pa.string()),
    ("topic_id", pa.string()), ("score", pa.float64()), ("is_primary", pa.bool_()),
])
OUTPUTS = ("document", "mention", "topic")


@dataclass(frozen=True)
class Versions:
    """What the driver computed with; every executor checks it has the same data files."""

    registry_fingerprint: str
    taxonomy_version: str


@lru_cache(maxsize=1)
def _registry_and_matcher():
    from analysis.entities.matcher import RegistryMatcher
    from analysis.entities.registry import load_registry

    registry = load_registry()
    return registry, RegistryMatcher(registry.aliases)


@lru_cache(maxsize=1)
def _taxonomy():
    from analysis.topics.taxonomy import load_taxonomy

    return load_taxonomy()


def current_versions() -> Versions:
    """The registry fingerprint and taxonomy version of the data files installed here."""
    return Versions(_registry_and_matcher()[0].fingerprint, _taxonomy().version)


def check_versions(expected: Versions) -> None:
    found = current_versions()
    if found != expected:
        raise DataFileError(
            f"this executor has registry {found.registry_fingerprint} / taxonomy {found.taxonomy_version}, the driver "
            f"{expected.registry_fingerprint} / {expected.taxonomy_version}: install the same presswatch on every node")


def document_language(kind: str, title: str | None, body: str | None, lang: str | None) -> str | None:
    """The stored language, else what the loader would have detected for this text."""
    if lang:
        return lang
    from analysis.ingest.langs import detect

    if kind == "headline":
        return detect(title)
    return detect(((title or "") + "\n" + (body or "")).strip())


def enrich_partition(batches: Iterable[pa.RecordBatch], *, spacy: bool = False,
                     expected: Versions | None = None) -> Iterator[pa.RecordBatch]:
    """The ``mapInArrow`` function: enriched rows for every input batch of a partition.

    NER entities discovered in a partition are resolved against the registry and the
    partition's own earlier discoveries (a fresh resolver per partition keeps the result
    independent of which worker ran which partition)."""
    from analysis.entities.resolve import Resolver

    if expected is not None:
        check_versions(expected)
    registry, matcher = _registry_and_matcher()
    resolver = Resolver.from_registry(registry)
    for batch in batches:
        if batch.num_rows:
            yield enrich_batch(batch, matcher=matcher, resolver=resolver, spacy=spacy)


def enrich_batch(batch: pa.RecordBatch, *, matcher, resolver, spacy: bool = False) -> pa.RecordBatch:
    """Documents in (DOCUMENT_SCHEMA columns), enriched rows out (OUTPUT_SCHEMA)."""
    from analysis.entities.pipeline import LABELS, Document, extract
    from analysis.topics.taxonomy import score_texts

    tax = _taxonomy()
    cols = {name: batch.column(name).to_pylist() for name in DOCUMENT_SCHEMA.names}
    out: dict[str, list] = {name: [] for name in OUTPUT_SCHEMA.names}

    def add(output: str, kind: str, doc_id: int, **values) -> None:
        out["output"].append(output)
        out["kind"].append(kind)
        out["doc_id"].append(doc_id)
        for name in OUTPUT_SCHEMA.names[3:]:
            out[name].append(values.get(name))

    docs = []
    to_score: dict[str, list[tuple[int, tuple]]] = {"article": [], "headline": []}
    for kind, doc_id, title, body, lang in zip(*(cols[n] for n in DOCUMENT_SCHEMA.names)):
        lang = document_language(kind, title, body, lang)
        add("document", kind, doc_id, lang=lang)
        if kind == "article":
            docs.append(Document(doc_id, kind, (("title", title or ""), ("body", body or "")), lang))
            to_score[kind].append((doc_id, (title, body, lang)))
        else:
            docs.append(Document(doc_id, kind, (("headline", title),), lang))
            to_score[kind].append((doc_id, (title, None, lang)))
    # Scored a batch at a time, as the topics stage does: per-document calls cost far more.
    for kind, items in to_score.items():
        for (doc_id, _), scored in zip(items, score_texts(tax, [text for _, text in items], kind=kind)):
            for topic, score in scored.scores:
                add("topic", kind, doc_id, topic_id=topic, score=score, is_primary=topic == scored.primary)
    mode = "combined" if spacy else "registry"
    for m in extract(docs, matcher=matcher, resolver=resolver, mode=mode):
        add("mention", m.kind, m.doc_id, field=m.field, entity_id=m.entity_id, surface=m.surface, start=m.start,
            end=m.end, method=m.method, label=m.label if m.label in LABELS else "MISC")
    return pa.RecordBatch.from_pydict(out, schema=OUTPUT_SCHEMA)


def documents_batch(rows: list[tuple]) -> pa.RecordBatch:
    """(kind, doc_id, title, body, lang) tuples as an input batch (tests, local runs)."""
    return pa.RecordBatch.from_pylist([dict(zip(DOCUMENT_SCHEMA.names, r)) for r in rows], schema=DOCUMENT_SCHEMA)
