"""The ``entities`` enrich stage: registry -> tables, then mentions for new articles and headlines.

Incremental: only articles/headlines without a row in ``entity_done`` are processed; with
``rebuild=True`` (or when the registry files changed since the last run, because every match
may change) mentions and NER entities are recomputed from scratch. Work is done in batches of
``BATCH_SIZE`` documents; each batch is written in one transaction through Arrow tables, so an
interrupted run keeps its finished batches and memory does not grow with the corpus.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager

import duckdb
import pyarrow as pa

from analysis.db import transaction
from analysis.entities.matcher import RegistryMatcher
from analysis.entities.pipeline import Document, Mention, extract
from analysis.entities.registry import LANGS, Registry, load_registry
from analysis.entities.resolve import Resolver

log = logging.getLogger(__name__)

BATCH_SIZE = 500
STATE_KEY = "registry_fingerprint"


def run(con: duckdb.DuckDBPyConnection, *, rebuild: bool = False, progress: bool = False,
        registry_dir=None, mode: str = "combined", batch_size: int = BATCH_SIZE) -> dict:
    """Run the stage; returns counts for the `presswatch enrich` summary."""
    registry = load_registry(registry_dir)
    previous = con.execute("SELECT value FROM entity_state WHERE key = ?", [STATE_KEY]).fetchone()
    registry_changed = previous is not None and previous[0] != registry.fingerprint
    if registry_changed and not rebuild:
        log.info("entity registry changed since the last run: recomputing all mentions")
        rebuild = True
    with transaction(con):
        if rebuild:
            for sql in ("DELETE FROM mentions", "DELETE FROM entity_done", "DELETE FROM entities WHERE source = 'ner'",
                        "DELETE FROM aliases WHERE source = 'ner'"):
                con.execute(sql)
        sync_registry(con, registry)
        con.execute("INSERT OR REPLACE INTO entity_state VALUES (?, ?)", [STATE_KEY, registry.fingerprint])
    matcher = RegistryMatcher(registry.aliases)
    resolver = _resolver(con, registry)
    counts = {"articles": 0, "headlines": 0, "mentions": 0, "new_entities": 0, "rebuilt": rebuild}
    for kind in ("article", "headline"):
        total = con.execute(_PENDING_COUNT[kind]).fetchone()[0]
        with _progress(progress, f"entities: {kind}s", total) as advance:
            last = -(2**63)
            while True:
                rows = con.execute(_PENDING[kind], {"last": last, "n": batch_size}).fetchall()
                if not rows:
                    break
                last = rows[-1][0]
                docs = [_document(kind, row) for row in rows]
                mentions = list(extract(docs, matcher=matcher, resolver=resolver, mode=mode))
                new_entities, new_aliases = resolver.drain()
                with transaction(con):
                    _write(con, kind, docs, mentions, new_entities, new_aliases)
                counts[f"{kind}s"] += len(docs)
                counts["mentions"] += len(mentions)
                counts["new_entities"] += len(new_entities)
                advance(len(docs))
    with transaction(con):
        _refresh_ner_entities(con)
    return counts


def sync_registry(con: duckdb.DuckDBPyConnection, registry: Registry) -> None:
    """Rewrite the registry rows of ``entities`` and ``aliases`` from the YAML registry."""
    con.execute("DELETE FROM entities WHERE source = 'registry'")
    con.execute("DELETE FROM aliases WHERE source = 'registry'")
    ents = list(registry.entities.values())
    table = pa.table({
        "entity_id": [e.entity_id for e in ents], "name": [e.name for e in ents], "type": [e.type for e in ents],
        "wikidata_id": [e.wikidata_id for e in ents],
        **{f"name_{lang}": [e.names.get(lang) for e in ents] for lang in LANGS},
    })
    _insert(con, "entities", table, "entity_id, name, type, wikidata_id, 'registry', name_fr, name_en, name_ar, name_es")
    als = registry.aliases
    table = pa.table({"entity_id": [a.entity_id for a in als], "alias": [a.alias for a in als],
                      "lang": [a.lang for a in als], "alias_key": [a.key for a in als]})
    _insert(con, "aliases", table, "entity_id, alias, lang, alias_key, 'registry'")


def _resolver(con: duckdb.DuckDBPyConnection, registry: Registry) -> Resolver:
    resolver = Resolver.from_registry(registry)
    rows = con.execute("""
        SELECT a.entity_id, a.alias_key, e.type FROM aliases a JOIN entities e USING (entity_id)
        WHERE a.source = 'ner' ORDER BY a.entity_id""").fetchall()
    for eid, key, etype in rows:
        resolver.add_discovered(eid, key, etype)
    return resolver


_PENDING = {
    "article": """
        SELECT a.article_id, a.title, a.body, a.lang FROM articles a
        WHERE a.article_id > $last
          AND NOT EXISTS (SELECT 1 FROM entity_done d WHERE d.kind = 'article' AND d.doc_id = a.article_id)
        ORDER BY a.article_id LIMIT $n""",
    "headline": """
        SELECT h.headline_id, h.text, h.lang FROM headlines h
        WHERE h.headline_id > $last
          AND NOT EXISTS (SELECT 1 FROM entity_done d WHERE d.kind = 'headline' AND d.doc_id = h.headline_id)
        ORDER BY h.headline_id LIMIT $n""",
}
_PENDING_COUNT = {
    "article": "SELECT count(*) FROM articles a WHERE NOT EXISTS (SELECT 1 FROM entity_done d WHERE d.kind = 'article' AND d.doc_id = a.article_id)",
    "headline": "SELECT count(*) FROM headlines h WHERE NOT EXISTS (SELECT 1 FROM entity_done d WHERE d.kind = 'headline' AND d.doc_id = h.headline_id)",
}


def _document(kind: str, row: tuple) -> Document:
    if kind == "article":
        doc_id, title, body, lang = row
        return Document(doc_id, kind, (("title", title or ""), ("body", body or "")), lang)
    doc_id, text, lang = row
    return Document(doc_id, kind, (("headline", text),), lang)


def _write(con, kind: str, docs: list[Document], mentions: list[Mention], new_entities, new_aliases) -> None:
    if new_entities:
        table = pa.table({"entity_id": [e[0] for e in new_entities], "name": [e[1] for e in new_entities],
                          "type": [e[2] for e in new_entities]})
        _insert(con, "entities", table, "entity_id, name, type, NULL, 'ner', NULL, NULL, NULL, NULL")
    if new_aliases:
        table = pa.table({"entity_id": [a[0] for a in new_aliases], "alias": [a[1] for a in new_aliases],
                          "alias_key": [a[2] for a in new_aliases]})
        # The same spelling can be found twice in one batch; keep one row per (entity, alias).
        con.register("_new_aliases", table)
        try:
            con.execute("""
                INSERT INTO aliases
                SELECT DISTINCT n.entity_id, n.alias, 'fr', n.alias_key, 'ner' FROM _new_aliases n
                WHERE NOT EXISTS (SELECT 1 FROM aliases a WHERE a.entity_id = n.entity_id AND a.alias = n.alias
                                  AND a.lang = 'fr')""")
        finally:
            con.unregister("_new_aliases")
    if mentions:
        is_article = kind == "article"
        table = pa.table({
            "article_id": pa.array([m.doc_id if is_article else None for m in mentions], pa.int64()),
            "headline_id": pa.array([None if is_article else m.doc_id for m in mentions], pa.int64()),
            "field": [m.field for m in mentions], "entity_id": [m.entity_id for m in mentions],
            "surface": [m.surface for m in mentions], "start": [m.start for m in mentions],
            "end": [m.end for m in mentions], "method": [m.method for m in mentions],
            "label": [m.label if m.label in ("PER", "ORG", "LOC", "EVENT", "MISC") else "MISC" for m in mentions],
        })
        _insert(con, "mentions", table, 'article_id, headline_id, field, entity_id, surface, "start", "end", method, label')
    done = pa.table({"doc_id": pa.array([d.doc_id for d in docs], pa.int64())})
    _insert(con, "entity_done", done, f"'{kind}', doc_id")


def _refresh_ner_entities(con) -> None:
    """NER entities take the most frequent label of their mentions, and the most frequent spelling
    found as a name of its own (not a surname or typo resolved to it)."""
    con.execute("""
        UPDATE entities SET type = t.label, name = coalesce(t.surface, entities.name)
        FROM (SELECT entity_id, mode(label) AS label, mode(surface) FILTER (WHERE method = 'spacy') AS surface
              FROM mentions WHERE starts_with(entity_id, 'ner:') GROUP BY entity_id) t
        WHERE entities.entity_id = t.entity_id AND entities.source = 'ner'""")


def _insert(con, table: str, arrow: pa.Table, select: str) -> None:
    # ``table`` and ``select`` are fixed strings of this module, never user input.
    con.register("_batch", arrow)
    try:
        con.execute(f"INSERT INTO {table} SELECT {select} FROM _batch")
    finally:
        con.unregister("_batch")


@contextmanager
def _progress(enabled: bool, description: str, total: int):
    if not enabled or not total:
        yield lambda n: None
        return
    from rich.progress import Progress

    with Progress(transient=True) as bar:
        task = bar.add_task(description, total=total)
        yield lambda n: bar.advance(task, n)
