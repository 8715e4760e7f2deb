"""The `topics` enrichment stage: taxonomy scores for articles and headlines, discovery models.

Incremental: an article or headline is scored when it has no row in ``topic_scored`` for the
current taxonomy version (so editing the taxonomy files rescores everything, and a re-run
with nothing new does nothing). Discovery keeps one model per language: new articles get
topics from the stored model; the model is refitted when the language's article count has
grown by REFIT_GROWTH since the fit, when the discovery parameters change, or on --rebuild.
The models are brought up to date first, so that one pass over the articles gives them both
their taxonomy scores and their model topics from one split into words. Every batch is written in one transaction
through Arrow tables (INSERT … SELECT); the old scores of everything pending are dropped
once, up front. With ``workers`` > 1 the per-document work runs in worker processes
(analysis.workers), written in the same order.
"""

from __future__ import annotations

import datetime as dt
import logging
from itertools import compress

import numpy as np
import pyarrow as pa

from analysis.db import ARTICLES_BY_ID, memory_cap, python_rows, rows_by_id, transaction
from analysis.progress import progress_bar
from analysis.topics import discovery as disc
from analysis.topics import modelstore, wordids
from analysis.topics import taxonomy as taxmod
from analysis.workers import ordered_map
from analysis.workers import pool as worker_pool

log = logging.getLogger(__name__)

BATCH_SIZE = 5_000   # documents per transaction
CHUNK = 500          # documents per work item (a worker's share of a batch)
WINDOW = 8           # work items in flight: keeps two workers busy while the parent writes
# DuckDB's buffer pool while the stage runs (analysis.db.memory_cap): uncapped, it keeps the
# article blocks it has read and grows with the archive; this process, its two workers and
# the model fit must fit in 2 GB together (bench/README.md has the measurements).
DUCKDB_MEMORY = "256MB"


def run(con, *, rebuild: bool = False, progress: bool = False, workers: int = 1) -> dict:
    """Score new (or all) articles and headlines, and update the discovery models
    (``workers`` > 1: the per-document work runs in that many processes)."""
    tax = taxmod.load_taxonomy()
    sync_taxonomy(con, tax)
    with memory_cap(con, DUCKDB_MEMORY), worker_pool(workers) as executor:
        fitted, models = modelstore.refresh_models(con, rebuild=rebuild, executor=executor)
        counts = {}
        for kind in taxmod.KINDS:
            scored, primary, projected = score_documents(
                con, tax, kind=kind, rebuild=rebuild, progress=progress, executor=executor,
                models=models if kind == "article" else None)
            counts[f"{kind}s"], counts[f"{kind}s_primary"] = scored, primary
            fitted["model_articles"] += projected
    return {**counts, **fitted}


def sync_taxonomy(con, tax: taxmod.Taxonomy) -> None:
    """Make the topics/topic_labels tables match the taxonomy files (removed topics go, with their scores)."""
    ids = list(tax.topic_ids)
    rows = pa.table({"topic_id": ids, "label": [tax.label(t, "en") for t in ids],
                     "position": list(range(len(ids)))})
    labels = pa.table({"topic_id": [t for t in ids for _ in tax.labels[t]],
                       "lang": [lang for t in ids for lang in tax.labels[t]],
                       "label": [lab for t in ids for lab in tax.labels[t].values()]})
    with transaction(con):  # BEGIN first: it also ends a result a caller left unread
        con.register("tax_rows", rows)
        con.register("tax_labels", labels)
        try:
            gone = ("SELECT topic_id FROM topics WHERE source = 'taxonomy' "
                    "AND topic_id NOT IN (SELECT topic_id FROM tax_rows)")
            con.execute(f"DELETE FROM article_topics WHERE topic_id IN ({gone})")
            con.execute(f"DELETE FROM headline_topics WHERE topic_id IN ({gone})")
            con.execute("DELETE FROM topic_labels WHERE topic_id IN "
                        "(SELECT topic_id FROM topics WHERE source = 'taxonomy')")
            con.execute(f"DELETE FROM topics WHERE topic_id IN ({gone})")
            con.execute("""INSERT OR REPLACE INTO topics (topic_id, label, source, lang, model_id, position)
                           SELECT topic_id, label, 'taxonomy', NULL, NULL, position FROM tax_rows""")
            con.execute("INSERT INTO topic_labels SELECT topic_id, lang, label FROM tax_labels")
        finally:
            con.unregister("tax_rows")
            con.unregister("tax_labels")


