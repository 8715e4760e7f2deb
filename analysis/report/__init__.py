"""Scheduled reports: one self-contained HTML page per period (``presswatch report``).

- ``periods``: weeks and months, ``--at`` parsing, the last complete period of the data;
- ``compute``: every number and table of a report as tidy frames (``report_data``);
- ``sections``: the entity and topic sections, present only when their data exists, and the
  saved searches section;
- ``render``: charts, HTML (Jinja2, autoescaped), Markdown and CSV from that data;
- ``write``: the report folder, written atomically, and ``reports/index.html``.

Exports load lazily so that `presswatch --help` does not import pandas and matplotlib.
"""

from analysis.lazy import lazy_exports

__getattr__, __all__ = lazy_exports(__name__, {
    "Period": "analysis.report.periods",
    "parse_at": "analysis.report.periods",
    "latest_complete": "analysis.report.periods",
    "ReportData": "analysis.report.compute",
    "report_data": "analysis.report.compute",
    "write_report": "analysis.report.write",
})
