"""Turning ``ReportData`` into files' contents: charts (SVG), HTML, Markdown and CSV tables.

Everything returns strings or bytes; ``analysis.report.write`` puts them on disk. HTML comes
from Jinja2 templates with autoescaping on, so every text from the data is escaped; links
are rendered only for http(s) URLs; the page carries a Content-Security-Policy that allows
no script and no network request at all, so it opens offline and a hostile headline stays
text even if an escape were missed.
"""

from __future__ import annotations

import base64
import io
import math
import re

import pandas as pd
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from analysis import plots
from analysis.report.compute import ReportData
from analysis.report.sections import SEARCH_STORIES, SPARK_PERIODS, Enrichment, SearchSection

LANGS = ("fr", "ar", "en", "es")


def chart_figures(data: ReportData) -> dict[str, tuple[str, object]]:
    """name -> (alt text, matplotlib Figure) for every chart the report shows."""
    p = data.period
    figures = {}
    if not data.volume_daily.empty:
        figures["volume_lang"] = ("Articles per day by language",
                                  plots.volume_chart(data.volume_daily, by="lang", freq="day", span=(p.start, p.end),
                                                     title=f"Articles per day by language, {p.title}"))
        figures["volume_outlet"] = ("Articles per day by outlet",
                                    plots.volume_chart(data.volume_daily, by="outlet", freq="day", span=(p.start, p.end),
                                                       title=f"Articles per day by outlet, {p.title}"))
    if data.ticker is not None and not data.ticker["language_mix"].empty:
        figures["ticker_mix"] = ("Language mix of the ticker per day",
                                 plots.share_chart(data.ticker["language_mix"], group="lang", value="share",
                                                   span=(p.start, p.end),
                                                   title=f"Ticker headlines by language (share of slots), {p.title}"))
    if not data.coverage.empty:
        first = data.coverage["period"].min()
        figures["coverage"] = ("Articles per outlet and period (collection coverage)",
                               plots.coverage_heatmap(data.coverage, freq=p.kind, title=(
                                   f"Articles per outlet and {p.kind}, {_period_span(first, p)} (white: none)")))
    topics = data.enrichment.topics
    if topics is not None and topics.shares is not None:
        figures["topics_share"] = ("Topic shares over time", plots.share_chart(
            topics.shares, x="period", group="topic_label", value="share", by="topic", freq=p.kind,
            title=f"Share of stories by main topic, last {SPARK_PERIODS} {p.kind}s to {p.label}"))
    return figures


def _period_span(first, p) -> str:
    return f"{plots.style.day_month(pd.Timestamp(first), year=True)} – {plots.style.day_month(p.end, year=True)}"


def svg_images(figures: dict[str, tuple[str, object]]) -> dict[str, tuple[str, bytes]]:
    return {name: (alt, plots.to_svg(fig)) for name, (alt, fig) in figures.items()}


# ---- Enrichment sections ------------------------------------------------------------------

def _c(key: str, head: str, kind: str = "text") -> dict:
    return {"key": key, "head": head, "kind": kind}


def _rows(frame: pd.DataFrame | None) -> list[dict]:
    return [] if frame is None or frame.empty else frame.to_dict("records")


