"""The `rollups` enrichment stage: daily counts that frequencies answer from at archive scale.

``entity_frequencies``, ``topic_frequencies``, ``trends.period_totals`` and the SQL views
count distinct stories over millions of mentions and sightings; the same numbers come from
a table of counts per day, group and item (analysis/sql/rollups.sql). Three things make
that exact rather than approximate:

- each grouping (none, language, outlet) is counted apart: one story runs in several outlets;
- an article has one date, so placements and mentions add up over the days of a period;
  a story whose articles (of one item and group) all fall on one day adds up too
  (``n_day_stories``); the other stories keep their days in ``rollup_story_days`` and are
  counted distinctly over the period and window asked for;
- the readers use the rollups only while ``rollups_fresh()`` says their inputs have not
  changed since they were built (``answer``); otherwise they compute from the raw tables.

Headlines are counted per sighting day, so their frequencies are computed from the raw
tables; their lifespans (the ``headline_lifespans`` view) come from ``headline_spans``.

The stage keeps them up to date without recounting the archive: a print per day
(``rollup_day_prints``, analysis.rollup_changes) says which days' counts can have changed
since the last build (their articles, or any article of a story they hold), and only those
days, the weeks and months around them, and the headlines of newer ticker pages are
recomputed, with the same rows a rebuild writes.
"""

from __future__ import annotations

import datetime as dt
import itertools
from contextlib import contextmanager

import duckdb
import pandas as pd

from analysis import rollup_changes, trends
from analysis.db import has_table, scalar, transaction
from analysis.errors import InvalidArgument
from analysis.progress import progress_bar
from analysis.report.periods import Period

GROUPED_BY = {None: "none", "lang": "lang", "outlet": "outlet"}
KINDS = ("total", "entity", "topic", "primary_topic")

# What each kind counts: (doc_id, item, n mentions), one row per article and item, of the
# articles meeting the condition {articles}.
ITEMS = {
    "entity": """SELECT article_id AS doc_id, entity_id AS item, count(*) AS n FROM mentions
                 WHERE article_id IS NOT NULL AND {articles} GROUP BY ALL""",
    "topic": "SELECT DISTINCT article_id AS doc_id, topic_id AS item, 0 AS n FROM article_topics WHERE {articles}",
    "primary_topic": """SELECT DISTINCT article_id AS doc_id, topic_id AS item, 0 AS n FROM article_topics
                        WHERE is_primary AND {articles}""",
}
IN_SCOPE = "article_id IN (SELECT article_id FROM _rollup_scope)"

# The tables a build writes; rollups_fresh() (analysis/sql/rollups.sql) wants this value, so rollups
# built before a table was added are rebuilt rather than read without it.
LAYOUT = 3
# Periods summed when the rollups are built (rollup_periods); days stay the finest grain.
STORED_FREQS = ("week", "month")
# Above this share of changed days an update saves little over a rebuild (bench.suite's
# rollups.update_touched lines: about even near half the days), which also stores the tables
# in order again.
REBUILD_SHARE = 0.4

STATE = f"""INSERT INTO rollup_state (id, built_at, valid, n_articles, max_article_id, n_article_stories, n_mentions,
                                      n_article_topics, n_headlines, n_sightings, layout, max_document_id, sightings_print)
            SELECT 1, now(), true, (SELECT count(*) FROM articles),
               (SELECT max(article_id) FROM articles), (SELECT count(*) FROM article_stories),
               (SELECT count(*) FROM mentions), (SELECT count(*) FROM article_topics),
               (SELECT count(*) FROM headlines), (SELECT count(*) FROM sightings), {LAYOUT}, $newest, $print"""

HEADLINE_SPANS = """
    INSERT INTO headline_spans
    SELECT s.headline_id, min(s.seen_at), max(s.seen_at), count(DISTINCT CAST(s.seen_at AS DATE)),
           count(DISTINCT s.document_id), count(*), min(s.position),
           list(DISTINCT d.site ORDER BY d.site) FILTER (WHERE d.site IS NOT NULL)
    FROM sightings s JOIN documents d ON d.document_id = s.document_id {where}
    GROUP BY s.headline_id"""
AFFECTED_HEADLINES = "WHERE s.headline_id IN (SELECT headline_id FROM _rollup_headlines)"


