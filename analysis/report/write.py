"""Writing a report folder: ``reports/<period>/`` with index.html, report.md, charts/*.svg,
tables as CSV and report.json (what ``reports/index.html`` lists).

Idempotent: the same data and period give byte-identical files (no time of generation in
them, fixed SVG ids and metadata); a file whose bytes did not change is not rewritten.
Atomic: every file is written to a temporary file beside it and renamed over the old one,
so a reader never sees half a file.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from analysis.errors import InvalidArgument
from analysis.files import atomic_write
from analysis.report import render
from analysis.report.compute import ReportData, report_data
from analysis.report.periods import Period, check_has_data, latest_with_data, parse_at

log = logging.getLogger(__name__)


@dataclass
class Written:
    folder: Path
    period: Period
    files: list[Path] = field(default_factory=list)
    changed: list[Path] = field(default_factory=list)


def choose_period(con: duckdb.DuckDBPyConnection, *, kind: str, at: str | None, latest: bool,
                  basis: str = "auto", outlets: list[str] | None = None, langs: list[str] | None = None,
                  allow_empty: bool = False, today: dt.date | None = None) -> tuple[Period, str]:
    """The period to report on and the sentence saying how it was chosen. ``latest``: the last
    period with data (periods.latest_with_data). ``at``: that period, refused (NotFound) when it
    has not begun or, unless ``allow_empty``, holds no data for these filters."""
    if at and latest:
        raise InvalidArgument("give either at= or latest=True, not both")
    if at:
        period = parse_at(kind, at)
        check_has_data(con, period, outlets=outlets, langs=langs, allow_empty=allow_empty, today=today)
        return period, f"Chosen with --at {period.label}."
    if not latest:
        raise InvalidArgument("say which period: at='2016-W48' (or '2016-11' with kind='month'), or latest=True")
    return latest_with_data(con, kind, basis=basis, outlets=outlets, langs=langs)


def write_report(con: duckdb.DuckDBPyConnection, out: str | os.PathLike, *, kind: str = "week",
                 at: str | None = None, latest: bool = False, basis: str = "auto",
                 outlets: list[str] | None = None, langs: list[str] | None = None,
                 allow_empty: bool = False, searches: str | os.PathLike | list | None = None) -> Written:
    """Compute, render and write one report, then refresh ``<out>/index.html``. A period
    without data is refused (NotFound) unless ``allow_empty``; see ``choose_period``.
    ``searches``: the saved searches file or list (``report_data``); None: the packaged default."""
    from analysis.search.saved import saved_searches

    tracked = saved_searches(searches)  # a bad query stops the report before any work
    period, chosen_by = choose_period(con, kind=kind, at=at, latest=latest, basis=basis, outlets=outlets,
                                      langs=langs, allow_empty=allow_empty)
    data = report_data(con, period, outlets=outlets, langs=langs, chosen_by=chosen_by, searches=tracked)
    return write_data(data, Path(out))


def write_data(data: ReportData, out: Path) -> Written:
    folder = out / data.slug
    written = Written(folder=folder, period=data.period)
    figures = render.chart_figures(data)
    images = render.svg_images(figures)
    chart_files = {name: (alt, f"charts/{name}.svg") for name, (alt, _svg) in images.items()}
    files: dict[str, bytes] = {f"charts/{name}.svg": svg for name, (_alt, svg) in images.items()}
    files |= {f"{stem}.csv": render.csv_bytes(frame) for stem, frame in render.tables(data).items()}
    files["report.md"] = render.render_markdown(data, chart_files).encode("utf-8")
    files["report.json"] = json.dumps(_manifest(data), ensure_ascii=False, indent=1, sort_keys=True).encode() + b"\n"
    files["index.html"] = render.render_html(data, images).encode("utf-8")  # last: a complete folder has it
    _drop_stale(folder, set(files))
    for name, content in files.items():
        path = folder / name
        written.files.append(path)
        if atomic_write(path, content):
            written.changed.append(path)
    index = out / "index.html"
    if atomic_write(index, render.render_index(list_reports(out)).encode("utf-8")):
        written.changed.append(index)
    return written


def _drop_stale(folder: Path, keep: set[str]) -> None:
    """Remove tables and charts an earlier run of this report wrote that this run does not
    (a section whose data went away), so the folder always matches its index.html."""
    for path in [*folder.glob("*.csv"), *folder.glob("charts/*.svg")]:
        if str(path.relative_to(folder)) not in keep:
            path.unlink()


def _manifest(data: ReportData) -> dict:
    filters = []
    if data.outlets:
        filters.append("outlets: " + ", ".join(data.outlets))
    if data.langs:
        filters.append("languages: " + ", ".join(data.langs))
    n_articles = int(data.numbers.loc[data.numbers["metric"] == "articles", "value"].sum()) if len(data.numbers) else 0
    return {"kind": data.period.kind, "label": data.period.label, "title": data.period.title,
            "start": data.period.start.isoformat(), "end": data.period.end.isoformat(),
            "filters": "; ".join(filters), "n_articles": n_articles, "snapshot": data.provenance.get("snapshot")}


def list_reports(out: Path) -> list[dict]:
    """Every report under ``out`` (folders holding report.json), newest period first."""
    entries = []
    for manifest in sorted(out.glob("*/report.json")):
        try:
            entry = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            log.warning("skipping unreadable %s", manifest)
            continue
        folder = manifest.parent.name
        entry |= {"href": f"{folder}/index.html", "md": f"{folder}/report.md", "folder": folder}
        entries.append(entry)
    entries.sort(key=lambda e: (e.get("end", ""), e.get("kind", ""), e["folder"]), reverse=True)
    return entries
