"""analysis.db: memory_cap (DuckDB's memory limit lowered for a block: load, stories, export), and the
error a failed transaction reports."""

from __future__ import annotations

import pytest

import analysis
from analysis.db import memory_cap, scalar, size_bytes
from analysis.query.export import EXPORT_MEMORY, export_database
from tests.conftest import writable_copy


def limit(con) -> float:
    return size_bytes(scalar(con, "SELECT current_setting('memory_limit')"))


def test_sizes_as_duckdb_prints_them():
    assert size_bytes("512MB") == 512e6
    assert size_bytes("1.5 GiB") == 1.5 * 2**30
    assert size_bytes("700.0 MiB") == 700 * 2**20
    with pytest.raises(ValueError):
        size_bytes("lots")


def test_lowered_inside_restored_after_even_on_error(tmp_path):
    con = analysis.connect(tmp_path / "m.duckdb")
    con.execute("SET memory_limit = '4GB'")
    with pytest.raises(RuntimeError):
        with memory_cap(con, "300MB"):
            assert limit(con) == pytest.approx(300e6, rel=0.05)
            raise RuntimeError("boom")
    assert limit(con) == pytest.approx(4e9, rel=0.05)


def test_a_lower_limit_of_the_user_is_kept(tmp_path):
    con = analysis.connect(tmp_path / "m.duckdb")
    con.execute("SET memory_limit = '200MB'")
    with memory_cap(con, "512MB"):
        assert limit(con) == pytest.approx(200e6, rel=0.05)
    assert limit(con) == pytest.approx(200e6, rel=0.05)


def test_export_runs_under_the_cap_and_restores(tmp_path, monkeypatch):
    con = analysis.connect(tmp_path / "m.duckdb")
    con.execute("SET memory_limit = '4GB'")
    seen = []
    import analysis.query.export as export

    real = export._export_table
    monkeypatch.setattr(export, "_export_table", lambda c, *a: seen.append(limit(c)) or real(c, *a))
    export_database(con, tmp_path / "out")
    assert seen and all(s == pytest.approx(size_bytes(EXPORT_MEMORY), rel=0.05) for s in seen)
    assert limit(con) == pytest.approx(4e9, rel=0.05)


def test_checkpoint_threshold_raised_inside_restored_after(tmp_path):
    from analysis.db import checkpoint_every

    con = analysis.connect(tmp_path / "c.duckdb")
    before = scalar(con, "SELECT current_setting('checkpoint_threshold')")
    with pytest.raises(KeyboardInterrupt):
        with checkpoint_every(con, "256MB"):
            assert size_bytes(scalar(con, "SELECT current_setting('checkpoint_threshold')")) == pytest.approx(256e6, rel=0.05)
            raise KeyboardInterrupt
    assert scalar(con, "SELECT current_setting('checkpoint_threshold')") == before


def test_a_load_restores_both_settings(tmp_path, seed_text):
    from analysis.ingest import load

    page = tmp_path / "p.txt"
    page.write_text(seed_text, encoding="utf-8")
    con = analysis.connect(tmp_path / "l.duckdb")
    con.execute("SET memory_limit = '4GiB'")  # printed exactly, so it is restored exactly
    settings = "SELECT current_setting('memory_limit'), current_setting('checkpoint_threshold')"
    before = con.execute(settings).fetchall()
    assert load(con, [str(page)]).counts.loaded == 1
    assert con.execute(settings).fetchall() == before


def test_a_failed_transaction_reports_the_error_that_aborted_it(tmp_path):
    # Cleanup in a `finally` (unregistering an Arrow table) fails once the transaction is
    # aborted; the error to report is the one that aborted it, not "transaction is aborted".
    import duckdb
    import pyarrow as pa

    from analysis.db import transaction

    con = duckdb.connect(str(tmp_path / "t.duckdb"))
    con.execute("CREATE TABLE t (a INTEGER PRIMARY KEY)")
    with pytest.raises(duckdb.ConstraintException):
        with transaction(con):
            con.register("twice", pa.table({"a": [1, 1]}))
            try:
                con.execute("INSERT INTO t SELECT a FROM twice")
            finally:
                con.unregister("twice")
    assert con.execute("SELECT count(*) FROM t").fetchall() == [(0,)]
    with transaction(con):  # the connection is usable again
        con.execute("INSERT INTO t VALUES (1)")
    assert con.execute("SELECT count(*) FROM t").fetchall() == [(1,)]