def run(con: duckdb.DuckDBPyConnection, *, rebuild: bool = False, progress: bool = True, workers: int = 1,
        **_options) -> dict:
    """Bring the rollups up to date with the articles, stories, mentions, topics and sightings
    stored now, in one transaction (interrupted, the previous rollups stay).

    Nothing to do while they are fresh (unless ``rebuild``). Otherwise only the days whose
    counts can have changed are recomputed, and the headlines of newer ticker pages
    (analysis.rollup_changes finds them); everything is rebuilt with ``rebuild``, without an
    earlier build of this layout, when more than REBUILD_SHARE of the days changed, or (the
    headline spans) when sightings went. Returns counts for the enrich summary: ``mode``
    (rebuild or update), ``days_recomputed`` of ``days``, ``headlines_recomputed``."""
    if not rebuild and fresh(con):
        return {"mode": "fresh", "days_recomputed": 0, "headlines_recomputed": 0,
                "day_rows": scalar(con, "SELECT count(*) FROM rollup_days")}
    whole = rebuild or not scalar(con, "SELECT count(*) FROM rollup_state WHERE layout = $layout", {"layout": LAYOUT})
    steps = 2 + len(ITEMS) + len(GROUPED_BY) + len(STORED_FREQS)
    with transaction(con), progress_bar("rollups", steps, enabled=progress, unit="steps") as bar:
        try:
            rollup_changes.day_prints(con)
            changed, n_days = rollup_changes.affected_days(con)
            days_whole = whole or changed > REBUILD_SHARE * n_days
            newest, sightings_print, appended = rollup_changes.sightings_state(con)
            bar.advance()
            _count_days(con, scoped=not days_whole, bar=bar)
            headlines = _count_headlines(con, scoped=appended and not whole)
            rollup_changes.store_day_prints(con)
        finally:
            rollup_changes.drop_temp_tables(con)
        con.execute("DELETE FROM rollup_state")
        con.execute(STATE, {"newest": newest, "print": sightings_print})
        bar.advance()
    counts = con.execute("""SELECT (SELECT count(*) FROM rollup_days), (SELECT count(*) FROM rollup_story_days),
                                   (SELECT count(*) FROM rollup_periods), (SELECT count(*) FROM headline_spans)""").fetchall()[0]
    return {"mode": "rebuild" if days_whole else "update", "days_recomputed": n_days if days_whole else changed,
            "days": n_days, "headlines_recomputed": counts[3] if headlines is None else headlines,
            "day_rows": counts[0], "story_day_rows": counts[1], "period_rows": counts[2], "headlines": counts[3]}


def _count_days(con: duckdb.DuckDBPyConnection, *, scoped: bool, bar) -> None:
    """rollup_days, rollup_story_days and rollup_periods: every row, or (``scoped``) the rows
    of the days in ``_rollup_affected`` and of the weeks and months holding them."""
    if not scoped:
        for table in ("rollup_days", "rollup_story_days", "rollup_periods"):  # fixed names
            con.execute(f"DELETE FROM {table}")
    else:
        for table in ("rollup_days", "rollup_story_days"):  # fixed names
            con.execute(f"DELETE FROM {table} WHERE day IN (SELECT day FROM _rollup_affected)")
    if scoped and not scalar(con, "SELECT count(*) FROM _rollup_affected"):
        return
    # each article's items once, for the three groupings
    con.execute("CREATE OR REPLACE TEMP TABLE _rollup_items (kind VARCHAR, doc_id BIGINT, item VARCHAR, n BIGINT)")
    try:
        for kind, items in ITEMS.items():
            items = items.format(articles=IN_SCOPE if scoped else "TRUE")
            con.execute(f"INSERT INTO _rollup_items SELECT $kind, doc_id, item, n FROM ({items})", {"kind": kind})
            bar.advance()
        for by in GROUPED_BY:
            _build_grouping(con, by, scoped=scoped)
            bar.advance()
    finally:
        con.execute("DROP TABLE IF EXISTS _rollup_items")
    for freq in STORED_FREQS:
        _build_periods(con, freq, scoped=scoped)
        bar.advance()