# (document id, needs taxonomy scores, needs model topics) of the documents with work to do;
# $langs and $model_ids list the current model of each language.
_PENDING = {
    "article": """SELECT * FROM (
                      SELECT a.article_id,
                             $rebuild OR t.doc_id IS NULL OR t.version <> $version AS taxonomy,
                             m.model_id IS NOT NULL AND s.doc_id IS NULL AS model
                      FROM articles a
                      LEFT JOIN topic_scored t ON t.kind = 'article' AND t.doc_id = a.article_id
                      LEFT JOIN (SELECT unnest($langs::VARCHAR[]) AS lang,
                                        unnest($model_ids::VARCHAR[]) AS model_id) m ON m.lang = a.lang
                      LEFT JOIN topic_scored s ON s.kind = 'model' AND s.doc_id = a.article_id
                                              AND s.version = m.model_id)
                  WHERE taxonomy OR model ORDER BY 1""",
    "headline": """SELECT h.headline_id, true AS taxonomy, false AS model FROM headlines h
                   LEFT JOIN topic_scored s ON s.kind = 'headline' AND s.doc_id = h.headline_id
                   WHERE $rebuild OR s.doc_id IS NULL OR s.version <> $version ORDER BY 1""",
}
_FETCH = {
    "article": ARTICLES_BY_ID,
    "headline": """SELECT h.headline_id, h.text, NULL::VARCHAR, h.lang FROM headlines h
                   JOIN (SELECT unnest($ids::BIGINT[]) AS headline_id) USING (headline_id) ORDER BY 1""",
}
_TARGET = {"article": ("article_topics", "article_id"), "headline": ("headline_topics", "headline_id")}


def score_documents(con, tax: taxmod.Taxonomy, *, kind: str, rebuild: bool, progress: bool = False,
                    batch_size: int = BATCH_SIZE, executor=None,
                    models: dict[str, tuple[str, disc.Model]] | None = None) -> tuple[int, int, int]:
    """Score pending articles or headlines with the taxonomy and, given the current discovery
    ``models`` ({lang: (model_id, model)}, modelstore.refresh_models), give the articles that
    lack them their model topics in the same pass. Returns (documents scored, documents with a
    primary topic, articles given model topics).

    With an ``executor`` (analysis.workers.pool) the work runs in worker processes, CHUNK
    documents at a time, and the results are written in the same order as a serial run."""
    models = models or {}
    params = {"rebuild": rebuild, "version": tax.version}
    if kind == "article":
        params.update(langs=list(models), model_ids=[m[0] for m in models.values()])
    pending = con.execute(_PENDING[kind], params).fetchnumpy()
    ids, taxonomy, model = (np.asarray(pending[c]) for c in list(pending)[:3])
    if len(ids) == 0:
        return 0, 0, 0
    table, key = _TARGET[kind]
    _forget(con, table, key, kind, ids[taxonomy])
    if executor is not None and tax is not taxmod.load_taxonomy():
        executor = None  # workers load the installed taxonomy; a custom one is scored here
    specs = {lang: (model_id, m.to_state(), lang, m.method, m.params) for lang, (model_id, m) in models.items()}
    topic_ids = {model_id: [r[0] for r in con.execute("SELECT topic_id FROM topics WHERE model_id = $id "
                                                      "ORDER BY position", {"id": model_id}).fetchall()]
                 for model_id, _ in models.values()}
    n_scored = n_primary = n_projected = unwritten = 0
    parts: list[dict] = []

    def items():
        for rows in rows_by_id(con, _FETCH[kind], ids, fetch=batch_size, size=CHUNK):
            at = np.searchsorted(ids, rows.column(0).to_numpy())
            needs_model = model[at]
            langs = set(compress(rows.column(3).to_pylist(), needs_model))
            yield kind, rows, taxonomy[at], needs_model, {lang: specs[lang] for lang in langs}

    with progress_bar(f"topics: {kind}s", len(ids), enabled=progress) as bar:
        for (_, rows, *_), part in ordered_map(executor, score_rows, items(), window=WINDOW):
            parts.append(part)
            unwritten += rows.num_rows
            n_scored += len(part["doc_ids"])
            n_primary += part["n_primary"]
            n_projected += sum(len(i) for i, _ in part["models"].values())
            if unwritten >= batch_size:
                _write_batch(con, table, key, kind, parts, tax.version, topic_ids)
                parts, unwritten = [], 0
            bar.advance(rows.num_rows)
        if parts:
            _write_batch(con, table, key, kind, parts, tax.version, topic_ids)
    log.info("scored %d %ss with taxonomy %s (%d with a primary topic); %d given model topics",
             n_scored, kind, tax.version, n_primary, n_projected)
    return n_scored, n_primary, n_projected


_models: dict[str, disc.Model] = {}


def _model(spec: tuple) -> disc.Model:
    """The model of a spec (model_id, state, lang, method, params), rebuilt once per process."""
    model_id, state, lang, method, params = spec
    model = _models.get(model_id)
    if model is None:
        if len(_models) > 8:
            _models.clear()
        model = _models[model_id] = disc.Model.from_state(state, lang=lang, method=method, params=params)
    return model


