"""What drove a burst: its articles (or headlines) and the entities that co-occur in them.

Topic bursts read ``article_topics`` / ``headline_topics``; entity bursts read the entities
stage's ``mentions`` (article_id, entity_id) and ``entities`` (entity_id, name). Those
tables may not exist (entities not enriched yet): the lists are then empty, never an error.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from analysis.db import has_columns, has_table

LANGS = {"fr", "ar", "en", "es"}


def _step(periods: pd.Series) -> str:
    """day, week or month from the spacing of a frame's periods."""
    unique = pd.Series(sorted(periods.dropna().unique()))
    if len(unique) < 2:
        return "week"
    days = unique.diff().dropna().dt.days.median()
    return "day" if days <= 1 else "week" if days <= 7 else "month"


def _period_end(start: pd.Timestamp, step: str) -> dt.date:
    """Last day of the period starting at ``start``."""
    start = pd.Timestamp(start)
    if step == "day":
        return start.date()
    if step == "week":
        return (start + pd.Timedelta(days=6)).date()
    return (start + pd.offsets.MonthEnd(0)).date()


def _group_filter(group, by: str | None) -> str:
    """SQL condition restricting articles to a burst's group (outlet or language); without
    ``by``, a group that is a language code is taken as a language."""
    if group is None:
        return "TRUE"
    if by is None:
        by = "lang" if group in LANGS else "outlet"
    return {"lang": "a.lang = $group", "outlet": "a.outlet = $group"}[by]


def attach_evidence(con: duckdb.DuckDBPyConnection, out: pd.DataFrame, *, key: str, periods: pd.Series,
                    by: str | None, documents: str, n_articles: int, n_entities: int) -> pd.DataFrame:
    step = _step(periods)
    has_mentions = has_columns(con, "mentions", {"article_id", "entity_id"})
    has_entities = has_mentions and has_columns(con, "entities", {"entity_id", "name"})
    articles_col, entities_col = [], []
    for row in out.itertuples(index=False):
        group = None if pd.isna(row.group) else row.group
        start, end = pd.Timestamp(row.start).date(), _period_end(row.end, step)
        if key == "topic" and documents == "headlines":
            articles_col.append(_headlines(con, row.key, start, end, n_articles))
            entities_col.append([])
            continue
        ids, top = _driving(con, key, row.key, group, by, start, end, n_articles, has_mentions)
        articles_col.append(top)
        exclude = row.key if key != "topic" else None
        entities_col.append(_cooccurring(con, ids, exclude, key, n_entities) if has_entities and ids else [])
    out = out.copy()
    out["articles"] = articles_col
    out["entities"] = entities_col
    return out


def _driving(con, key: str, value, group, by, start, end, n: int, has_mentions: bool) -> tuple[list[int], list[dict]]:
    condition = _group_filter(group, by)
    params = {"value": str(value), "start": start, "end": end}
    if group is not None:
        params["group"] = group
    # a syndicated story is one piece of evidence, however many outlets ran it
    story = ("coalesce((SELECT s.story_id FROM article_stories s WHERE s.article_id = a.article_id), a.article_id)"
             if has_table(con, "article_stories") else "a.article_id")
    if key == "topic":
        sql = f"""SELECT a.article_id, a.title, a.outlet, a.published_date, max(t.score) AS weight, {story} AS story
                  FROM article_topics t JOIN articles a USING (article_id)
                  WHERE t.topic_id = $value AND t.is_primary AND a.published_date BETWEEN $start AND $end
                    AND {condition}
                  GROUP BY ALL ORDER BY weight DESC, a.published_date, a.article_id"""
    elif has_mentions:
        match = _entity_match(con, key)
        sql = f"""SELECT a.article_id, a.title, a.outlet, a.published_date, count(*) AS weight, {story} AS story
                  FROM mentions m JOIN articles a ON a.article_id = m.article_id
                  WHERE {match} AND a.published_date BETWEEN $start AND $end AND {condition}
                  GROUP BY ALL ORDER BY weight DESC, a.published_date, a.article_id"""
    else:
        return [], []
    rows = con.execute(sql, params).fetchall()
    top, seen = [], set()
    for r in rows:
        if len(top) == n:
            break
        if r[5] not in seen:
            seen.add(r[5])
            top.append({"article_id": r[0], "title": r[1], "outlet": r[2], "published_date": r[3]})
    return [r[0] for r in rows], top


def _entity_match(con, key: str) -> str:
    """Condition on mentions m matching the burst's entity, given by id or by name."""
    if key == "entity_id" or not has_columns(con, "entities", {"entity_id", "name"}):
        return "CAST(m.entity_id AS VARCHAR) = $value"
    return ("(CAST(m.entity_id AS VARCHAR) = $value OR m.entity_id IN "
            "(SELECT entity_id FROM entities WHERE name = $value))")


def _cooccurring(con, ids: list[int], exclude, key: str, n: int) -> list[dict]:
    skip = ""
    params: dict = {"ids": ids, "n": n}
    if exclude is not None:
        skip = "AND CAST(e.entity_id AS VARCHAR) <> $exclude AND e.name <> $exclude"
        params["exclude"] = str(exclude)
    rows = con.execute(f"""SELECT e.name, count(DISTINCT m.article_id) AS n_articles
                           FROM mentions m JOIN entities e ON e.entity_id = m.entity_id
                           WHERE m.article_id IN (SELECT unnest($ids::BIGINT[])) {skip}
                           GROUP BY e.name ORDER BY n_articles DESC, e.name LIMIT $n""", params).fetchall()
    return [{"entity": r[0], "n_articles": r[1]} for r in rows]


def _headlines(con, topic: str, start, end, n: int) -> list[dict]:
    rows = con.execute("""SELECT h.headline_id, h.text, min(CAST(g.seen_at AS DATE)) AS first_day, max(t.score) AS w
                          FROM headline_topics t JOIN headlines h USING (headline_id)
                          JOIN sightings g USING (headline_id)
                          WHERE t.topic_id = $topic AND t.is_primary
                            AND CAST(g.seen_at AS DATE) BETWEEN $start AND $end
                          GROUP BY ALL ORDER BY w DESC, first_day, h.headline_id LIMIT $n""",
                       {"topic": topic, "start": start, "end": end, "n": n}).fetchall()
    return [{"headline_id": r[0], "text": r[1], "first_seen": r[2]} for r in rows]
