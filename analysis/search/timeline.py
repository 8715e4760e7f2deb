"""Attention over time: how many stories matched each query per period, and their share.

The counting rules are ``analysis.trends``': the same units (stories by default), the same
period totals and incomplete flag, so a query's share sits beside a topic's or an entity's.
Only which documents match comes from the search index.

Articles over all outlets, or per language: tantivy counts the matches per day (per language,
one histogram filtered on each), and only the matches among linked articles
(``analysis.search.linked``: a story holding others) are listed, then counted in numpy with
``analysis.search.cells`` (cached per database state, story links and options): the totals
and, for each linked article, its cell and, when it shares its story with another article of
the cell, that story. Per cell: stories = matching articles - those shared matches + their
distinct stories. Per outlet, every match is listed and counted per cell in SQL, with the same
cells and correction. Headlines join the ids of every match with the counting units in SQL.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid

import duckdb
import numpy as np
import pandas as pd
import tantivy

from analysis import trends
from analysis.errors import InvalidArgument
from analysis.files import atomic_write
from analysis.search import linked
from analysis.search.cells import Cells, cells, listed
from analysis.search.index import SearchIndex, checked_state, ids_of, index_path, open_index
from analysis.search.matches import compiled, matching_ids, parse_query
from analysis.search.parser import LANGS

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
    if source == "articles" and by == "lang":
        options["languages"] = linked.languages(con)  # part of the cache key: filled in in place
    if _index_counts(con, idx, options):
        table = _cells(con, idx, options, links)
        return _attention_by_day(con, idx, wanted, options, table, _group_terms(by, table.groups), links)
    if source == "articles":
        return _attention_listed(con, idx, wanted, options, _cells(con, idx, options, links))
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


def _state_key(con, options: dict, links: tuple | None) -> str:
    """What the counting units depend on: the options, the database state and the story links."""
    key = (str(index_path(con)), checked_state(con), links, *sorted(options.items()))
    return hashlib.sha1(repr(key).encode()).hexdigest()[:16]


def _table_names(con, options: dict, links: tuple | None) -> tuple[str, str]:
    """Names of the units and totals tables of ``_state_key``."""
    suffix = _state_key(con, options, links)
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


# The cells of the last options and database state used: a notebook's queries share them.
_CACHE: dict[str, Cells] = {}


def _cells(con, idx: SearchIndex, options: dict, links: tuple | None) -> Cells:
    key = _state_key(con, options, links)
    if key not in _CACHE:
        _CACHE.clear()
        members = linked.members(con, idx, links) if links is not None else None
        _CACHE[key] = cells(con, options, members)
    return _CACHE[key]


def _index_counts(con, idx: SearchIndex, options: dict) -> bool:
    """True when the index can count the matches per cell: articles over all outlets, or per
    language while the index holds each language's articles (a language a stage filled in
    after indexing is not in it)."""
    if options["source"] != "articles" or options["by"] == "outlet":
        return False
    return options["by"] is None or options["languages"] == _index_languages(con, idx)


# The index's articles per language, for the database state it was found in step with.
INDEX_LANGUAGES = "languages.json"


def _index_languages(con, idx: SearchIndex) -> tuple:
    """(language, articles) of the index. It changes only with the database state it is in
    step with (an update, a repair) or when rebuilt (a new folder), so it is saved in the
    index's folder for that state: counting costs a pass over each language's articles."""
    path = idx.path / INDEX_LANGUAGES
    state = repr(checked_state(con))
    try:
        saved = json.loads(path.read_text())
        if saved["state"] == state:
            return tuple(tuple(pair) for pair in saved["languages"])
    except (OSError, ValueError, KeyError):  # none yet
        pass
    searcher = idx.searcher()
    article = tantivy.Query.term_query(idx.schema, "kind", "article")
    counts = []
    for lang in sorted(LANGS):
        both = tantivy.Query.boolean_query([(tantivy.Occur.Must, article),
                                            (tantivy.Occur.Must, tantivy.Query.term_query(idx.schema, "lang", lang))])
        n = searcher.search(both, 1, count=True).count
        if n:
            counts.append((lang, n))
    atomic_write(path, json.dumps({"state": state, "languages": counts}).encode())
    return tuple(counts)


def _group_terms(by: str | None, groups: list) -> list[str | None]:
    """Per group of ``Cells.groups``, the ``lang`` value its matches are filtered on, or None
    for the one group counted as all matches less the others' (no group: every match). A
    missing language is not indexed, so its group is that one (the schema allows no empty one)."""
    if by is None or not groups:
        return [None]
    terms = list(groups)
    if None not in terms:
        terms[-1] = None  # the matches of the other languages give this one's
    return terms


def _per_period(searcher: tantivy.Searcher, matches: tantivy.Query, starts: np.ndarray) -> np.ndarray:
    """Matching articles per period (first days ``starts``): tantivy counts them per day."""
    days = searcher.aggregate(matches, {"days": {"date_histogram": {
        "field": "date", "fixed_interval": "1d", "min_doc_count": 1}}})["days"]["buckets"]
    counts = np.zeros(len(starts), dtype=np.int64)
    if days:
        ms = np.array([b["key"] for b in days], dtype=np.float64).astype(np.int64)
        rows = np.searchsorted(starts, (ms // 86_400_000).astype("datetime64[D]"), side="right") - 1
        n = np.array([b["doc_count"] for b in days], dtype=np.int64)
        counts += np.bincount(rows[rows >= 0], weights=n[rows >= 0], minlength=len(counts)).astype(np.int64)
    return counts


def _matched(idx: SearchIndex, searcher: tantivy.Searcher, matches: tantivy.Query, table: Cells,
             terms: list[str | None]) -> np.ndarray:
    """Matching articles per row of ``table.frame``: one histogram per language filtered on,
    and for the remaining group all matches less theirs."""
    out = np.zeros(len(table.frame), dtype=np.int64)
    rest = _per_period(searcher, matches, table.starts)
    for group, term in enumerate(terms):
        if term is not None:
            lang = tantivy.Query.term_query(idx.schema, "lang", term)
            counts = _per_period(searcher, tantivy.Query.boolean_query(
                [(tantivy.Occur.Must, matches), (tantivy.Occur.Must, lang)]), table.starts)
            out += table.per_cell(counts, group)
            rest -= counts
    return out + table.per_cell(rest, terms.index(None))


def _attention_by_day(con, idx: SearchIndex, wanted: list[str], options: dict, table: Cells,
                      terms: list[str | None], links: tuple | None) -> pd.DataFrame:
    """Every query's matching articles per cell (histograms inside tantivy), less the matches
    that share a story in the cell, plus those stories. The shared matches are listed from
    the index of linked articles, or from the main index when there is none."""
    frame = table.frame
    searcher = idx.searcher()
    lister = None
    if table.any_shared:
        lister = (linked.linked_index(con, idx, links) or idx).searcher()
    counts = np.zeros((len(frame), len(wanted)), dtype=np.int64)
    for j, query in enumerate(wanted):
        matches = compiled(idx, parse_query(query), headlines=False, start=options["start"], end=options["end"])
        counts[:, j] = _matched(idx, searcher, matches, table, terms)
        if lister is not None:
            counts[:, j] += table.correction(table.rows(ids_of(lister, matches)))
    return _frame(frame, wanted, counts)


def _attention_listed(con, idx: SearchIndex, wanted: list[str], options: dict, table: Cells) -> pd.DataFrame:
    """Every query's matches listed and counted per cell in DuckDB, less the matches that
    share a story in the cell, plus those stories: groups the index cannot filter on."""
    searcher = idx.searcher()
    counts = np.zeros((len(table.frame), len(wanted)), dtype=np.int64)
    for j, query in enumerate(wanted):
        ids = ids_of(searcher, compiled(idx, parse_query(query), headlines=False, start=options["start"],
                                        end=options["end"]))
        counts[:, j] = listed(con, table, ids, options) + table.correction(table.rows(ids))
    return _frame(table.frame, wanted, counts)


def _frame(frame: pd.DataFrame, wanted: list[str], counts: np.ndarray) -> pd.DataFrame:
    """The result from the cells' totals ``frame`` and the counts per cell (rows) and query (columns)."""
    n_total = np.repeat(frame["n_total"].to_numpy(), len(wanted))
    queries = pd.array(np.tile(np.array(wanted, dtype=object), len(frame)), dtype="str")
    return pd.DataFrame({  # in the order of COLUMNS
        "period": np.repeat(frame["period"].to_numpy().astype(trends.FREQUENCY_DTYPES["period"]), len(wanted)),
        "group": pd.Series(np.repeat(frame["group"].to_numpy(dtype=object), len(wanted)), dtype=object),
        "query": queries, "label": queries,
        "n_documents": counts.ravel(), "n_total": n_total, "share": counts.ravel() / n_total,
        "incomplete": np.repeat(frame["incomplete"].to_numpy().astype(bool), len(wanted))})


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype(trends.FREQUENCY_DTYPES | {"query": "str"})[COLUMNS]