def score_rows(item: tuple) -> dict:
    """Taxonomy scores and model topic weights of fetched (doc_id, title, body, lang) rows, as
    columns (what a worker runs). ``item`` is (kind, rows, needs taxonomy, needs model topics,
    {lang: model spec}); an article that needs both is split into words once."""
    kind, rows, taxonomy, model, specs = item
    tax = taxmod.load_taxonomy()
    part = {"doc_ids": [], "id": [], "topic": [], "score": [], "primary": [], "n_primary": 0, "models": {}}
    projected: dict[str, tuple[disc.Model, list[int], list[np.ndarray]]] = {}
    fetched = list(python_rows(rows))
    # the language each document is split in: the taxonomy's, or its own for model topics only
    split_langs = [taxmod.scoring_lang(tax, title=title, body=body, lang=lang) if needs_taxonomy else lang
                   for (_, title, body, lang), needs_taxonomy in zip(fetched, taxonomy)]
    split = wordids.document_ids([(title, body) for _, title, body, _ in fetched], split_langs)
    scored = taxmod.score_split(tax, split, split_langs, kind=kind, wanted=taxonomy)
    for (doc_id, title, body, lang), needs_model, (ids, _), scoring_lang, result in zip(
            fetched, model, split, split_langs, scored):
        if result is not None:
            part["doc_ids"].append(doc_id)
            part["n_primary"] += result.primary is not None
            for topic, score in result.scores:
                part["id"].append(doc_id)
                part["topic"].append(topic)
                part["score"].append(score)
                part["primary"].append(topic == result.primary)
        if needs_model:
            spec = specs[lang]
            if scoring_lang != lang:
                ids, _ = wordids.document_ids([(title, body)], [lang])[0]
            m, doc_ids, docs = projected.setdefault(spec[0], (_model(spec), [], []))
            doc_ids.append(doc_id)
            # the words of "title\nbody": what discovery.features splits when fitting
            docs.append(disc.id_columns(m, ids))
    for model_id, (m, doc_ids, docs) in projected.items():
        part["models"][model_id] = (doc_ids, disc.project(m, docs))
    return part


def _forget(con, table: str, key: str, kind: str, ids: np.ndarray) -> None:
    """Drop the old taxonomy scores of the pending documents, all at once: one join instead of
    one per batch (which would re-read the whole table every batch on a large archive). An
    interrupted run leaves the rest pending (no ``topic_scored`` row), and a re-run scores them."""
    con.register("topic_pending", pa.table({"doc_id": pa.array(ids, pa.int64())}))
    try:
        with transaction(con):
            con.execute(f"""DELETE FROM {table} WHERE {key} IN (SELECT doc_id FROM topic_pending)
                            AND topic_id IN (SELECT topic_id FROM topics WHERE source = 'taxonomy')""")
            con.execute("DELETE FROM topic_scored WHERE kind = $kind AND doc_id IN (SELECT doc_id FROM topic_pending)",
                        {"kind": kind})
    finally:
        con.unregister("topic_pending")


def _write_batch(con, table: str, key: str, kind: str, parts: list[dict], version: str,
                 topic_ids: dict[str, list[str]]) -> None:
    # ``table`` and ``key`` come from _TARGET, never from input.
    batch = pa.table({key: pa.array([i for p in parts for i in p["id"]], pa.int64()),
                      "topic_id": pa.array([t for p in parts for t in p["topic"]], pa.string()),
                      "score": pa.array([s for p in parts for s in p["score"]], pa.float64()),
                      "is_primary": pa.array([b for p in parts for b in p["primary"]], pa.bool_())})
    ids = pa.table({"doc_id": pa.array([i for p in parts for i in p["doc_ids"]], pa.int64())})
    now = dt.datetime.now(dt.timezone.utc)
    con.register("topic_batch", batch)
    con.register("topic_batch_ids", ids)
    try:
        with transaction(con):
            con.execute(f"INSERT INTO {table} ({key}, topic_id, score, is_primary) SELECT * FROM topic_batch")
            con.execute("""INSERT INTO topic_scored (kind, doc_id, version, scored_at)
                           SELECT $kind, doc_id, $version, $now FROM topic_batch_ids""",
                        {"kind": kind, "version": version, "now": now})
            for model_id in dict.fromkeys(m for p in parts for m in p["models"]):
                done = [p["models"][model_id] for p in parts if model_id in p["models"]]
                modelstore.write_assignments(con, model_id, topic_ids[model_id], [i for d, _ in done for i in d],
                                             np.vstack([w for _, w in done]), now)
    finally:
        con.unregister("topic_batch")
        con.unregister("topic_batch_ids")
