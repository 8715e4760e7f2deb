"""Shared time bucketing for every "X over time" frame (entities, topics, volume).

All frequency functions return the same tidy shape so one set of plots and the burst
detector serve them all. Bucketing happens in SQL (``date_trunc``); identifiers come from
the allow-lists below, values are bound parameters.

The frequency contract
----------------------
``entity_frequencies`` and ``topic_frequencies`` both return, one row per period × group ×
item (zeros included): ``period`` (datetime64[us], midnight of the bucket's first day),
``group`` (object: outlet or language, None when not grouped), the item's own columns,
``label`` (str: the display name), ``n_documents`` (int64: units of the item),
``n_total`` (int64: all units of the period and group, from ``totals_sql``), ``share``
(float64: n_documents / n_total) and ``incomplete`` (bool). ``frequency_frame`` builds it.

Counting units
--------------
``unit="placements"`` counts every stored article (each copy of a syndicated dispatch).
``unit="stories"`` counts distinct stories: articles linked in ``article_stories`` share a
``story_id``; an article not (yet) linked is its own story. A story whose copies fall in
two periods counts once in each.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from analysis.db import has_table, scalar
from analysis.errors import InvalidArgument

FREQS = ("day", "week", "month")
GROUPS = {None: "NULL::VARCHAR", "outlet": "a.outlet", "lang": "a.lang"}
UNITS = ("stories", "placements")
SOURCES = ("articles", "headlines")
HEADLINE_GROUPS = {None: "NULL::VARCHAR", "lang": "h.lang", "outlet": "NULL::VARCHAR"}

# A period is flagged incomplete when it holds fewer documents than this share of the
# median period of its group: collection gaps look like news droughts otherwise.
THIN_PERIOD_SHARE = 0.25


def check_options(*, freq: str, by: str | None, unit: str, source: str = "articles") -> None:
    if freq not in FREQS:
        raise InvalidArgument(f"freq must be one of {', '.join(FREQS)}, not {freq!r}")
    if by not in GROUPS:
        raise InvalidArgument(f"by must be None, 'outlet' or 'lang', not {by!r}")
    if unit not in UNITS:
        raise InvalidArgument(f"unit must be 'stories' or 'placements', not {unit!r}")
    if source not in SOURCES:
        raise InvalidArgument(f"source must be 'articles' or 'headlines', not {source!r}")


def has_rows(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    """True when ``table`` exists and holds at least one row (``table`` comes from our code)."""
    if not has_table(con, table):
        return False
    return bool(scalar(con, f"SELECT count(*) FROM (SELECT 1 FROM {table} LIMIT 1)"))


def units_sql(con: duckdb.DuckDBPyConnection, *, freq: str, by: str | None, unit: str,
              source: str = "articles") -> str:
    """SQL for one row per counted document: (doc_id, unit_id, period, grp, grp_first, grp_last).

    ``doc_id`` is the article_id (source="articles") or headline_id (source="headlines");
    ``unit_id`` is the story when counting stories. Filter with ``$start``/``$end`` (DATE,
    either may be NULL). Articles are dated by their published_date; headlines by the day
    of each sighting (a headline on the ticker for three days counts on each day).
    ``grp_first``/``grp_last`` are the group's first and last day with data in the whole
    database, whatever the window: they tell where a group's collection starts and stops.
    """
    check_options(freq=freq, by=by, unit=unit, source=source)
    if source == "articles":
        story = "a.article_id"
        join = ""
        if unit == "stories" and has_table(con, "article_stories"):
            join = "LEFT JOIN article_stories s ON s.article_id = a.article_id"
            story = "coalesce(s.story_id, -a.article_id)"
        return f"""
            SELECT a.article_id AS doc_id, {story} AS unit_id,
                   CAST(date_trunc('{freq}', a.published_date) AS DATE) AS period,
                   {GROUPS[by]} AS grp, gb.first_day AS grp_first, gb.last_day AS grp_last
            FROM articles a {join}
            JOIN (SELECT {GROUPS[by]} AS grp, min(a.published_date) AS first_day, max(a.published_date) AS last_day
                  FROM articles a WHERE a.published_date IS NOT NULL GROUP BY ALL) gb
              ON gb.grp IS NOT DISTINCT FROM {GROUPS[by]}
            WHERE a.published_date IS NOT NULL
              AND ($start IS NULL OR a.published_date >= $start)
              AND ($end IS NULL OR a.published_date <= $end)"""
    story = "h.headline_id"
    join = ""
    if unit == "stories" and has_table(con, "headline_stories"):
        join = "LEFT JOIN headline_stories s ON s.headline_id = h.headline_id"
        story = "coalesce(s.story_id, -h.headline_id)"
    return f"""
        SELECT DISTINCT h.headline_id AS doc_id, {story} AS unit_id,
               CAST(date_trunc('{freq}', CAST(g.seen_at AS DATE)) AS DATE) AS period,
               {HEADLINE_GROUPS[by]} AS grp, gb.first_day AS grp_first, gb.last_day AS grp_last
        FROM sightings g JOIN headlines h USING (headline_id) {join}
        JOIN (SELECT {HEADLINE_GROUPS[by]} AS grp, CAST(min(g.seen_at) AS DATE) AS first_day,
                     CAST(max(g.seen_at) AS DATE) AS last_day
              FROM sightings g JOIN headlines h USING (headline_id) WHERE g.seen_at IS NOT NULL GROUP BY ALL) gb
          ON gb.grp IS NOT DISTINCT FROM {HEADLINE_GROUPS[by]}
        WHERE g.seen_at IS NOT NULL
          AND ($start IS NULL OR CAST(g.seen_at AS DATE) >= $start)
          AND ($end IS NULL OR CAST(g.seen_at AS DATE) <= $end)"""


def period_totals(con: duckdb.DuckDBPyConnection, *, freq: str = "week", by: str | None = None,
                  unit: str = "stories", source: str = "articles",
                  start: dt.date | str | None = None, end: dt.date | str | None = None) -> pd.DataFrame:
    """Documents per period and group, with the incomplete-period flag.

    Columns: ``period`` (DATE, start of the bucket), ``group`` (outlet or language, None
    when ``by`` is None), ``n_documents`` (distinct units), ``incomplete`` (bool: the group's
    data starts or stops inside the period, or it holds fewer than THIN_PERIOD_SHARE × the
    group's median). Starts and stops are those of the group in the whole database, not of
    the ``start``/``end`` window: a window ending on a complete week does not make it incomplete.
    Computed from the raw tables; ``analysis.rollups.period_totals`` answers from the rollups
    when they are fresh.
    """
    sql = f"""
        WITH units AS ({units_sql(con, freq=freq, by=by, unit=unit, source=source)}),
        {totals_sql(freq=freq, source=source)}
        SELECT period, grp AS "group", n_documents, incomplete FROM period_totals ORDER BY period, grp"""
    params = {"start": as_date(start), "end": as_date(end), "thin": THIN_PERIOD_SHARE}
    return con.execute(sql, params).df()


def totals_sql(*, freq: str, source: str = "articles") -> str:
    """CTEs ending in ``period_totals(period, grp, n_documents, incomplete)``, computed from a
    preceding CTE named ``units`` (see ``units_sql``); bind ``$thin`` to THIN_PERIOD_SHARE.

    A period is incomplete for a group when the group's data starts after the period's first
    day or stops before its last day (a day: the group's first and last day, collections rarely
    start at midnight), or when it is thin (fewer than ``$thin`` × the group's median).
    For callers that need the totals and their own counts from one scan of ``units`` (e.g.
    topic frequencies); ``period_totals`` is this plus the query around it."""
    check_options(freq=freq, by=None, unit="stories", source=source)
    return f"""
        totals AS (SELECT period, grp, count(DISTINCT unit_id) AS n, min(grp_first) AS first_day,
                          max(grp_last) AS last_day FROM units GROUP BY ALL),
        {flags_sql(freq=freq)}"""


def flags_sql(*, freq: str) -> str:
    """CTEs ending in ``period_totals`` (see ``totals_sql``) from a preceding CTE ``totals(period,
    grp, n, first_day, last_day)``: the incomplete flag, whether the counts come from the raw
    tables or from the rollups (analysis.rollups)."""
    check_options(freq=freq, by=None, unit="stories")
    period_end = f"CAST(t.period + INTERVAL 1 {freq} - INTERVAL 1 day AS DATE)"
    edge = "t.first_day = t.period OR t.last_day = t.period" if freq == "day" else \
        f"t.first_day > t.period OR t.last_day < {period_end}"
    return f"""
        medians AS (SELECT grp, median(n) AS med FROM totals GROUP BY grp),
        period_totals AS (
            SELECT t.period, t.grp, t.n AS n_documents, ({edge} OR t.n < $thin * m.med) AS incomplete
            FROM totals t JOIN medians m ON m.grp IS NOT DISTINCT FROM t.grp
        )"""


FREQUENCY_DTYPES = {"period": "datetime64[us]", "group": object, "label": "str", "n_documents": "int64",
                    "n_total": "int64", "share": "float64", "incomplete": "bool"}


def frequency_frame(totals: pd.DataFrame, counts: pd.DataFrame, items: pd.DataFrame, *, key: str,
                    extra_counts: tuple[str, ...] = ()) -> pd.DataFrame:
    """The contract frame (see the module docstring) before the caller orders its rows.

    ``totals`` is a ``period_totals`` frame; ``counts`` has ``period``, ``group``, ``key``,
    ``n_documents`` and the ``extra_counts`` columns, for the cells that are not zero;
    ``items`` has ``key``, ``label`` and the item's other columns, one row per item, in order.
    Returns the grid totals × items with the counts (zeros filled), ``n_total`` and ``share``.
    """
    grid = totals.rename(columns={"n_documents": "n_total"}).merge(items, how="cross")
    grid["period"] = pd.to_datetime(grid["period"]).astype(FREQUENCY_DTYPES["period"])
    grid["group"] = grid["group"].astype(object)
    counts = counts[["period", "group", key, "n_documents", *extra_counts]].astype({"group": object})
    counts["period"] = pd.to_datetime(counts["period"]).astype(FREQUENCY_DTYPES["period"])
    frame = grid.merge(counts, how="left", on=["period", "group", key])
    for column in ("n_documents", *extra_counts):
        frame[column] = frame[column].fillna(0).astype("int64")
    frame["n_total"] = frame["n_total"].astype("int64")
    frame["share"] = (frame["n_documents"] / frame["n_total"].where(frame["n_total"] > 0)).fillna(0.0)
    frame["incomplete"] = frame["incomplete"].astype(bool)
    return frame.astype({"label": FREQUENCY_DTYPES["label"]})


def empty_frequencies(columns: list[str], item_dtypes: dict[str, str]) -> pd.DataFrame:
    """A contract frame without rows: the same columns and dtypes as a full one."""
    dtypes = FREQUENCY_DTYPES | item_dtypes
    return pd.DataFrame({c: pd.Series(dtype=dtypes[c]) for c in columns})


def latest_window(con: duckdb.DuckDBPyConnection, *, months: int = 12,
                  source: str = "articles") -> tuple[dt.date | None, dt.date | None]:
    """(start, end) of the last ``months`` calendar months that end on the newest day of
    ``source`` (articles by publication date, headlines by crawl day): a default window that
    follows the data, not the oldest stray article. (None, None) when there is no data.

    ``start`` is the first day of a month, so month buckets of the window are whole."""
    check_options(freq="month", by=None, unit="stories", source=source)
    if months < 1:
        raise InvalidArgument(f"months must be at least 1, not {months!r}")
    sql = ("SELECT max(published_date) FROM articles" if source == "articles"
           else "SELECT CAST(max(seen_at) AS DATE) FROM sightings")
    end = scalar(con, sql)
    if end is None:
        return None, None
    index = end.year * 12 + end.month - 1 - (months - 1)
    return dt.date(index // 12, index % 12 + 1, 1), end


def as_date(value: dt.date | str | None) -> dt.date | None:
    """A ``start``/``end`` argument as a date: a date stays, an ISO string is parsed, None stays None."""
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))
