"""Render query results (pyarrow Tables): aligned text, CSV, JSON lines, Markdown, Parquet.

The text table is for people: long values are cut with "…", newlines shown as "⏎", widths
measured in terminal cells (Arabic vowel marks take none, CJK takes two), text kept in
logical order so copying a cell gives the real value. The other formats keep every value.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import decimal
import io
import json
import os
import unicodedata
from collections.abc import Callable, Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from analysis.errors import InvalidArgument

FORMATS = ("table", "csv", "jsonl", "markdown", "parquet")
NULL = "NULL"


def display_width(text: str) -> int:
    """Terminal cells taken by ``text``: combining marks and format controls take none."""
    width = 0
    for ch in text:
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def truncate(text: str, width: int) -> str:
    """Cut ``text`` to at most ``width`` cells, marking the cut with "…"."""
    if display_width(text) <= width:
        return text
    out, used = [], 0
    for ch in text:
        w = display_width(ch)
        if used + w > width - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…"


def plain(value) -> object:
    """A JSON-ready version of a value from ``Table.to_pylist()``."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, decimal.Decimal):
        # DuckDB sums come back as DECIMAL(38,0): keep integers as integers.
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return str(value)


def cell_text(value) -> str:
    """One value as a single line of text (for the table and Markdown)."""
    if value is None:
        return NULL
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, (bytes, bytearray)):
        return f"<{len(value)} bytes>"
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(plain(value), ensure_ascii=False)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    text = str(value.isoformat() if isinstance(value, (dt.date, dt.time)) else value)
    return text.replace("\r\n", "⏎").replace("\n", "⏎").replace("\r", "⏎").replace("\t", " ")


def _numeric(field: pa.Field) -> bool:
    t = field.type
    return pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t)


def render_table(table: pa.Table, *, max_width: int = 40, total_width: int | None = None,
                 truncated: bool = False) -> str:
    """An aligned text table; numbers right-aligned; a footer with the row count.

    Each column is at most ``max_width`` cells; if the table is wider than ``total_width``
    the widest columns are narrowed further (down to 8 cells)."""
    names = table.column_names
    if len(table) == 1 and names == ["explain_key", "explain_value"]:
        return "\n".join(str(v) for v in table.column("explain_value").to_pylist())
    columns = [[cell_text(v) for v in table.column(i).to_pylist()] for i in range(len(names))]
    widths = [min(max_width, max([display_width(names[i])] + [display_width(v) for v in col]))
              for i, col in enumerate(columns)]
    widths = [max(w, 1) for w in widths]
    if total_width:
        while sum(widths) + 3 * len(widths) + 1 > total_width and max(widths) > 8:
            widest = widths.index(max(widths))
            widths[widest] -= 1
    right = [_numeric(f) for f in table.schema]

    def line(cells: list[str]) -> str:
        parts = []
        for text, width, r in zip(cells, widths, right):
            text = truncate(text, width)
            pad = " " * (width - display_width(text))
            parts.append(pad + text if r else text + pad)
        return "│ " + " │ ".join(parts) + " │"

    rule = "├─" + "─┼─".join("─" * w for w in widths) + "─┤"
    out = ["┌─" + "─┬─".join("─" * w for w in widths) + "─┐", line(names), rule]
    out += [line([col[r] for col in columns]) for r in range(len(table))]
    out.append("└─" + "─┴─".join("─" * w for w in widths) + "─┘")
    count = f"{len(table)} row{'s' if len(table) != 1 else ''}"
    out.append(f"({count} shown; more not fetched — use --max-rows 0 or --format csv for all)" if truncated
               else f"({count})")
    return "\n".join(out)


def write_csv(table: pa.Table, stream: io.TextIOBase) -> None:
    """CSV with a header; NULL as an empty field, lists and structs as JSON, bytes as base64."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(table.column_names)
    for row in _rows(table):
        writer.writerow(["" if v is None else _csv_value(plain(v)) for v in row])


def _csv_value(value) -> str:
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def write_jsonl(table: pa.Table, stream: io.TextIOBase) -> None:
    """One JSON object per row (UTF-8, not escaped); dates ISO 8601, bytes base64."""
    names = table.column_names
    for row in _rows(table):
        stream.write(json.dumps({n: plain(v) for n, v in zip(names, row)}, ensure_ascii=False) + "\n")


def write_markdown(table: pa.Table, stream: io.TextIOBase) -> None:
    """A GitHub-flavoured Markdown table (pipes escaped, newlines as <br>, NULL empty)."""

    def cell(value) -> str:
        if value is None:
            return ""
        text = str(value) if isinstance(value, str) else cell_text(value)
        return text.replace("\\", "\\\\").replace("|", "\\|").replace("\r\n", "<br>").replace("\n", "<br>")

    names = table.column_names
    stream.write("| " + " | ".join(n.replace("|", "\\|") for n in names) + " |\n")
    stream.write("|" + "|".join("---:" if _numeric(f) else "---" for f in table.schema) + "|\n")
    for row in _rows(table):
        stream.write("| " + " | ".join(cell(v) for v in row) + " |\n")


def refuse_overwriting(out: str | Path, inputs: Iterable[str | Path]) -> None:
    """Raise ``InvalidArgument`` when writing ``out`` would replace one of ``inputs`` (the
    database, its WAL, a SQL file): same resolved path, or the same file through a hard link."""
    target = Path(out)
    for source in inputs:
        source = Path(source)
        same = target.resolve() == source.resolve()
        if not same and target.exists() and source.exists():
            try:
                same = os.path.samefile(target, source)
            except OSError:
                same = False
        if same:
            raise InvalidArgument(f"{out} is {source}, which this query reads; write the result to another file")


def write_parquet(table: pa.Table, path: str | Path) -> None:
    pq.write_table(table, str(path))


def _rows(table: pa.Table):
    columns = [table.column(i).to_pylist() for i in range(table.num_columns)]
    return zip(*columns) if columns else iter(())


TEXT_WRITERS: dict[str, Callable[[pa.Table, io.TextIOBase], None]] = {
    "csv": write_csv,
    "jsonl": write_jsonl,
    "markdown": write_markdown,
}
