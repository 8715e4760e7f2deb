"""Replacing what an earlier version of a file brought, inside the writer's transaction.

A file read again because it changed (a page first read half-written by a crawler, an
export that was edited) or because it could not be read before supersedes its earlier
documents: they stay in `documents` as history (status 'superseded'), their sightings and
articles go, and the headlines they showed are counted again from the sightings left.
Enrichment rows of a removed article or headline go too, and the stories it belonged to
are handed back to the stories stage, which links their other members again on its next
run. A document that another one repeats hands its article (and, for an exact copy, its
sightings) to that copy instead, so the copy's content is not lost with it.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from analysis.db import has_columns, has_table, sql_text

# Enrichment rows keyed by an article or a headline id: (table, id column, extra condition).
# Fixed identifiers of the stages' schema files, never input.
ARTICLE_ROWS = (("mentions", "article_id", ""), ("entity_merge_mentions", "article_id", ""),
                ("article_topics", "article_id", ""), ("topic_examples", "article_id", ""),
                ("entity_done", "doc_id", "kind = 'article' AND "), ("topic_scored", "doc_id", "kind = 'article' AND "))
HEADLINE_ROWS = (("mentions", "headline_id", ""), ("entity_merge_mentions", "headline_id", ""),
                 ("headline_topics", "headline_id", ""), ("entity_done", "doc_id", "kind = 'headline' AND "),
                 ("topic_scored", "doc_id", "kind = 'headline' AND "))
# (members, summary, index, bands, id column) of the two kinds of stories.
STORY_TABLES = (("article_stories", "stories", "article_story_index", "article_story_bands", "article_id"),
                ("headline_stories", "ticker_stories", "headline_story_index", "headline_story_bands", "headline_id"))


def upgrade(con: duckdb.DuckDBPyConnection) -> None:
    """Give a database made before documents could be superseded the current `documents`
    table (its CHECKs cannot be altered in place): copied once, in one transaction."""
    if has_columns(con, "documents", {"superseded_by"}):
        return
    schema = sql_text("schema.sql")
    start = schema.index("CREATE TABLE IF NOT EXISTS documents (")
    ddl = schema[start:schema.index(");", start) + 2]
    comments = [line for line in schema.splitlines() if line.startswith(("COMMENT ON TABLE documents ",
                                                                          "COMMENT ON COLUMN documents."))]
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(ddl.replace("IF NOT EXISTS documents", "documents_upgraded"))
        con.execute("INSERT INTO documents_upgraded BY NAME SELECT * FROM documents")
        con.execute("DROP TABLE documents")
        con.execute("ALTER TABLE documents_upgraded RENAME TO documents")
        for comment in comments:
            con.execute(comment)
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def _ids(con, sql: str, params=None) -> list[int]:
    return [row[0] for row in con.execute(sql, params or []).fetchall()]


def supersede(con: duckdb.DuckDBPyConnection, document_ids: list[int], *, load_id: int) -> list[int]:
    """Mark documents superseded by load ``load_id`` and remove what they brought. Returns
    the headlines whose sightings changed: the caller recounts them (``recount_headlines``)
    once the new version's sightings are in."""
    headlines = withdraw(con, document_ids)
    if document_ids:
        con.execute("UPDATE documents SET status = 'superseded', superseded_by = ? "
                    "WHERE list_contains(?, document_id)", [load_id, sorted(set(document_ids))])
    return headlines


def withdraw(con: duckdb.DuckDBPyConnection, document_ids: list[int]) -> list[int]:
    """Remove what these documents brought (sightings, articles and their enrichment), after
    handing their content to the documents that repeat them. Returns the headlines whose
    sightings changed, for ``recount_headlines``."""
    if not document_ids:
        return []
    con.register("_old", pa.table({"document_id": pa.array(sorted(set(document_ids)), pa.int64())}))
    try:
        _hand_over(con)
        headlines = _ids(con, "SELECT DISTINCT headline_id FROM sightings WHERE document_id IN (SELECT document_id FROM _old)")
        con.execute("DELETE FROM sightings WHERE document_id IN (SELECT document_id FROM _old)")
        forget_articles(con, _ids(con, "SELECT article_id FROM articles WHERE document_id IN (SELECT document_id FROM _old)"))
    finally:
        con.unregister("_old")
    return headlines


