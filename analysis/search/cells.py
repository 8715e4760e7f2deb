"""The cells attention counts in (period × group) and the articles that share a story in one.

A query's stories in a cell are its matching articles there (tantivy counts them) less the
matches that share their story with another article of the cell, plus those stories. So
besides the articles per cell (one aggregation in DuckDB) only the articles of stories
holding several articles are needed (``analysis.search.linked.members``, saved beside the
index), never a row per article: the totals come out of the same two, by the same rule
(every article of the cell, the whole archive as the query).

The counting rules are ``analysis.trends.units_sql``'s: articles dated by publication, an
unlinked article its own story, a window by ``$start``/``$end``, the incomplete flag of
``trends.flags_sql`` from each group's first and last day in the whole database.
"""

from __future__ import annotations

import uuid
from contextlib import contextmanager
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from analysis import trends
from analysis.search.linked import Members

IN_WINDOW = """a.published_date IS NOT NULL AND ($start IS NULL OR a.published_date >= $start)
               AND ($end IS NULL OR a.published_date <= $end)"""

# Dated articles per cell of the window, with their group's first and last day in the whole
# database; {period} and {group} come from allow-lists.
CELLS_SQL = f"""
    WITH bounds AS (SELECT {{group}} AS grp, min(a.published_date) AS first_day, max(a.published_date) AS last_day
                    FROM articles a WHERE a.published_date IS NOT NULL GROUP BY ALL),
    cells AS (SELECT {{period}} AS period, {{group}} AS grp, count(*) AS n FROM articles a
              WHERE {IN_WINDOW} GROUP BY ALL)
    SELECT c.period, c.grp, c.n, b.first_day, b.last_day
    FROM cells c JOIN bounds b ON b.grp IS NOT DISTINCT FROM c.grp
    ORDER BY c.period, c.grp NULLS FIRST"""


@dataclass
class Cells:
    """The cells of one database state and set of options, and their linked articles."""

    frame: pd.DataFrame  # one row per cell, by period then group (None first): period, group, n_total, incomplete
    starts: np.ndarray  # each period's first day (datetime64[D]), ascending
    groups: list  # the groups, in the order of ``grid``'s columns
    grid: np.ndarray  # (period, group) -> row of ``frame``, or -1 when the cell holds no article
    ids: np.ndarray  # the linked articles' ids, ascending
    cell: np.ndarray  # each linked article's row of ``frame``
    # each linked article's story when it shares it with another article of its cell, else -1
    # (ranks 0..n_shared, not story ids): only those count fewer stories than articles
    shared: np.ndarray
    n_shared: int

    @property
    def any_shared(self) -> bool:
        return bool(self.n_shared)

    def rows(self, doc_ids: np.ndarray) -> np.ndarray:
        """The linked articles among these ids (their positions in ``ids``)."""
        at = np.searchsorted(self.ids, doc_ids)
        inside = at < len(self.ids)
        return at[inside][self.ids[at[inside]] == doc_ids[inside]]

    def correction(self, rows: np.ndarray) -> np.ndarray:
        """Per row of ``frame``: distinct stories minus articles among the linked ``rows``."""
        return _correction(self.cell, self.shared, self.n_shared, rows, len(self.frame))

    def per_cell(self, period_counts: np.ndarray, group: int) -> np.ndarray:
        """Counts per period of one group (a column of ``grid``) as counts per row of ``frame``."""
        out = np.zeros(len(self.frame), dtype=np.int64)
        at = self.grid[:, group]
        out[at[at >= 0]] = period_counts[at >= 0]
        return out


