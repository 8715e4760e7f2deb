"""Attention over time: how many stories matched each query per period, and their share.

The counting rules are ``analysis.trends``': the same units (stories by default), the same
period totals and incomplete flag, so a query's share sits beside a topic's or an entity's.
Only which documents match comes from the search index.

Articles over all outlets and languages are counted without listing the matches: the index
counts matching articles per day (an aggregation on its date field), and only the matches
that share their story (``article_stories``) with another article of the same period come back
as ids, to count their distinct stories. Any other article is a story of its own in its period,
so per period: stories = matching articles - those shared matches + their distinct stories.
Other counts (per outlet or language, headlines) join the ids of every match with the units.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid

import duckdb
import numpy as np
import pandas as pd
import tantivy

from analysis import trends
from analysis.errors import InvalidArgument
from analysis.search.index import SearchIndex, checked_state, index_path, open_index
from analysis.search.matches import compiled, matching_ids, parse_query

COLUMNS = ["period", "group", "query", "label", "n_documents", "n_total", "share", "incomplete"]


def _queries(queries: list[str] | str) -> list[str]:
    wanted = [queries] if isinstance(queries, str) else list(queries)
    if not wanted:
        raise InvalidArgument("queries must name at least one query")
    if len(set(wanted)) != len(wanted):
        raise InvalidArgument("queries must be distinct: each names one series")
    for query in wanted:
        parse_query(query)  # a bad query fails before any work
    return wanted


def attention(con: duckdb.DuckDBPyConnection, queries: list[str] | str, *, freq: str = "week",
              by: str | None = None, unit: str = "stories", start: dt.date | str | None = None,
              end: dt.date | str | None = None, headlines: bool = False) -> pd.DataFrame:
    """Per period (and outlet or language), the documents matching each query and their share.

    The frequency contract of ``analysis.trends``, the query as the item. Columns: ``period``
    (first day), ``group`` (outlet or language when ``by`` is given, else None), ``query`` (as
    given), ``label`` (the query again: the contract's display name), ``n_documents``
    (matching stories, or placements with ``unit="placements"``), ``n_total`` (all stories
    or placements of the period and group),
    ``share`` (n_documents / n_total), ``incomplete`` (first or last period of the data, or a
    thin one: ``analysis.trends``). One row per period × group × query, zeros included, in
    the order of ``queries``: the shape of ``topic_frequencies``. Articles are dated by
    publication; with ``headlines=True`` ticker headlines are counted on each day they were
    seen, like every headline frequency.
    """
    source = "headlines" if headlines else "articles"
    trends.check_options(freq=freq, by=by, unit=unit, source=source)
    wanted = _queries(queries)
    idx = open_index(con)
    options = {"freq": freq, "by": by, "unit": unit, "source": source, "start": trends.as_date(start),
               "end": trends.as_date(end)}
    if source == "articles" and by is None:
        units, totals = _table_names(con, options)
        if units not in _CACHE:
            _tables(con, options)
        return _typed(_attention_by_day(con, idx, wanted, options, units, totals))
    units, totals = _tables(con, options)
    ids = [matching_ids(con, q, headlines=headlines, idx=idx) for q in wanted]
    hits = pd.DataFrame({"q": np.repeat(np.arange(len(wanted)), [len(i) for i in ids]),
                         "doc_id": np.concatenate(ids)})
    names = {"hits": f"search_hits_{uuid.uuid4().hex}", "queries": f"search_queries_{uuid.uuid4().hex}"}
    con.register(names["hits"], hits)
    con.register(names["queries"], pd.DataFrame({"q": range(len(wanted)), "query": wanted}))
    try:
        # the dense grid (every period × group × query, zeros included) in SQL: pandas merges of
        # these small frames cost more than the counting itself
        frame = con.execute(f"""
            WITH counts AS (
                SELECT h.q, u.period, u.grp, count(DISTINCT u.unit_id) AS n
                FROM {units} u JOIN {names["hits"]} h ON h.doc_id = u.doc_id GROUP BY ALL
            )
            SELECT t.period, t.grp AS "group", qs.query, qs.query AS label, coalesce(c.n, 0) AS n_documents,
                   t.n_documents AS n_total, coalesce(c.n, 0) / t.n_documents AS share, t.incomplete
            FROM {totals} t CROSS JOIN {names["queries"]} qs
            LEFT JOIN counts c ON c.q = qs.q AND c.period = t.period AND c.grp IS NOT DISTINCT FROM t.grp
            ORDER BY t.period, t.grp NULLS FIRST, qs.q""").df()
    finally:
        for name in names.values():
            con.unregister(name)
    return _typed(frame)


def _table_names(con, options: dict) -> tuple[str, str]:
    """Names of the units and totals tables: they change with the options, the database state
    and the story links."""
    stories, key = (("article_stories", "article_id") if options["source"] == "articles"
                    else ("headline_stories", "headline_id"))
    # a fingerprint of every link: re-linking can keep the count and the sum of the story ids
    linked = (tuple(con.execute(f"SELECT count(*), coalesce(sum(hash({key}, story_id)), 0) FROM {stories}")
                    .fetchall()[0])
              if options["unit"] == "stories" and trends.has_table(con, stories) else None)
    key = (str(index_path(con)), checked_state(con), linked, *sorted(options.items()))
    suffix = hashlib.sha1(repr(key).encode()).hexdigest()[:16]
    return f"search_units_{suffix}", f"search_totals_{suffix}"


def _tables(con, options: dict) -> tuple[str, str]:
    """Temporary tables of the counting units (``trends.units_sql``) and of their period
    totals (``trends.totals_sql``) for these options and this database state.

    Neither depends on the query: without them a notebook comparing queries would recount the
    whole archive for every series. A read-only connection may create temporary tables."""
    units, totals = _table_names(con, options)
    existing = {r[0] for r in con.execute(
        """SELECT table_name FROM duckdb_tables()
           WHERE temporary AND (table_name LIKE 'search_units_%' OR table_name LIKE 'search_totals_%')""").fetchall()}
    if totals not in existing:
        for old in existing:  # tables of an earlier database state or other options
            con.execute(f"DROP TABLE temp.{old}")
        sql = trends.units_sql(con, freq=options["freq"], by=options["by"], unit=options["unit"],
                               source=options["source"])
        con.execute(f"CREATE TEMP TABLE {units} AS {sql}", {"start": options["start"], "end": options["end"]})
        con.execute(f"""CREATE TEMP TABLE {totals} AS
                        WITH units AS (SELECT * FROM {units}), {trends.totals_sql(freq=options["freq"],
                                                                                  source=options["source"])}
                        SELECT period, grp, n_documents, incomplete FROM period_totals""",
                    {"thin": trends.THIN_PERIOD_SHARE})
    return units, totals


# Matches are listed when they are at most this many times the linked articles, else the
# linked articles are intersected with them (see ``_linked_correction``).
LIST_MATCHES_UP_TO = 1.0

# Per temporary units table (one database state and set of options): the period totals, and
# the articles sharing their story with another article of the same period (sorted ids, their
# periods and stories) with the index query finding them.
_CACHE: dict[str, tuple[pd.DataFrame, tuple | None]] = {}


def _cached(con, idx: SearchIndex, units: str, totals: str, options: dict) -> tuple[pd.DataFrame, tuple | None]:
    if units not in _CACHE:
        _CACHE.clear()
        frame = con.execute(f"""SELECT period, grp AS "group", n_documents AS n_total, incomplete
                                FROM {totals} ORDER BY period""").df()
        linked = None
        if options["unit"] == "stories":
            # Only a story with several articles in one period counts fewer stories than
            # articles there; every other article is a story of its own in its period.
            rows = con.execute(f"""SELECT doc_id, period, unit_id FROM {units}
                                   QUALIFY count(*) OVER (PARTITION BY period, unit_id) > 1
                                   ORDER BY doc_id""").fetchnumpy()
            if len(rows["doc_id"]):
                linked = (rows["doc_id"].astype(np.int64), rows["period"].astype("datetime64[D]"),
                          rows["unit_id"].astype(np.int64),
                          tantivy.Query.term_set_query(idx.schema, "id", rows["doc_id"].tolist()))
        _CACHE[units] = (frame, linked)
    return _CACHE[units]


def _day_counts(searcher: tantivy.Searcher, query: tantivy.Query) -> tuple[np.ndarray, np.ndarray]:
    """(day, matching documents) for every day with a match, from the index's date field."""
    agg = searcher.aggregate(query, {"days": {"date_histogram": {"field": "date", "fixed_interval": "1d",
                                                                 "min_doc_count": 1}}})
    buckets = agg["days"]["buckets"]
    days = np.array([b["key"] for b in buckets], dtype=np.int64).astype("datetime64[ms]").astype("datetime64[D]")
    return days, np.array([b["doc_count"] for b in buckets], dtype=np.int64)


def period_of(days: np.ndarray, freq: str) -> np.ndarray:
    """The first day of each day's period: ``date_trunc(freq, day)`` (ISO weeks start on Monday)."""
    if freq == "day":
        return days
    if freq == "week":
        return days - ((days.astype(np.int64) + 3) % 7).astype("timedelta64[D]")  # 1970-01-01 was a Thursday
    if freq == "month":
        return days.astype("datetime64[M]").astype("datetime64[D]")
    return days.astype("datetime64[Y]").astype("datetime64[D]")


def _attention_by_day(con, idx: SearchIndex, wanted: list[str], options: dict, units: str,
                      totals: str) -> pd.DataFrame:
    frame, linked = _cached(con, idx, units, totals, options)
    periods = frame["period"].to_numpy().astype("datetime64[D]")
    searcher = idx.searcher()
    counts = np.zeros((len(periods), len(wanted)), dtype=np.int64)
    for j, query in enumerate(wanted):
        matches = compiled(idx, parse_query(query), headlines=False, start=options["start"], end=options["end"])
        days, n = _day_counts(searcher, matches)
        keys, inverse = np.unique(period_of(days, options["freq"]), return_inverse=True)
        per_period = dict(zip(keys, np.bincount(inverse, weights=n, minlength=len(keys)).astype(np.int64)))
        if linked is not None:
            for period, correction in _linked_correction(searcher, matches, linked, int(n.sum())).items():
                per_period[period] = per_period.get(period, 0) + correction
        counts[:, j] = [per_period.get(p, 0) for p in periods]
    n_total = frame["n_total"].to_numpy()
    out = pd.DataFrame({
        "period": np.repeat(frame["period"].to_numpy(), len(wanted)),
        "group": None, "query": np.tile(np.array(wanted, dtype=object), len(frame)),
        "n_documents": counts.ravel(), "n_total": np.repeat(n_total, len(wanted)),
        "share": counts.ravel() / np.repeat(n_total, len(wanted)),
        "incomplete": np.repeat(frame["incomplete"].to_numpy(), len(wanted))})
    out["label"] = out["query"]
    return out


def _linked_correction(searcher, matches: tantivy.Query, linked: tuple, n_matches: int) -> dict:
    """Per period, distinct stories minus articles among the matches linked to a story."""
    doc_ids, periods, stories, is_linked = linked
    # Listing a match or testing a linked id cost about the same, so take the smaller set: the
    # matches themselves, or the linked ids intersected with them, in one pass (no count first).
    if n_matches <= LIST_MATCHES_UP_TO * len(doc_ids):
        result = searcher.search(matches, max(n_matches, 1), count=True, order_by_field="id")
        if result.count > n_matches:  # undated matches, which the day counts leave out
            result = searcher.search(matches, result.count, count=False, order_by_field="id")
    else:
        both = tantivy.Query.boolean_query([(tantivy.Occur.Must, matches), (tantivy.Occur.Must, is_linked)])
        result = searcher.search(both, len(doc_ids), count=False, order_by_field="id")
    hits = result.hits
    if not hits:
        return {}
    ids = np.fromiter((key for key, _ in hits), dtype=np.int64, count=len(hits))
    at = np.searchsorted(doc_ids, ids)
    at = at[(at < len(doc_ids)) & (doc_ids[np.minimum(at, len(doc_ids) - 1)] == ids)]
    if not len(at):
        return {}
    pairs = pd.DataFrame({"period": periods[at], "story": stories[at]})
    grouped = pairs.groupby("period")["story"].agg(["nunique", "size"])
    return dict(zip(grouped.index.to_numpy().astype("datetime64[D]"), grouped["nunique"] - grouped["size"]))


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype(trends.FREQUENCY_DTYPES | {"query": "str"})[COLUMNS]
