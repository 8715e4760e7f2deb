"""How often entities are in the news: frequencies over time and co-occurrence.

Both count documents in the shared unit of ``analysis.trends`` (stories by default, or every
stored placement) and return tidy frames; rendering is elsewhere.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from analysis import rollups, trends
from analysis.entities.identity import canonical_id, merged_ids
from analysis.entities.registry import TYPES
from analysis.entities.text import fold
from analysis.errors import InvalidArgument, NotFound

_DOC_COLUMN = {"articles": "article_id", "headlines": "headline_id"}
COLUMNS = ["period", "group", "entity_id", "entity", "type", "label", "n_documents", "n_mentions", "n_total",
           "share", "incomplete"]
ITEM_DTYPES = {"entity_id": "str", "entity": "str", "type": "str", "n_mentions": "int64"}


def resolve_entities(con: duckdb.DuckDBPyConnection, names: list[str]) -> list[str]:
    """Entity ids for names given by a user: an id, or any alias in any language/spelling."""
    ids = []
    for name in names:
        row = con.execute("SELECT entity_id FROM entities WHERE entity_id = ?", [name]).fetchone()
        if row is None:
            row = con.execute("""
                SELECT a.entity_id FROM aliases a JOIN entities e USING (entity_id)
                WHERE a.alias_key = ? ORDER BY e.source = 'registry' DESC, a.entity_id LIMIT 1""", [fold(name)]).fetchone()
        if row is None:  # a spelling only ever resolved in context (a surname, a typo)
            row = con.execute("""
                SELECT entity_id FROM mentions WHERE lower(strip_accents(surface)) = lower(strip_accents(?))
                GROUP BY entity_id ORDER BY count(*) DESC, entity_id LIMIT 1""", [name.strip()]).fetchone()
        if row is None:
            raise NotFound(f"no entity is called {name!r}; `presswatch entities top` lists the names in the database")
        ids.append(canonical_id(con, row[0]))  # a spelling of a merged entity counts for the one it joined
    return ids


def _check(source: str, types: list[str] | None) -> None:
    if source not in _DOC_COLUMN:
        raise InvalidArgument(f"source must be 'articles' or 'headlines', not {source!r}")
    for t in types or []:
        if t not in TYPES:
            raise InvalidArgument(f"entity type must be one of {', '.join(TYPES)}, not {t!r}")


def entity_frequencies(con: duckdb.DuckDBPyConnection, *, freq: str = "week", entities: list[str] | None = None,
                       by: str | None = None, start: dt.date | str | None = None, end: dt.date | str | None = None,
                       top: int = 20, unit: str = "stories", source: str = "articles",
                       types: list[str] | None = None) -> pd.DataFrame:
    """Documents mentioning each entity per period (and group).

    ``entities``: names or ids (any alias, any language); otherwise the ``top`` entities with
    the most documents in the window (optionally only of ``types``).

    The frequency contract of ``analysis.trends`` (dtypes there), with the entity as the
    item: ``period``, ``group``, ``entity_id``, ``entity`` (display name), ``type``, ``label``
    (the display name again, the contract's name for it), ``n_documents`` (distinct units
    mentioning it), ``n_mentions``, ``n_total``, ``share``, ``incomplete``. One row per
    entity, period and group, zeros included.
    """
    trends.check_options(freq=freq, by=by, unit=unit, source=source)
    _check(source, types)
    params = {"start": trends.as_date(start), "end": trends.as_date(end)}
    chosen = resolve_entities(con, entities) if entities else None
    filters = []
    if chosen is not None:
        filters.append("e.entity_id IN (SELECT unnest($ids))")
        params["ids"] = chosen
    if types:
        filters.append("e.type IN (SELECT unnest($types))")
        params["types"] = list(types)
    # mentions of an entity the entities table lacks are not counted, whichever way
    known = " AND ".join(["TRUE", *filters])
    rolled = rollups.answer(con, source=source)
    if rolled:
        params.update(rollups.window(freq=freq, by=by, start=start, end=end))
        # Named entities are read alone; otherwise every row is read and the filter waits for
        # the ranking, which joins one total per entity rather than every period's row.
        counted = rollups.counts_sql(kind="entity", freq=freq, unit=unit,
                                     items="list_contains($ids, item)" if chosen is not None else "TRUE")
        # Stored periods alone are read twice (not materialised): the second read gets the ranked
        # ids as a filter and skips the other entities' rows. Sums of day rows are made once.
        once = "MATERIALIZED" if rollups.sums_days(params) else "NOT MATERIALIZED"
        em = f"em AS {once} (SELECT period, grp, item AS entity_id, n_documents, n_mentions FROM ({counted}))"
    else:
        units = trends.units_sql(con, freq=freq, by=by, unit=unit, source=source)
        doc_col = _DOC_COLUMN[source]
        em = f"""units AS ({units}),
        m AS (SELECT m.{doc_col} AS doc_id, m.entity_id, count(*) AS n
              FROM mentions m JOIN entities e USING (entity_id) WHERE m.{doc_col} IS NOT NULL AND {known} GROUP BY ALL),
        em AS (SELECT u.period, u.grp, m.entity_id, count(DISTINCT u.unit_id) AS n_documents, sum(m.n) AS n_mentions
               FROM units u JOIN m USING (doc_id) GROUP BY ALL)"""
    sql = f"""
        WITH {em},
        ranked AS (SELECT t.entity_id, t.total
                   FROM (SELECT entity_id, sum(n_documents) AS total FROM em GROUP BY entity_id) t
                   JOIN entities e USING (entity_id) WHERE {known}
                   ORDER BY t.total DESC, t.entity_id LIMIT $top)
        SELECT em.period, em.grp AS "group", em.entity_id, e.name AS entity, e.type,
               em.n_documents, em.n_mentions
        FROM em JOIN ranked USING (entity_id) JOIN entities e USING (entity_id)"""
    params["top"] = len(chosen) if chosen is not None else int(top)
    counts = con.execute(sql, params).df()
    totals = (rollups.rolled_totals(con, freq=freq, by=by, unit=unit, start=start, end=end) if rolled
              else trends.period_totals(con, freq=freq, by=by, unit=unit, source=source, start=start, end=end))
    if counts.empty or totals.empty:
        return trends.empty_frequencies(COLUMNS, ITEM_DTYPES)
    items = counts[["entity_id", "entity", "type"]].drop_duplicates().assign(label=lambda f: f["entity"])
    out = trends.frequency_frame(totals, counts, items, key="entity_id", extra_counts=("n_mentions",))
    out = out.sort_values(["period", "group", "n_documents", "entity_id"], ascending=[True, True, False, True],
                          na_position="first")
    return out[COLUMNS].reset_index(drop=True)


def entity_cooccurrence(con: duckdb.DuckDBPyConnection, *, entities: list[str] | None = None,
                        start: dt.date | str | None = None, end: dt.date | str | None = None,
                        min_count: int = 2, top: int = 50, unit: str = "stories", source: str = "articles",
                        types: list[str] | None = None) -> pd.DataFrame:
    """Entity pairs named in the same document (story), with counts and pointwise mutual information.

    Columns: ``entity_a``, ``name_a``, ``entity_b``, ``name_b`` (a < b by id), ``n_together``
    (units naming both), ``n_a``, ``n_b``, ``n_documents`` (all units in the window),
    ``pmi`` = log2(n_together * n_documents / (n_a * n_b)), ``npmi`` (PMI / -log2(p(a, b)), in
    [-1, 1]). Pairs seen fewer than ``min_count`` times are left out; with ``entities``, only
    pairs involving one of them. Sorted by n_together then PMI.
    """
    trends.check_options(freq="day", by=None, unit=unit, source=source)
    _check(source, types)
    params = {"start": trends.as_date(start), "end": trends.as_date(end), "min_count": int(min_count), "top": int(top)}
    units = trends.units_sql(con, freq="day", by=None, unit=unit, source=source)
    doc_col = _DOC_COLUMN[source]
    type_filter = ""
    if types:
        type_filter = "AND e.type IN (SELECT unnest($types))"
        params["types"] = list(types)
    pair_filter = ""
    if entities:
        params["ids"] = resolve_entities(con, entities)
        pair_filter = "AND (a.entity_id IN (SELECT unnest($ids)) OR b.entity_id IN (SELECT unnest($ids)))"
    sql = f"""
        WITH units AS ({units}),
        u AS (SELECT DISTINCT doc_id, unit_id FROM units),
        eu AS (SELECT DISTINCT u.unit_id, m.entity_id
               FROM u JOIN mentions m ON m.{doc_col} = u.doc_id JOIN entities e USING (entity_id)
               WHERE TRUE {type_filter}),
        total AS (SELECT count(DISTINCT unit_id) AS n FROM u),
        ne AS (SELECT entity_id, count(*) AS n_e FROM eu GROUP BY entity_id),
        pairs AS (SELECT a.entity_id AS entity_a, b.entity_id AS entity_b, count(*) AS n_together
                  FROM eu a JOIN eu b ON a.unit_id = b.unit_id AND a.entity_id < b.entity_id
                  WHERE TRUE {pair_filter}
                  GROUP BY ALL HAVING count(*) >= $min_count)
        SELECT p.entity_a, ea.name AS name_a, p.entity_b, eb.name AS name_b, p.n_together,
               na.n_e AS n_a, nb.n_e AS n_b, t.n AS n_documents,
               log2(p.n_together * t.n / (na.n_e * nb.n_e)) AS pmi,
               CASE WHEN p.n_together = t.n THEN 1.0
                    ELSE log2(p.n_together * t.n / (na.n_e * nb.n_e)) / -log2(p.n_together / t.n) END AS npmi
        FROM pairs p CROSS JOIN total t
        JOIN ne na ON na.entity_id = p.entity_a JOIN ne nb ON nb.entity_id = p.entity_b
        JOIN entities ea ON ea.entity_id = p.entity_a JOIN entities eb ON eb.entity_id = p.entity_b
        ORDER BY p.n_together DESC, pmi DESC, p.entity_a, p.entity_b
        LIMIT $top"""
    return con.execute(sql, params).df()


def top_entities(con: duckdb.DuckDBPyConnection, *, start: dt.date | str | None = None, end: dt.date | str | None = None,
                 top: int = 20, unit: str = "stories", source: str = "articles",
                 types: list[str] | None = None, langs: list[str] | None = None, by: str | None = None) -> pd.DataFrame:
    """The entities named in the most documents in a window, in documents of ``langs`` (all by
    default); with ``by="lang"`` (or ``"outlet"``), the top ones of each group.

    Columns: ``group`` (with ``by``), ``entity_id``, ``entity``, ``type``, ``n_documents``
    (distinct units), ``n_mentions``, ``share`` (of all units of the group in the window),
    ``first``/``last`` (periods, days).
    """
    trends.check_options(freq="day", by=by, unit=unit, source=source)
    _check(source, types)
    params = {"start": trends.as_date(start), "end": trends.as_date(end), "top": int(top)}
    type_filter = ""
    if types:
        type_filter = "AND e.type IN (SELECT unnest($types))"
        params["types"] = list(types)
    lang_filter = ""
    if langs:
        lang_filter = "WHERE lang IN (SELECT unnest($langs))"
        params["langs"] = list(langs)
    doc_col = _DOC_COLUMN[source]
    # Units carry their language for the filter, and the group asked for (or none).
    lang_units = trends.units_sql(con, freq="day", by="lang", unit=unit, source=source)
    grouped = trends.units_sql(con, freq="day", by=by, unit=unit, source=source)
    sql = f"""
        WITH langs AS (SELECT doc_id, grp AS lang FROM ({lang_units})),
        units AS (SELECT u.* FROM ({grouped}) u JOIN langs l USING (doc_id) {lang_filter}),
        total AS (SELECT grp, count(DISTINCT unit_id) AS n FROM units GROUP BY grp),
        hits AS (SELECT m.entity_id, u.unit_id, u.period, u.grp FROM mentions m JOIN units u ON u.doc_id = m.{doc_col}
                 JOIN entities e USING (entity_id) WHERE TRUE {type_filter}),
        ranked AS (
            SELECT h.grp AS "group", h.entity_id, e.name AS entity, e.type, count(DISTINCT h.unit_id) AS n_documents,
                   count(*) AS n_mentions, count(DISTINCT h.unit_id) / any_value(t.n) AS share,
                   min(h.period) AS first, max(h.period) AS last
            FROM hits h JOIN entities e USING (entity_id) JOIN total t ON t.grp IS NOT DISTINCT FROM h.grp
            GROUP BY h.grp, h.entity_id, e.name, e.type)
        SELECT * FROM ranked
        QUALIFY row_number() OVER (PARTITION BY "group" ORDER BY n_documents DESC, n_mentions DESC, entity_id) <= $top
        ORDER BY "group", n_documents DESC, n_mentions DESC, entity_id"""
    df = con.execute(sql, params).df()
    return df if by else df.drop(columns=["group"])


def describe_entity(con: duckdb.DuckDBPyConnection, name: str) -> dict:
    """Everything stored about one entity: its row, aliases per language (with those of the
    learned entities merged into it, listed in ``merged``) and mention counts."""
    (eid,) = resolve_entities(con, [name])
    row = con.execute("SELECT entity_id, name, type, wikidata_id, source FROM entities WHERE entity_id = ?", [eid]).fetchone()
    merged = merged_ids(con, eid)
    aliases = con.execute("""
        SELECT coalesce(lang, 'any') AS lang, list(DISTINCT alias ORDER BY alias) AS aliases
        FROM aliases WHERE entity_id IN (SELECT unnest($ids)) GROUP BY ALL ORDER BY lang""",
                          {"ids": [eid, *merged]}).fetchall()
    counts = con.execute("""
        SELECT count(DISTINCT article_id), count(DISTINCT headline_id), count(*),
               list(DISTINCT method ORDER BY method)
        FROM mentions WHERE entity_id = ?""", [eid]).fetchone()
    dates = con.execute("""
        SELECT min(a.published_date), max(a.published_date) FROM mentions m JOIN articles a USING (article_id)
        WHERE m.entity_id = ?""", [eid]).fetchone()
    return {
        "entity_id": row[0], "name": row[1], "type": row[2], "wikidata_id": row[3], "source": row[4],
        "aliases": dict(aliases), "n_articles": counts[0], "n_headlines": counts[1], "n_mentions": counts[2],
        "methods": counts[3] or [], "first": dates[0], "last": dates[1], "merged": merged,
    }