def test_connections_take_the_query_limit_or_the_variable(tmp_path, monkeypatch):
    # DuckDB's default (80 % of RAM) let one query over every sighting of 1M pages take 2.4 GB.
    import duckdb

    from analysis.db import MEMORY_LIMIT

    monkeypatch.delenv("PRESSWATCH_MEMORY_LIMIT", raising=False)
    duckdb_default = limit(duckdb.connect())
    con = analysis.connect(tmp_path / "a.duckdb")
    assert limit(con) == pytest.approx(min(size_bytes(MEMORY_LIMIT), duckdb_default), rel=0.05)
    con.close()
    monkeypatch.setenv("PRESSWATCH_MEMORY_LIMIT", "3GB")
    con = analysis.connect(tmp_path / "b.duckdb")
    assert limit(con) == pytest.approx(3e9, rel=0.05)
    con.close()
    ro = analysis.connect(tmp_path / "b.duckdb", read_only=True)
    assert limit(ro) == pytest.approx(3e9, rel=0.05)
    ro.close()
    monkeypatch.setenv("PRESSWATCH_MEMORY_LIMIT", "lots")
    with pytest.raises(ValueError, match="PRESSWATCH_MEMORY_LIMIT"):
        analysis.connect(tmp_path / "c.duckdb")


# Runs the CLI in a child and reports the child's peak RSS; the child's data segment is
# capped at 3 GB so that a regression fails this test instead of exhausting the machine.
CHILD = """
import resource, sys
resource.setrlimit(resource.RLIMIT_DATA, (3 * 2**30, 3 * 2**30))
from analysis.cli import cli
try:
    cli.main(sys.argv[1:], prog_name="presswatch")
except SystemExit as exc:
    print(f"EXIT {exc.code} RSS_KB {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}", file=sys.stderr)
"""


@pytest.mark.parametrize("read_only", [True, False], ids=["read-only", "write"])
def test_sql_stays_under_the_memory_cap(sample_db_path, tmp_path, read_only):
    import subprocess
    import sys

    db = writable_copy(sample_db_path, tmp_path)
    args = ["--db", str(db), "sql", "SELECT len(list(range(250000000))) AS n", *([] if read_only else ["--write"])]
    result = subprocess.run([sys.executable, "-c", CHILD, *args], capture_output=True, text=True, timeout=300)
    *message, status = result.stderr.strip().splitlines()
    code, rss_kb = int(status.split()[1]), int(status.split()[3])
    assert code == 2, result.stderr
    assert "Traceback" not in result.stderr and len(message) == 1, result.stderr
    assert "memory" in message[0] and "PRESSWATCH_MEMORY_LIMIT" in message[0]
    assert rss_kb < 1.5 * 2**20, f"peak RSS {rss_kb / 2**20:.2f} GB"


def test_process_memory_cap_is_restored(tmp_path):
    import resource

    from analysis.db import process_memory_cap

    before = resource.getrlimit(resource.RLIMIT_DATA)
    with pytest.raises(KeyError):
        with process_memory_cap("100MB"):
            soft, _ = resource.getrlimit(resource.RLIMIT_DATA)
            assert soft != resource.RLIM_INFINITY
            assert before[0] == resource.RLIM_INFINITY or soft < before[0]
            raise KeyError("inside")
    assert resource.getrlimit(resource.RLIMIT_DATA) == before


def test_database_errors_are_the_typed_ones(tmp_path):
    from analysis import db, errors

    assert analysis.DatabaseBusy is db.DatabaseBusy is errors.DatabaseBusy
    assert analysis.DatabaseMissing is db.DatabaseMissing is errors.DatabaseMissing
    with pytest.raises(errors.DatabaseMissing):
        analysis.connect(tmp_path / "none.duckdb", read_only=True)
    (tmp_path / "text.duckdb").write_text("hello", encoding="utf-8")
    with pytest.raises(errors.DataFileError, match="not a DuckDB database"):
        analysis.connect(tmp_path / "text.duckdb")
    assert (tmp_path / "text.duckdb").read_text(encoding="utf-8") == "hello"
