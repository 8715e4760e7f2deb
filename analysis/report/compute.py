"""What a report says, as data: every number and table of one period, no rendering.

``report_data(con, period, ...)`` returns a ``ReportData`` of tidy frames and plain values;
``render`` turns it into HTML, Markdown, CSV and charts. A section is present only when the
database holds its kind of data (ticker pages, entity mentions, topics): nothing is faked.
The entity and topic sections are computed by ``analysis.report.sections``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version

import duckdb
import pandas as pd

from analysis import trends, volume
from analysis.db import scalar
from analysis.plots.style import lang_name
from analysis.report.periods import BASIS_TEXT, Period
from analysis.report.sections import Enrichment, SearchSection, enrichment, search_section

TRAILING = 12  # periods of context for the coverage heatmap and sparklines


@dataclass
class ReportData:
    period: Period
    previous: Period
    outlets: list[str]
    langs: list[str]
    chosen_by: str  # how the period was chosen, one sentence
    numbers: pd.DataFrame
    partial: list[str]  # groups whose data start or stop inside the period or the one before
    volume_daily: pd.DataFrame
    volume_table: pd.DataFrame
    coverage: pd.DataFrame
    top_articles: pd.DataFrame
    ticker: dict[str, pd.DataFrame] | None  # None: the database has no dated ticker sightings
    enrichment: Enrichment = field(default_factory=Enrichment)  # entity / topic sections, when their data exists
    searches: SearchSection | None = None  # saved searches; None when none are tracked
    provenance: dict[str, object] = field(default_factory=dict)

    @property
    def slug(self) -> str:
        """Folder name: the period label, plus the filters when there are any."""
        if not (self.outlets or self.langs):
            return self.period.label
        key = json.dumps({"outlets": sorted(self.outlets), "langs": sorted(self.langs)}, ensure_ascii=False)
        parts = [self.period.label, *(f"lang-{lang}" for lang in sorted(self.langs))]
        if self.outlets:
            parts.append(f"{len(self.outlets)}-outlet{'s' if len(self.outlets) > 1 else ''}")
        return "_".join(parts) + "_" + hashlib.sha256(key.encode()).hexdigest()[:8]


def report_data(con: duckdb.DuckDBPyConnection, period: Period, *, outlets: Sequence[str] | None = None,
                langs: Sequence[str] | None = None, chosen_by: str | None = None,
                top: int = 20, searches: str | os.PathLike | Sequence | None = None) -> ReportData:
    """Everything one report shows, for ``period`` compared with the period before it.

    ``searches``: the saved searches to track, a YAML file or a list (``analysis.search.saved``);
    None tracks the packaged default, an empty list none."""
    from analysis.search.saved import saved_searches

    tracked = saved_searches(searches)
    outlets, langs = sorted(set(outlets or [])), sorted(set(langs or []))
    previous = period.previous()
    scope = {"outlets": outlets or None, "langs": langs or None}
    daily = volume.article_volume(con, freq="day", start=period.start, end=period.end, **scope)
    before = volume.article_volume(con, freq="day", start=previous.start, end=previous.end, **scope)
    first = period.back(TRAILING - 1)
    return ReportData(
        period=period, previous=previous, outlets=outlets, langs=langs,
        chosen_by=chosen_by or f"Chosen with --at {period.label}.",
        numbers=headline_numbers(con, period, previous, outlets=outlets, langs=langs),
        partial=partial_notes(con, period, previous, outlets=outlets, langs=langs),
        volume_daily=daily,
        volume_table=volume_table(daily, before),
        coverage=volume.coverage(con, freq=period.kind, start=first.start, end=period.end, **scope),
        top_articles=volume.top_articles(con, start=period.start, end=period.end, limit=top, **scope),
        ticker=_ticker(con, period, langs=langs),
        enrichment=enrichment(con, period, outlets=outlets, langs=langs),
        searches=search_section(con, period, tracked, outlets=outlets, langs=langs),
        provenance=provenance(con),
    )


def _ticker(con: duckdb.DuckDBPyConnection, period: Period, *, langs: list[str]) -> dict[str, pd.DataFrame] | None:
    if not scalar(con, "SELECT count(*) FROM (SELECT 1 FROM sightings WHERE seen_at IS NOT NULL LIMIT 1)"):
        return None
    scope = {"start": period.start, "end": period.end, "langs": langs or None}
    return {
        "newest": volume.ticker_headlines(con, order="newest", limit=15, **scope),
        "longest": volume.ticker_headlines(con, order="longest", limit=15, **scope),
        "language_mix": volume.ticker_language_mix(con, freq="day", **scope),
    }


METRICS = [  # metric, label, what the number counts
    ("articles", "Articles published", "articles (placements) with a publication date in the period"),
    ("stories", "Distinct stories", "articles counted once per story (syndicated copies together)"),
    ("outlets", "Outlets publishing", "outlets with at least one article in the period"),
    ("days_with_articles", "Days with articles", "days of the period with at least one article"),
    ("pages", "Pages crawled", "page dumps crawled in the period (the collection effort)"),
    ("headlines_seen", "Ticker headlines seen", "distinct headlines on a crawled ticker in the period"),
    ("headlines_new", "New ticker headlines", "headlines first seen in the period"),
]


ARTICLE_METRICS = ("articles", "stories", "outlets", "days_with_articles")
GROUP_NAMES = {"lang": "language", "outlet": "outlet"}


def partial_notes(con: duckdb.DuckDBPyConnection, period: Period, previous: Period, *,
                  outlets: list[str], langs: list[str]) -> list[str]:
    """One sentence per language or outlet of the scope whose articles start or stop inside
    ``period`` or ``previous``: its counts there cover part of the period only."""
    notes = []
    params = {"outlets": outlets or None, "langs": langs or None}
    for by, name in GROUP_NAMES.items():  # column names from this allow-list
        rows = con.execute(f"""SELECT a.{by}, min(a.published_date), max(a.published_date) FROM articles a
                               WHERE a.published_date IS NOT NULL AND {volume.ARTICLE_FILTER}
                               GROUP BY ALL ORDER BY 1 NULLS LAST""", params).fetchall()
        for group, first, last in rows:
            shown = group_name(by, group)
            for p in (previous, period):
                if p.start < first <= p.end:
                    notes.append(f"Articles of the {name} {shown} start on {first:%Y-%m-%d}, inside {p.label}: "
                                 f"partial period.")
                if p.start <= last < p.end:
                    notes.append(f"Articles of the {name} {shown} stop on {last:%Y-%m-%d}, inside {p.label}: "
                                 f"partial period.")
    return notes


def group_name(by: str, group) -> str:
    return lang_name(group) if by == "lang" else (group if group is not None else "unknown")


def _counts(con: duckdb.DuckDBPyConnection, p: Period, *, outlets: list[str], langs: list[str]) -> dict[str, int]:
    units = trends.units_sql(con, freq="day", by=None, unit="stories")
    params = {"start": p.start, "end": p.end, "outlets": outlets or None, "langs": langs or None}
    row = con.execute(f"""
        SELECT count(*), count(DISTINCT u.unit_id), count(DISTINCT a.outlet), count(DISTINCT u.period)
        FROM ({units}) u JOIN articles a ON a.article_id = u.doc_id
        WHERE {volume.ARTICLE_FILTER}""", params).fetchall()[0]
    lang_params = {"start": p.start, "end": p.end, "langs": langs or None}
    pages = scalar(con, """
        SELECT count(*) FROM documents d WHERE d.format = 'page' AND d.status IN ('loaded', 'duplicate')
          AND CAST(d.crawled_at AS DATE) BETWEEN $start AND $end
          AND ($langs::VARCHAR[] IS NULL OR list_contains($langs::VARCHAR[], d.edition_lang))""", lang_params)
    seen = scalar(con, f"""
        SELECT count(DISTINCT g.headline_id) FROM sightings g JOIN headlines h USING (headline_id)
        WHERE CAST(g.seen_at AS DATE) BETWEEN $start AND $end AND {volume.HEADLINE_FILTER}""", lang_params)
    new = scalar(con, f"""
        SELECT count(*) FROM headlines h
        WHERE CAST(h.first_seen AS DATE) BETWEEN $start AND $end AND {volume.HEADLINE_FILTER}""", lang_params)
    return {"articles": row[0], "stories": row[1], "outlets": row[2], "days_with_articles": row[3],
            "pages": pages, "headlines_seen": seen, "headlines_new": new}


def headline_numbers(con: duckdb.DuckDBPyConnection, period: Period, previous: Period, *,
                     outlets: list[str], langs: list[str]) -> pd.DataFrame:
    """The period's key counts next to the previous period's.

    Columns: ``metric``, ``label``, ``value``, ``previous``, ``change`` (value − previous),
    ``change_pct`` (None when previous is 0), ``partial`` (the articles of the report's scope
    start or stop inside one of the two periods: the change compares part of a period),
    ``definition``. Ticker and page rows appear only when the database has crawled pages.
    """
    now = _counts(con, period, outlets=outlets, langs=langs)
    first, last = con.execute(f"SELECT min(published_date), max(published_date) FROM articles a WHERE {volume.ARTICLE_FILTER}",
                              {"outlets": outlets or None, "langs": langs or None}).fetchone()
    partial = first is not None and any(first > p.start or last < p.end for p in (period, previous)
                                        if first <= p.end and last >= p.start)
    before = _counts(con, previous, outlets=outlets, langs=langs)
    has_pages = bool(scalar(con, "SELECT count(*) FROM (SELECT 1 FROM documents WHERE format = 'page' LIMIT 1)"))
    rows = []
    for metric, text, definition in METRICS:
        if metric in ("pages", "headlines_seen", "headlines_new") and not has_pages:
            continue
        value, prev = int(now[metric]), int(before[metric])
        if metric == "days_with_articles":
            text = f"{text} (of {period.days})"
        rows.append({"metric": metric, "label": text, "value": value, "previous": prev, "change": value - prev,
                     "change_pct": round(100.0 * (value - prev) / prev, 1) if prev else None,
                     "partial": partial and metric in ARTICLE_METRICS, "definition": definition})
    return pd.DataFrame(rows)


def volume_table(current: pd.DataFrame, previous: pd.DataFrame) -> pd.DataFrame:
    """Articles per outlet and language, this period and the one before.

    Columns: ``outlet``, ``lang``, ``n_placements``, ``n_stories``, ``previous_placements``,
    ``change``. Sorted by this period's placements.
    """
    keys = ["outlet", "lang"]
    now = current.groupby(keys, dropna=False)[["n_placements", "n_stories"]].sum().reset_index()
    before = previous.groupby(keys, dropna=False)["n_placements"].sum().rename("previous_placements").reset_index()
    table = now.merge(before, on=keys, how="outer")
    for col in ("n_placements", "n_stories", "previous_placements"):
        table[col] = table[col].fillna(0).astype("int64")
    table["change"] = table["n_placements"] - table["previous_placements"]
    table = table.assign(_o=table["outlet"].fillna("\uffff"))
    return (table.sort_values(["n_placements", "previous_placements", "_o", "lang"],
                              ascending=[False, False, True, True], kind="stable")
            .drop(columns="_o").reset_index(drop=True))


# Version records written by the enrichment stages: (label, table, SQL). Read when the table exists.
VERSION_SOURCES = [
    ("stories", "story_index_meta", "SELECT source || ' index ' || version FROM story_index_meta ORDER BY source"),
    ("topics", "topic_scored", "SELECT DISTINCT kind || ' ' || version FROM topic_scored ORDER BY 1"),
    ("topic models", "topic_models",
     "SELECT model_id || ' (' || method || ', ' || n_topics || ' topics, fitted ' || strftime(fitted_at, '%Y-%m-%d') || ')' "
     "FROM topic_models ORDER BY model_id"),
    ("entities", "entity_done", "SELECT DISTINCT version FROM entity_done ORDER BY 1"),
]

# Content that defines a database snapshot: same rows, same checksum (whatever the file layout).
SNAPSHOT_SQL = {
    "documents": "SELECT count(*), bit_xor(hash(document_id, sha256, status)) FROM documents",
    "articles": "SELECT count(*), bit_xor(hash(article_id, content_sha256, published_date, outlet, lang)) FROM articles",
    "headlines": "SELECT count(*), bit_xor(hash(headline_id, n_sightings, first_seen, last_seen, lang)) FROM headlines",
    "sightings": "SELECT count(*), bit_xor(hash(document_id, headline_id, position, seen_at)) FROM sightings",
}


def provenance(con: duckdb.DuckDBPyConnection) -> dict[str, object]:
    """How the numbers were made: data range per clock, parser and model versions, loads,
    software versions and a checksum of the database content (no time of generation)."""
    bounds = volume.data_bounds(con)
    parsers = con.execute("""SELECT parser_version, count(*) FROM documents WHERE status = 'loaded'
                             GROUP BY ALL ORDER BY 1""").fetchall()
    models = []
    for what, table, sql in VERSION_SOURCES:
        if trends.has_table(con, table):
            try:
                models += [f"{what}: {r[0]}" for r in con.execute(sql).fetchall()]
            except duckdb.Error:  # a stage's table of another shape: say nothing rather than guess
                continue
    loads = con.execute("""SELECT count(*), max(load_id), max(finished_at) FROM loads WHERE status = 'complete'""").fetchall()[0]
    digest = hashlib.sha256()
    for name, sql in SNAPSHOT_SQL.items():
        digest.update(f"{name}:{con.execute(sql).fetchall()[0]}\n".encode())
    for name in ("article_stories", "headline_stories", "mentions", "article_topics", "headline_topics"):
        if trends.has_table(con, name):
            digest.update(f"{name}:{scalar(con, f'SELECT count(*) FROM {name}')}\n".encode())  # name from the tuple above
    return {
        **bounds,
        "parsers": [f"{p} ({n:,} documents)" for p, n in parsers],
        "models": models,
        "n_loads": loads[0], "last_load": loads[1], "last_load_finished": loads[2],
        "snapshot": digest.hexdigest()[:16],
        "software": {name: _version(name) for name in ("presswatch", "duckdb", "matplotlib")},
    }


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "unknown"


def chosen_sentence(period: Period, basis: str, last_day: dt.date) -> str:
    return (f"Chosen by --latest: the last complete {period.kind} of {BASIS_TEXT[basis]}, "
            f"which reach {last_day:%Y-%m-%d}.")
