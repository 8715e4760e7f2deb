"""Importing a Spark enrichment output folder into DuckDB (what `presswatch load FOLDER` calls).

The folder (written by ``analysis.spark.job.run``) holds ``enrichment.json`` and Parquet files
under ``output=document``, ``output=mention`` and ``output=topic``. The import fills the same
tables as the local engine, in one transaction, and is idempotent: for every document of the
output it replaces that document's mentions and taxonomy topic scores, and marks it processed
(``entity_done``, ``topic_scored``) so a later local `presswatch enrich` does not redo it.
Model (discovery) topics and stories stay with the local engine: they are fitted over the
whole corpus, not per document.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path

import duckdb
import pyarrow as pa

from analysis import rollups
from analysis.db import scalar, transaction
from analysis.errors import DataFileError

log = logging.getLogger(__name__)

MANIFEST = "enrichment.json"
FORMAT = "presswatch-enrichment/1"
STATE_KEY = "registry_fingerprint"  # the key the entities stage keeps its registry fingerprint under


def is_enrichment_output(path: str | Path) -> bool:
    """Whether ``path`` is a folder written by the Spark engine (it carries our manifest)."""
    manifest = Path(path) / MANIFEST
    if not manifest.is_file():
        return False
    try:
        return json.loads(manifest.read_text(encoding="utf-8")).get("format") == FORMAT
    except (ValueError, OSError):
        return False


def read_manifest(path: str | Path) -> dict:
    if not is_enrichment_output(path):
        raise DataFileError(f"{path} is not a Spark enrichment output (no {MANIFEST} of format {FORMAT})")
    return json.loads((Path(path) / MANIFEST).read_text(encoding="utf-8"))


def import_enrichment(con: duckdb.DuckDBPyConnection, path: str | Path) -> dict:
    """Import a Spark enrichment output into the database; returns counts.

    Raises DataFileError when the output was computed with other registry or taxonomy files
    than the installed ones, or names documents this database does not hold."""
    from analysis.entities.registry import load_registry
    from analysis.entities.stage import sync_registry
    from analysis.topics.stage import sync_taxonomy
    from analysis.topics.taxonomy import load_taxonomy

    path = Path(path)
    manifest = read_manifest(path)
    registry, tax = load_registry(), load_taxonomy()
    if manifest["registry_fingerprint"] != registry.fingerprint:
        raise DataFileError(f"{path} was computed with another entity registry than the installed one; "
                            "re-run the Spark job with this version (or enrich locally)")
    if manifest["taxonomy_version"] != tax.version:
        raise DataFileError(f"{path} was computed with another topic taxonomy than the installed one; "
                            "re-run the Spark job with this version (or enrich locally)")
    sync_taxonomy(con, tax)  # commits on its own
    files = {name: sorted(str(p) for p in (path / f"output={name}").glob("*.parquet"))
             for name in ("document", "mention", "topic")}
    if not files["document"]:
        raise DataFileError(f"{path} has no output=document files: the Spark job did not finish")
    try:
        with transaction(con):
            _stage(con, files)
            missing = scalar(con, """SELECT count(*) FROM _spark_docs d
                WHERE (d.kind = 'article' AND d.doc_id NOT IN (SELECT article_id FROM articles))
                   OR (d.kind = 'headline' AND d.doc_id NOT IN (SELECT headline_id FROM headlines))""")
            if missing:
                raise DataFileError(f"{missing:,} documents of {path} are not in this database: load the inputs that "
                                    "were exported before importing their enrichment")
            sync_registry(con, registry)
            rollups.invalidate(con)
            con.execute("INSERT OR REPLACE INTO entity_state VALUES (?, ?)", [STATE_KEY, registry.fingerprint])
            counts = _replace(con, tax.version)
    finally:
        con.execute("DROP TABLE IF EXISTS _spark_docs")
        for view in ("_spark_mentions", "_spark_topics"):
            con.execute(f"DROP VIEW IF EXISTS {view}")
    log.info("imported %s: %s", path, counts)
    return counts


def _stage(con, files: dict[str, list[str]]) -> None:
    """Temporary views over the output files (an empty view when a kind has no rows)."""
    columns = {
        "_spark_docs": ("document", "kind, doc_id, lang"),
        "_spark_mentions": ("mention", 'kind, doc_id, field, entity_id, surface, "start", "end", method, label'),
        "_spark_topics": ("topic", "kind, doc_id, topic_id, score, is_primary"),
    }
    empty = {"document": "NULL::VARCHAR kind, NULL::BIGINT doc_id, NULL::VARCHAR lang",
             "mention": ('NULL::VARCHAR kind, NULL::BIGINT doc_id, NULL::VARCHAR field, NULL::VARCHAR entity_id, '
                         'NULL::VARCHAR surface, NULL::INTEGER "start", NULL::INTEGER "end", NULL::VARCHAR method, '
                         'NULL::VARCHAR label'),
             "topic": "NULL::VARCHAR kind, NULL::BIGINT doc_id, NULL::VARCHAR topic_id, NULL::DOUBLE score, "
                      "NULL::BOOLEAN is_primary"}
    for view, (output, cols) in columns.items():
        # The small document list is read once into a table; mentions and scores are read as
        # they are inserted.
        relation = "TABLE" if view == "_spark_docs" else "VIEW"
        if files[output]:
            # File names come from our own glob; they are quoted as SQL string literals
            # because a view cannot hold bound parameters.
            listed = ", ".join("'" + f.replace("'", "''") + "'" for f in files[output])
            con.execute(f"CREATE OR REPLACE TEMP {relation} {view} AS SELECT {cols} FROM read_parquet([{listed}])")
        else:
            con.execute(f"CREATE OR REPLACE TEMP {relation} {view} AS SELECT {empty[output]} WHERE false")


def _replace(con, taxonomy_version: str) -> dict:
    """Replace the enrichment of every document of the output (the staged views)."""
    now = dt.datetime.now(dt.timezone.utc)
    # Table and column names come from this fixed list; the kind is a bound value.
    for kind, key, table in (("article", "article_id", "article_topics"), ("headline", "headline_id", "headline_topics")):
        ids = "(SELECT doc_id FROM _spark_docs WHERE kind = $kind)"
        owner = "doc_id, NULL" if kind == "article" else "NULL, doc_id"
        params = {"kind": kind}
        con.execute(f"DELETE FROM mentions WHERE {key} IN {ids}", params)
        con.execute(f"""INSERT INTO mentions (article_id, headline_id, field, entity_id, surface, "start", "end", method, label)
            SELECT {owner}, field, entity_id, surface, "start", "end", method, label
            FROM _spark_mentions WHERE kind = $kind""", params)
        con.execute(f"INSERT OR IGNORE INTO entity_done (kind, doc_id) SELECT $kind, doc_id FROM {ids}", params)
        con.execute(f"""DELETE FROM {table} WHERE {key} IN {ids}
                        AND topic_id IN (SELECT topic_id FROM topics WHERE source = 'taxonomy')""", params)
        con.execute(f"""INSERT INTO {table} ({key}, topic_id, score, is_primary)
                        SELECT doc_id, topic_id, score, is_primary FROM _spark_topics WHERE kind = $kind""", params)
        con.execute("""INSERT OR REPLACE INTO topic_scored (kind, doc_id, version, scored_at)
                       SELECT $kind, doc_id, $version, $now FROM _spark_docs WHERE kind = $kind""",
                    {"kind": kind, "version": taxonomy_version, "now": now})
    # The language the enrichment used, where the database had none (inputs without a language).
    con.execute("""UPDATE articles SET lang = d.lang FROM _spark_docs d
                   WHERE d.kind = 'article' AND d.doc_id = articles.article_id AND articles.lang IS NULL
                     AND d.lang IS NOT NULL""")
    con.execute("""UPDATE headlines SET lang = d.lang FROM _spark_docs d
                   WHERE d.kind = 'headline' AND d.doc_id = headlines.headline_id AND headlines.lang IS NULL
                     AND d.lang IS NOT NULL""")
    new_entities = _ner_entities(con)
    return {
        "articles": scalar(con, "SELECT count(*) FROM _spark_docs WHERE kind = 'article'"),
        "headlines": scalar(con, "SELECT count(*) FROM _spark_docs WHERE kind = 'headline'"),
        "mentions": scalar(con, "SELECT count(*) FROM _spark_mentions"),
        "topic_scores": scalar(con, "SELECT count(*) FROM _spark_topics"),
        "new_entities": new_entities,
    }


def _ner_entities(con) -> int:
    """Entities and aliases for the NER entities the output discovered (recogniser runs only):
    named and typed by their most frequent spelling and label, as the entities stage does."""
    from analysis.entities.text import fold

    new = scalar(con, """SELECT count(DISTINCT entity_id) FROM _spark_mentions
                         WHERE starts_with(entity_id, 'ner:') AND entity_id NOT IN (SELECT entity_id FROM entities)""")
    con.execute("""INSERT INTO entities (entity_id, name, type, source)
        SELECT entity_id, coalesce(mode(surface) FILTER (WHERE method IN ('crf', 'spacy')), mode(surface)), mode(label), 'ner'
        FROM _spark_mentions
        WHERE starts_with(entity_id, 'ner:') AND entity_id NOT IN (SELECT entity_id FROM entities)
        GROUP BY entity_id""")
    # An alias is in the language of the document it was found in, as in the entities stage.
    rows = con.execute("""SELECT DISTINCT m.entity_id, m.surface, d.lang FROM _spark_mentions m
        LEFT JOIN _spark_docs d USING (kind, doc_id)
        WHERE starts_with(m.entity_id, 'ner:') AND m.method IN ('crf', 'crf:fuzzy', 'spacy', 'spacy:fuzzy')""").fetchall()
    if rows:
        table = pa.table({"entity_id": [r[0] for r in rows], "alias": [r[1] for r in rows],
                          "alias_key": [fold(r[1]) for r in rows], "lang": [r[2] for r in rows]})
        con.register("_spark_aliases", table)
        try:
            con.execute("""INSERT INTO aliases
                SELECT n.entity_id, n.alias, n.lang, n.alias_key, 'ner' FROM _spark_aliases n
                WHERE n.alias_key <> '' AND NOT EXISTS (SELECT 1 FROM aliases a WHERE a.entity_id = n.entity_id
                                                        AND a.alias = n.alias AND a.lang IS NOT DISTINCT FROM n.lang)""")
        finally:
            con.unregister("_spark_aliases")
    return new or 0