def _count_headlines(con: duckdb.DuckDBPyConnection, *, scoped: bool) -> int | None:
    """headline_spans: every headline, or (``scoped``) those in ``_rollup_headlines``, whose
    number is returned."""
    if not scoped:
        con.execute("DELETE FROM headline_spans")
        con.execute(HEADLINE_SPANS.format(where=""))
        return None
    con.execute(f"DELETE FROM headline_spans s {AFFECTED_HEADLINES}")
    con.execute(HEADLINE_SPANS.format(where=AFFECTED_HEADLINES))
    return scalar(con, "SELECT count(*) FROM _rollup_headlines")


def _build_grouping(con: duckdb.DuckDBPyConnection, by: str | None, *, scoped: bool) -> None:
    """rollup_days and rollup_story_days rows of one grouping, every kind.

    The units are those of ``trends.units_sql`` (same dating, same story of an unlinked
    article) over the whole database, by day; ``scoped``, those of ``_rollup_scope``, and
    only the rows of the days in ``_rollup_affected`` are written."""
    units = trends.units_sql(con, freq="day", by=by, unit="stories")
    in_scope = " WHERE doc_id IN (SELECT article_id FROM _rollup_scope)" if scoped else ""
    affected = " AND day IN (SELECT day FROM _rollup_affected)" if scoped else ""
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _rollup_units AS
                    SELECT doc_id, unit_id, period AS day, grp FROM ({units}){in_scope}""",
                {"start": None, "end": None})
    try:
        for kind in ("total", *ITEMS):
            items = ("SELECT doc_id, '' AS item, 0 AS n FROM _rollup_units" if kind == "total"
                     else "SELECT doc_id, item, n FROM _rollup_items WHERE kind = $kind")
            con.execute(f"""
                CREATE OR REPLACE TEMP TABLE _rollup_cells AS
                WITH per_story_day AS (
                    SELECT i.item, u.grp, u.unit_id, u.day, count(*) AS n_docs, sum(i.n) AS n_mentions
                    FROM _rollup_units u JOIN ({items}) i ON i.doc_id = u.doc_id
                    GROUP BY ALL)
                SELECT *, count(*) OVER (PARTITION BY item, grp, unit_id) AS n_days FROM per_story_day""",
                        {"kind": kind} if kind != "total" else None)
            params = {"kind": kind, "grouped_by": GROUPED_BY[by]}
            con.execute(f"""
                INSERT INTO rollup_days
                SELECT $kind, item, $grouped_by, grp, day, sum(n_docs), sum(n_mentions), count(*) FILTER (WHERE n_days = 1)
                FROM _rollup_cells WHERE TRUE{affected} GROUP BY item, grp, day ORDER BY item, grp, day""", params)
            con.execute(f"""
                INSERT INTO rollup_story_days
                SELECT $kind, item, $grouped_by, grp, day, unit_id FROM _rollup_cells WHERE n_days > 1{affected}
                ORDER BY item, grp, day""", params)
    finally:
        con.execute("DROP TABLE IF EXISTS _rollup_cells")
        con.execute("DROP TABLE IF EXISTS _rollup_units")


def _build_periods(con: duckdb.DuckDBPyConnection, freq: str, *, scoped: bool) -> None:
    """rollup_periods rows of ``freq``: the day rows summed as a reader would sum them over
    whole periods, one kind and grouping at a time (bounded memory; the tables are clustered
    by kind and grouping, so each statement reads its own part). ``scoped``: only the periods
    holding a day of ``_rollup_affected``."""
    period = f"CAST(date_trunc('{freq}', day) AS DATE)"
    days = "TRUE"
    if scoped:
        days = f"{period} IN (SELECT DISTINCT {period} FROM _rollup_affected)"
        con.execute(f"DELETE FROM rollup_periods WHERE freq = '{freq}' AND period IN (SELECT DISTINCT {period} FROM _rollup_affected)")
    for kind, by in itertools.product(KINDS, GROUPED_BY.values()):
        params = {"kind": kind, "grouped_by": by, "freq": freq}
        con.execute(f"""
            INSERT INTO rollup_periods
            SELECT $kind, item, $grouped_by, grp, $freq, period, n_placements, n_mentions, n_stories
            FROM ({day_counts_sql(kind=kind, freq=freq, unit='stories', days=days)})
            ORDER BY item, grp, period""", params)


def fresh(con: duckdb.DuckDBPyConnection) -> bool:
    """True when the rollups exist and nothing they count has changed since they were built."""
    if not has_table(con, "rollup_state"):
        return False
    try:
        # The layout is checked here too: a database opened read-only keeps the macro it was
        # given, which may predate the layout column.
        return bool(scalar(con, "SELECT rollups_fresh() AND coalesce((SELECT any_value(layout) FROM rollup_state) = $layout, false)",
                           {"layout": LAYOUT}))
    except (duckdb.CatalogException, duckdb.BinderException):  # a table they count was dropped, or no layout column
        return False


def answer(con: duckdb.DuckDBPyConnection, *, source: str = "articles") -> bool:
    """True when frequencies of ``source`` can be answered from the rollups (articles only:
    headlines are dated by each sighting)."""
    return source == "articles" and fresh(con)


def invalidate(con: duckdb.DuckDBPyConnection) -> None:
    """Mark the rollups stale: the next `presswatch enrich` rebuilds them, readers use raw tables till then.
    For writers whose changes could keep every table's size (a story relinked, a topic re-scored)."""
    if has_table(con, "rollup_state"):
        con.execute("UPDATE rollup_state SET valid = false WHERE valid")


