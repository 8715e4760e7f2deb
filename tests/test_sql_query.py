"""`presswatch sql`: bound parameters, input from argument/file/stdin, --write, timeouts,
errors without tracebacks, and a reader waiting for a real writer process."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

import analysis
from analysis.query.guard import WriteRefused, sandbox
from analysis.query.query import QueryTimeout, parse_params, run_sql

SLOW_SQL = "SELECT sum(a.range * b.range) FROM range(200000) a, range(200000) b"


def run(db, *args, input=None):
    from analysis.cli import cli

    return CliRunner().invoke(cli, ["--db", str(db), *args], input=input)


def count_where_outlet(db, outlet) -> int:
    con = analysis.connect(db, read_only=True)
    try:
        return con.execute("SELECT count(*) FROM articles WHERE outlet = ?", [outlet]).fetchall()[0][0]
    finally:
        con.close()


@pytest.mark.parametrize("outlet", ["L'opinion", "Aujourd'hui le Maroc", "المصري اليوم", "Jawhara FM"])
def test_params_with_quotes_and_arabic_are_bound(sample_db_path, outlet):
    expected = count_where_outlet(sample_db_path, outlet)
    assert expected > 0
    result = run(sample_db_path, "sql", "SELECT count(*) AS n FROM articles WHERE outlet = $outlet",
                 "--param", f"outlet={outlet}", "--format", "jsonl")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"n": expected}


def test_a_value_is_never_sql(sample_db_path):
    injection = "x' OR '1'='1"
    result = run(sample_db_path, "sql", "SELECT count(*) AS n FROM articles WHERE outlet = $o",
                 "-p", f"o={injection}", "--format", "jsonl")
    assert json.loads(result.output) == {"n": 0}
    # the value comes back byte for byte, Arabic included
    value = "قال: \"لا\" ; DROP TABLE articles; --"
    result = run(sample_db_path, "sql", "SELECT $v AS v", "-p", f"v={value}", "--format", "jsonl")
    assert json.loads(result.output) == {"v": value}


def test_parse_params_types():
    assert parse_params(["a=x=y", "n:int=5", "f:float=0.5", "b:bool=no", "d:date=2016-10-01", "s:str="]) == {
        "a": "x=y", "n": 5, "f": 0.5, "b": False, "d": dt.date(2016, 10, 1), "s": ""}
    for bad in ["novalue", "n:int=five", "x:blob=1", "1a=2", "d:date=01/10/2016"]:
        with pytest.raises(ValueError):
            parse_params([bad])


def test_typed_params_reach_duckdb_typed(sample_db_path):
    con = analysis.connect(sample_db_path, read_only=True)
    try:
        sandbox(con)
        result = run_sql(con, "SELECT typeof($n) AS n, typeof($d) AS d, $n + 1 AS next",
                         params=parse_params(["n:int=41", "d:date=2016-10-01"]))
        assert result.table.to_pylist() == [{"n": "INTEGER", "d": "DATE", "next": 42}]
    finally:
        con.close()


def test_missing_and_unused_params_are_errors(sample_db_path):
    result = run(sample_db_path, "sql", "SELECT * FROM articles WHERE lang = $lang")
    assert result.exit_code == 2 and "uses $lang" in result.output and "--param lang=VALUE" in result.output
    result = run(sample_db_path, "sql", "SELECT * FROM articles WHERE lang = $lang", "-p", "lang=fr", "-p", "lnag=ar")
    assert result.exit_code == 2 and "--param lnag is not used" in result.output


def test_sql_from_file_and_stdin(sample_db_path, tmp_path):
    query = tmp_path / "q.sql"
    query.write_text("-- how many headlines\nSELECT count(*) AS n FROM headlines;\n", encoding="utf-8")
    from_file = run(sample_db_path, "sql", "--file", str(query), "--format", "jsonl")
    from_stdin = run(sample_db_path, "sql", "--format", "jsonl", input=query.read_text())
    assert from_file.exit_code == 0 and from_stdin.exit_code == 0
    assert json.loads(from_file.output) == json.loads(from_stdin.output)
    assert json.loads(from_file.output)["n"] > 0


def test_refused_write_exits_2_without_traceback(sample_db_path):
    result = run(sample_db_path, "sql", "/* tidy up */ DELETE FROM articles")
    assert result.exit_code == 2
    assert "refused: DELETE writes" in result.output and "Traceback" not in result.output
    assert count_where_outlet(sample_db_path, "L'opinion") > 0  # still there


@pytest.mark.parametrize("sql, expected", [
    ("SELECT nosuch FROM articles", 'Referenced column "nosuch" not found'),
    ("SELECT count(* FROM articles", "syntax error"),
    ("SELECT * FROM no_such_table", "no_such_table"),
])
def test_duckdb_errors_show_message_and_position(sample_db_path, sql, expected):
    result = run(sample_db_path, "sql", sql)
    assert result.exit_code == 2
    assert expected in result.output and "LINE 1:" in result.output and "^" in result.output
    assert "Traceback" not in result.output


def test_write_mode_runs_a_script(writable_sample):
    result = run(writable_sample, "sql", "--write",
                 "CREATE TABLE notes (article_id BIGINT, note VARCHAR); "
                 "INSERT INTO notes SELECT article_id, $note FROM articles WHERE lang = 'ar'; "
                 "SELECT count(*) AS n, any_value(note) AS note FROM notes", "-p", "note=مراجعة", "--format", "jsonl")
    assert result.exit_code == 0, result.output
    row = json.loads(result.output)
    con = analysis.connect(writable_sample, read_only=True)
    try:
        assert row == {"n": con.execute("SELECT count(*) FROM articles WHERE lang = 'ar'").fetchall()[0][0],
                       "note": "مراجعة"}
    finally:
        con.close()


def test_timeout_interrupts_the_query(sample_db_path):
    con = analysis.connect(sample_db_path, read_only=True)
    try:
        start = time.monotonic()
        with pytest.raises(QueryTimeout, match="stopped after 0.5 s"):
            run_sql(con, SLOW_SQL, timeout=0.5)
        assert time.monotonic() - start < 5
        # the connection is usable afterwards
        assert run_sql(con, "SELECT 42 AS x").table.to_pylist() == [{"x": 42}]
    finally:
        con.close()
    result = run(sample_db_path, "sql", SLOW_SQL, "--timeout", "0.5")
    assert result.exit_code == 2 and "--timeout" in result.output


def test_max_rows_stops_fetching(sample_db_path):
    con = analysis.connect(sample_db_path, read_only=True)
    try:
        result = run_sql(con, "SELECT * FROM sightings", max_rows=7)
        assert len(result.table) == 7 and result.truncated
        # the reader was closed: the next query works
        everything = run_sql(con, "SELECT * FROM sightings")
        assert not everything.truncated and len(everything.table) > 7
        with pytest.raises(WriteRefused):
            run_sql(con, "DROP TABLE sightings")
    finally:
        con.close()


WRITER = """
import sys, time, analysis
con = analysis.connect(sys.argv[1])
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
con.close()
"""


def hold_write_lock(path, seconds: float) -> subprocess.Popen:
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(seconds)],
                              stdout=subprocess.PIPE, text=True)
    assert writer.stdout.readline().strip() == "locked"
    return writer


def test_reader_waits_for_a_writer_then_succeeds(writable_sample):
    writer = hold_write_lock(writable_sample, 2.0)
    try:
        result = run(writable_sample, "--timeout", "30", "sql", "SELECT count(*) AS n FROM headlines", "--format", "jsonl")
    finally:
        writer.wait(timeout=30)
    assert result.exit_code == 0, result.output
    assert "database is busy" in result.stderr and "retrying" in result.stderr
    assert json.loads(result.stdout)["n"] > 0


def test_reader_gives_up_with_a_message(writable_sample):
    writer = hold_write_lock(writable_sample, 20.0)
    try:
        start = time.monotonic()
        result = run(writable_sample, "--timeout", "1", "sql", "SELECT 1")
        assert time.monotonic() - start < 10
    finally:
        writer.terminate()
        writer.wait(timeout=30)
    assert result.exit_code == 2
    assert "is busy" in result.output and "raise --timeout" in result.output and "Traceback" not in result.output


def test_reading_other_files_is_refused_with_a_hint(sample_db_path, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("not for the database", encoding="utf-8")
    result = run(sample_db_path, "sql", "SELECT content FROM read_text($path)", "-p", f"path={secret}")
    assert result.exit_code == 2
    assert "disabled by configuration" in result.output and "--write lifts this" in result.output
    assert "not for the database" not in result.output


def test_out_never_overwrites_what_the_query_reads(writable_sample, tmp_path):
    before = writable_sample.read_bytes()
    query = tmp_path / "q.sql"
    query.write_text("SELECT 1 AS x", encoding="utf-8")
    link = tmp_path / "link.duckdb"
    link.symlink_to(writable_sample)
    hard = tmp_path / "hard.duckdb"
    hard.hardlink_to(writable_sample)
    wal = writable_sample.with_name(writable_sample.name + ".wal")
    cases = [(["SELECT 1 AS x"], writable_sample), (["SELECT 1 AS x", "--write"], writable_sample),
             (["SELECT 1 AS x"], link), (["SELECT 1 AS x"], hard), (["SELECT 1 AS x"], wal),
             (["--file", str(query)], query), (["SELECT 1 AS x", "--format", "parquet"], writable_sample)]
    for args, target in cases:
        fmt = [] if "--format" in args else ["--format", "csv"]
        result = run(writable_sample, "sql", *args, *fmt, "--out", str(target))
        assert result.exit_code == 2, (args, target, result.output)
        assert "reads" in result.output, result.output
    assert writable_sample.read_bytes() == before
    assert query.read_text(encoding="utf-8") == "SELECT 1 AS x"
    assert not wal.exists()
    # --db given after the command name is protected too
    from analysis.cli import cli

    result = CliRunner().invoke(cli, ["sql", "--db", str(writable_sample), "SELECT 1 AS x", "--out",
                                      str(writable_sample)])
    assert result.exit_code == 2 and writable_sample.read_bytes() == before
    ok = run(writable_sample, "sql", "SELECT 1 AS x", "--format", "csv", "--out", str(tmp_path / "x.csv"))
    assert ok.exit_code == 0 and (tmp_path / "x.csv").read_text(encoding="utf-8") == "x\n1\n"
