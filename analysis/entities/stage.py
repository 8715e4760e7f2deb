"""The ``entities`` enrich stage: registry -> tables, then mentions for new articles and headlines.

Incremental: only articles/headlines without a row in ``entity_done`` are processed; with
``rebuild=True`` (or when the registry files changed since the last run, because every match
may change) mentions and NER entities are recomputed from scratch. Work is done in batches of
``BATCH_SIZE`` documents; each batch is written in one transaction through Arrow tables, so an
interrupted run keeps its finished batches and memory does not grow with the corpus.
"""

from __future__ import annotations

import logging

import duckdb
import numpy as np
import pyarrow as pa

from analysis.db import ARTICLES_BY_ID, memory_cap, python_rows, rows_by_id, sql_text, transaction
from analysis.entities.identity import merge_identities
from analysis.entities.matcher import RegistryMatcher
from analysis.entities.pipeline import LABELS, Document, extract, ner_of
from analysis.entities.registry import LANGS, Registry, load_registry
from analysis.entities.resolve import Resolver
from analysis.entities.sampling import NER_SAMPLE, Gazetteer, learn_gazetteer, sampled_ids
from analysis.progress import progress_bar
from analysis.workers import ordered_map
from analysis.workers import pool as worker_pool

log = logging.getLogger(__name__)

BATCH_SIZE = 500  # documents per transaction and per work item
WINDOW = 6        # work items in flight
DUCKDB_MEMORY = "512MB"  # DuckDB's buffer pool while mentions are extracted (analysis.db.memory_cap)
STATE_KEY = "registry_fingerprint"
KINDS = ("article", "headline")


def run(con: duckdb.DuckDBPyConnection, *, rebuild: bool = False, progress: bool = False,
        registry_dir=None, mode: str = "combined", batch_size: int = BATCH_SIZE, workers: int = 1,
        french_ner: str = "crf", ner_sample: int | None = NER_SAMPLE) -> dict:
    """Run the stage; returns counts for the `presswatch enrich` summary. ``mode="registry"`` is
    the registry alone (no statistical recogniser), ``"combined"`` adds NER in French, Arabic
    and English; ``french_ner`` picks the CRF or spaCy for French. With ``ner_sample`` the
    recognisers read at most that many documents per language, month and kind, and the others
    are matched with the registry plus the names learned from them (``sampling.py``); ``None``
    has the recognisers read every document. With ``workers`` > 1 the matching runs in that
    many processes; with NER, the parsing does."""
    registry = load_registry(registry_dir)
    if _mentions_table_outdated(con):
        rebuild = True
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
    counts = {"articles": 0, "headlines": 0, "mentions": 0, "new_entities": 0, "rebuilt": rebuild}
    with memory_cap(con, DUCKDB_MEMORY):
        _extract_pending(con, registry, registry_dir, mode, batch_size, workers, progress, counts, french_ner,
                         ner_sample)
    with transaction(con):
        _refresh_ner_entities(con)
    counts["merged_across_scripts"] = merge_identities(con, rebuilt=rebuild)
    return counts


def _extract_pending(con, registry: Registry, registry_dir, mode: str, batch_size: int, workers: int,
                     progress: bool, counts: dict, french_ner: str, ner_sample: int | None) -> None:
    """Mentions of every pending article and headline, one transaction per batch (``counts`` updated)."""
    pending = {kind: _pending_ids(con, kind) for kind in KINDS}
    if mode == "registry":
        _match(con, registry, registry_dir, None, pending, batch_size, workers, progress, counts)
        return
    if ner_sample is None:
        _recognise(con, registry, mode, pending, batch_size, workers, progress, counts, french_ner)
        return
    # The recognisers read the sample first, so that the rest is matched with what they learned.
    chosen = {kind: np.isin(ids, sampled_ids(con, kind, ner_sample)) for kind, ids in pending.items()}
    _recognise(con, registry, mode, {kind: ids[chosen[kind]] for kind, ids in pending.items()},
               batch_size, workers, progress, counts, french_ner)
    rest = {kind: ids[~chosen[kind]] for kind, ids in pending.items()}
    if any(len(ids) for ids in rest.values()):
        gazetteer = learn_gazetteer(con, registry)
        log.info("matching %d documents with the registry and %d learned names",
                 sum(len(ids) for ids in rest.values()), len(gazetteer.names))
        _match(con, registry, registry_dir, gazetteer, rest, batch_size, workers, progress, counts)


def _match(con, registry: Registry, registry_dir, gazetteer: Gazetteer | None, pending: dict, batch_size: int,
           workers: int, progress: bool, counts: dict) -> None:
    """The Aho–Corasick path: the registry (and learned names) alone; pure per document, so it
    runs in worker processes when asked."""
    _matchers.clear()  # this process builds the matcher once (workers build their own)
    _matchers[_matcher_key(registry_dir, registry.fingerprint, gazetteer)] = _matcher_and_resolver(registry, gazetteer)
    with worker_pool(workers) as executor:
        for kind in KINDS:
            ids = pending[kind]
            items = ((registry_dir, registry.fingerprint, gazetteer, kind, rows)
                     for rows in _rows(con, kind, ids, batch_size))
            with progress_bar(f"entities: {kind}s", len(ids), enabled=progress) as bar:
                for (*_, rows), table in ordered_map(executor, registry_mentions, items, window=WINDOW):
                    with transaction(con):
                        _write(con, kind, rows.column(0), table, [], [])
                    _counted(counts, kind, rows.num_rows, table.num_rows, 0)
                    bar.advance(rows.num_rows)