@contextmanager
def bypassed(con: duckdb.DuckDBPyConnection):
    """Inside the block, this connection computes everything from the raw tables, as if the
    rollups were stale (to compare both, or to time the raw computation); nothing is written."""
    con.execute("SET VARIABLE rollups_off = true")
    try:
        yield
    finally:
        con.execute("RESET VARIABLE rollups_off")


def grouped_by(by: str | None) -> str:
    if by not in GROUPED_BY:
        raise InvalidArgument(f"by must be None, 'outlet' or 'lang', not {by!r}")
    return GROUPED_BY[by]


def window(*, freq: str, by: str | None, start: dt.date | str | None, end: dt.date | str | None) -> dict:
    """The parameters of ``counts_sql`` and ``totals_sql``: ``$grouped_by``, the window
    ``$start``/``$end`` (either may be NULL) and the whole periods inside it,
    ``$full_start`` <= period < ``$full_end`` for weeks and months (NULL: unbounded; none when
    the window lies inside one period)."""
    start, end = trends.as_date(start), trends.as_date(end)
    params = {"grouped_by": grouped_by(by), "start": start, "end": end}
    if freq not in STORED_FREQS:
        return params
    first = None if start is None else Period.containing(freq, start)
    full_start = start if first is None or start == first.start else first.end + dt.timedelta(days=1)
    full_end = None if end is None else Period.containing(freq, end + dt.timedelta(days=1)).start
    return {**params, "full_start": full_start, "full_end": full_end}


def sums_days(params: dict) -> bool:
    """True when a question with these ``window`` parameters sums day rows (days asked for, or a
    period cut by the window) rather than reading stored periods alone."""
    if "full_start" not in params:
        return True
    start, end = params["start"], params["end"]
    return (start is not None and start != params["full_start"]) or \
        (end is not None and end + dt.timedelta(days=1) != params["full_end"])


def day_counts_sql(*, kind: str, freq: str, unit: str, days: str, items: str = "TRUE") -> str:
    """SQL of (period, grp, item, n_placements, n_mentions, n_stories) per period of ``freq``
    summed from the day rows of ``kind`` (parameter ``$grouped_by``) whose ``day`` meets the
    condition ``days``. Stories (unit "stories"; NULL otherwise) are the one-day stories of each
    day plus the distinct stories spread over several days."""
    where = f"kind = '{kind}' AND grouped_by = $grouped_by AND ({items}) AND ({days})"
    period = f"CAST(date_trunc('{freq}', day) AS DATE)"
    cells = f"""SELECT {period} AS period, grp, item, CAST(sum(n_placements) AS BIGINT) AS n_placements,
                       CAST(sum(n_mentions) AS BIGINT) AS n_mentions, sum(n_day_stories) AS n_day_stories
                FROM rollup_days WHERE {where} GROUP BY ALL"""
    if unit == "placements":
        return f"SELECT period, grp, item, n_placements, n_mentions, NULL::BIGINT AS n_stories FROM ({cells})"
    return f"""
        SELECT c.period, c.grp, c.item, c.n_placements, c.n_mentions,
               CAST(c.n_day_stories + coalesce(s.n_spread, 0) AS BIGINT) AS n_stories
        FROM ({cells}) c
        LEFT JOIN (SELECT {period} AS period, grp, item, count(DISTINCT story_id) AS n_spread
                   FROM rollup_story_days WHERE {where} GROUP BY ALL) s
          ON s.period = c.period AND s.grp IS NOT DISTINCT FROM c.grp AND s.item = c.item"""


