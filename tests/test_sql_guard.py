"""Read-only mode: every writing statement kind is refused, reads pass, and the sandbox holds on its own."""

from __future__ import annotations

import duckdb
import pytest

import analysis
from analysis.query.guard import WriteRefused, check_statements, sandbox

READS = [
    "SELECT count(*) FROM articles",
    "-- a comment first\nSELECT 1",
    "/* block */ FROM headlines LIMIT 1",
    "WITH recent AS (SELECT * FROM articles WHERE published_date > DATE '2016-12-01') SELECT count(*) FROM recent",
    "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT * FROM r",
    "SELECT 1 UNION ALL SELECT 2",
    "DESCRIBE articles",
    "SHOW TABLES",
    "SUMMARIZE headlines",
    "EXPLAIN SELECT * FROM articles",
    "EXPLAIN ANALYZE SELECT count(*) FROM sightings",
    "PRAGMA table_info('articles')",
    "PRAGMA database_list",
    "CALL pragma_version()",
    "CALL duckdb_tables()",
    "PIVOT articles ON lang IN ('fr', 'ar') USING count(*) GROUP BY outlet",
    "SELECT * FROM articles WHERE outlet = $outlet",
    "SELECT * FROM range(3) r JOIN duckdb_tables() t ON true",
    "SELECT * FROM pragma_table_info('articles')",
    "SELECT 'DELETE FROM articles' AS not_a_statement, \"insert\" FROM (SELECT 1 AS \"insert\")",
]

WRITES = {
    "insert": "INSERT INTO rejects VALUES ('x', NULL, 'r', NULL, 1, NULL)",
    "update": "UPDATE articles SET title = 'x'",
    "delete": "DELETE FROM articles",
    "delete after comments": "/* looks harmless */ -- SELECT 1\n  DELETE FROM articles",
    "insert after WITH": "WITH x AS (SELECT 1) INSERT INTO rejects SELECT 'x', NULL, 'r', NULL, 1, NULL FROM x",
    "delete inside a CTE": "WITH gone AS (DELETE FROM articles RETURNING *) SELECT count(*) FROM gone",
    "update in a subquery CTE": ("SELECT * FROM headlines WHERE EXISTS "
                                 "(WITH u AS (UPDATE headlines SET lang = 'fr' RETURNING 1) SELECT 1 FROM u)"),
    "create table": "CREATE TABLE t AS SELECT 1",
    "create temp table": "CREATE TEMP TABLE t (a INT)",
    "create view": "CREATE OR REPLACE VIEW v AS SELECT 1",
    "create macro": "CREATE MACRO m(x) AS x",
    "drop": "DROP TABLE articles",
    "alter": "ALTER TABLE articles ADD COLUMN x INT",
    "comment on": "COMMENT ON TABLE articles IS 'x'",
    "attach": "ATTACH 'other.duckdb' AS other",
    "detach": "DETACH other",
    "copy to": "COPY articles TO 'articles.csv'",
    "copy from": "COPY articles FROM 'articles.csv'",
    "copy database": "COPY FROM DATABASE a TO b",
    "export database": "EXPORT DATABASE 'dump'",
    "import database": "IMPORT DATABASE 'dump'",
    "install": "INSTALL httpfs",
    "load": "LOAD httpfs",
    "update extensions": "UPDATE EXTENSIONS",
    "set": "SET threads = 1",
    "reset": "RESET threads",
    "set variable": "SET VARIABLE x = 1",
    "use": "USE memory",
    "pragma that changes state": "PRAGMA enable_profiling",
    "pragma setter": "PRAGMA threads = 2",
    "call of a writing function": "CALL checkpoint()",
    "checkpoint": "CHECKPOINT",
    "checkpoint as a table function": "SELECT * FROM checkpoint()",
    "force checkpoint as a table function": "FROM force_checkpoint()",
    "truncate logs as a table function": "SELECT * FROM truncate_duckdb_logs()",
    "checkpoint in a join": "SELECT * FROM range(1) JOIN checkpoint() ON true",
    "checkpoint in a subquery": "SELECT (SELECT count(*) FROM truncate_duckdb_logs())",
    "sql text run by query()": "SELECT * FROM query('DELETE FROM articles RETURNING *')",
    "explain of a checkpoint": "EXPLAIN SELECT * FROM checkpoint()",
    "force checkpoint": "FORCE CHECKPOINT",
    "vacuum": "VACUUM",
    "analyze": "ANALYZE",
    "transaction": "BEGIN TRANSACTION",
    "prepare": "PREPARE p AS SELECT 1",
    "merge": "MERGE INTO headlines USING headlines s ON (headlines.headline_id = s.headline_id) WHEN MATCHED THEN DELETE",
    "explain analyze of a write": "EXPLAIN ANALYZE DELETE FROM articles",
    "pivot creating a type": "PIVOT articles ON lang USING count(*)",
    "multiple statements": "SELECT 1; SELECT 2",
    "a write after a read": "SELECT 1; DROP TABLE articles",
}


