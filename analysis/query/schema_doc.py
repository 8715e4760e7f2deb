"""The schema, explained from DuckDB's own catalog: `presswatch schema` and the README section.

Everything comes from ``duckdb_tables()``, ``duckdb_views()`` and ``duckdb_columns()`` — the
``COMMENT ON`` text written next to the DDL — so the documentation cannot describe a column
that does not exist, and a missing comment shows up as a failing test.
"""

from __future__ import annotations

import re
import shutil
import textwrap
from pathlib import Path

import duckdb
import pandas as pd

from analysis import db as dbmod
from analysis.errors import DataFileError, NotFound

START, END = "<!-- schema:start -->", "<!-- schema:end -->"

CATALOG_SQL = """
WITH objects AS (
    SELECT table_name AS name, 'table' AS kind, comment, table_oid AS oid
    FROM duckdb_tables()
    WHERE database_name = current_database() AND schema_name = 'main' AND NOT internal AND NOT temporary
    UNION ALL
    SELECT view_name, 'view', comment, view_oid
    FROM duckdb_views()
    WHERE database_name = current_database() AND schema_name = 'main' AND NOT internal AND NOT temporary
)
SELECT o.name AS object_name, o.kind AS object_type, o.comment AS object_comment,
       c.column_index, c.column_name, c.data_type, c.is_nullable, c.comment AS column_comment
FROM objects o
JOIN duckdb_columns() c
  ON c.database_name = current_database() AND c.schema_name = 'main' AND c.table_name = o.name
ORDER BY o.kind, o.oid, c.column_index
"""


def schema_frame(con: duckdb.DuckDBPyConnection, *, names: list[str] | None = None) -> pd.DataFrame:
    """One row per column of every table and view (tables first, in creation order).

    Columns: ``object_name``, ``object_type`` (table/view), ``object_comment``,
    ``column_index`` (1-based), ``column_name``, ``data_type``, ``is_nullable``,
    ``column_comment``. ``names`` keeps only those tables/views (``NotFound`` for an unknown one).
    """
    frame = con.execute(CATALOG_SQL).df()
    if names:
        unknown = sorted(set(names) - set(frame["object_name"]))
        if unknown:
            raise NotFound(f"no table or view named {', '.join(unknown)}; `presswatch schema` lists them all")
        frame = frame[frame["object_name"].isin(names)].reset_index(drop=True)
    return frame


def missing_comments(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Tables, views and columns without a comment, as ``name`` or ``name.column``."""
    frame = schema_frame(con)
    missing = []
    for name, group in frame.groupby("object_name", sort=False):
        if not _text(group["object_comment"].iloc[0]):
            missing.append(f"{group['object_type'].iloc[0]} {name}")
        missing += [f"column {name}.{c}" for c, text in zip(group["column_name"], group["column_comment"])
                    if not _text(text)]
    return missing


def render_text(frame: pd.DataFrame, *, width: int | None = None) -> str:
    """What `presswatch schema` prints: each object, its comment, then its columns."""
    width = width or shutil.get_terminal_size((100, 24)).columns
    out = []
    for (name, kind), group in frame.groupby(["object_name", "object_type"], sort=False):
        out.append(f"{name} ({kind})")
        out += textwrap.wrap(_text(group["object_comment"].iloc[0]) or "(no comment)", width,
                             initial_indent="  ", subsequent_indent="  ")
        name_w = max(len(c) for c in group["column_name"])
        type_w = min(24, max(len(t) for t in group["data_type"]))
        indent = 4 + name_w + 2 + type_w + 2
        for col, dtype, comment in zip(group["column_name"], group["data_type"], group["column_comment"]):
            head = f"    {col:<{name_w}}  {dtype:<{type_w}}  "
            body = textwrap.wrap(_text(comment) or "(no comment)", max(20, width - indent)) or [""]
            out.append(head + body[0])
            out += [" " * indent + more for more in body[1:]]
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def render_markdown(frame: pd.DataFrame, *, columns: bool = True) -> str:
    """Markdown: a summary table of tables and views (with their column names), then — with
    ``columns`` — each object's columns, types and comments in a collapsible block.
    The README carries the summary (``columns=False``); `presswatch schema --markdown` both."""
    names = frame.groupby("object_name", sort=False)["column_name"].agg(list)
    objects = frame.drop_duplicates("object_name")
    out = [
        "Generated from the database catalog by `presswatch schema --update-readme README.md` "
        "(do not edit by hand; a test fails when it drifts from `analysis/sql/`). Every table, view "
        "and column carries a `COMMENT ON`: `presswatch schema [NAME]` prints each column's type and "
        "meaning, and `SELECT * FROM duckdb_columns()` shows the same from inside SQL.",
        "",
    ]
    for kind, title in (("table", "Tables"), ("view", "Views")):
        rows = objects[objects["object_type"] == kind]
        if rows.empty:
            continue
        out += [f"**{title}**", "", f"| {kind} | what it holds | columns |", "|---|---|---|"]
        out += [f"| `{n}` | {_md(c)} | {', '.join(names[n])} |"
                for n, c in zip(rows["object_name"], rows["object_comment"])]
        out.append("")
    if columns:
        for name, group in frame.groupby("object_name", sort=False):
            out += [f"<details><summary><code>{name}</code> columns</summary>", "",
                    "| column | type | description |", "|---|---|---|"]
            out += [f"| `{c}` | {_md(t)} | {_md(d)} |"
                    for c, t, d in zip(group["column_name"], group["data_type"], group["column_comment"])]
            out += ["", "</details>", ""]
    return "\n".join(out).rstrip() + "\n"


def packaged_frame() -> pd.DataFrame:
    """The catalog of a fresh database built from the packaged schema and views."""
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        dbmod.apply_schema(con)
        return schema_frame(con)
    finally:
        con.close()


def readme_block(text: str) -> str:
    """The generated text between the schema markers of a README."""
    match = re.search(re.escape(START) + r"\n(.*?)" + re.escape(END), text, flags=re.S)
    if not match:
        raise DataFileError(f"the README has no {START} … {END} markers")
    return match.group(1)


def update_readme(path: str | Path) -> bool:
    """Regenerate the schema section of ``path`` from the packaged schema; True if it changed."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    old = readme_block(text)
    new = render_markdown(packaged_frame(), columns=False)
    if old == new:
        return False
    start = text.index(START) + len(START) + 1
    path.write_text(text[:start] + new + text[start + len(old):], encoding="utf-8")
    return True


def _text(value) -> str:
    return value.strip() if isinstance(value, str) else ""


def _md(value) -> str:
    return _text(value).replace("|", "\\|").replace("\n", " ")