def counts_sql(*, kind: str, freq: str, unit: str, items: str = "TRUE") -> str:
    """SQL of (period, grp, item, n_documents, n_mentions) per period of ``freq`` from the
    rollups of ``kind``, with the parameters of ``window``.

    ``items`` is a condition on the column ``item`` (bound values only). ``n_documents``
    counts ``unit`` as ``trends.units_sql`` does. Whole weeks and months are read from
    rollup_periods; a period the window cuts is summed from its days in the window."""
    if kind not in KINDS:
        raise InvalidArgument(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    trends.check_options(freq=freq, by=None, unit=unit)
    n_documents = "n_stories" if unit == "stories" else "n_placements"
    in_window = "($start IS NULL OR day >= $start) AND ($end IS NULL OR day <= $end)"
    if freq not in STORED_FREQS:
        days = day_counts_sql(kind=kind, freq=freq, unit=unit, days=in_window, items=items)
        return f"SELECT period, grp, item, {n_documents} AS n_documents, n_mentions FROM ({days})"
    whole = "($full_start IS NULL OR {0} >= $full_start) AND ($full_end IS NULL OR {0} < $full_end)"
    cut = day_counts_sql(kind=kind, freq=freq, unit=unit, items=items,
                         days=f"{in_window} AND NOT ({whole.format('day')})")
    return f"""
        SELECT period, grp, item, {n_documents} AS n_documents, n_mentions FROM rollup_periods
        WHERE kind = '{kind}' AND grouped_by = $grouped_by AND freq = '{freq}' AND ({items})
          AND {whole.format('period')}
        UNION ALL
        SELECT period, grp, item, {n_documents}, n_mentions FROM ({cut})"""


def totals_sql(*, freq: str, unit: str) -> str:
    """A CTE ``totals(period, grp, n, first_day, last_day)`` from the rollups, as
    ``trends.totals_sql`` computes it from the units: follow it with ``trends.flags_sql``.
    ``first_day``/``last_day`` are the group's first and last day in the whole database."""
    return f"""
        totals AS (
            SELECT c.period, c.grp, c.n_documents AS n, b.first_day, b.last_day
            FROM ({counts_sql(kind='total', freq=freq, unit=unit)}) c
            JOIN (SELECT grp, min(day) AS first_day, max(day) AS last_day FROM rollup_days
                  WHERE kind = 'total' AND grouped_by = $grouped_by GROUP BY grp) b
              ON b.grp IS NOT DISTINCT FROM c.grp)"""


def period_totals(con: duckdb.DuckDBPyConnection, *, freq: str = "week", by: str | None = None,
                  unit: str = "stories", source: str = "articles",
                  start: dt.date | str | None = None, end: dt.date | str | None = None) -> pd.DataFrame:
    """``trends.period_totals`` (same arguments, same frame), from the rollups while they are fresh."""
    if not answer(con, source=source):
        return trends.period_totals(con, freq=freq, by=by, unit=unit, source=source, start=start, end=end)
    return rolled_totals(con, freq=freq, by=by, unit=unit, start=start, end=end)


def rolled_totals(con: duckdb.DuckDBPyConnection, *, freq: str, by: str | None, unit: str,
                  start: dt.date | str | None, end: dt.date | str | None) -> pd.DataFrame:
    """``period_totals`` from the rollups, for a caller that has just seen them fresh (``answer``)."""
    trends.check_options(freq=freq, by=by, unit=unit)
    sql = f"""
        WITH {totals_sql(freq=freq, unit=unit)}, {trends.flags_sql(freq=freq)}
        SELECT period, grp AS "group", n_documents, incomplete FROM period_totals ORDER BY period, grp"""
    params = {**window(freq=freq, by=by, start=start, end=end), "thin": trends.THIN_PERIOD_SHARE}
    return con.execute(sql, params).df()