@pytest.fixture(scope="module")
def con(sample_db_path):
    con = analysis.connect(sample_db_path, read_only=True)
    sandbox(con)
    yield con
    con.close()


@pytest.mark.parametrize("sql", READS)
def test_reads_are_allowed(con, sql):
    statements = check_statements(con, sql)
    assert len(statements) == 1


@pytest.mark.parametrize("name", WRITES)
def test_writes_are_refused_with_a_clear_message(con, name):
    with pytest.raises(WriteRefused) as err:
        check_statements(con, WRITES[name])
    message = str(err.value)
    assert message.startswith("refused: ") and "--write" in message


def test_the_message_names_the_statement(con):
    with pytest.raises(WriteRefused, match=r"refused: DELETE writes"):
        check_statements(con, "-- harmless\nDELETE FROM articles")
    with pytest.raises(WriteRefused, match=r"INSERT \(after a WITH clause\)"):
        check_statements(con, WRITES["insert after WITH"])
    with pytest.raises(WriteRefused, match=r"hides a write \(DELETE\)"):
        check_statements(con, WRITES["delete inside a CTE"])
    with pytest.raises(WriteRefused, match=r"2 statements given \(SELECT, DROP TABLE\)"):
        check_statements(con, WRITES["a write after a read"])


def test_write_mode_allows_everything(con):
    kinds = [s.kind for s in check_statements(con, "CREATE TABLE t (a INT); INSERT INTO t VALUES (1)", write=True)]
    assert kinds == ["CREATE", "INSERT"]


def test_empty_sql_is_an_error(con):
    with pytest.raises(ValueError, match="no SQL statement"):
        check_statements(con, "  -- nothing here\n")


def test_syntax_errors_come_from_duckdb_with_position(con):
    with pytest.raises(duckdb.ParserException, match="LINE 1"):
        check_statements(con, "SELEC 1")


# The guard is not the only wall: without it, the read-only file and the sandbox still refuse.
@pytest.mark.parametrize("sql", [
    "DELETE FROM articles",
    "WITH gone AS (DELETE FROM articles RETURNING *) SELECT count(*) FROM gone",
    "CREATE TABLE t AS SELECT 1",
])
def test_read_only_file_refuses_writes_by_itself(con, sql):
    with pytest.raises(duckdb.Error, match="read-only"):
        con.execute(sql)


@pytest.mark.parametrize("sql", [
    "ATTACH '{dir}/other.duckdb' AS other",
    "COPY (SELECT 1) TO '{dir}/leak.csv'",
    "SELECT * FROM read_text('{dir}/secret.txt')",
    "SELECT * FROM glob('{dir}/*')",
    "EXPORT DATABASE '{dir}/dump'",
    "INSTALL httpfs",
    "SET enable_external_access = true",
])
def test_sandbox_refuses_files_and_settings_by_itself(con, tmp_path, sql):
    (tmp_path / "secret.txt").write_text("secret")
    with pytest.raises(duckdb.Error):
        con.execute(sql.format(dir=tmp_path))
    assert not (tmp_path / "leak.csv").exists() and not (tmp_path / "dump").exists()


def test_sandbox_still_reads_the_database(con):
    n = con.execute("SELECT count(*) FROM articles").fetchall()[0][0]
    assert n > 0