def section_views(enrichment: Enrichment, p) -> list[dict]:
    """The entity and topic sections as the HTML and Markdown writers show them:
    [{id, title, intro, charts: [names], tables: [{caption, columns, rows, empty}]}]."""
    if enrichment.note is not None:
        return [{"id": "enrichment", "title": "Entities and topics", "charts": [], "tables": [],
                 "intro": enrichment.note}]
    prev = p.previous()
    views = []
    if enrichment.entities is not None:
        tables = [{"caption": f"Entities named in the most stories, {p.label}", "rows": _rows(enrichment.entities.top),
                   "columns": [_c("entity", "entity", "name"), _c("type", "type"),
                               _c("n_documents", "stories", "num"), _c("previous", prev.label, "num"),
                               _c("change", "change", "signed"), _c("trend", "trend", "spark")]}]
        if enrichment.entities.new is not None:
            tables.append({"caption": f"Notable new entities: first named in {p.label} (in at least 2 stories)",
                           "rows": _rows(enrichment.entities.new), "empty": "none this period.",
                           "columns": [_c("entity", "entity", "name"), _c("type", "type"),
                                       _c("n_documents", "stories", "num"), _c("first_day", "first named", "day")]})
        views.append({"id": "entities", "title": "Top entities", "charts": [], "tables": tables,
                      "intro": "People, organisations and places named in the most stories this period; the line "
                               f"shows stories per {p.kind} over the last {SPARK_PERIODS} {p.kind}s "
                               f"(hollow dot: incomplete {p.kind})."})
    topics = enrichment.topics
    if topics is not None:
        tables = [{"caption": f"Main topics of the stories, {p.label} (share in %)", "rows": _rows(topics.top),
                   "columns": [_c("label", "topic", "name"), _c("n_documents", "stories", "num"),
                               _c("share", "share %", "num"), _c("previous", f"{prev.label} %", "num"),
                               _c("trend", "trend", "spark")]},
                  {"caption": f"Bursts in {p.label}: topics far above their own baseline (z-score over the "
                              f"previous 8 {p.kind}s, or Kleinberg's two-state model), with their driving articles",
                   "rows": _rows(topics.bursts), "empty": "no topic burst this period.",
                   "columns": [_c("label", "topic", "name"), _c("method", "detector"), _c("periods", f"{p.kind}s"),
                               _c("peak_share", "peak share %", "num"), _c("baseline_share", "baseline %", "num"),
                               _c("articles", "driving articles", "list")]}]
        views.append({"id": "topics", "title": "Topics", "tables": tables,
                      "charts": ["topics_share"] if topics.shares is not None else [],
                      "intro": "Share of the period's stories whose main topic (reviewed taxonomy) is each topic; "
                               f"the line shows the share per {p.kind} over the last {SPARK_PERIODS} {p.kind}s."})
    return views


def search_views(searches: SearchSection | None, p) -> list[dict]:
    """The saved searches section in the shape of ``section_views`` (none when nothing is tracked)."""
    if searches is None:
        return []
    view = {"id": "searches", "title": "Saved searches", "charts": [], "tables": [], "intro": searches.note}
    if searches.note is not None:
        return [view]
    prev = p.previous()
    view["intro"] = ("Stories matching each saved search (the search language of docs/search.md; syndicated "
                     f"copies count once) and their share of all stories; the line shows the share per {p.kind} "
                     f"over the last {SPARK_PERIODS} {p.kind}s (hollow dot: incomplete {p.kind}).")
    view["tables"] = [
        {"caption": f"Saved searches, {p.label} vs {prev.label} (share in %)", "rows": _rows(searches.table),
         "columns": [_c("name", "search", "name"), _c("query", "query"), _c("n_documents", "stories", "num"),
                     _c("share", "share %", "num"), _c("previous", prev.label, "num"),
                     _c("previous_share", f"{prev.label} %", "num"), _c("change", "change", "signed"),
                     _c("trend", "trend", "spark")]},
        {"caption": f"Top {SEARCH_STORIES} matching stories of each saved search, {p.label} (by outlets that ran "
                    "them among the matches, then newest)",
         "rows": _rows(searches.stories), "empty": "no matching story this period.",
         "columns": [_c("name", "search", "name"), _c("published_date", "published", "day"),
                     _c("outlet", "outlet", "name"), _c("title", "title", "link"),
                     _c("n_placements", "placements", "num")]}]
    return [view]


# ---- HTML ---------------------------------------------------------------------------------