def _recognise(con, registry: Registry, mode: str, pending: dict, batch_size: int, workers: int, progress: bool,
               counts: dict, french_ner: str) -> None:
    """The recogniser path: workers parse (the slow part, pure per document); this process
    resolves NER entities against the ones found before, in document order."""
    matcher = RegistryMatcher(registry.aliases)
    resolver = _resolver(con, registry)
    with worker_pool(workers) as executor:
        for kind in KINDS:
            ids = pending[kind]
            with progress_bar(f"entities: {kind}s (recognisers)", len(ids), enabled=progress) as bar:
                items = ((kind, rows, french_ner) for rows in _rows(con, kind, ids, batch_size))
                for (_, rows, _), spans in ordered_map(executor, ner_of_rows, items, window=WINDOW):
                    docs = documents(kind, rows)
                    table = mention_table(kind, extract(docs, matcher=matcher, resolver=resolver, mode=mode,
                                                        ner_cache=spans, french_ner=french_ner))
                    new_entities, new_aliases = resolver.drain()
                    with transaction(con):
                        _write(con, kind, rows.column(0), table, new_entities, new_aliases)
                    _counted(counts, kind, len(docs), table.num_rows, len(new_entities))
                    bar.advance(len(docs))


def _mentions_table_outdated(con) -> bool:
    """A database made before the CRF and gazetteer methods existed has a ``mentions`` CHECK that
    refuses them: the table is derived data, so it is recreated empty and every mention recomputed."""
    ddl = con.execute("SELECT sql FROM duckdb_tables() WHERE table_name = 'mentions'").fetchone()
    if ddl is None or "'gazetteer'" in ddl[0]:
        return False
    log.info("the mentions table predates the learned gazetteer: recreating it")
    with transaction(con):
        con.execute("DROP TABLE mentions")
        con.execute(sql_text("entities.sql"))
    return True


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
    "article": """SELECT a.article_id FROM articles a WHERE NOT EXISTS
                  (SELECT 1 FROM entity_done d WHERE d.kind = 'article' AND d.doc_id = a.article_id) ORDER BY 1""",
    "headline": """SELECT h.headline_id FROM headlines h WHERE NOT EXISTS
                   (SELECT 1 FROM entity_done d WHERE d.kind = 'headline' AND d.doc_id = h.headline_id) ORDER BY 1""",
}
_FETCH = {
    "article": ARTICLES_BY_ID,
    "headline": """SELECT h.headline_id, h.text, h.lang FROM headlines h
                   JOIN (SELECT unnest($ids::BIGINT[]) AS headline_id) USING (headline_id) ORDER BY 1""",
}


def documents(kind: str, rows: pa.Table) -> list[Document]:
    """Documents of a fetched batch (``_FETCH`` columns)."""
    return [_document(kind, row) for row in python_rows(rows)]


def _document(kind: str, row: tuple) -> Document:
    if kind == "article":
        doc_id, title, body, lang = row
        return Document(doc_id, kind, (("title", title or ""), ("body", body or "")), lang)
    doc_id, text, lang = row
    return Document(doc_id, kind, (("headline", text),), lang)


def _pending_ids(con, kind: str):
    """Ids of the unprocessed documents of a kind, ascending (computed once per run)."""
    return next(iter(con.execute(_PENDING[kind]).fetchnumpy().values()))


def _rows(con, kind: str, ids, batch_size: int):
    """Those documents as Arrow tables of ``batch_size`` rows, in id order."""
    return rows_by_id(con, _FETCH[kind], ids, size=batch_size)


def _counted(counts: dict, kind: str, docs: int, mentions: int, new_entities: int) -> None:
    counts[f"{kind}s"] += docs
    counts["mentions"] += mentions
    counts["new_entities"] += new_entities


# (registry folder, fingerprint, learned names' fingerprint) -> (matcher, resolver): built once per process.
_matchers: dict[tuple[str, str, str], tuple[RegistryMatcher, Resolver]] = {}


def _matcher_key(registry_dir, fingerprint: str, gazetteer: Gazetteer | None) -> tuple[str, str, str]:
    return str(registry_dir), fingerprint, gazetteer.fingerprint if gazetteer else ""


def _matcher_and_resolver(registry: Registry, gazetteer: Gazetteer | None) -> tuple[RegistryMatcher, Resolver]:
    resolver = Resolver.from_registry(registry)
    if gazetteer is None:
        return RegistryMatcher(registry.aliases), resolver
    for name in gazetteer.names:
        resolver.add_discovered(name.entity_id, name.key, name.type)
    return RegistryMatcher([*registry.aliases, *gazetteer.aliases()]), resolver


