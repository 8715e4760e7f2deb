"""The `topics` enrichment stage: taxonomy scores for articles and headlines, discovery models.

Incremental: an article or headline is scored when it has no row in ``topic_scored`` for the
current taxonomy version (so editing the taxonomy files rescores everything, and a re-run
with nothing new does nothing). Discovery keeps one model per language: new articles get
topics from the stored model; the model is refitted when the language's article count has
grown by REFIT_GROWTH since the fit, when the discovery parameters change, or on --rebuild.
Every batch is written in one transaction through Arrow tables (INSERT … SELECT).
"""

from __future__ import annotations

import datetime as dt
import logging

import numpy as np
import pyarrow as pa

from analysis.topics import taxonomy as taxmod
from analysis.topics import modelstore

log = logging.getLogger(__name__)

BATCH_SIZE = 5_000


def run(con, *, rebuild: bool = False, progress: bool = False) -> dict:
    """Score new (or all) articles and headlines, and update the discovery models."""
    tax = taxmod.load_taxonomy()
    sync_taxonomy(con, tax)
    counts = {}
    counts["articles"], counts["articles_primary"] = score_documents(con, tax, kind="article", rebuild=rebuild,
                                                                     progress=progress)
    counts["headlines"], counts["headlines_primary"] = score_documents(con, tax, kind="headline", rebuild=rebuild,
                                                                       progress=progress)
    counts.update(modelstore.update_models(con, rebuild=rebuild, progress=progress))
    return counts


def sync_taxonomy(con, tax: taxmod.Taxonomy) -> None:
    """Make the topics/topic_labels tables match the taxonomy files (removed topics go, with their scores)."""
    ids = list(tax.topic_ids)
    rows = pa.table({"topic_id": ids, "label": [tax.label(t, "en") for t in ids],
                     "position": list(range(len(ids)))})
    labels = pa.table({"topic_id": [t for t in ids for _ in tax.labels[t]],
                       "lang": [lang for t in ids for lang in tax.labels[t]],
                       "label": [lab for t in ids for lab in tax.labels[t].values()]})
    con.begin()
    try:
        con.register("tax_rows", rows)
        con.register("tax_labels", labels)
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
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    finally:
        con.unregister("tax_rows")
        con.unregister("tax_labels")


_PENDING = {
    "article": """SELECT a.article_id FROM articles a
                  LEFT JOIN topic_scored s ON s.kind = 'article' AND s.doc_id = a.article_id
                  WHERE $rebuild OR s.doc_id IS NULL OR s.version <> $version ORDER BY 1""",
    "headline": """SELECT h.headline_id FROM headlines h
                   LEFT JOIN topic_scored s ON s.kind = 'headline' AND s.doc_id = h.headline_id
                   WHERE $rebuild OR s.doc_id IS NULL OR s.version <> $version ORDER BY 1""",
}
_FETCH = {
    "article": """SELECT a.article_id, a.title, a.body, a.lang FROM articles a
                  JOIN (SELECT unnest($ids::BIGINT[]) AS article_id) USING (article_id) ORDER BY 1""",
    "headline": """SELECT h.headline_id, h.text, NULL::VARCHAR, h.lang FROM headlines h
                   JOIN (SELECT unnest($ids::BIGINT[]) AS headline_id) USING (headline_id) ORDER BY 1""",
}
_TARGET = {"article": ("article_topics", "article_id"), "headline": ("headline_topics", "headline_id")}


def score_documents(con, tax: taxmod.Taxonomy, *, kind: str, rebuild: bool, progress: bool = False,
                    batch_size: int = BATCH_SIZE) -> tuple[int, int]:
    """Score pending articles or headlines; returns (documents scored, documents with a primary topic)."""
    pending = con.execute(_PENDING[kind], {"rebuild": rebuild, "version": tax.version}).fetchnumpy()
    ids = next(iter(pending.values())) if pending else np.array([], dtype=np.int64)
    if len(ids) == 0:
        return 0, 0
    table, key = _TARGET[kind]
    done = n_primary = 0
    bar = _progress(progress, len(ids), f"topics: {kind}s")
    for lo in range(0, len(ids), batch_size):
        chunk = [int(i) for i in ids[lo:lo + batch_size]]
        rows = con.execute(_FETCH[kind], {"ids": chunk}).fetchall()
        out_id, out_topic, out_score, out_primary = [], [], [], []
        for doc_id, title, body, lang in rows:
            scored = taxmod.score_text(tax, title=title, body=body, lang=lang, kind=kind)
            n_primary += scored.primary is not None
            for topic, score in scored.scores:
                out_id.append(doc_id)
                out_topic.append(topic)
                out_score.append(score)
                out_primary.append(topic == scored.primary)
        batch = pa.table({key: pa.array(out_id, pa.int64()), "topic_id": pa.array(out_topic, pa.string()),
                          "score": pa.array(out_score, pa.float64()), "is_primary": pa.array(out_primary, pa.bool_())})
        ids_table = pa.table({"doc_id": pa.array(chunk, pa.int64())})
        _write_batch(con, table, key, kind, batch, ids_table, tax.version)
        done += len(chunk)
        if bar:
            bar.update(len(chunk))
    if bar:
        bar.close()
    log.info("scored %d %ss with taxonomy %s (%d with a primary topic)", done, kind, tax.version, n_primary)
    return done, n_primary


def _write_batch(con, table: str, key: str, kind: str, batch: pa.Table, ids: pa.Table, version: str) -> None:
    con.register("topic_batch", batch)
    con.register("topic_batch_ids", ids)
    con.begin()
    try:
        con.execute(f"""DELETE FROM {table} WHERE {key} IN (SELECT doc_id FROM topic_batch_ids)
                        AND topic_id IN (SELECT topic_id FROM topics WHERE source = 'taxonomy')""")
        con.execute(f"INSERT INTO {table} ({key}, topic_id, score, is_primary) SELECT * FROM topic_batch")
        con.execute("""INSERT OR REPLACE INTO topic_scored (kind, doc_id, version, scored_at)
                       SELECT $kind, doc_id, $version, $now FROM topic_batch_ids""",
                    {"kind": kind, "version": version, "now": dt.datetime.now(dt.timezone.utc)})
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    finally:
        con.unregister("topic_batch")
        con.unregister("topic_batch_ids")


class _Bar:
    """A transient rich progress bar on stderr."""

    def __init__(self, total: int, label: str):
        from rich.console import Console
        from rich.progress import Progress

        self._progress = Progress(transient=True, console=Console(stderr=True))
        self._progress.start()
        self._task = self._progress.add_task(label, total=total)

    def update(self, n: int) -> None:
        self._progress.advance(self._task, n)

    def close(self) -> None:
        self._progress.stop()


def _progress(enabled: bool, total: int, label: str) -> _Bar | None:
    return _Bar(total, label) if enabled else None
