"""K-times larger stand-ins of bench databases, built in minutes.

Loading and enriching a million pages takes hours of both cores. A stand-in copies a smaller
database K times: ids moved past the original range, dates moved on by the span of the
original dates, so the archive gets K times longer and no week holds more articles than before.

- ``build``: for search and attention, which depend on the articles, their text and dates,
  and the story links. Every article and document is copied; stories are linked the way the
  stories stage does: every article has a row in ``article_stories``, one in ten shares a
  two-article story.
- ``archive``: for the frequencies and the ticker, from an enriched database: every table the
  rollups and the frequency readers read (mentions, topics, stories, sightings), bodies left
  out (nothing measured there reads them). Headlines, entities and topics are kept once, as
  in a real archive, where the same names, topics and ticker lines come back day after day.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import duckdb

DATE_TYPES = {"DATE", "TIMESTAMP", "TIMESTAMP WITH TIME ZONE"}
LINKED_EVERY = 20  # two articles in every twenty share a story
ARTICLE_IDS = {"article_id", "story_id", "first_article_id"}
DOCUMENT_IDS = {"document_id", "duplicate_of"}


def _moved(con, database: str, table: str, *, bodies: bool = True) -> str:
    """The select list of one copy of a table: article ids moved by ``$ka``, document ids by
    ``$kd``, dates and timestamps by ``$days`` days, paths made unique with ``$k``."""
    columns = con.execute("SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = $t "
                          "AND database_name = $db ORDER BY column_index", {"t": table, "db": database}).fetchall()
    out = []
    for name, kind in columns:
        quoted = f'"{name}"'
        if name in ARTICLE_IDS:
            out.append(f"{quoted} + $ka")
        elif name in DOCUMENT_IDS:
            out.append(f"{quoted} + $kd")
        elif (table, name) == ("documents", "path"):
            out.append(f"{quoted} || '#' || $k")  # (path, record) is unique
        elif (table, name) == ("articles", "body") and not bodies:
            out.append("'x'")
        elif kind == "DATE":
            out.append(f"{quoted} + CAST($days AS INTEGER)")
        elif kind in DATE_TYPES:
            out.append(f"{quoted} + to_days(CAST($days AS INTEGER))")
        else:
            out.append(quoted)
    return ", ".join(out)


def _params(sql: str, values: dict) -> dict:
    """The values a statement names (DuckDB refuses unused ones)."""
    return {name: value for name, value in values.items() if re.search(rf"\${name}\b", sql)}


def build(source: Path, target: Path, copies: int) -> Path:
    """``source`` (a loaded database) copied ``copies`` times into ``target`` (cached)."""
    if target.exists():
        return target
    tmp = target.with_suffix(".tmp.duckdb")
    shutil.copyfile(source, tmp)
    con = duckdb.connect(str(tmp))
    try:
        ids = con.execute("SELECT greatest(max(article_id), max(document_id)) FROM articles").fetchall()[0][0]
        low, high = con.execute("SELECT min(published_date), max(published_date) FROM articles").fetchall()[0]
        database = con.execute("SELECT current_database()").fetchall()[0][0]
        for table in ("documents", "articles"):
            sql = (f"INSERT INTO {table} SELECT {_moved(con, database, table)} FROM {table} "
                   f"WHERE {table[:-1]}_id <= $ids ORDER BY {table[:-1]}_id")
            for k in range(1, copies):
                step = {"ka": k * int(ids), "kd": k * int(ids), "days": k * ((high - low).days + 1), "k": k,
                        "ids": int(ids)}
                con.execute(sql, _params(sql, step))
        con.execute("DELETE FROM article_stories")
        con.execute("""
            INSERT INTO article_stories
            WITH o AS (SELECT article_id, (row_number() OVER (ORDER BY article_id) - 1) % $every AS r,
                              lag(article_id) OVER (ORDER BY article_id) AS previous
                       FROM articles)
            SELECT article_id, CASE WHEN r = 1 THEN previous ELSE article_id END,
                   CASE WHEN r = 1 THEN 0.9 END
            FROM o""", {"every": LINKED_EVERY})
        con.execute("CHECKPOINT")
    finally:
        con.close()
    tmp.rename(target)
    return target


# Copied once per copy, with their ids and dates moved; everything else read by the
# frequencies is kept once.
PER_COPY = ("documents", "articles", "article_stories", "stories", "mentions", "article_topics", "sightings")
ONCE = ("entities", "aliases", "topics", "topic_labels", "headline_stories", "headline_topics", "outlets", "loads")


def archive(source: Path, target: Path, copies: int) -> Path:
    """The frequency tables of ``source`` (an enriched database) copied ``copies`` times into
    ``target``, which must not exist; its rollups are left for the rollups stage to build."""
    import analysis

    tmp = target.with_suffix(".tmp.duckdb")
    tmp.unlink(missing_ok=True)
    con = analysis.connect(tmp)
    try:
        con.execute("ATTACH $path AS b (READ_ONLY)", {"path": str(source)})
        for table in ONCE:
            con.execute(f"INSERT INTO {table} SELECT * FROM b.{table}")
        span = _offsets(con, 1)["days"]
        con.execute("""INSERT INTO headlines SELECT * REPLACE (
                           last_seen + to_days(CAST($span * ($k - 1) AS INTEGER)) AS last_seen,
                           n_sightings * $k AS n_sightings) FROM b.headlines""", {"span": span, "k": copies})
        con.execute("INSERT INTO mentions SELECT * FROM b.mentions WHERE headline_id IS NOT NULL")
        for k in range(copies):
            _copy(con, _offsets(con, k))
        con.execute("DETACH b")
        con.execute("CHECKPOINT")
    finally:
        con.close()
    tmp.rename(target)
    return target


# Which rows of a table belong to the articles in ``_extra``: by its id column.
EXTRA_ROWS = {"documents": "document_id IN (SELECT document_id FROM _extra)",
              "sightings": "document_id IN (SELECT document_id FROM _extra)",
              "stories": "story_id IN (SELECT story_id FROM b.article_stories WHERE article_id IN (SELECT article_id FROM _extra))"}


def extend(source: Path, target: Path, *, copy: int, share: float) -> dict:
    """Copy number ``copy`` of the articles of ``source``'s first days that hold ``share`` of
    ``target``'s articles (an ``archive`` of ``source``), added to ``target`` with their
    pages, sightings, mentions, topics and stories: a scheduled load's new days. Returns the
    articles and days added."""
    import analysis

    con = analysis.connect(target)
    try:
        con.execute("ATTACH $path AS b (READ_ONLY)", {"path": str(source)})
        n_target, n_source = con.execute("SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM b.articles)").fetchall()[0]
        cut = con.execute("SELECT quantile_disc(published_date, $q) FROM b.articles",
                          {"q": min(1.0, share * n_target / n_source)}).fetchall()[0][0]
        con.execute("""CREATE TEMP TABLE _extra AS SELECT article_id, document_id FROM b.articles
                       WHERE published_date <= $cut""", {"cut": cut})
        _copy(con, _offsets(con, copy), where=lambda table: EXTRA_ROWS.get(table, "article_id IN (SELECT article_id FROM _extra)"))
        added = con.execute("""SELECT count(*), count(DISTINCT published_date) FROM b.articles
                               WHERE article_id IN (SELECT article_id FROM _extra)""").fetchall()[0]
        con.execute("DETACH b")
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return {"articles": added[0], "days": added[1]}


def _offsets(con, k: int) -> dict:
    """How copy ``k`` of the attached database ``b`` moves ids and dates (see ``_moved``)."""
    ka, kd, low, high = con.execute("""SELECT (SELECT max(article_id) FROM b.articles), (SELECT max(document_id) FROM b.documents),
                                              (SELECT min(published_date) FROM b.articles),
                                              (SELECT max(published_date) FROM b.articles)""").fetchall()[0]
    return {"ka": k * int(ka), "kd": k * int(kd), "days": k * ((high - low).days + 1), "k": k}


def _copy(con, step: dict, *, where=lambda table: "TRUE") -> None:
    """One copy of the per-copy tables of the attached database ``b``, moved by ``step``."""
    for table in PER_COPY:
        sql = f"INSERT INTO {table} SELECT {_moved(con, 'b', table, bodies=False)} FROM b.{table} WHERE ({where(table)})"
        if table == "mentions":
            sql += " AND article_id IS NOT NULL"
        con.execute(sql, _params(sql, step))
