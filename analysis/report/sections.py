"""The report's enrichment sections as data: top entities, new entities, topics and bursts;
and the saved searches section (``search_section``), counted by ``analysis.search``.

A section is computed only when its stage's table has rows; otherwise it is None and the
report has no such section (nothing is estimated). The numbers come from the stages' own
functions (``analysis.entities``, ``analysis.topics``, ``analysis.bursts``), so a report
counts exactly as the CLI and notebooks do. ``render`` turns these into tables and charts.

Filtered reports: the stages count by outlet or by language (``by=``), not both at once;
with one kind of filter the groups asked for are summed, with both the sections are left
out and ``Enrichment.note`` says why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import pandas as pd

from analysis import trends
from analysis.db import scalar
from analysis.report.periods import Period

TOP = 10
SPARK_PERIODS = 12
BURST_HISTORY = 26  # periods of history the burst detectors see (their z baseline needs 8)
CANDIDATES = 200  # filtered reports: entities ranked among this many most-named overall
NOT_BOTH = ("Not shown: entity and topic counts can be filtered by outlet or by language, not both at once. "
            "Run the report with one kind of filter.")


@dataclass
class EntitySection:
    """``top``: entity, type, n_documents, previous, trend (values over the sparkline window),
    trend_incomplete (flags), change. ``new``: entity_id, entity, type, n_documents,
    first_day; None when the period is the first of the data (everything would be new)."""

    top: pd.DataFrame
    new: pd.DataFrame | None


@dataclass
class TopicSection:
    """``top``: label, n_documents, share (%), previous (%), trend, trend_incomplete, change.
    ``bursts``: label, method, periods, peak_share (%), baseline_share (%), articles (titles).
    ``shares``: period, topic, topic_label, share over the sparkline window of the top topics
    (the chart), None when the window has no topic."""

    top: pd.DataFrame
    bursts: pd.DataFrame
    shares: pd.DataFrame | None


@dataclass
class Enrichment:
    entities: EntitySection | None = None
    topics: TopicSection | None = None
    note: str | None = None  # why the sections are left out, when they are


def enrichment(con: duckdb.DuckDBPyConnection, period: Period, *, outlets: Sequence[str] = (),
               langs: Sequence[str] = ()) -> Enrichment:
    """The entity and topic sections of the report on ``period`` (see the module docstring)."""
    has_entities, has_topics = trends.has_rows(con, "mentions"), trends.has_rows(con, "article_topics")
    if not (has_entities or has_topics):
        return Enrichment()
    if outlets and langs:
        return Enrichment(note=NOT_BOTH)
    by, groups = ("outlet", list(outlets)) if outlets else (("lang", list(langs)) if langs else (None, []))
    # a report of one language speaks it: names and labels in that language where the registry has them
    lang = langs[0] if len(langs) == 1 and langs[0] in NAME_COLUMNS else None
    return Enrichment(entities=entity_section(con, period, by=by, groups=groups, lang=lang) if has_entities else None,
                      topics=topic_section(con, period, by=by, groups=groups, lang=lang) if has_topics else None)


NAME_COLUMNS = {"fr": "name_fr", "en": "name_en", "ar": "name_ar", "es": "name_es"}


def entity_names(con: duckdb.DuckDBPyConnection, ids: Sequence, lang: str | None) -> dict:
    """entity_id -> its name in ``lang`` (the registry's), for the ids that have one."""
    if lang is None or not len(ids):
        return {}
    column = NAME_COLUMNS[lang]  # from the allow-list
    return dict(con.execute(f"""SELECT entity_id, {column} FROM entities
                                WHERE list_contains($ids, entity_id) AND nullif(trim({column}), '') IS NOT NULL""",
                            {"ids": list(ids)}).fetchall())


def topic_names(con: duckdb.DuckDBPyConnection, lang: str | None) -> dict:
    """topic_id -> its label in ``lang`` (the taxonomy's topic_labels)."""
    if lang is None or not trends.has_table(con, "topic_labels"):
        return {}
    return dict(con.execute("SELECT topic_id, label FROM topic_labels WHERE lang = $lang", {"lang": lang}).fetchall())


def _keep(frame: pd.DataFrame, by: str | None, groups: list[str], key: list[str], values: list[str]) -> pd.DataFrame:
    """Rows of the groups asked for, summed over those groups (identity when unfiltered)."""
    if by is None or frame.empty:
        return frame
    part = frame[frame["group"].isin(groups)]
    agg = {v: "sum" for v in values} | ({"incomplete": "max"} if "incomplete" in part else {})
    return part.groupby(key, as_index=False, dropna=False).agg(agg)


def _spark_rows(frame: pd.DataFrame, key: str, value: str) -> dict:
    """key -> (values, incomplete flags) over the sparkline window, in period order."""
    out = {}
    for k, part in frame.sort_values("period").groupby(key, sort=False):
        out[k] = ([float(v) for v in part[value]], [bool(b) for b in part.get("incomplete", [False] * len(part))])
    return out


def entity_section(con: duckdb.DuckDBPyConnection, period: Period, *, by: str | None = None,
                   groups: Sequence[str] = (), lang: str | None = None) -> EntitySection:
    from analysis.entities import entity_frequencies, top_entities

    groups = list(groups)
    prev = period.previous()
    first = period.back(SPARK_PERIODS - 1)
    candidates = None
    if by is None:
        candidates = top_entities(con, start=period.start, end=period.end, top=CANDIDATES)
        top = candidates.head(TOP)
    else:
        cand = entity_frequencies(con, freq=period.kind, by=by, start=period.start, end=period.end, top=CANDIDATES)
        cand = _keep(cand, by, groups, ["entity_id", "entity", "type"], ["n_documents", "n_mentions"])
        top = cand[cand["n_documents"] > 0].sort_values(["n_documents", "n_mentions", "entity_id"],
                                                        ascending=[False, False, True], kind="stable").head(TOP)
    ids = list(top["entity_id"])
    names = entity_names(con, ids, lang)
    rows = []
    if ids:
        hist = entity_frequencies(con, freq=period.kind, entities=ids, by=by, start=first.start, end=period.end)
        hist = _keep(hist, by, groups, ["period", "entity_id"], ["n_documents"])
        sparks = _spark_rows(hist, "entity_id", "n_documents")
        before = hist[pd.to_datetime(hist["period"]) == pd.Timestamp(prev.start)].set_index("entity_id")["n_documents"]
        for r in top.itertuples(index=False):
            values, bad = sparks.get(r.entity_id, ([], []))
            rows.append({"entity": names.get(r.entity_id, r.entity), "type": r.type, "n_documents": int(r.n_documents),
                         "previous": int(before.get(r.entity_id, 0)), "trend": values, "trend_incomplete": bad})
        for row in rows:
            row["change"] = row["n_documents"] - row["previous"]
    new = new_entities(con, period, by=by, groups=groups, candidates=candidates)
    if new is not None and lang is not None and len(new):
        local = entity_names(con, list(new["entity_id"]), lang)
        new = new.assign(entity=[local.get(i, e) for i, e in zip(new["entity_id"], new["entity"])])
    return EntitySection(top=pd.DataFrame(rows), new=new)


def new_entities(con, period: Period, *, by=None, groups=(), min_stories: int = 2,
                 candidates: pd.DataFrame | None = None) -> pd.DataFrame | None:
    """Entities whose first article mention in the whole database falls in ``period``, named
    in at least ``min_stories`` stories of it. None when the period is the first of the data
    (everything would be new). Columns: entity_id, entity, type, n_documents, first_day."""
    from analysis.entities import top_entities

    data_start = scalar(con, "SELECT min(published_date) FROM articles")
    if data_start is None or data_start >= period.start:
        return None
    cand = candidates if candidates is not None else top_entities(con, start=period.start, end=period.end, top=CANDIDATES)
    if cand.empty:
        return cand.assign(first_day=pd.Series(dtype="object"))[["entity_id", "entity", "type", "n_documents", "first_day"]]
    firsts = con.execute("""
        SELECT m.entity_id, min(a.published_date) AS first_day
        FROM mentions m JOIN articles a ON a.article_id = m.article_id
        WHERE list_contains($ids, m.entity_id) AND a.published_date IS NOT NULL
          AND ($outlets::VARCHAR[] IS NULL OR list_contains($outlets::VARCHAR[], a.outlet))
          AND ($langs::VARCHAR[] IS NULL OR list_contains($langs::VARCHAR[], a.lang))
        GROUP BY m.entity_id""", {"ids": list(cand["entity_id"]),
                                  "outlets": list(groups) if by == "outlet" else None,
                                  "langs": list(groups) if by == "lang" else None}).df()
    new = cand.merge(firsts, on="entity_id")
    new = new[(pd.to_datetime(new["first_day"]) >= pd.Timestamp(period.start)) & (new["n_documents"] >= min_stories)]
    return new[["entity_id", "entity", "type", "n_documents", "first_day"]].head(TOP).reset_index(drop=True)


def topic_section(con: duckdb.DuckDBPyConnection, period: Period, *, by: str | None = None,
                  groups: Sequence[str] = (), lang: str | None = None) -> TopicSection:
    from analysis.bursts import detect_bursts
    from analysis.topics import topic_frequencies

    groups = list(groups)
    prev = period.previous()
    history = topic_frequencies(con, freq=period.kind, by=by, start=period.back(BURST_HISTORY - 1).start, end=period.end)
    if by is not None:
        history = _keep(history, by, groups, ["period", "topic", "label"], ["n_documents", "n_total"])
        history["share"] = (history["n_documents"] / history["n_total"].where(history["n_total"] > 0)).fillna(0.0)
    history["period"] = pd.to_datetime(history["period"])
    local = topic_names(con, lang)
    if local:
        history["label"] = [local.get(t, label) for t, label in zip(history["topic"], history["label"])]
    now = history[history["period"] == pd.Timestamp(period.start)]
    before = history[history["period"] == pd.Timestamp(prev.start)].set_index("topic")["share"]
    top = now[now["n_documents"] > 0].sort_values(["n_documents", "topic"], ascending=[False, True], kind="stable").head(TOP)
    window = history[history["period"] >= pd.Timestamp(period.back(SPARK_PERIODS - 1).start)]
    sparks = _spark_rows(window, "topic", "share")
    rows = [{"label": r.label, "n_documents": int(r.n_documents), "share": 100 * float(r.share),
             "previous": 100 * float(before.get(r.topic, 0.0)), "trend": sparks.get(r.topic, ([], []))[0],
             "trend_incomplete": sparks.get(r.topic, ([], []))[1]} for r in top.itertuples(index=False)]
    for row in rows:
        row["change"] = round(row["share"] - row["previous"], 1)
    shares = None
    if not window.empty and window["topic"].nunique():
        keys = list(top["topic"][:6])
        shares = window[window["topic"].isin(keys)].rename(columns={"label": "topic_label"})
    found = detect_bursts(history.assign(group=None) if by is not None else history, con=con)
    found = found[(pd.to_datetime(found["end"]) >= pd.Timestamp(period.start))
                  & (pd.to_datetime(found["start"]) <= pd.Timestamp(period.end))] if not found.empty else found
    burst_rows = [{"label": b.label, "method": b.method, "periods": _span_label(period.kind, b.start, b.end),
                   "peak_share": 100 * float(b.peak_share), "baseline_share": 100 * float(b.baseline_share),
                   "articles": _titles(b.articles)} for b in found.itertuples(index=False)]
    return TopicSection(top=pd.DataFrame(rows), bursts=pd.DataFrame(burst_rows), shares=shares)


def _span_label(kind: str, start, end) -> str:
    first = Period.containing(kind, pd.Timestamp(start).date()).label
    last = Period.containing(kind, pd.Timestamp(end).date()).label
    return first if first == last else f"{first} – {last}"


def _titles(articles, n: int = 3) -> list[str]:
    """Distinct titles of a burst's driving articles (syndicated copies share one)."""
    titles: list[str] = []
    for a in articles or []:
        title = a.get("title") or a.get("text")
        if title and title not in titles:
            titles.append(title)
    return titles[:n]


# ---- Saved searches ---------------------------------------------------------------------------

SEARCH_STORIES = 3
# Reports build a missing search index themselves only for archives this small (seconds, not minutes).
INDEX_ON_DEMAND_MAX = 20_000
SEARCHES_NOT_BOTH = ("Not shown: saved searches can be counted by outlet or by language, not both at once. "
                     "Run the report with one kind of filter.")


@dataclass
class SearchSection:
    """``table``: name, query, lang, n_documents (matching stories), share (% of all stories),
    previous, previous_share (%), change (stories), trend (share % over the sparkline window),
    trend_incomplete. ``stories``: name, rank, article_id, published_date, outlet, lang,
    title, lead, url, n_placements — the top matching stories of the period, one article each.
    ``note``: why the section has no numbers, when it has none."""

    table: pd.DataFrame
    stories: pd.DataFrame
    note: str | None = None


def search_section(con: duckdb.DuckDBPyConnection, period: Period, searches: Sequence, *,
                   outlets: Sequence[str] = (), langs: Sequence[str] = ()) -> SearchSection | None:
    """Attention to each saved search (``analysis.search.saved``) in ``period``: counted by
    ``analysis.search.attention`` (unit stories) like the CLI's ``search --freq``. None
    without saved searches."""
    from analysis.errors import InvalidArgument
    from analysis.search import attention
    from analysis.search.index import index_path, open_index

    if not searches:
        return None
    if outlets and langs:
        return SearchSection(pd.DataFrame(), pd.DataFrame(), note=SEARCHES_NOT_BOTH)
    try:
        path = index_path(con)
    except InvalidArgument:
        return SearchSection(pd.DataFrame(), pd.DataFrame(),
                             note="Not shown: saved searches need a database file (the search index lives beside it).")
    if not path.exists() and scalar(con, "SELECT count(*) FROM articles") > INDEX_ON_DEMAND_MAX:
        # building a large archive's index is a job of its own, not a side effect of a report
        return SearchSection(pd.DataFrame(), pd.DataFrame(), note=(
            "Not shown: this database has no search index yet; build it once with "
            "presswatch search --rebuild-index (every later load keeps it up to date)."))
    try:
        idx = open_index(con)  # once, so every query below sees the same index
    except OSError as exc:  # a database in a folder the report may not write to: the other sections still stand
        return SearchSection(pd.DataFrame(), pd.DataFrame(), note=(
            f"Not shown: the search index beside the database cannot be written ({exc.strerror or exc}); "
            "run presswatch search --rebuild-index as a user who can."))
    by, groups = ("outlet", list(outlets)) if outlets else (("lang", list(langs)) if langs else (None, []))
    queries = list(dict.fromkeys(s.full_query for s in searches))  # two searches may share a query
    history = attention(con, queries, freq=period.kind, by=by, start=period.back(SPARK_PERIODS - 1).start,
                        end=period.end)
    if by is not None:
        history = _keep(history, by, groups, ["period", "query"], ["n_documents", "n_total"])
        history["share"] = (history["n_documents"] / history["n_total"].where(history["n_total"] > 0)).fillna(0.0)
    history["period"] = pd.to_datetime(history["period"])
    history["share"] = 100 * history["share"]
    sparks = _spark_rows(history, "query", "share")
    keyed = history.set_index(["query", "period"])
    rows, stories = [], []
    for s in searches:
        now = _at(keyed, s.full_query, period.start)
        before = _at(keyed, s.full_query, period.previous().start)
        values, bad = sparks.get(s.full_query, ([], []))
        rows.append({"name": s.name, "query": s.query, "lang": s.lang, "n_documents": now[0], "share": now[1],
                     "previous": before[0], "previous_share": before[1], "change": now[0] - before[0],
                     "trend": values, "trend_incomplete": bad})
        top = top_matching_stories(con, s.full_query, period, outlets=outlets, langs=langs, idx=idx)
        stories += [{"name": s.name, "rank": rank, **r} for rank, r in enumerate(top.to_dict("records"), 1)]
    columns = ["name", "rank", "article_id", "published_date", "outlet", "lang", "title", "lead", "url",
               "n_placements"]
    return SearchSection(table=pd.DataFrame(rows), stories=pd.DataFrame(stories, columns=columns))


def _at(keyed: pd.DataFrame, query: str, day) -> tuple[int, float | None]:
    """(matching stories, share %) of one query in one period; (0, None) when the period has no data."""
    try:
        row = keyed.loc[(query, pd.Timestamp(day))]
    except KeyError:
        return 0, None
    return int(row["n_documents"]), float(row["share"])


def top_matching_stories(con: duckdb.DuckDBPyConnection, query: str, period: Period, *, outlets: Sequence[str] = (),
                         langs: Sequence[str] = (), limit: int = SEARCH_STORIES, idx=None) -> pd.DataFrame:
    """The stories of ``period`` matching ``query`` that the most outlets ran (matching
    placements, then newest, then lowest id), one article each: its earliest placement.
    Columns: article_id, published_date, outlet, lang, title, lead, url, n_placements."""
    from analysis import volume
    from analysis.search import matching_ids

    ids = matching_ids(con, query, start=period.start, end=period.end, idx=idx)
    stories = trends.has_table(con, "article_stories")
    story = "coalesce(st.story_id, -a.article_id)" if stories else "-a.article_id"
    join = "LEFT JOIN article_stories st ON st.article_id = a.article_id" if stories else ""
    return con.execute(f"""
        WITH hits AS (
            SELECT a.article_id, a.published_date, a.outlet, a.lang, a.title, left(a.body, 160) AS lead, a.url,
                   {story} AS story
            FROM articles a {join}
            WHERE list_contains($ids, a.article_id) AND a.published_date BETWEEN $start AND $end
              AND {volume.ARTICLE_FILTER}),
        ranked AS (
            SELECT *, count(*) OVER (PARTITION BY story) AS n_placements FROM hits
            QUALIFY row_number() OVER (PARTITION BY story ORDER BY published_date, article_id) = 1)
        SELECT article_id, published_date, outlet, lang, title, lead, url, n_placements FROM ranked
        ORDER BY n_placements DESC, published_date DESC, article_id LIMIT $limit""",
                       {"ids": [int(i) for i in ids], "start": period.start, "end": period.end,
                        "outlets": list(outlets) or None, "langs": list(langs) or None, "limit": limit}).df()
