"""Report sections from the enrichment stages: entities, topics and their bursts.

Each section appears only when its stage's data is in the database (its table has rows);
otherwise the report has no such section — nothing is estimated or faked. The numbers come
from the stages' own functions (``analysis.entities``, ``analysis.topics``), so a report
counts exactly as the CLI and notebooks do. ``sections`` returns what the renderer needs:

- ``sections``: [{id, title, intro, charts: [names], tables: [{caption, columns, rows}]}]
- ``figures``: {name: (alt text, Figure)};  ``tables``: {csv stem: DataFrame}
- ``markdown``: [list of Markdown lines per section]

Filtered reports: the stages count by outlet or by language (``by=``), not both at once;
with one kind of filter the groups asked for are summed, with both the sections are left
out and the report says why.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import duckdb
import pandas as pd

from analysis import plots, trends
from analysis.db import scalar
from analysis.report.periods import Period

log = logging.getLogger(__name__)

TOP = 10
SPARK_PERIODS = 12
BURST_HISTORY = 26  # periods of history the burst detectors see (their z baseline needs 8)
CANDIDATES = 200  # filtered reports: entities ranked among this many most-named overall


def sections(con: duckdb.DuckDBPyConnection, period: Period, *, outlets: Sequence[str] = (),
             langs: Sequence[str] = ()) -> dict:
    out: dict = {"sections": [], "figures": {}, "tables": {}, "markdown": []}
    wanted = [n for n, t in (("entities", "mentions"), ("topics", "article_topics")) if trends.has_rows(con, t)]
    if not wanted:
        return out
    if outlets and langs:
        out["sections"].append({"id": "enrichment", "title": "Entities and topics", "charts": [], "tables": [],
                                "intro": "Not shown: entity and topic counts can be filtered by outlet or by "
                                         "language, not both at once. Run the report with one kind of filter."})
        return out
    by, groups = ("outlet", list(outlets)) if outlets else (("lang", list(langs)) if langs else (None, []))
    if "entities" in wanted:
        _entities(con, period, by=by, groups=groups, out=out)
    if "topics" in wanted:
        _topics(con, period, by=by, groups=groups, out=out)
    return out


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


def _entities(con, period: Period, *, by, groups, out: dict) -> None:
    from analysis.entities import entity_frequencies, top_entities

    prev = period.previous()
    first = period.back(SPARK_PERIODS - 1)
    candidates = None
    if by is None:
        candidates = top_entities(con, start=period.start, end=period.end, top=CANDIDATES)
        top = candidates.head(TOP)
        ids = list(top["entity_id"])
    else:
        cand = entity_frequencies(con, freq=period.kind, by=by, start=period.start, end=period.end, top=CANDIDATES)
        cand = _keep(cand, by, groups, ["entity_id", "entity", "type"], ["n_documents", "n_mentions"])
        top = cand[cand["n_documents"] > 0].sort_values(["n_documents", "n_mentions", "entity_id"],
                                                        ascending=[False, False, True], kind="stable").head(TOP)
        ids = list(top["entity_id"])
    section = {"id": "entities", "title": "Top entities", "charts": [], "tables": [],
               "intro": "People, organisations and places named in the most stories this period; the line shows "
                        f"stories per {period.kind} over the last {SPARK_PERIODS} {period.kind}s "
                        f"(hollow dot: incomplete {period.kind})."}
    rows = []
    if ids:
        hist = entity_frequencies(con, freq=period.kind, entities=ids, by=by, start=first.start, end=period.end)
        hist = _keep(hist, by, groups, ["period", "entity_id"], ["n_documents"])
        sparks = _spark_rows(hist, "entity_id", "n_documents")
        before = hist[pd.to_datetime(hist["period"]) == pd.Timestamp(prev.start)].set_index("entity_id")["n_documents"]
        for r in top.itertuples(index=False):
            values, bad = sparks.get(r.entity_id, ([], []))
            rows.append({"entity": r.entity, "type": r.type, "n_documents": int(r.n_documents),
                         "previous": int(before.get(r.entity_id, 0)), "trend": values, "trend_incomplete": bad})
        for row in rows:
            row["change"] = row["n_documents"] - row["previous"]
    section["tables"].append({"caption": f"Entities named in the most stories, {period.label}", "rows": rows,
                              "columns": [_c("entity", "entity", "name"), _c("type", "type"),
                                          _c("n_documents", "stories", "num"), _c("previous", prev.label, "num"),
                                          _c("change", "change", "signed"), _c("trend", "trend", "spark")]})
    new = new_entities(con, period, by=by, groups=groups, candidates=candidates)
    if new is not None:
        section["tables"].append({
            "caption": f"Notable new entities: first named in {period.label} (in at least 2 stories)",
            "rows": new.to_dict("records"), "empty": "none this period.",
            "columns": [_c("entity", "entity", "name"), _c("type", "type"), _c("n_documents", "stories", "num"),
                        _c("first_day", "first named", "day")]})
        out["tables"]["entities_new"] = new
    out["tables"]["entities_top"] = pd.DataFrame([{k: v for k, v in r.items() if not k.startswith("trend")} for r in rows])
    out["sections"].append(section)
    out["markdown"].append(_md_section(section))


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


def _topics(con, period: Period, *, by, groups, out: dict) -> None:
    from analysis.bursts import detect_bursts
    from analysis.topics import topic_frequencies

    prev = period.previous()
    history = topic_frequencies(con, freq=period.kind, by=by, start=period.back(BURST_HISTORY - 1).start, end=period.end)
    if by is not None:
        history = _keep(history, by, groups, ["period", "topic", "label"], ["n_documents", "n_total"])
        history["share"] = (history["n_documents"] / history["n_total"].where(history["n_total"] > 0)).fillna(0.0)
    history["period"] = pd.to_datetime(history["period"])
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
    section = {"id": "topics", "title": "Topics", "charts": [], "tables": [],
               "intro": "Share of the period's stories whose main topic (reviewed taxonomy) is each topic; the line "
                        f"shows the share per {period.kind} over the last {SPARK_PERIODS} {period.kind}s."}
    section["tables"].append({"caption": f"Main topics of the stories, {period.label} (share in %)", "rows": rows,
                              "columns": [_c("label", "topic", "name"), _c("n_documents", "stories", "num"),
                                          _c("share", "share %", "num"), _c("previous", f"{prev.label} %", "num"),
                                          _c("trend", "trend", "spark")]})
    if not window.empty and window["topic"].nunique():
        keys = list(top["topic"][:6])
        shown = window[window["topic"].isin(keys)].rename(columns={"label": "topic_label"})
        out["figures"]["topics_share"] = ("Topic shares over time", plots.share_chart(
            shown, x="period", group="topic_label", value="share", by="topic", freq=period.kind,
            title=f"Share of stories by main topic, last {SPARK_PERIODS} {period.kind}s to {period.label}"))
        section["charts"].append("topics_share")
    found = detect_bursts(history.assign(group=None) if by is not None else history, con=con)
    found = found[(pd.to_datetime(found["end"]) >= pd.Timestamp(period.start))
                  & (pd.to_datetime(found["start"]) <= pd.Timestamp(period.end))] if not found.empty else found
    burst_rows = [{"label": b.label, "method": b.method, "periods": _span_label(period.kind, b.start, b.end),
                   "peak_share": 100 * float(b.peak_share), "baseline_share": 100 * float(b.baseline_share),
                   "articles": _titles(b.articles)} for b in found.itertuples(index=False)]
    section["tables"].append({
        "caption": f"Bursts in {period.label}: topics far above their own baseline (z-score over the previous "
                   f"8 {period.kind}s, or Kleinberg's two-state model), with their driving articles",
        "rows": burst_rows, "empty": "no topic burst this period.",
        "columns": [_c("label", "topic", "name"), _c("method", "detector"), _c("periods", f"{period.kind}s"),
                    _c("peak_share", "peak share %", "num"), _c("baseline_share", "baseline %", "num"),
                    _c("articles", "driving articles", "list")]})
    out["tables"]["topics_top"] = pd.DataFrame([{k: v for k, v in r.items() if not k.startswith("trend")} for r in rows])
    out["tables"]["topic_bursts"] = pd.DataFrame([r | {"articles": " | ".join(r["articles"])} for r in burst_rows])
    out["sections"].append(section)
    out["markdown"].append(_md_section(section))


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


def _c(key: str, head: str, kind: str = "text") -> dict:
    return {"key": key, "head": head, "kind": kind}


def _md_section(section: dict) -> list[str]:
    from analysis.report.render import _day, _num, _signed, md

    fmt = {"num": _num, "signed": _signed, "day": _day, "text": md, "name": md,
           "list": lambda v: "; ".join(md(x) for x in v or []) or "–"}
    lines = [f"## {section['title']}", ""]
    for table in section["tables"]:
        cols = [c for c in table["columns"] if c["kind"] != "spark"]
        lines += [f"{md(table['caption'])}", ""]
        if not table["rows"]:
            lines += [f"_{table.get('empty', 'none in this period')}_", ""]
            continue
        lines += ["| " + " | ".join(md(c["head"]) for c in cols) + " |", "|" + "---|" * len(cols)]
        lines += ["| " + " | ".join(fmt[c["kind"]](r.get(c["key"])) for c in cols) + " |" for r in table["rows"]]
        lines.append("")
    return lines
