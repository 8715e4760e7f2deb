"""Attention over time: how many stories matched each query per period, and their share.

The counting rules are ``analysis.trends``': the same units (stories by default), the same
period totals and incomplete flag, so a query's share sits beside a topic's or an entity's.
Only which documents match comes from the search index.

Articles over all outlets and languages: tantivy counts the matches per day, and only the
matches among linked articles (``analysis.search.linked``: a story holding others) are listed,
then counted in numpy with arrays of the counting units (cached per database state, story
links and options) that give each its period and, when it shares its story with another
article of the same period, that story. Per period: stories = matching articles - those shared
matches + their distinct stories. Other counts (per outlet or language, headlines) join the
ids of every match with the counting units in SQL.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd
import tantivy

from analysis import trends
from analysis.errors import InvalidArgument
from analysis.search import linked
from analysis.search.index import SearchIndex, checked_state, ids_of, index_path, open_index
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
    links = linked.links_fingerprint(con, source) if unit == "stories" else None
    if source == "articles" and by is None:
        units, totals = _table_names(con, options, links)
        if units not in _CACHE:
            _tables(con, options, links)
        return _attention_by_day(con, idx, wanted, options, _units(con, units, totals, options), links)
    units, totals = _tables(con, options, links)
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


def _table_names(con, options: dict, links: tuple | None) -> tuple[str, str]:
    """Names of the units and totals tables: they change with the options, the database state
    and the story links."""
    key = (str(index_path(con)), checked_state(con), links, *sorted(options.items()))
    suffix = hashlib.sha1(repr(key).encode()).hexdigest()[:16]
    return f"search_units_{suffix}", f"search_totals_{suffix}"


def _tables(con, options: dict, links: tuple | None) -> tuple[str, str]:
    """Temporary tables of the counting units (``trends.units_sql``) and of their period
    totals (``trends.totals_sql``) for these options and this database state.

    Neither depends on the query: without them a notebook comparing queries would recount the
    whole archive for every series. A read-only connection may create temporary tables."""
    units, totals = _table_names(con, options, links)
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


@dataclass
class _Units:
    """The counting units of one units table (one database state and set of options), as
    arrays a query's matches are counted with: one row per dated article, by article id."""

    frame: pd.DataFrame  # the period totals: period, group, n_total, incomplete
    starts: np.ndarray  # each period's first day (datetime64[D]), ascending
    ids: np.ndarray  # article ids, ascending
    period: np.ndarray  # each row's period, as a row of ``frame``
    # each row's story when it shares it with another article of the same period, else -1
    # (ranks 0..n, not story ids): only those count fewer stories than articles
    shared: np.ndarray | None
    slot: np.ndarray | None  # article id -> row, or -1; None when ids are too sparse for a table
    n_shared: int = 0  # stories ranked in ``shared``

    def rows(self, doc_ids: np.ndarray) -> np.ndarray:
        """The rows of these article ids, those without one (undated, outside the window) left out."""
        if self.slot is not None:
            at = self.slot[doc_ids[(doc_ids >= 0) & (doc_ids < len(self.slot))]]
            return at[at >= 0]
        at = np.searchsorted(self.ids, doc_ids)
        inside = at < len(self.ids)
        return at[inside][self.ids[at[inside]] == doc_ids[inside]]

    def correction(self, rows: np.ndarray) -> np.ndarray:
        """Per period of ``frame``: distinct stories minus articles among matching ``rows``."""
        shared = rows[self.shared[rows] >= 0]
        out = np.zeros(len(self.frame), dtype=np.int64)
        if len(shared):
            # each (period, story) pair once: a story of several matches in a period counts one
            pairs = np.unique(self.period[shared].astype(np.int64) * self.n_shared + self.shared[shared])
            out += np.bincount(pairs // self.n_shared, minlength=len(self.frame))
            out -= np.bincount(self.period[shared], minlength=len(self.frame))
        return out


# The arrays of the last units table used: a notebook's queries share them.
_CACHE: dict[str, _Units] = {}
# Article ids are mostly dense; an id -> row table is used while it holds at most this many
# slots per article.
DENSE_IDS = 4


def _units(con, units: str, totals: str, options: dict) -> _Units:
    if units not in _CACHE:
        _CACHE.clear()
        frame = con.execute(f"""SELECT period, grp AS "group", n_documents AS n_total, incomplete
                                FROM {totals} ORDER BY period""").df()
        # A story with several articles in one period counts fewer stories than articles
        # there; every other article is a story of its own in its period.
        rows = con.execute(f"""SELECT doc_id, period, unit_id,
                                      count(*) OVER (PARTITION BY period, unit_id) > 1 AS shared
                               FROM {units} ORDER BY doc_id""").fetchnumpy()
        ids = rows["doc_id"].astype(np.int64)
        periods = frame["period"].to_numpy().astype("datetime64[D]")
        period = np.searchsorted(periods, rows["period"].astype("datetime64[D]")).astype(np.int32)
        shared, n_shared = None, 0
        if options["unit"] == "stories" and rows["shared"].any():
            mask = rows["shared"].astype(bool)
            stories, rank = np.unique(rows["unit_id"][mask], return_inverse=True)
            shared, n_shared = np.full(len(ids), -1, dtype=np.int64), len(stories)
            shared[mask] = rank
        slot = None
        if len(ids) and 0 <= ids[0] and ids[-1] < DENSE_IDS * (len(ids) + 256):
            slot = np.full(int(ids[-1]) + 1, -1, dtype=np.int64)
            slot[ids] = np.arange(len(ids))
        _CACHE[units] = _Units(frame, periods, ids, period, shared, slot, n_shared)
    return _CACHE[units]


def _articles(searcher: tantivy.Searcher, matches: tantivy.Query, table: _Units) -> np.ndarray:
    """Matching articles per period of ``table.frame``: tantivy counts them per day."""
    days = searcher.aggregate(matches, {"days": {"date_histogram": {
        "field": "date", "fixed_interval": "1d", "min_doc_count": 1}}})["days"]["buckets"]
    counts = np.zeros(len(table.frame), dtype=np.int64)
    if days:
        ms = np.array([b["key"] for b in days], dtype=np.float64).astype(np.int64)
        rows = np.searchsorted(table.starts, (ms // 86_400_000).astype("datetime64[D]"), side="right") - 1
        n = np.array([b["doc_count"] for b in days], dtype=np.int64)
        counts += np.bincount(rows[rows >= 0], weights=n[rows >= 0], minlength=len(counts)).astype(np.int64)
    return counts


def _attention_by_day(con, idx: SearchIndex, wanted: list[str], options: dict, table: _Units,
                      links: tuple | None) -> pd.DataFrame:
    """Every query's matching articles per period (a histogram inside tantivy), less the
    matches that share a story in the period, plus those stories. The shared matches are
    listed from the index of linked articles, or from the main index when there is none."""
    frame = table.frame
    searcher = idx.searcher()
    shared = linked.linked_index(con, idx, links) if table.shared is not None else None
    shared_searcher = shared.searcher() if shared is not None else None
    counts = np.zeros((len(frame), len(wanted)), dtype=np.int64)
    for j, query in enumerate(wanted):
        matches = compiled(idx, parse_query(query), headlines=False, start=options["start"], end=options["end"])
        if table.shared is not None and shared is None:
            rows = table.rows(ids_of(searcher, matches))
            counts[:, j] = np.bincount(table.period[rows], minlength=len(frame)) + table.correction(rows)
            continue
        counts[:, j] = _articles(searcher, matches, table)
        if shared_searcher is not None:
            counts[:, j] += table.correction(table.rows(ids_of(shared_searcher, matches)))
    n_total = np.repeat(frame["n_total"].to_numpy(), len(wanted))
    queries = pd.array(np.tile(np.array(wanted, dtype=object), len(frame)), dtype="str")
    return pd.DataFrame({  # in the order of COLUMNS
        "period": np.repeat(frame["period"].to_numpy().astype(trends.FREQUENCY_DTYPES["period"]), len(wanted)),
        "group": np.full(len(n_total), None, dtype=object), "query": queries, "label": queries,
        "n_documents": counts.ravel(), "n_total": n_total, "share": counts.ravel() / n_total,
        "incomplete": np.repeat(frame["incomplete"].to_numpy().astype(bool), len(wanted))})


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype(trends.FREQUENCY_DTYPES | {"query": "str"})[COLUMNS]
