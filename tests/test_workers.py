"""Worker processes: the order-keeping map, and enrichment in workers == enrichment in one process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

import analysis
from analysis import enrich
from analysis.workers import ordered_map, pool
from tests.conftest import writable_copy
from tests.entities_fixtures import small_db

# What the enrichment writes, in a stable order: the tables compared between the two runs.
TABLES = {
    "mentions": "SELECT * FROM mentions ORDER BY ALL",
    "entities": "SELECT entity_id, name, type, source FROM entities ORDER BY entity_id",
    "aliases": "SELECT * FROM aliases ORDER BY ALL",
    "article_topics": "SELECT * FROM article_topics ORDER BY ALL",
    "headline_topics": "SELECT * FROM headline_topics ORDER BY ALL",
    "topic_scored": "SELECT kind, doc_id, version FROM topic_scored ORDER BY ALL",
}


def _square(x: int) -> int:
    time.sleep(0.01 * (x % 3))  # finish out of order
    return x * x


def test_ordered_map_keeps_order_and_bounds_what_is_in_flight():
    pulled = []

    def items():
        for i in range(40):
            pulled.append(i)
            yield i

    with pool(2) as executor:
        assert executor is not None
        out = []
        for item, result in ordered_map(executor, _square, items(), window=4):
            out.append((item, result))
            assert len(pulled) - len(out) <= 4  # never more than the window ahead
    assert out == [(i, i * i) for i in range(40)]
    with pool(1) as executor:
        assert executor is None
        assert list(ordered_map(executor, _square, range(5), window=2)) == [(i, i * i) for i in range(5)]


def test_a_pool_can_be_held_to_fewer_processes_than_workers():
    from multiprocessing import active_children

    # processes are started on demand, one per task submitted while none is idle
    for workers, max_processes, expected in ((2, None, 2), (2, 1, 1)):
        with pool(workers, max_processes=max_processes) as executor:
            before = {p.pid for p in active_children()}
            assert list(executor.map(_square, range(6))) == [i * i for i in range(6)]
            started = {p.pid for p in active_children()} - before
        assert len(started) == expected, (workers, max_processes)
    with pool(1, max_processes=1) as executor:
        assert executor is None


def test_ordered_map_raises_a_worker_error():
    with pool(2) as executor, pytest.raises(ZeroDivisionError):
        list(ordered_map(executor, _inverse, [1, 2, 0, 4], window=2))


def _inverse(x: int) -> float:
    return 1 / x


def _snapshot(path) -> dict:
    con = analysis.connect(path, read_only=True)
    try:
        return {name: con.execute(sql).fetchall() for name, sql in TABLES.items()}
    finally:
        con.close()


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("workers")
    path = tmp / "loaded.duckdb"
    small_db(path, tmp, n_winer=30).close()
    return path


@pytest.mark.parametrize("ner", [False, True], ids=["registry", "with-ner"])
def test_enrichment_in_workers_writes_what_one_process_writes(loaded, tmp_path, ner):
    results = {}
    for workers in (1, 2):
        path = writable_copy(loaded, tmp_path, name=f"w{workers}.duckdb")
        con = analysis.connect(path)
        try:
            counts = enrich.run(con, stages=["topics", "entities"], progress=False, workers=workers,
                                options={"entities": {"mode": "combined" if ner else "registry"}})
        finally:
            con.close()
        results[workers] = counts, _snapshot(path)
    (counts1, tables1), (counts2, tables2) = results[1], results[2]
    assert counts1 == counts2
    assert len(tables1["mentions"]) > 1000 and len(tables1["article_topics"]) > 100
    methods = {row[7] for row in tables1["mentions"]}
    assert ("crf" in methods) is ner
    for name in TABLES:
        assert tables1[name] == tables2[name], name


def test_rows_by_id_hands_out_small_self_contained_batches(loaded):
    import pickle

    from analysis.db import rows_by_id

    con = analysis.connect(loaded, read_only=True)
    try:
        ids = [r[0] for r in con.execute("SELECT article_id FROM articles ORDER BY 1").fetchall()]
        sql = "SELECT article_id, body FROM articles JOIN (SELECT unnest($ids::BIGINT[]) AS article_id) USING (article_id) ORDER BY 1"
        batches = list(rows_by_id(con, sql, ids, fetch=20, size=7))
    finally:
        con.close()
    expected = []
    for lo in range(0, len(ids), 20):  # 20 ids per query, cut into 7 + 7 + 6
        group = len(ids[lo:lo + 20])
        expected += [min(7, group - k) for k in range(0, group, 7)]
    assert len(ids) > 40 and [b.num_rows for b in batches] == expected
    assert [i for b in batches for i in b.column("article_id").to_pylist()] == ids
    # a batch pickles its own rows, not the whole query's buffers (what a slice would carry)
    first = batches[0]
    own = sum(len(t.encode()) for t in first.column("body").to_pylist())
    assert len(pickle.dumps(first)) < own + 4096


def test_cli_enrich_without_spacy_uses_the_registry_in_workers(loaded, tmp_path):
    from click.testing import CliRunner

    from analysis.cli import cli

    path = writable_copy(loaded, tmp_path)
    result = CliRunner().invoke(cli, ["--db", str(path), "enrich", "--stage", "entities", "--no-spacy",
                                      "--workers", "2", "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "entities: articles=" in result.output
    con = analysis.connect(path, read_only=True)
    try:
        methods = dict(con.execute("SELECT method, count(*) FROM mentions GROUP BY 1").fetchall())
    finally:
        con.close()
    assert set(methods) == {"registry"} and methods["registry"] > 1000


# A load or enrichment run: a pool of workers busy on tasks, their pids printed, then
# waiting for results that never come (the parent is killed first).
_ORPHAN_SCRIPT = """
import sys, time
from multiprocessing import resource_tracker
from analysis.workers import pool

if __name__ == "__main__":
    with pool(2) as executor:
        futures = [executor.submit(time.sleep, 600) for _ in range(2)]
        while len(executor._processes) < 2:
            time.sleep(0.05)
        time.sleep(0.5)  # let the workers run their initializer
        pids = [*executor._processes, resource_tracker._resource_tracker._pid]
        print(" ".join(map(str, pids)), flush=True)
        futures[0].result()
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1][:1] != "Z"  # a zombie is dead, awaiting its reaper
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not os.path.exists("/proc"), reason="reads process states from /proc")
def test_workers_and_resource_tracker_die_when_the_parent_is_killed(tmp_path):
    script = tmp_path / "orphans.py"
    script.write_text(_ORPHAN_SCRIPT)
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONPATH": os.getcwd()})
    try:
        pids = [int(p) for p in parent.stdout.readline().split()]
        assert len(pids) == 3 and all(_alive(p) for p in pids), pids
    finally:
        parent.send_signal(signal.SIGKILL)
        parent.wait()
    deadline = time.monotonic() + 5
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    survivors = [p for p in pids if _alive(p)]
    for p in survivors:  # do not leave them behind if the test fails
        os.kill(p, signal.SIGKILL)
    assert not survivors, f"still running 5 s after the parent was killed: {survivors}"
