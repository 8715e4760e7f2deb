"""A K-times larger stand-in of a loaded bench database, built in minutes.

Loading and enriching a million pages takes hours of both cores; what search and attention
measure depends on the number of articles, their text and dates, and the story links. The
stand-in copies every article and document K times (ids moved past the original range, dates
moved on by the span of the original dates, so the archive gets K times longer and no week
holds more articles than before) and links stories the way the stories stage does: every
article has a row in ``article_stories``, one in ten shares a two-article story.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

# Columns moved per copy: ids by the id span, dates and timestamps by the day span.
ID_COLUMNS = {"article_id", "document_id", "duplicate_of"}
DATE_TYPES = {"DATE", "TIMESTAMP", "TIMESTAMP WITH TIME ZONE"}
LINKED_EVERY = 20  # two articles in every twenty share a story


def _select(con, table: str) -> str:
    columns = con.execute("SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = $t "
                          "ORDER BY column_index", {"t": table}).fetchall()
    out = []
    for name, kind in columns:
        if name in ID_COLUMNS:
            out.append(f"{name} + $k * $ids")
        elif kind == "DATE":
            out.append(f"{name} + CAST($k * $days AS INTEGER)")
        elif kind in DATE_TYPES:
            out.append(f"{name} + to_days(CAST($k * $days AS INTEGER))")
        else:
            out.append(name)
    return ", ".join(out)


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
        step = {"ids": int(ids), "days": (high - low).days + 1}
        documents, articles = _select(con, "documents"), _select(con, "articles")
        for k in range(1, copies):
            con.execute(f"INSERT INTO documents SELECT {documents} FROM documents WHERE document_id <= $ids",
                        {"k": k, **step})
            con.execute(f"INSERT INTO articles SELECT {articles} FROM articles WHERE article_id <= $ids "
                        "ORDER BY article_id", {"k": k, **step})
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
