"""Output formats of `presswatch sql`: each one parses back to the values DuckDB returned."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import analysis
from analysis.query import output
from analysis.query.query import run_sql

# Awkward values, bound as parameters: quotes, separators, newlines, Arabic with vowel marks, NULL.
TRICKY = {
    "quote": 'say "hi", it\'s | here',
    "lines": "first line\nsecond line",
    "arabic": "حسين الديماسي يحذّر من طبع أوراق نقدية جديدة",
    "backslash": r"C:\path\n",
}
SQL = """
SELECT 1 AS id, $quote AS quote, $lines AS lines, $arabic AS arabic, $backslash AS backslash,
       NULL::VARCHAR AS nothing, ['a', 'b,c'] AS tags, DATE '2016-10-01' AS day,
       TIMESTAMPTZ '2016-10-01 07:00:00+00' AS seen_at, 0.25 AS share, 12345678901 AS big
UNION ALL
SELECT 2, '', '', 'مرحبا', '', 'x', [], NULL, NULL, NULL, -1
ORDER BY id
"""


@pytest.fixture(scope="module")
def table(sample_db_path):
    con = analysis.connect(sample_db_path, read_only=True)
    try:
        return run_sql(con, SQL, params=TRICKY).table
    finally:
        con.close()


def expected_rows(table):
    return [{k: output.plain(v) for k, v in row.items()} for row in table.to_pylist()]


def test_jsonl_parses_back(table):
    buffer = io.StringIO()
    output.write_jsonl(table, buffer)
    rows = [json.loads(line) for line in buffer.getvalue().splitlines()]
    assert rows == expected_rows(table)
    assert rows[0]["arabic"] == TRICKY["arabic"] and rows[0]["tags"] == ["a", "b,c"]
    assert rows[0]["seen_at"] == "2016-10-01T07:00:00+00:00" and rows[0]["big"] == 12345678901


def test_csv_parses_back(table):
    buffer = io.StringIO()
    output.write_csv(table, buffer)
    reader = csv.DictReader(io.StringIO(buffer.getvalue()))
    rows = list(reader)
    assert reader.fieldnames == table.column_names
    for got, want in zip(rows, expected_rows(table), strict=True):
        for key, value in want.items():
            if value is None:
                assert got[key] == ""
            elif isinstance(value, list):
                assert json.loads(got[key]) == value
            else:
                assert got[key] == str(value), key
    assert rows[0]["lines"] == TRICKY["lines"] and rows[0]["quote"] == TRICKY["quote"]


def split_markdown_row(line: str) -> list[str]:
    cells = re.split(r"(?<!\\)\|", line.strip()[1:-1])
    return [c.strip().replace("<br>", "\n").replace("\\|", "|").replace("\\\\", "\\") for c in cells]


def test_markdown_parses_back(table):
    buffer = io.StringIO()
    output.write_markdown(table, buffer)
    lines = buffer.getvalue().splitlines()
    assert split_markdown_row(lines[0]) == table.column_names
    assert set(lines[1].strip("|").split("|")) <= {"---", "---:"}
    rows = [dict(zip(table.column_names, split_markdown_row(line))) for line in lines[2:]]
    assert len(rows) == len(table)
    assert rows[0]["quote"] == TRICKY["quote"]
    assert rows[0]["lines"] == TRICKY["lines"]
    assert rows[0]["arabic"] == TRICKY["arabic"]
    assert rows[0]["backslash"] == TRICKY["backslash"]
    assert rows[0]["nothing"] == "" and rows[0]["tags"] == '["a", "b,c"]' and rows[0]["day"] == "2016-10-01"


def test_parquet_keeps_types(table, tmp_path):
    path = tmp_path / "out.parquet"
    output.write_parquet(table, path)
    back = pq.read_table(path)
    assert back.equals(table)
    assert str(back.schema.field("seen_at").type) == "timestamp[us, tz=UTC]"
    assert back.column("day").to_pylist() == [dt.date(2016, 10, 1), None]


def test_table_aligns_arabic_and_marks_truncation(table):
    text = output.render_table(table, max_width=20)
    lines = text.splitlines()
    body = lines[:-1]  # the last line is the row count
    widths = {output.display_width(line) for line in body}
    assert len(widths) == 1, "every line of the table takes the same number of terminal cells"
    assert "…" in text and "⏎" in text and "NULL" in text
    assert lines[-1] == "(2 rows)"
    # logical order is kept (no reshaping or reversal), so copying a cell gives the real text
    assert TRICKY["arabic"][:10] in text


def test_table_narrows_wide_columns_to_fit_the_terminal(table):
    narrow = table.select(["id", "quote", "arabic", "lines"])
    wide = output.render_table(narrow, max_width=40)
    assert max(output.display_width(line) for line in wide.splitlines()) > 80
    text = output.render_table(narrow, max_width=40, total_width=80)
    assert max(output.display_width(line) for line in text.splitlines()) == 80


def test_display_width():
    assert output.display_width("يحذّر") == 4  # the shadda takes no cell
    assert output.display_width("新聞") == 4
    assert output.truncate("abcdefghij", 5) == "abcd…"
    assert output.truncate("abc", 5) == "abc"


@pytest.mark.parametrize("fmt", ["table", "csv", "jsonl", "markdown", "parquet"])
def test_cli_formats_write_files(sample_db_path, tmp_path, fmt):
    from analysis.cli import cli

    out = tmp_path / f"result.{fmt}"
    result = CliRunner().invoke(cli, ["--db", str(sample_db_path), "sql",
                                      "SELECT lang, count(*) AS n FROM articles GROUP BY lang ORDER BY lang",
                                      "--format", fmt, "--out", str(out)])
    assert result.exit_code == 0, result.output
    con = analysis.connect(sample_db_path, read_only=True)
    try:
        expected = dict(con.execute("SELECT lang, count(*) FROM articles GROUP BY lang").fetchall())
    finally:
        con.close()
    if fmt == "parquet":
        got = dict(zip(*pq.read_table(out).to_pydict().values()))
    elif fmt == "csv":
        got = {r["lang"]: int(r["n"]) for r in csv.DictReader(out.open(encoding="utf-8"))}
    elif fmt == "jsonl":
        got = {r["lang"]: r["n"] for r in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
    elif fmt == "markdown":
        got = {c[0]: int(c[1]) for c in map(split_markdown_row, out.read_text(encoding="utf-8").splitlines()[2:])}
    else:
        got = {c[0]: int(c[1]) for c in (re.split(r"\s*│\s*", line.strip("│ "))
                                          for line in out.read_text(encoding="utf-8").splitlines()[3:-2])}
    assert got == expected


def test_parquet_needs_out(sample_db_path):
    from analysis.cli import cli

    result = CliRunner().invoke(cli, ["--db", str(sample_db_path), "sql", "SELECT 1", "--format", "parquet"])
    assert result.exit_code == 2 and "--out" in result.output
