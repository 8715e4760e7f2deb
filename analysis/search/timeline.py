"""Attention over time: how many stories matched each query per period, and their share.

The counting rules are ``analysis.trends``': the same units (stories by default), the same
period totals and incomplete flag, so a query's share sits beside a topic's or an entity's.
Only which documents match comes from the search index.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid

import duckdb
import numpy as np
import pandas as pd

from analysis import trends
from analysis.errors import InvalidArgument
from analysis.search.index import database_state, index_path, open_index
from analysis.search.matches import matching_ids, parse_query

COLUMNS = ["period", "group", "query", "n_documents", "n_total", "share", "incomplete"]


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

    Columns: ``period`` (DATE, first day), ``group`` (outlet or language when ``by`` is given,
    else None), ``query`` (as given), ``n_documents`` (matching stories, or placements with
    ``unit="placements"``), ``n_total`` (all stories or placements of the period and group),
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
    options = {"freq": freq, "by": by, "unit": unit, "source": source, "start": trends._as_date(start),
               "end": trends._as_date(end)}
    key = _state_key(con, options)
    if key not in _TOTALS:
        if len(_TOTALS) >= 32:
            _TOTALS.clear()
        _TOTALS[key] = trends.period_totals(con, **options)
    units = _units_table(con, key, options)
    ids = [matching_ids(con, q, headlines=headlines, idx=idx) for q in wanted]
    hits = pd.DataFrame({"q": np.repeat(np.arange(len(wanted)), [len(i) for i in ids]),
                         "doc_id": np.concatenate(ids)})
    name = f"search_hits_{uuid.uuid4().hex}"  # generated here, never from input
    con.register(name, hits)
    try:
        counts = con.execute(f"""
            SELECT h.q, u.period, u.grp AS "group", count(DISTINCT u.unit_id) AS n
            FROM {units} u JOIN {name} h ON h.doc_id = u.doc_id GROUP BY ALL""").df()
    finally:
        con.unregister(name)
    return _dense(_TOTALS[key], counts, wanted)


# Neither the period totals nor the counting units depend on the query: a notebook comparing
# queries would otherwise recompute both over the whole archive for every series. Both are
# kept per database state and options (totals here; units in a temporary table of the
# connection, which a read-only connection may create).
_TOTALS: dict[tuple, pd.DataFrame] = {}


def _state_key(con, options: dict) -> tuple:
    stories = "article_stories" if options["source"] == "articles" else "headline_stories"
    linked = (tuple(con.execute(f"SELECT count(*), coalesce(sum(story_id), 0) FROM {stories}").fetchall()[0])
              if options["unit"] == "stories" and trends.has_table(con, stories) else None)
    return (str(index_path(con)), database_state(con), linked, *sorted(options.items()))


def _units_table(con, key: tuple, options: dict) -> str:
    """A temporary table of ``trends.units_sql`` for these options and this database state."""
    name = "search_units_" + hashlib.sha1(repr(key).encode()).hexdigest()[:16]
    existing = {r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE temporary AND table_name LIKE 'search_units_%'").fetchall()}
    if name not in existing:
        for old in existing:  # units of an earlier state or other options
            con.execute(f"DROP TABLE temp.{old}")
        units = trends.units_sql(con, freq=options["freq"], by=options["by"], unit=options["unit"],
                                 source=options["source"])
        con.execute(f"CREATE TEMP TABLE {name} AS {units}", {"start": options["start"], "end": options["end"]})
    return name


def _dense(totals: pd.DataFrame, counts: pd.DataFrame, wanted: list[str]) -> pd.DataFrame:
    if totals.empty:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(COLUMNS, [
            "datetime64[us]", "object", "object", "int64", "int64", "float64", "bool"])})
    grid = totals.rename(columns={"n_documents": "n_total"}).merge(pd.DataFrame({"q": range(len(wanted))}),
                                                                   how="cross")
    grid["group"] = grid["group"].astype(object)
    frame = grid.merge(counts.astype({"group": object, "q": "int64"}), how="left", on=["q", "period", "group"])
    frame["n_documents"] = frame["n"].fillna(0).astype("int64")
    frame["n_total"] = frame["n_total"].astype("int64")
    frame["share"] = (frame["n_documents"] / frame["n_total"].where(frame["n_total"] > 0)).fillna(0.0)
    frame["query"] = frame["q"].map(dict(enumerate(wanted)))
    frame["incomplete"] = frame["incomplete"].astype(bool)
    frame = frame.sort_values(["period", "group", "q"], na_position="first", kind="stable")
    return frame[COLUMNS].reset_index(drop=True)
