"""`presswatch search`: matches and attention as JSON lines, errors as one line, index rebuild."""

from __future__ import annotations

import itertools
import json

import pytest
from click.testing import CliRunner

import analysis
from analysis.cli import cli
from analysis.ingest import load


@pytest.fixture(scope="module")
def db_file(tmp_path_factory, corpus):
    folder = tmp_path_factory.mktemp("search-cli")
    rows = folder / "winer.jsonl"
    with open(corpus / "winer-fr" / "winer_fr_2016_2017.jsonl", encoding="utf-8") as src:
        rows.write_text("".join(itertools.islice(src, 300)), encoding="utf-8")
    con = analysis.connect(folder / "cli.duckdb")
    load(con, [str(rows), str(corpus / "pages")], workers=1)
    con.close()
    return str(folder / "cli.duckdb")


def run(db_file, *args):
    return CliRunner().invoke(cli, ["--db", db_file, "search", *args])


def test_matches_as_json_lines(db_file):
    result = run(db_file, '"premier ministre" OR france', "--format", "json", "--limit", "3")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert len(rows) == 3
    for row in rows:
        assert {"article_id", "published_date", "outlet", "title", "score", "snippet"} <= set(row)
        assert len(row["published_date"]) == 10 and "**" in row["snippet"]


def test_headlines_as_json_lines(db_file):
    result = run(db_file, "maroc", "--headlines", "--format", "json")
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert rows and all({"headline_id", "first_seen", "title", "score"} <= set(r) for r in rows)


def test_attention_one_series_per_query(db_file):
    result = run(db_file, "france", "canada", "--freq", "month", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert {r["query"] for r in rows} == {"france", "canada"}
    assert all(set(r) == {"period", "group", "query", "n_documents", "n_total", "share", "incomplete"} for r in rows)
    assert sum(r["n_documents"] for r in rows if r["query"] == "canada") > 0


def test_table_and_csv(db_file):
    table = run(db_file, "canada", "--limit", "2")
    assert table.exit_code == 0 and "  1. 2016-" in table.output and "**Canada**" in table.output
    csv = run(db_file, "canada", "--freq", "week", "--format", "csv")
    assert csv.output.splitlines()[0] == "period,group,query,n_documents,n_total,share,incomplete"


def test_bad_query_is_one_line(db_file):
    result = run(db_file, "maroc AND (algerie")
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "Error: unclosed ( at position 11 of the query: maroc AND ⟦here⟧(algerie"]


def test_rebuild_index(db_file):
    result = run(db_file, "--rebuild-index")
    assert result.exit_code == 0, result.output
    assert "indexed" in result.output