def _num(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return f"{int(value):,}"


def _signed(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{int(value):+,}".replace("-", "−")


def _pct(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:+.1f} %".replace("-", "−")


def change_text(row: dict) -> str:
    """"+12 (+8.0 %)", "+3 (new)" when the previous period had none, "–" when neither had any;
    "+12 (+8.0 %, partial period)" when the data start or stop inside one of the periods."""
    if not row["value"] and not row["previous"]:
        return "–"
    pct = "new" if not row["previous"] else _pct(row["change_pct"])
    # a partial period's count is not comparable with a full one's: never say so silently
    return f"{_signed(row['change'])} ({pct}{', partial period' if row.get('partial') else ''})"


def safe_url(url) -> str | None:
    """The URL when it is a plain http(s) link, else None (no javascript:, data:, …)."""
    if not isinstance(url, str):
        return None
    url = url.strip()
    return url if re.match(r"(?i)^https?://[^\s<>\"']+$", url) else None


def lang_attr(code) -> str:
    return code if code in LANGS else ""


def _day(value) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "–"
    ts = pd.Timestamp(value)
    return f"{ts:%Y-%m-%d}"


def _when(value) -> str:
    if value is None or pd.isna(value):
        return "–"
    ts = pd.Timestamp(value)
    return f"{ts:%Y-%m-%d %H:%M}"


def sparkline(values, incomplete=None, *, width: int = 120, height: int = 24) -> Markup:
    """A tiny inline SVG line of numbers (only numbers go in: safe to mark as markup).
    Incomplete periods are drawn as hollow dots."""
    values = [float(v) for v in values]
    if not values:
        return Markup("")
    top = max(values) or 1.0
    step = (width - 4) / max(len(values) - 1, 1)
    points = [(2 + i * step, height - 2 - (height - 4) * v / top) for i, v in enumerate(values)]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    dots = "".join(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="1.8" fill="white" stroke="#0072B2"/>'
                   for (x, y), bad in zip(points, incomplete or [False] * len(points)) if bad)
    return Markup(f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
                  f'role="img" aria-label="trend over the last {len(values)} periods">'
                  f'<polyline fill="none" stroke="#0072B2" stroke-width="1.5" points="{line}"/>{dots}</svg>')


def undated_pages(prov: dict) -> str:
    """The pages no period counts because their crawl time is unknown, said in words."""
    n = prov.get("n_pages_undated") or 0
    if not n:
        return ""
    inferred = prov.get("n_pages_inferred") or 0
    day = f", {_num(inferred)} with only a day read from their ticker" if inferred else ""
    return f" and {_num(n)} more without a known crawl time{day} (not counted in any period)"


def _env() -> Environment:
    env = Environment(loader=PackageLoader("analysis.report", "templates"), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters.update(num=_num, signed=_signed, pct=_pct, safe_url=safe_url, lang_attr=lang_attr,
                       day=_day, when=_when, lang_name=plots.lang_name,
                       undated_pages=undated_pages)
    env.globals.update(sparkline=sparkline, change_text=change_text)
    return env


def _records(frame: pd.DataFrame | None) -> list[dict]:
    if frame is None or frame.empty:
        return []
    return [{k: (None if _isna(v) else v) for k, v in row.items()} for row in frame.to_dict("records")]


def _isna(value) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def data_uri(svg: bytes) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


def render_html(data: ReportData, images: dict[str, tuple[str, bytes]]) -> str:
    charts = {name: {"alt": alt, "src": data_uri(svg)} for name, (alt, svg) in images.items()}
    ticker = {k: _records(v) for k, v in data.ticker.items()} if data.ticker is not None else None
    return _env().get_template("report.html.j2").render(
        d=data, p=data.period, charts=charts, numbers=_records(data.numbers),
        volume=_records(data.volume_table), articles=_records(data.top_articles), ticker=ticker,
        sections=section_views(data.enrichment, data.period) + search_views(data.searches, data.period),
        prov=data.provenance)


def render_index(entries: list[dict]) -> str:
    return _env().get_template("index.html.j2").render(entries=entries)


# ---- Markdown -----------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]#+!|<>~])")


def md(text) -> str:
    """Data text made inert in Markdown: special characters and HTML escaped, one line."""
    if text is None or _isna(text):
        return "–"
    text = " ".join(str(text).split()).replace("&", "&amp;")
    return _MD_SPECIAL.sub(lambda m: {"<": "&lt;", ">": "&gt;"}.get(m[1], "\\" + m[1]), text)


def _md_table(headers: list[str], rows: list[list[str]]) -> list[str]:
    if not rows:
        return ["_none in this period_", ""]
    out = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return out + [""]


def render_markdown(data: ReportData, chart_files: dict[str, str]) -> str:
    p = data.period
    lines = [f"# presswatch {p.kind}ly report — {p.title}", "", md(data.chosen_by), ""]
    if data.outlets or data.langs:
        lines += [f"Filters: outlets {', '.join(md(o) for o in data.outlets) or 'all'}; "
                  f"languages {', '.join(data.langs) or 'all'}.", ""]
    lines += ["Articles are dated by their publication date; ticker headlines by the crawl time (UTC) of the "
              "pages that showed them.", "", f"## Headline numbers, compared with {p.previous().title}", ""]
    lines += _md_table(["", p.label, data.previous.label, "change"],
                       [[md(r["label"]), _num(r["value"]), _num(r["previous"]),
                         change_text(r)] for r in _records(data.numbers)])
    lines += [*(f"- {md(note)}" for note in data.partial), ""] if data.partial else []
    if data.enrichment.note is None:  # the Markdown carries the sections' tables, not the note
        for section in section_views(data.enrichment, p):
            lines += _md_section(section)
    for section in search_views(data.searches, p):
        lines += _md_section(section)
    lines += ["## Volume by outlet and language", ""]
    lines += [f"![{md(alt)}]({path})" for name, (alt, path) in chart_files.items() if name.startswith("volume")] + [""]
    lines += _md_table(["outlet", "language", "articles", "stories", "previous", "change"],
                       [[md(r["outlet"] or "unknown outlet"), plots.lang_name(r["lang"]), _num(r["n_placements"]),
                         _num(r["n_stories"]), _num(r["previous_placements"]), _signed(r["change"])]
                        for r in _records(data.volume_table)])
    lines += ["## Top articles", ""]
    lines += _md_table(["date", "outlet", "title", "placements", "ticker slots"],
                       [[_day(r["published_date"]), md(r["outlet"] or "unknown outlet"),
                         (f"[{md(r['title'] or r['lead'])}](<{safe_url(r['url'])}>)" if safe_url(r["url"])
                          else md(r["title"] or r["lead"])), _num(r["n_placements"]), _num(r["n_ticker_sightings"])]
                        for r in _records(data.top_articles)])
    if data.ticker is not None:
        lines += ["## On the ticker", ""]
        lines += [f"![{md(alt)}]({path})" for name, (alt, path) in chart_files.items() if name == "ticker_mix"] + [""]
        for key, title in (("newest", "Newest headlines"), ("longest", "Longest on the ticker")):
            lines += [f"### {title}", ""]
            lines += _md_table(["first seen (UTC)", "last seen (UTC)", "hours", "language", "headline"],
                               [[_when(r["first_seen"]), _when(r["last_seen"]), _num(r["hours"]),
                                 plots.lang_name(r["lang"]), md(r["text"])] for r in _records(data.ticker[key])])
    lines += ["## Collection coverage", ""]
    lines += [f"![{md(alt)}]({path})" for name, (alt, path) in chart_files.items() if name == "coverage"] + [""]
    lines += _provenance_md(data.provenance)
    return "\n".join(lines).rstrip() + "\n"


def _md_section(section: dict) -> list[str]:
    fmt = {"num": _num, "signed": _signed, "day": _day, "text": md, "name": md,
           "list": lambda v: "; ".join(md(x) for x in v or []) or "–"}
    lines = [f"## {section['title']}", ""]
    if not section["tables"] and section.get("intro"):  # a section left out says why
        lines += [md(section["intro"]), ""]
    for table in section["tables"]:
        cols = [c for c in table["columns"] if c["kind"] != "spark"]
        lines += [f"{md(table['caption'])}", ""]
        if not table["rows"]:
            lines += [f"_{table.get('empty', 'none in this period')}_", ""]
            continue
        lines += ["| " + " | ".join(md(c["head"]) for c in cols) + " |", "|" + "---|" * len(cols)]
        lines += ["| " + " | ".join(_md_link(r) if c["kind"] == "link" else fmt[c["kind"]](r.get(c["key"]))
                                    for c in cols) + " |" for r in table["rows"]]
        lines.append("")
    return lines


def _md_link(row: dict) -> str:
    """An article's title (its lead when it has none), linked when its URL is http(s)."""
    text = md(row.get("title") or row.get("lead"))
    return f"[{text}](<{safe_url(row.get('url'))}>)" if safe_url(row.get("url")) else text


def _provenance_md(prov: dict) -> list[str]:
    soft = ", ".join(f"{k} {v}" for k, v in prov["software"].items())
    return ["## How the numbers were made", "",
            f"- Articles published {_day(prov['published_first'])} … {_day(prov['published_last'])} "
            f"({_num(prov['n_articles'])} articles); pages crawled {_when(prov['crawled_first'])} … "
            f"{_when(prov['crawled_last'])} UTC ({_num(prov['n_pages'])} pages){undated_pages(prov)}; "
            f"{_num(prov['n_headlines'])} ticker headlines.",
            f"- Parsers: {', '.join(prov['parsers']) or 'none'}.",
            f"- Enrichment: {', '.join(md(m) for m in prov['models']) or 'no enrichment stage has run'}.",
            f"- Loads: {_num(prov['n_loads'])} complete (last: #{prov['last_load'] or '–'}).",
            f"- Database snapshot checksum: `{prov['snapshot']}`; software: {soft}.", ""]


# ---- CSV ----------------------------------------------------------------------------------

_FORMULA = re.compile(r"^[=+\-@\t\r]")


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """Deterministic CSV; text cells that a spreadsheet would run as a formula get a leading
    apostrophe (OWASP "CSV injection")."""
    out = frame.copy()
    for col in out.columns:
        series = out[col]
        if pd.api.types.is_datetime64_any_dtype(series):
            days = series.dt.tz is None and (series.dropna() == series.dropna().dt.normalize()).all()
            out[col] = series.dt.strftime("%Y-%m-%d" if days else "%Y-%m-%dT%H:%M:%S%z")
        elif series.dtype == object or pd.api.types.is_string_dtype(series):
            out[col] = [("'" + v) if isinstance(v, str) and _FORMULA.match(v) else v for v in series]
    buffer = io.StringIO()
    out.to_csv(buffer, index=False, lineterminator="\n", float_format="%.6g")
    return buffer.getvalue().encode("utf-8")


def tables(data: ReportData) -> dict[str, pd.DataFrame]:
    """file stem -> frame, every table the report shows."""
    out = {"headline_numbers": data.numbers, "volume_by_outlet": data.volume_table, "volume_daily": data.volume_daily,
           "coverage": data.coverage, "top_articles": data.top_articles}
    if data.ticker is not None:
        out |= {"ticker_newest": data.ticker["newest"], "ticker_longest": data.ticker["longest"],
                "ticker_language_mix": data.ticker["language_mix"]}
    entities, topics = data.enrichment.entities, data.enrichment.topics
    if entities is not None:
        if entities.new is not None:
            out["entities_new"] = entities.new
        out["entities_top"] = entities.top.drop(columns=["trend", "trend_incomplete"], errors="ignore")
    if topics is not None:
        out["topics_top"] = topics.top.drop(columns=["trend", "trend_incomplete"], errors="ignore")
        out["topic_bursts"] = (topics.bursts.assign(articles=topics.bursts["articles"].map(" | ".join))
                               if not topics.bursts.empty else topics.bursts)
    if data.searches is not None and data.searches.note is None:
        out["saved_searches"] = data.searches.table.drop(columns=["trend", "trend_incomplete"], errors="ignore")
        out["saved_search_stories"] = data.searches.stories
    return out