def _hand_over(con) -> None:
    """Documents that repeat a superseded one (in ``_old``) keep its content: the first of
    them (the heir) takes its article, and its sightings when it is a byte-identical copy;
    the other repeats point at the heir."""
    heirs = con.execute("""
        SELECT o.document_id AS old, min(d.document_id) AS heir, any_value(o.sha256) AS sha256
        FROM documents o JOIN documents d ON d.duplicate_of = o.document_id AND d.status = 'duplicate'
        WHERE o.document_id IN (SELECT document_id FROM _old) AND d.document_id NOT IN (SELECT document_id FROM _old)
        GROUP BY o.document_id""").fetchall()
    for old, heir, sha in heirs:
        exact = con.execute("SELECT sha256 = ? FROM documents WHERE document_id = ?", [sha, heir]).fetchall()[0][0]
        con.execute("UPDATE documents SET duplicate_of = ? WHERE duplicate_of = ? AND status = 'duplicate' "
                    "AND document_id <> ?", [heir, old, heir])
        n_headlines = 0
        if exact:
            con.execute("UPDATE sightings SET document_id = ? WHERE document_id = ?", [heir, old])
            n_headlines = con.execute("SELECT n_headlines FROM documents WHERE document_id = ?", [old]).fetchall()[0][0]
        con.execute("UPDATE documents SET status = 'loaded', duplicate_of = NULL, n_headlines = ? WHERE document_id = ?",
                    [n_headlines, heir])
        con.execute("UPDATE articles SET document_id = ? WHERE document_id = ?", [heir, old])
    # A page kept for its ticker whose article repeated a superseded one takes that article.
    pages = con.execute("""
        SELECT o.document_id, min(d.document_id)
        FROM documents d JOIN _old o ON list_contains(d.warnings, 'article_duplicate_of:' || o.document_id)
        WHERE d.status = 'loaded' AND d.document_id NOT IN (SELECT document_id FROM _old)
          AND o.document_id IN (SELECT document_id FROM articles)
        GROUP BY o.document_id""").fetchall()
    for old, heir in pages:
        con.execute("UPDATE articles SET document_id = ? WHERE document_id = ?", [heir, old])


def forget_articles(con: duckdb.DuckDBPyConnection, article_ids: list[int]) -> None:
    """Delete articles and every enrichment row that refers to them."""
    if article_ids:
        _forget(con, "articles", "article_id", article_ids, ARTICLE_ROWS, STORY_TABLES[0])


def recount_headlines(con: duckdb.DuckDBPyConnection, headline_ids: list[int]) -> None:
    """First and last sighting and number of sightings of these headlines, from the sightings
    stored now; a headline no page shows any more is deleted with its enrichment rows. Their
    stories are handed back to the stories stage (their dates and counts changed)."""
    if not headline_ids:
        return
    con.register("_recount", pa.table({"headline_id": pa.array(sorted(set(headline_ids)), pa.int64())}))
    try:
        con.execute("""
            UPDATE headlines SET n_sightings = s.n, first_seen = s.first_seen, last_seen = s.last_seen
            FROM (SELECT headline_id, count(*) AS n, min(seen_at) AS first_seen, max(seen_at) AS last_seen
                  FROM sightings WHERE headline_id IN (SELECT headline_id FROM _recount) GROUP BY ALL) s
            WHERE headlines.headline_id = s.headline_id""")
        gone = _ids(con, """SELECT headline_id FROM _recount
                            WHERE headline_id NOT IN (SELECT headline_id FROM sightings
                                                      WHERE headline_id IN (SELECT headline_id FROM _recount))""")
    finally:
        con.unregister("_recount")
    _requeue_stories(con, STORY_TABLES[1], headline_ids)
    if gone:
        _forget(con, "headlines", "headline_id", gone, HEADLINE_ROWS, STORY_TABLES[1])


def _forget(con, table: str, id_column: str, ids: list[int], derived, stories) -> None:
    _requeue_stories(con, stories, ids)
    con.register("_forget", pa.table({"id": pa.array(sorted(set(ids)), pa.int64())}))
    try:
        for name, column, condition in derived:
            if has_table(con, name):
                con.execute(f"DELETE FROM {name} WHERE {condition}{column} IN (SELECT id FROM _forget)")
        con.execute(f"DELETE FROM {table} WHERE {id_column} IN (SELECT id FROM _forget)")
    finally:
        con.unregister("_forget")


def _requeue_stories(con, tables, ids: list[int]) -> None:
    """Remove the stories these documents belong to, with all their members' story rows: the
    stories stage treats the members as new and links them again."""
    members, summary, index, bands, id_column = tables
    if not ids or not has_table(con, members):
        return
    con.register("_touched", pa.table({"id": pa.array(sorted(set(ids)), pa.int64())}))
    try:
        con.execute(f"""CREATE OR REPLACE TEMP TABLE _requeued AS
                        SELECT {id_column} AS id, story_id FROM {members}
                        WHERE story_id IN (SELECT story_id FROM {members} WHERE {id_column} IN (SELECT id FROM _touched))
                        UNION SELECT id, NULL FROM _touched""")
        con.execute(f"DELETE FROM {summary} WHERE story_id IN (SELECT story_id FROM _requeued)")
        for name in (members, index, bands):
            con.execute(f"DELETE FROM {name} WHERE {id_column} IN (SELECT id FROM _requeued)")
        con.execute("DROP TABLE _requeued")
    finally:
        con.unregister("_touched")