def ner_of_rows(item: tuple[str, pa.Table, str]) -> dict:
    """NER spans (spaCy, CRF) of a fetched batch, keyed by (doc_id, field) (what a worker runs)."""
    kind, rows, french_ner = item
    return ner_of(documents(kind, rows), french_ner=french_ner)


def registry_mentions(item: tuple) -> pa.Table:
    """Registry (and learned-name) mentions of a fetched batch as a ``mentions`` table (what a worker runs)."""
    registry_dir, fingerprint, gazetteer, kind, rows = item
    docs = documents(kind, rows)
    key = _matcher_key(registry_dir, fingerprint, gazetteer)
    found = _matchers.get(key)
    if found is None:
        registry = load_registry(registry_dir)
        if registry.fingerprint != fingerprint:
            raise RuntimeError(f"the entity registry in {registry_dir or 'the package'} changed during the run; "
                               "run `presswatch enrich` again")
        _matchers.clear()
        found = _matchers[key] = _matcher_and_resolver(registry, gazetteer)
    matcher, resolver = found
    return mention_table(kind, extract(docs, matcher=matcher, resolver=resolver, mode="registry"))


def mention_table(kind: str, mentions) -> pa.Table:
    """Mentions as the columns of the ``mentions`` table (labels outside its list become MISC)."""
    ms = list(mentions)
    is_article = kind == "article"
    ids = pa.array([m.doc_id for m in ms], pa.int64())
    nulls = pa.nulls(len(ms), pa.int64())
    return pa.table({
        "article_id": ids if is_article else nulls, "headline_id": nulls if is_article else ids,
        "field": pa.array([m.field for m in ms], pa.string()),
        "entity_id": pa.array([m.entity_id for m in ms], pa.string()),
        "surface": pa.array([m.surface for m in ms], pa.string()),
        "start": pa.array([m.start for m in ms], pa.int64()), "end": pa.array([m.end for m in ms], pa.int64()),
        "method": pa.array([m.method for m in ms], pa.string()),
        "label": pa.array([m.label if m.label in LABELS else "MISC" for m in ms], pa.string()),
    })


def _write(con, kind: str, doc_ids: pa.ChunkedArray, mentions: pa.Table, new_entities, new_aliases) -> None:
    if new_entities:
        table = pa.table({"entity_id": [e[0] for e in new_entities], "name": [e[1] for e in new_entities],
                          "type": [e[2] for e in new_entities]})
        _insert(con, "entities", table, "entity_id, name, type, NULL, 'ner', NULL, NULL, NULL, NULL")
    if new_aliases:
        table = pa.table({"entity_id": [a[0] for a in new_aliases], "alias": [a[1] for a in new_aliases],
                          "alias_key": [a[2] for a in new_aliases], "lang": [a[3] for a in new_aliases]})
        # The same spelling can be found twice in one batch; keep one row per (entity, alias).
        con.register("_new_aliases", table)
        try:
            con.execute("""
                INSERT INTO aliases
                SELECT DISTINCT n.entity_id, n.alias, n.lang, n.alias_key, 'ner' FROM _new_aliases n
                WHERE NOT EXISTS (SELECT 1 FROM aliases a WHERE a.entity_id = n.entity_id AND a.alias = n.alias
                                  AND a.lang = n.lang)""")
        finally:
            con.unregister("_new_aliases")
    if mentions.num_rows:
        _insert(con, "mentions", mentions, 'article_id, headline_id, field, entity_id, surface, "start", "end", method, label')
    done = pa.table({"doc_id": doc_ids})
    _insert(con, "entity_done", done, f"'{kind}', doc_id")


def _refresh_ner_entities(con) -> None:
    """NER entities take the most frequent label of their mentions, and the most frequent spelling
    found as a name of its own (not a surname or typo resolved to it); ties go to the first in
    alphabetical order (``mode()`` picks among ties by hash order, which varies run to run)."""
    con.execute("""
        UPDATE entities SET type = t.label, name = coalesce(t.surface, entities.name)
        FROM (SELECT l.entity_id, l.label, s.surface
              FROM (SELECT entity_id, first(label ORDER BY n DESC, label) AS label
                    FROM (SELECT entity_id, label, count(*) AS n FROM mentions
                          WHERE starts_with(entity_id, 'ner:') GROUP BY ALL) GROUP BY entity_id) l
              LEFT JOIN (SELECT entity_id, first(surface ORDER BY n DESC, surface) AS surface
                         FROM (SELECT entity_id, surface, count(*) AS n FROM mentions
                               WHERE starts_with(entity_id, 'ner:') AND method IN ('spacy', 'crf') GROUP BY ALL)
                         GROUP BY entity_id) s USING (entity_id)) t
        WHERE entities.entity_id = t.entity_id AND entities.source = 'ner'""")


def _insert(con, table: str, arrow: pa.Table, select: str) -> None:
    # ``table`` and ``select`` are fixed strings of this module, never user input.
    con.register("_batch", arrow)
    try:
        con.execute(f"INSERT INTO {table} SELECT {select} FROM _batch")
    finally:
        con.unregister("_batch")
