"""Reading stories back: the biggest ones, and one story's placements and timeline."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from analysis.errors import InvalidArgument
from analysis.trends import as_date

SOURCES = ("articles", "headlines")


def _check(source: str) -> None:
    if source not in SOURCES:
        raise InvalidArgument(f"source must be 'articles' or 'headlines', not {source!r}")


def top_stories(con: duckdb.DuckDBPyConnection, *, source: str = "articles", limit: int = 20,
                start: dt.date | str | None = None, end: dt.date | str | None = None,
                min_placements: int = 2) -> pd.DataFrame:
    """Stories with the most placements (articles) or sightings (headlines).

    Filtered on the story's first_seen day (``start``/``end`` inclusive, either optional).
    Articles — columns: story_id, first_seen, last_seen, n_placements, n_outlets,
    first_outlet, title (of the first placement; the start of its body when it has none).
    Headlines — columns: story_id, first_seen, last_seen, n_headlines, n_sightings, text.
    """
    _check(source)
    params = {"start": as_date(start), "end": as_date(end), "limit": int(limit), "min": int(min_placements)}
    where = """($start IS NULL OR CAST(s.first_seen AS DATE) >= $start)
               AND ($end IS NULL OR CAST(s.first_seen AS DATE) <= $end)"""
    if source == "articles":
        sql = f"""
            SELECT s.story_id, s.first_seen, s.last_seen, s.n_placements, s.n_outlets, s.first_outlet,
                   coalesce(a.title, left(a.body, 100)) AS title
            FROM stories s JOIN articles a ON a.article_id = s.first_article_id
            WHERE s.n_placements >= $min AND {where}
            ORDER BY s.n_placements DESC, s.n_outlets DESC, s.story_id LIMIT $limit"""
    else:
        sql = f"""
            SELECT s.story_id, s.first_seen, s.last_seen, s.n_headlines, s.n_sightings, s.first_text AS text
            FROM ticker_stories s
            WHERE s.n_headlines >= $min AND {where}
            ORDER BY s.n_sightings DESC, s.n_headlines DESC, s.story_id LIMIT $limit"""
    return con.execute(sql, params).df()


def story_placements(con: duckdb.DuckDBPyConnection, story_id: int, *, source: str = "articles") -> pd.DataFrame:
    """Every placement of one story, earliest first.

    Articles — columns: article_id, published (TIMESTAMPTZ), outlet, title, url,
    similarity, n_chars. Headlines — columns: headline_id, first_seen, last_seen,
    n_sightings, similarity, text. Empty when the story does not exist.
    """
    _check(source)
    if source == "articles":
        sql = """
            SELECT a.article_id, coalesce(a.published_at, CAST(a.published_date AS TIMESTAMPTZ)) AS published,
                   a.outlet, a.title, a.url, s.similarity, length(a.body) AS n_chars
            FROM article_stories s JOIN articles a USING (article_id)
            WHERE s.story_id = $story
            ORDER BY published NULLS LAST, a.article_id"""
    else:
        sql = """
            SELECT h.headline_id, h.first_seen, h.last_seen, h.n_sightings, s.similarity, h.text
            FROM headline_stories s JOIN headlines h USING (headline_id)
            WHERE s.story_id = $story
            ORDER BY h.first_seen NULLS LAST, h.headline_id"""
    return con.execute(sql, {"story": int(story_id)}).df()


def story_timeline(con: duckdb.DuckDBPyConnection, story_id: int, *, source: str = "articles") -> pd.DataFrame:
    """Placements per day of one story. Columns: day (DATE), n_placements, n_outlets
    (articles), or day, n_sightings (headlines: ticker slots seen that day)."""
    _check(source)
    if source == "articles":
        sql = """
            SELECT a.published_date AS day, count(*) AS n_placements, count(DISTINCT a.outlet) AS n_outlets
            FROM article_stories s JOIN articles a USING (article_id)
            WHERE s.story_id = $story GROUP BY ALL ORDER BY day NULLS LAST"""
    else:
        sql = """
            SELECT CAST(g.seen_at AS DATE) AS day, count(*) AS n_sightings
            FROM headline_stories s JOIN sightings g USING (headline_id)
            WHERE s.story_id = $story GROUP BY ALL ORDER BY day NULLS LAST"""
    return con.execute(sql, {"story": int(story_id)}).df()

