"""What changed since the rollups were last built: the days whose counts may differ, and
whether the ticker sightings only grew. The rollups stage (analysis.rollups) recomputes just
those days and headlines, or everything when there is no earlier build to compare with.

A day's counts (``rollup_days``, ``rollup_story_days``) depend on its dated articles (id,
language, outlet, the entities they mention and how often, their topic rows) and, through the
distinct-story counts, on every article of the stories those articles belong to, on any day.
A day's print hashes all of that: each of its articles with its own signature, its story and
the signature of the story's whole membership. A story that gains, loses or changes an
article (a new copy, a relink, a re-scored topic on another day) therefore changes the print
of every day it touches, old days and new; a day whose print is unchanged has the same rows.
The prints are sums of 64-bit hashes (HUGEINT, no overflow): order-free, and a repeated
article or mention still counts.

Headline spans depend on each headline's sightings and the sites of their documents. The
build records the highest document id and a print of every sighting up to it; when the
sightings up to that id still have that print, only sightings of newer documents were added,
and only their headlines need counting again. Anything else (an unload, a superseded file)
rebuilds the spans.
"""

from __future__ import annotations

import duckdb

from analysis.db import scalar

# One row per dated article, as trends.units_sql dates them (undated articles count nowhere):
# its day, its story (itself when unlinked) and the hash of what it contributes to counts.
ARTICLES = """
    CREATE OR REPLACE TEMP TABLE _rollup_articles AS
    WITH m AS (SELECT article_id, sum(hash(entity_id)) AS print FROM mentions
               WHERE article_id IS NOT NULL GROUP BY article_id),
         t AS (SELECT article_id, sum(hash(topic_id, is_primary)) AS print FROM article_topics GROUP BY article_id)
    SELECT a.article_id, a.published_date AS day, coalesce(s.story_id, -a.article_id) AS story_id,
           hash(a.article_id, a.published_date, a.lang, a.outlet, coalesce(m.print, 0), coalesce(t.print, 0)) AS print
    FROM articles a LEFT JOIN article_stories s ON s.article_id = a.article_id
    LEFT JOIN m ON m.article_id = a.article_id LEFT JOIN t ON t.article_id = a.article_id
    WHERE a.published_date IS NOT NULL"""

DAY_PRINTS = """
    CREATE OR REPLACE TEMP TABLE _rollup_prints AS
    WITH stories AS (SELECT story_id, sum(print) AS print FROM _rollup_articles GROUP BY story_id)
    SELECT a.day, sum(hash(a.print, a.story_id, s.print)) AS print
    FROM _rollup_articles a JOIN stories s ON s.story_id = a.story_id GROUP BY a.day"""

# Days whose print changed, appeared or disappeared since the last build.
AFFECTED = """
    CREATE OR REPLACE TEMP TABLE _rollup_affected AS
    SELECT coalesce(n.day, o.day) AS day FROM _rollup_prints n FULL JOIN rollup_day_prints o ON o.day = n.day
    WHERE n.print IS DISTINCT FROM o.print"""

# Every dated article of a story present on an affected day: the counts of those days come
# from these articles alone (a story's other days included, for its number of days).
SCOPE = """
    CREATE OR REPLACE TEMP TABLE _rollup_scope AS
    SELECT article_id FROM _rollup_articles
    WHERE story_id IN (SELECT story_id FROM _rollup_articles WHERE day IN (SELECT day FROM _rollup_affected))"""

# The sightings print up to document id $upto, and up to the newest document.
SIGHTINGS_PRINTS = """
    SELECT coalesce(sum(hash(g.headline_id, g.document_id, g.position, g.seen_at)) FILTER (WHERE g.document_id <= $upto), 0)
           + coalesce((SELECT sum(hash(document_id, site)) FROM documents WHERE document_id <= $upto), 0),
           coalesce(sum(hash(g.headline_id, g.document_id, g.position, g.seen_at)), 0)
           + coalesce((SELECT sum(hash(document_id, site)) FROM documents WHERE document_id <= $newest), 0)
    FROM sightings g"""

TEMP_TABLES = ("_rollup_articles", "_rollup_prints", "_rollup_affected", "_rollup_scope", "_rollup_headlines")


def day_prints(con: duckdb.DuckDBPyConnection) -> None:
    """Compute every day's print now (temp tables ``_rollup_articles``, ``_rollup_prints``)."""
    con.execute(ARTICLES)
    con.execute(DAY_PRINTS)


def affected_days(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """After ``day_prints``: the days to recompute into ``_rollup_affected`` and the articles
    they are counted from into ``_rollup_scope``. Returns (affected days, days then or now)."""
    con.execute(AFFECTED)
    con.execute(SCOPE)
    return con.execute("""SELECT (SELECT count(*) FROM _rollup_affected),
                                 (SELECT count(*) FROM (SELECT day FROM _rollup_prints UNION SELECT day FROM rollup_day_prints))
                       """).fetchall()[0]


def store_day_prints(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("DELETE FROM rollup_day_prints")
    con.execute("INSERT INTO rollup_day_prints SELECT day, print FROM _rollup_prints ORDER BY day")


def sightings_state(con: duckdb.DuckDBPyConnection) -> tuple[int | None, int, bool]:
    """(newest document id, sightings print up to it, True when the sightings the last build
    counted are unchanged so that only newer documents' headlines need counting again; their
    ids are then in the temp table ``_rollup_headlines``)."""
    newest = scalar(con, "SELECT max(document_id) FROM documents")
    built = con.execute("SELECT max_document_id, sightings_print FROM rollup_state").fetchall()
    upto, before = built[0] if built else (None, None)
    upto = -1 if upto is None else upto  # no document then
    old, now = con.execute(SIGHTINGS_PRINTS, {"upto": upto, "newest": newest}).fetchall()[0]
    appended = before is not None and old == before
    if appended:
        con.execute("""CREATE OR REPLACE TEMP TABLE _rollup_headlines AS
                       SELECT DISTINCT headline_id FROM sightings WHERE document_id > $upto""", {"upto": upto})
    return newest, now, appended


def drop_temp_tables(con: duckdb.DuckDBPyConnection) -> None:
    for table in TEMP_TABLES:  # fixed names
        con.execute(f"DROP TABLE IF EXISTS {table}")