def _correction(cell: np.ndarray, shared: np.ndarray, n_shared: int, rows: np.ndarray, n_cells: int) -> np.ndarray:
    rows = rows[shared[rows] >= 0]
    out = np.zeros(n_cells, dtype=np.int64)
    if len(rows):
        # each (cell, story) pair once: a story of several matches in a cell counts one
        pairs = np.unique(cell[rows].astype(np.int64) * n_shared + shared[rows])
        out += np.bincount(pairs // n_shared, minlength=n_cells)
        out -= np.bincount(cell[rows], minlength=n_cells)
    return out


def cells(con: duckdb.DuckDBPyConnection, options: dict, members: Members | None) -> Cells:
    """The cells of articles for these options (``freq``, ``by``, ``start``, ``end``, and
    ``languages``: ``linked.languages`` when ``by="lang"``).

    ``members`` are the linked articles (``analysis.search.linked.members``) when counting
    stories, None when every article is a unit of its own."""
    counted = con.execute(CELLS_SQL.format(**_sql(options)), _window(options)).df()
    starts = np.unique(counted["period"].to_numpy().astype("datetime64[D]"))
    names = _groups(counted)
    groups = list(dict.fromkeys(names))
    grid = np.full((len(starts), max(len(groups), 1)), -1, dtype=np.int64)
    absent = np.array([g is None for g in names], dtype=bool)
    grid[_positions(counted["period"].to_numpy(), np.array([g or "" for g in names], dtype=str), absent,
                    starts, groups)] = np.arange(len(counted))
    linked = _linked_cells(con, options, members, starts, groups, grid)
    # every article of a cell is a unit less those sharing a story there, plus those stories
    n = counted["n"].to_numpy().astype(np.int64) + _correction(*linked[1:], np.arange(len(linked[0])), len(counted))
    return Cells(_flagged(con, counted.assign(n=n), options["freq"]), starts, groups, grid, *linked)


def listed(con: duckdb.DuckDBPyConnection, table: Cells, ids: np.ndarray, options: dict) -> np.ndarray:
    """The articles of these ids per row of ``table.frame`` (of ``cells(con, options, …)``):
    matches the index cannot count per group."""
    with _registered(con, pd.DataFrame({"article_id": ids})) as name:
        rows = con.execute(f"""
            SELECT {{period}} AS period, coalesce({{group}}, '') AS grp, {{group}} IS NULL AS absent, count(*) AS n
            FROM {name} i JOIN articles a USING (article_id) WHERE {IN_WINDOW} GROUP BY ALL""".format(**_sql(options)),
                           _window(options)).fetchnumpy()
    at = _positions(rows["period"], rows["grp"].astype(str), rows["absent"].astype(bool), table.starts, table.groups)
    return np.bincount(table.grid[at], weights=rows["n"], minlength=len(table.frame)).astype(np.int64)


def _sql(options: dict) -> dict:
    """The period and group of an article ``a`` for these options, as SQL (allow-listed)."""
    return {"period": f"CAST(date_trunc('{options['freq']}', a.published_date) AS DATE)",
            "group": trends.GROUPS[options["by"]]}


def _window(options: dict) -> dict:
    return {"start": options["start"], "end": options["end"]}


def _linked_cells(con: duckdb.DuckDBPyConnection, options: dict, members: Members | None, starts: np.ndarray,
                  groups: list, grid: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """``Cells.ids``, ``cell``, ``shared`` and ``n_shared`` of the linked articles in the window."""
    if members is None or not len(members.ids):
        none = np.zeros(0, dtype=np.int64)
        return none, none, none, 0
    inside = _in_window(members.days, options["start"], options["end"])
    ids = members.ids[inside]
    values, absent = np.full(len(ids), ""), np.ones(len(ids), dtype=bool)
    if options["by"] == "lang" and members.languages == repr(options["languages"]):
        values = members.langs[inside]  # "" for none: the schema allows no empty language
        absent = values == ""
    elif options["by"] is not None:
        values, absent = _groups_of(con, ids, options["by"])
    cell = grid[_positions(_period_starts(members.days[inside], options["freq"]), values, absent, starts, groups)]
    return ids, cell, *_shared_stories(cell, members.stories[inside])


def _groups_of(con: duckdb.DuckDBPyConnection, ids: np.ndarray, by: str) -> tuple[np.ndarray, np.ndarray]:
    """The group (language or outlet, "" when absent) of each of these articles, and whether
    it is absent, read now."""
    with _registered(con, pd.DataFrame({"article_id": ids})) as name:
        rows = con.execute(f"""SELECT coalesce({trends.GROUPS[by]}, '') AS grp, {trends.GROUPS[by]} IS NULL AS absent
                               FROM {name} i JOIN articles a USING (article_id) ORDER BY i.article_id""").fetchnumpy()
    return rows["grp"].astype(str), rows["absent"].astype(bool)


@contextmanager
def _registered(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame):
    """``frame`` as a view of the connection, under a name no other caller uses, inside the block."""
    name = f"search_cells_{uuid.uuid4().hex}"
    con.register(name, frame)
    try:
        yield name
    finally:
        con.unregister(name)


def _in_window(days: np.ndarray, start, end) -> np.ndarray:
    inside = np.ones(len(days), dtype=bool)
    if start is not None:
        inside &= days >= np.datetime64(start, "D")
    if end is not None:
        inside &= days <= np.datetime64(end, "D")
    return inside


def _period_starts(days: np.ndarray, freq: str) -> np.ndarray:
    """Each day's period as ``date_trunc`` gives it (weeks start on Monday)."""
    if freq == "month":
        return days.astype("datetime64[M]").astype("datetime64[D]")
    if freq == "week":
        n = days.astype(np.int64)  # days since 1970-01-01, a Thursday
        return (n - (n + 3) % 7).astype("datetime64[D]")
    return days


def _positions(periods: np.ndarray, values: np.ndarray, absent: np.ndarray, starts: np.ndarray,
               groups: list) -> tuple[np.ndarray, np.ndarray]:
    """(period, group) indices of ``grid`` for each period and group value (str), or missing
    group where ``absent``."""
    period = np.searchsorted(starts, periods.astype("datetime64[D]"))
    missing = groups.index(None) if None in groups else -1
    named = np.array(sorted(g for g in groups if g is not None), dtype=str)
    if not len(named):
        return period, np.full(len(values), missing, dtype=np.int64)
    at = np.minimum(np.searchsorted(named, values), len(named) - 1)
    index = np.array([groups.index(g) for g in named])
    return period, np.where(absent | (named[at] != values), missing, index[at])


def _groups(frame: pd.DataFrame) -> list:
    # pandas gives a missing group as NaN beside strings: one None, whatever the column held
    return [None if pd.isna(g) else g for g in frame["grp"]]


def _shared_stories(cell: np.ndarray, story: np.ndarray) -> tuple[np.ndarray, int]:
    """Each article's story rank when another article of its cell shares the story, else -1."""
    stories, rank = np.unique(story, return_inverse=True)
    _, pair, n = np.unique(cell * max(len(stories), 1) + rank, return_inverse=True, return_counts=True)
    mask = n[pair] > 1
    kept, shared = np.unique(rank[mask], return_inverse=True)
    out = np.full(len(cell), -1, dtype=np.int64)
    out[mask] = shared
    return out, len(kept)


def _flagged(con: duckdb.DuckDBPyConnection, totals: pd.DataFrame, freq: str) -> pd.DataFrame:
    """The totals with the incomplete flag of ``trends.flags_sql``, in the order of ``totals``."""
    with _registered(con, totals.assign(row=np.arange(len(totals)))) as name:
        return con.execute(f"""
            WITH totals AS (SELECT CAST(period AS DATE) AS period, grp, n, CAST(first_day AS DATE) AS first_day,
                                   CAST(last_day AS DATE) AS last_day FROM {name}),
            {trends.flags_sql(freq=freq)}
            SELECT p.period, p.grp AS "group", p.n_documents AS n_total, p.incomplete
            FROM period_totals p JOIN {name} t ON CAST(t.period AS DATE) = p.period AND t.grp IS NOT DISTINCT FROM p.grp
            ORDER BY t.row""", {"thin": trends.THIN_PERIOD_SHARE}).df()
