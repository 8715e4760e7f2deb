"""How much was collected and published, when: volume, coverage, ticker headlines.

Compute only: every function takes a DuckDB connection and returns a tidy DataFrame (columns
in the docstring); ``analysis.plots`` draws them, the report and notebooks show them.

Two clocks, never mixed (see README, "Data flow"):
- articles are dated by their own dateline (``published_date``);
- ticker headlines by the crawl time of the pages that showed them (``sightings.seen_at``,
  UTC), and pages by ``documents.crawled_at``.

Date bounds ``start``/``end`` are inclusive days (``datetime.date`` or ISO strings); filters
``outlets``/``langs`` are lists (None = all). Values are bound parameters; group columns and
bucket sizes come from allow-lists.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import duckdb
import pandas as pd

from analysis import trends
from analysis.db import scalar
from analysis.errors import InvalidArgument

FREQS = trends.FREQS
ORDERS = ("newest", "longest")
BASES = ("published", "crawled")


def _params(start, end, outlets=None, langs=None, **extra) -> dict:
    return {"start": trends.as_date(start), "end": trends.as_date(end),
            "outlets": list(outlets) if outlets else None, "langs": list(langs) if langs else None, **extra}


def _frame(con: duckdb.DuckDBPyConnection, sql: str, params: dict) -> pd.DataFrame:
    """Run with only the parameters the statement names (DuckDB rejects extra ones)."""
    used = {k: v for k, v in params.items() if re.search(rf"\${k}\b", sql)}
    return con.execute(sql, used).df()


def _check_freq(freq: str) -> None:
    if freq not in FREQS:
        raise InvalidArgument(f"freq must be one of {', '.join(FREQS)}, not {freq!r}")


ARTICLE_FILTER = """($outlets::VARCHAR[] IS NULL OR list_contains($outlets::VARCHAR[], a.outlet))
    AND ($langs::VARCHAR[] IS NULL OR list_contains($langs::VARCHAR[], a.lang))"""
HEADLINE_FILTER = "($langs::VARCHAR[] IS NULL OR list_contains($langs::VARCHAR[], h.lang))"


def article_volume(con: duckdb.DuckDBPyConnection, *, freq: str = "day", start=None, end=None,
                   outlets: Sequence[str] | None = None, langs: Sequence[str] | None = None) -> pd.DataFrame:
    """Articles per period, outlet and language, by publication date.

    Columns: ``period`` (DATE, first day of the bucket), ``outlet`` (None when unknown),
    ``lang``, ``n_placements`` (articles stored: every copy of a syndicated dispatch),
    ``n_stories`` (distinct stories, as in ``analysis.trends``: a story split over two
    outlets counts once in each). Periods without articles have no row.
    """
    _check_freq(freq)
    units = trends.units_sql(con, freq=freq, by=None, unit="stories")
    sql = f"""
        SELECT u.period, a.outlet, a.lang, count(*) AS n_placements, count(DISTINCT u.unit_id) AS n_stories
        FROM ({units}) u JOIN articles a ON a.article_id = u.doc_id
        WHERE {ARTICLE_FILTER}
        GROUP BY ALL ORDER BY u.period, n_placements DESC, a.outlet NULLS LAST, a.lang NULLS LAST"""
    return _frame(con, sql, _params(start, end, outlets, langs))


def coverage(con: duckdb.DuckDBPyConnection, *, freq: str = "week", start=None, end=None,
             basis: str = "published", outlets: Sequence[str] | None = None,
             langs: Sequence[str] | None = None) -> pd.DataFrame:
    """Counts per group and period with explicit zeros, for a heatmap that shows gaps.

    ``basis="published"``: articles per outlet by publication date (``group`` = outlet, or
    "unknown outlet"). ``basis="crawled"``: pages crawled per aggregator site and edition
    (``group`` = e.g. "maghress fr"), by crawl time; duplicates count (a re-crawl of an
    unchanged page is still a crawl). Columns: ``period``, ``group``, ``n``. The period grid
    runs from ``start`` (else the first data) to ``end`` (else the last).
    """
    _check_freq(freq)
    if basis not in BASES:
        raise InvalidArgument(f"basis must be 'published' or 'crawled', not {basis!r}")
    if basis == "published":
        rows = f"""
            SELECT CAST(date_trunc('{freq}', a.published_date) AS DATE) AS period,
                   coalesce(a.outlet, 'unknown outlet') AS grp
            FROM articles a
            WHERE a.published_date IS NOT NULL
              AND ($start IS NULL OR a.published_date >= $start) AND ($end IS NULL OR a.published_date <= $end)
              AND {ARTICLE_FILTER}"""
    else:
        rows = f"""
            SELECT CAST(date_trunc('{freq}', CAST(d.crawled_at AS DATE)) AS DATE) AS period,
                   concat_ws(' ', coalesce(d.site, 'unknown site'), d.edition_lang) AS grp
            FROM documents d
            WHERE d.format = 'page' AND d.status IN ('loaded', 'duplicate') AND d.crawled_at IS NOT NULL
              AND ($start IS NULL OR CAST(d.crawled_at AS DATE) >= $start)
              AND ($end IS NULL OR CAST(d.crawled_at AS DATE) <= $end)
              AND ($langs::VARCHAR[] IS NULL OR list_contains($langs::VARCHAR[], d.edition_lang))"""
    sql = f"""
        WITH r AS ({rows}),
        counts AS (SELECT period, grp, count(*) AS n FROM r GROUP BY ALL),
        bounds AS (SELECT coalesce(CAST(date_trunc('{freq}', CAST($start AS DATE)) AS DATE), min(period)) AS lo,
                          coalesce(CAST(date_trunc('{freq}', CAST($end AS DATE)) AS DATE), max(period)) AS hi FROM r),
        grid AS (SELECT CAST(unnest(generate_series(lo, hi, INTERVAL 1 {freq})) AS DATE) AS period
                 FROM bounds WHERE lo IS NOT NULL),
        groups AS (SELECT DISTINCT grp FROM counts)
        SELECT g.period, s.grp AS "group", coalesce(c.n, 0) AS n
        FROM grid g CROSS JOIN groups s LEFT JOIN counts c ON c.period = g.period AND c.grp = s.grp
        ORDER BY g.period, s.grp"""
    return _frame(con, sql, _params(start, end, outlets, langs))


def ticker_headlines(con: duckdb.DuckDBPyConnection, *, start=None, end=None, order: str = "newest",
                     langs: Sequence[str] | None = None, limit: int = 20) -> pd.DataFrame:
    """Ticker headlines of a time window, newest first or longest-lived first.

    ``order="newest"``: headlines first seen in the window, latest first.
    ``order="longest"``: headlines seen in the window, longest time on the ticker first.
    Columns: ``headline_id``, ``text``, ``lang``, ``first_seen``, ``last_seen`` (UTC, over
    the whole database), ``hours`` (last minus first sighting), ``n_sightings`` (ticker
    slots over the whole database), ``n_in_window`` (slots in the window), ``censored``
    (True when first or last sighting is the first or last crawl of the database: the
    headline may have been on the ticker longer than we saw).
    """
    if order not in ORDERS:
        raise InvalidArgument(f"order must be 'newest' or 'longest', not {order!r}")
    order_sql = {"newest": "h.first_seen DESC, h.headline_id",
                 "longest": "hours DESC, h.n_sightings DESC, h.headline_id"}[order]
    window = "($start IS NULL OR CAST(g.seen_at AS DATE) >= $start) AND ($end IS NULL OR CAST(g.seen_at AS DATE) <= $end)"
    newest = ("AND ($start IS NULL OR CAST(h.first_seen AS DATE) >= $start) "
              "AND ($end IS NULL OR CAST(h.first_seen AS DATE) <= $end)") if order == "newest" else ""
    sql = f"""
        WITH seen AS (SELECT g.headline_id, count(*) AS n_in_window FROM sightings g
                      WHERE g.seen_at IS NOT NULL AND {window} GROUP BY ALL),
        bounds AS (SELECT min(seen_at) AS lo, max(seen_at) AS hi FROM sightings)
        SELECT h.headline_id, h.text, h.lang, h.first_seen, h.last_seen,
               round(epoch(h.last_seen - h.first_seen) / 3600, 1) AS hours,
               h.n_sightings, s.n_in_window,
               (h.first_seen <= b.lo OR h.last_seen >= b.hi) AS censored
        FROM seen s JOIN headlines h USING (headline_id) CROSS JOIN bounds b
        WHERE {HEADLINE_FILTER} {newest}
        ORDER BY {order_sql} LIMIT $limit"""
    return _frame(con, sql, _params(start, end, None, langs, limit=int(limit)))


def headline_lifespans(con: duckdb.DuckDBPyConnection, *, start=None, end=None,
                       langs: Sequence[str] | None = None) -> pd.DataFrame:
    """Every headline first seen in the window and how long it stayed on the ticker.

    Columns: ``headline_id``, ``lang``, ``first_seen``, ``last_seen``, ``hours``,
    ``n_sightings``, ``censored`` (as in ``ticker_headlines``).
    """
    sql = f"""
        WITH bounds AS (SELECT min(seen_at) AS lo, max(seen_at) AS hi FROM sightings)
        SELECT h.headline_id, h.lang, h.first_seen, h.last_seen,
               epoch(h.last_seen - h.first_seen) / 3600 AS hours, h.n_sightings,
               (h.first_seen <= b.lo OR h.last_seen >= b.hi) AS censored
        FROM headlines h CROSS JOIN bounds b
        WHERE h.first_seen IS NOT NULL
          AND ($start IS NULL OR CAST(h.first_seen AS DATE) >= $start)
          AND ($end IS NULL OR CAST(h.first_seen AS DATE) <= $end)
          AND {HEADLINE_FILTER}
        ORDER BY h.first_seen, h.headline_id"""
    return _frame(con, sql, _params(start, end, None, langs))


def ticker_language_mix(con: duckdb.DuckDBPyConnection, *, freq: str = "day", start=None, end=None,
                        langs: Sequence[str] | None = None) -> pd.DataFrame:
    """Language mix of the ticker per period (by crawl time).

    Columns: ``period``, ``lang`` (None when undetected), ``n_sightings`` (ticker slots),
    ``n_headlines`` (distinct headlines), ``share`` (of the period's slots).
    """
    _check_freq(freq)
    sql = f"""
        WITH slots AS (
            SELECT CAST(date_trunc('{freq}', CAST(g.seen_at AS DATE)) AS DATE) AS period, h.lang, g.headline_id
            FROM sightings g JOIN headlines h USING (headline_id)
            WHERE g.seen_at IS NOT NULL
              AND ($start IS NULL OR CAST(g.seen_at AS DATE) >= $start)
              AND ($end IS NULL OR CAST(g.seen_at AS DATE) <= $end) AND {HEADLINE_FILTER})
        SELECT period, lang, count(*) AS n_sightings, count(DISTINCT headline_id) AS n_headlines,
               count(*) / sum(count(*)) OVER (PARTITION BY period) AS share
        FROM slots GROUP BY period, lang ORDER BY period, n_sightings DESC, lang NULLS LAST"""
    return _frame(con, sql, _params(start, end, None, langs))


def top_articles(con: duckdb.DuckDBPyConnection, *, start=None, end=None, outlets: Sequence[str] | None = None,
                 langs: Sequence[str] | None = None, limit: int = 20) -> pd.DataFrame:
    """The most prominent articles published in the window, one per story.

    Ranked by how many outlets ran the story (placements, from the stories stage when it
    has run), then by how many ticker slots showed the article's title (same text, case
    and spacing ignored), then newest first. Columns: ``article_id``, ``published_date``,
    ``outlet``, ``lang``, ``title`` (None when the source had none), ``lead`` (start of the
    body), ``url``, ``n_placements``, ``n_outlets``, ``n_ticker_sightings``.
    """
    has_stories = trends.has_table(con, "article_stories") and trends.has_table(con, "stories")
    story = "coalesce(st.story_id, -a.article_id)" if has_stories else "-a.article_id"
    story_join = ("LEFT JOIN article_stories st ON st.article_id = a.article_id "
                  "LEFT JOIN stories sx ON sx.story_id = st.story_id") if has_stories else ""
    placements = "coalesce(sx.n_placements, 1)" if has_stories else "1"
    n_outlets = "coalesce(sx.n_outlets, 1)" if has_stories else "1"
    sql = f"""
        WITH cand AS (
            SELECT a.article_id, a.published_date, a.outlet, a.lang, a.title, left(a.body, 160) AS lead, a.url,
                   {story} AS story, {placements} AS n_placements, {n_outlets} AS n_outlets,
                   lower(regexp_replace(trim(a.title), '\\s+', ' ', 'g')) AS key
            FROM articles a {story_join}
            WHERE a.published_date IS NOT NULL
              AND ($start IS NULL OR a.published_date >= $start) AND ($end IS NULL OR a.published_date <= $end)
              AND {ARTICLE_FILTER}),
        ticker AS (SELECT lower(h.text) AS key, CAST(sum(h.n_sightings) AS BIGINT) AS n FROM headlines h
                   WHERE lower(h.text) IN (SELECT key FROM cand WHERE key IS NOT NULL) GROUP BY ALL),
        ranked AS (
            SELECT c.*, coalesce(t.n, 0) AS n_ticker_sightings
            FROM cand c LEFT JOIN ticker t ON t.key = c.key
            QUALIFY row_number() OVER (PARTITION BY c.story ORDER BY c.published_date, c.article_id) = 1)
        SELECT article_id, published_date, outlet, lang, title, lead, url, n_placements, n_outlets,
               n_ticker_sightings
        FROM ranked
        ORDER BY n_placements DESC, n_ticker_sightings DESC, published_date DESC, article_id
        LIMIT $limit"""
    return _frame(con, sql, _params(start, end, outlets, langs, limit=int(limit)))


def data_bounds(con: duckdb.DuckDBPyConnection) -> dict:
    """The date range of each clock: articles (published), pages (crawled), ticker (seen), and
    the pages whose crawl time is unknown (``n_pages_undated``; ``n_pages_inferred`` of them have
    a day read from their ticker): no period counts them, so a report says how many there are."""
    articles = con.execute("SELECT min(published_date), max(published_date), count(*) FROM articles").fetchall()[0]
    pages = con.execute("""SELECT min(crawled_at), max(crawled_at), count(*) FROM documents
                           WHERE format = 'page' AND status IN ('loaded', 'duplicate') AND crawled_at IS NOT NULL""").fetchall()[0]
    undated = con.execute("""SELECT count(*), count(*) FILTER (WHERE crawl_source = 'inferred') FROM documents
                             WHERE format = 'page' AND status IN ('loaded', 'duplicate') AND crawled_at IS NULL""").fetchall()[0]
    return {"published_first": articles[0], "published_last": articles[1], "n_articles": articles[2],
            "crawled_first": pages[0], "crawled_last": pages[1], "n_pages": pages[2],
            "n_pages_undated": undated[0], "n_pages_inferred": undated[1],
            "n_headlines": scalar(con, "SELECT count(*) FROM headlines")}
