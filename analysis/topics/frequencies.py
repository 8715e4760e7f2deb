"""Topics over time: the same tidy shape as entity frequencies, from analysis.trends.

``topic_frequencies`` counts, per period (and outlet or language), the documents whose topic
is each topic, next to all documents of that period, with the shared incomplete-period flag
of ``analysis.trends.period_totals``. Counting is in SQL; identifiers come from allow-lists.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from analysis import rollups, trends
from analysis.errors import InvalidArgument, NotFound

SOURCES = ("taxonomy", "model")
DOCUMENTS = {"articles": ("article_topics", "article_id"), "headlines": ("headline_topics", "headline_id")}
COLUMNS = ["period", "group", "topic", "label", "n_documents", "n_total", "share", "incomplete"]


def resolve_topics(con: duckdb.DuckDBPyConnection, topics: list[str] | str | None, *,
                   source: str = "taxonomy") -> list[str] | None:
    """Topic ids from ids or labels (any language, case-insensitive); None means all."""
    if topics is None:
        return None
    wanted = [topics] if isinstance(topics, str) else list(topics)
    found = []
    for name in wanted:
        row = con.execute(
            """SELECT t.topic_id FROM topics t LEFT JOIN topic_labels l USING (topic_id)
               WHERE t.source = $source AND (lower(t.topic_id) = lower($name) OR lower(t.label) = lower($name)
                                              OR lower(l.label) = lower($name))
               ORDER BY t.position LIMIT 1""", {"source": source, "name": name}).fetchone()
        if row is None:
            raise NotFound(f"no {source} topic called {name!r}; `presswatch topics top --source {source}` lists them")
        found.append(row[0])
    return found


def topic_frequencies(con: duckdb.DuckDBPyConnection, *, freq: str = "week", topics: list[str] | str | None = None,
                      by: str | None = None, start: dt.date | str | None = None, end: dt.date | str | None = None,
                      source: str = "taxonomy", unit: str = "stories", documents: str = "articles",
                      primary_only: bool = True) -> pd.DataFrame:
    """How many documents each topic had per period, and their share of the period's documents.

    The frequency contract of ``analysis.trends`` (dtypes there), with ``topic`` (topic id)
    as the item: ``period``, ``group``, ``topic``, ``label``, ``n_documents`` (stories or
    placements of the topic), ``n_total``, ``share``, ``incomplete``. One row per period ×
    group × topic, zeros included, so a chart or the burst detector sees every period.

    ``source`` is "taxonomy" or "model"; ``documents`` "articles" or "headlines" (headlines
    are dated by each day they were seen on a ticker; they have taxonomy topics only);
    ``primary_only`` counts a document under its primary topic only (shares then add up to
    at most 1), otherwise under every topic stored for it.
    """
    if source not in SOURCES:
        raise InvalidArgument(f"source must be 'taxonomy' or 'model', not {source!r}")
    if documents not in DOCUMENTS:
        raise InvalidArgument(f"documents must be 'articles' or 'headlines', not {documents!r}")
    if documents == "headlines" and source == "model":
        raise InvalidArgument("headlines have taxonomy topics only; use source='taxonomy'")
    chosen = resolve_topics(con, topics, source=source)
    all_ids = [r[0] for r in con.execute(
        "SELECT topic_id FROM topics WHERE source = $source ORDER BY lang NULLS FIRST, position",
        {"source": source}).fetchall()]
    params = {"start": trends.as_date(start), "end": trends.as_date(end), "thin": trends.THIN_PERIOD_SHARE,
              "ids": chosen if chosen is not None else all_ids}
    if rollups.answer(con, source=documents):
        params.update(rollups.window(freq=freq, by=by, start=start, end=end))
        kind = "primary_topic" if primary_only else "topic"
        counted = f"""{rollups.totals_sql(freq=freq, unit=unit)}, {trends.flags_sql(freq=freq)},
        counts AS (SELECT period, grp, item AS topic_id, n_documents AS n
                   FROM ({rollups.counts_sql(kind=kind, freq=freq, unit=unit, items="list_contains($ids, item)")}))"""
    else:
        table, key = DOCUMENTS[documents]
        units = trends.units_sql(con, freq=freq, by=by, unit=unit, source=documents)
        params["primary_only"] = primary_only
        # One materialised scan of the units serves both the period totals and the topic counts.
        counted = f"""units AS MATERIALIZED ({units}),
        {trends.totals_sql(freq=freq, source=documents)},
        counts AS (
            SELECT u.period, u.grp, t.topic_id, count(DISTINCT u.unit_id) AS n
            FROM units u JOIN {table} t ON t.{key} = u.doc_id
            WHERE (t.is_primary OR NOT $primary_only) AND list_contains($ids, t.topic_id)
            GROUP BY ALL
        )"""
    rows = con.execute(f"""
        WITH {counted}
        SELECT true AS is_total, period, grp AS "group", NULL::VARCHAR AS topic, n_documents AS n, incomplete
        FROM period_totals
        UNION ALL
        SELECT false, period, grp, topic_id, n, NULL FROM counts""", params).df()
    totals = rows[rows["is_total"]].rename(columns={"n": "n_documents"})[["period", "group", "n_documents",
                                                                          "incomplete"]]
    counts = rows[~rows["is_total"]].rename(columns={"n": "n_documents"})[["period", "group", "topic", "n_documents"]]
    if chosen is None:
        seen = set(counts["topic"])
        chosen = [t for t in all_ids if t in seen]
    frame = _dense(con, totals, counts, chosen)
    if source == "model" and by == "lang" and not frame.empty:
        # a model topic belongs to one language: its rows in other languages are structural zeros
        langs = dict(con.execute("SELECT topic_id, lang FROM topics WHERE source = 'model'").fetchall())
        frame = frame[frame["topic"].map(langs) == frame["group"]].reset_index(drop=True)
    return frame


def _dense(con, totals: pd.DataFrame, counts: pd.DataFrame, chosen: list[str]) -> pd.DataFrame:
    if totals.empty or not chosen:
        return trends.empty_frequencies(COLUMNS, {"topic": "str"})
    labels = dict(con.execute("SELECT topic_id, label FROM topics WHERE list_contains($ids, topic_id)",
                              {"ids": chosen}).fetchall())
    items = pd.DataFrame({"topic": chosen, "label": [labels.get(t) for t in chosen], "order": range(len(chosen))})
    frame = trends.frequency_frame(totals, counts, items, key="topic")
    frame = frame.sort_values(["period", "group", "order"], na_position="first", kind="stable")
    return frame[COLUMNS].reset_index(drop=True)


def topic_top(con: duckdb.DuckDBPyConnection, *, source: str = "taxonomy", start: dt.date | str | None = None,
              end: dt.date | str | None = None, unit: str = "stories", documents: str = "articles",
              by: str | None = None, limit: int | None = None) -> pd.DataFrame:
    """Topics ranked by documents over a whole date range.

    Columns: ``group`` (outlet or language when ``by`` is given), ``topic``, ``label``,
    ``n_documents`` (distinct primary-topic stories or placements over the range),
    ``n_total`` (all dated stories or placements of the range and group), ``share``,
    ``rank`` (1 = most frequent within the group).
    """
    if source not in SOURCES:
        raise InvalidArgument(f"source must be 'taxonomy' or 'model', not {source!r}")
    if documents not in DOCUMENTS:
        raise InvalidArgument(f"documents must be 'articles' or 'headlines', not {documents!r}")
    table, key = DOCUMENTS[documents]
    units = trends.units_sql(con, freq="month", by=by, unit=unit, source=documents)
    params = {"start": trends.as_date(start), "end": trends.as_date(end), "source": source,
              "limit": limit or 1_000_000}
    return con.execute(f"""
        WITH units AS ({units}),
        totals AS (SELECT grp, count(DISTINCT unit_id) AS n_total FROM units GROUP BY grp),
        counts AS (
            SELECT u.grp, t.topic_id, count(DISTINCT u.unit_id) AS n_documents
            FROM units u JOIN {table} t ON t.{key} = u.doc_id AND t.is_primary
            JOIN topics tp ON tp.topic_id = t.topic_id AND tp.source = $source
            GROUP BY ALL
        ),
        ranked AS (
            SELECT c.grp AS "group", c.topic_id AS topic, tp.label, c.n_documents, tt.n_total,
                   c.n_documents / tt.n_total AS share,
                   row_number() OVER (PARTITION BY c.grp ORDER BY c.n_documents DESC, c.topic_id) AS rank
            FROM counts c JOIN totals tt ON tt.grp IS NOT DISTINCT FROM c.grp
            JOIN topics tp ON tp.topic_id = c.topic_id
        )
        SELECT * FROM ranked WHERE rank <= $limit ORDER BY "group" NULLS FIRST, rank""", params).df()
