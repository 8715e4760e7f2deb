"""`presswatch search`: matches and attention as JSON lines, errors as one line, index rebuild."""

from __future__ import annotations

import itertools
import json

import pytest
from click.testing import CliRunner

import analysis
from analysis.cli import cli
from tests.conftest import load_into


@pytest.fixture(scope="module")
def db_file(tmp_path_factory, corpus):
    folder = tmp_path_factory.mktemp("search-cli")
    rows = folder / "winer.jsonl"
    with open(corpus / "winer-fr" / "winer_fr_2016_2017.jsonl", encoding="utf-8") as src:
        rows.write_text("".join(itertools.islice(src, 300)), encoding="utf-8")
    load_into(folder / "cli.duckdb", [rows, corpus / "pages"])
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


def test_load_updates_an_existing_index(tmp_path, corpus):
    from analysis.search.index import coverage, open_index

    rows = (corpus / "winer-fr" / "winer_fr_2016_2017.jsonl").read_text(encoding="utf-8").splitlines(True)
    (tmp_path / "a.jsonl").write_text("".join(rows[:50]), encoding="utf-8")
    (tmp_path / "b.jsonl").write_text("".join(rows[50:90]), encoding="utf-8")
    db = str(tmp_path / "l.duckdb")
    assert CliRunner().invoke(cli, ["--db", db, "load", "--workers", "1", str(tmp_path / "a.jsonl")]).exit_code == 0
    assert not (tmp_path / "l.duckdb.search").exists()  # no index until the first search
    assert run(db, "--rebuild-index").exit_code == 0
    assert CliRunner().invoke(cli, ["--db", db, "load", "--workers", "1", str(tmp_path / "b.jsonl")]).exit_code == 0
    con = analysis.connect(db, read_only=True)
    try:
        assert coverage(open_index(con, update=False, rebuild=False)).n_articles == 90  # indexed by the load
    finally:
        con.close()


def test_key_terms_are_the_library_s(db_file):
    """--terms prints keyness()'s rows: words of a period, phrases of a query's matches."""
    from analysis.search import keyness

    result = run(db_file, "--terms", "words", "--start", "2016-06-01", "--end", "2016-06-30", "--lang", "fr",
                 "--limit", "5", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    with analysis.connect(db_file, read_only=True) as con:
        words = keyness(con, start="2016-06-01", end="2016-06-30", lang="fr", top=5)
        phrases = keyness(con, query="france", ngram=2, top=3)
    assert len(words) == 5 and [(r["term"], r["n_target"], r["n_baseline"]) for r in rows] == \
        list(zip(words["term"], words["n_target"], words["n_baseline"]))
    result = run(db_file, "france", "--terms", "phrases", "--limit", "3", "--format", "csv")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].endswith(",query") and len(lines) == len(phrases) + 1 >= 2
    assert [line.split(",")[2] for line in lines[1:]] == list(phrases["term"])
    table = run(db_file, "france", "--terms", "words", "--limit", "2")
    assert table.exit_code == 0 and "g2" in table.output.splitlines()[0]


@pytest.mark.parametrize("args, message", [
    (["france", "--terms", "words", "--freq", "week"], "--freq and --terms"),
    (["--terms", "words"], "needs a query or a period"),
    (["france", "--lang", "fr"], "go with --terms"),
])
def test_key_terms_options_are_checked(db_file, args, message):
    result = run(db_file, *args)
    assert result.exit_code == 2 and message in result.output
