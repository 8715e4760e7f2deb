"""`python -m bench` (make bench) runs the whole suite and prints valid JSON lines (tiny N here)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.suite import QUERIES, RAW_QUERIES, TOUCHED_SHARES, growth

ROOT = Path(__file__).resolve().parents[1]
N = 200


@pytest.fixture(scope="module")
def lines(tmp_path_factory) -> list[dict]:
    cache = tmp_path_factory.mktemp("bench")
    done = subprocess.run([sys.executable, "-m", "bench", "--sizes", str(N), "--repeat", "1", "--spacy-n", "3"],
                          cwd=ROOT, env={**os.environ, "PRESSWATCH_BENCH_DIR": str(cache)},
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert not list(cache.glob("suite-*")), "the suite leaves no databases behind without --keep"
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_every_stage_prints_one_measurement(lines):
    by_stage = {line["stage"]: line for line in lines if "standin_copies" not in line}
    failed = [line for line in lines if line["stage"].endswith(".failed")]
    assert not failed, failed
    expected = ["load", "load_export", "enrich.stories", "enrich.topics", "enrich.entities", "enrich.rollups",
                "enrich.registry_path", "enrich.entities_default", "enrich.default_path", "enrich.full_path_extrapolated",
                *(f"frequencies.{name}{raw}" for name in ("entities_week", "topics_week") for raw in ("", "_raw")),
                "frequencies.headline_lifespans",
                "report.week_latest", *(f"query.{name}" for name in QUERIES), *(f"query.{name}_raw" for name in RAW_QUERIES)]
    assert [s for s in expected if s not in by_stage] == []
    for stage in expected:
        line = by_stage[stage]
        assert line["n"] == N
        assert line["seconds"] > 0 and line["cpu_seconds"] > 0, line
        assert line["peak_rss_mb"] > 20 and line["peak_tree_rss_mb"] >= line["peak_rss_mb"], line
        assert line["db_mb"] > 0 and isinstance(line["load_avg_1min"], float), line
    assert by_stage["machine"]["cores"] == os.cpu_count()
    standin = [line for line in lines if line.get("standin_copies") == 10]
    built = next(line for line in standin if line["stage"] == "search.index_build")
    assert built["n"] == 10 * N and 9 * N <= built["articles"] <= 10 * N  # ten copies of N generated articles
    assert len(built["builds_seconds"]) == 1
    # the search index at N: the median of three rebuilds
    median = next(line for line in lines if line["stage"] == "search.index_build" and "standin_copies" not in line)
    assert len(median["builds_seconds"]) == 3 and median["seconds"] == pytest.approx(sorted(median["builds_seconds"])[1], abs=0.01)
    assert {line["stage"] for line in standin} >= {"search.query", "search.matches_and_attention", "search.keyness"}
    keyness = [line for line in lines if line["stage"] == "search.keyness" and "standin_copies" not in line]
    assert len(keyness) == 3 and all(line["seconds"] > 0 and line["terms"] >= 0 for line in keyness)
    archive = next(line for line in standin if line["stage"] == "standin.archive")
    assert archive["articles"] == 10 * by_stage["load"]["articles"] and archive["headlines"] == by_stage["load"]["headlines"]
    for name in ("entities_week", "topics_week", "headline_lifespans"):
        line = next(x for x in standin if x["stage"] == f"frequencies.{name}")
        assert line["rollups"] is True and line["rows"] > 0 and line["n"] == 10 * N
    # a scheduled load's new days updated, then the same database rebuilt, then larger changes updated
    update = next(x for x in standin if x["stage"] == "rollups.update")
    assert update["mode"] == "update" and 0 < update["days_recomputed"] < update["days"] and update["added_articles"] > 0
    rebuild = next(x for x in standin if x["stage"] == "rollups.rebuild")
    assert rebuild["mode"] == "rebuild" and rebuild["days_recomputed"] == rebuild["days"] == update["days"]
    touched = [x for x in standin if x["stage"] == "rollups.update_touched"]
    assert [x["touched_share"] for x in touched] == list(TOUCHED_SHARES)
    assert all(x["mode"] == "update" and x["days_recomputed"] > 0 for x in touched)


def test_a_stage_memory_counts_its_processes_together():
    # A parent holding 100 MB while its worker holds 150 MB needs 250 MB of the machine; the
    # kernel's high-water mark only ever sees the larger one.
    from bench.report import run_measured

    worker = "import time; b = b'x' * (150 * 2**20); time.sleep(2)"
    parent = (f"import subprocess, sys; w = subprocess.Popen([sys.executable, '-c', {worker!r}]); "
              "b = b'y' * (100 * 2**20); w.wait(); print('done')")
    seconds, cpu, largest, together, out = run_measured([sys.executable, "-c", parent])
    assert out.strip() == "done" and seconds >= 2 and cpu > 0
    assert 150 <= largest < 150 + 60
    assert together >= largest + 95


def test_the_measurements_describe_the_work_done(lines):
    by_stage = {line["stage"]: line for line in lines if "standin_copies" not in line}
    load = by_stage["load"]
    # ticker-only and truncated pages carry no article; every page has a ticker or an article
    assert 0.8 * N < load["articles"] <= N and load["headlines"] > 20
    assert load["items_per_s"] == pytest.approx(N / load["seconds"], rel=0.01)
    assert by_stage["enrich.entities"]["counts"]["mentions"] > 10 * load["articles"]
    assert by_stage["enrich.entities"]["mode"] == "registry"
    full = by_stage["enrich.full_path_extrapolated"]
    assert full["extrapolated"] is True and full["sample_articles"] == 3
    assert full["seconds"] > by_stage["enrich.registry_path"]["seconds"]
    assert by_stage["report.week_latest"]["wrote_html"] is True
    assert by_stage["query.top_entities_last_30_days"]["rows"] > 0
    # the frequencies and the ticker view answer from the rollups the enrich stage built, with the same rows
    for name in ("frequencies.entities_week", "frequencies.topics_week", "query.longest_on_ticker"):
        assert by_stage[name]["rollups"] is True and by_stage[f"{name}_raw"]["rollups"] is False
        assert by_stage[name]["rows"] == by_stage[f"{name}_raw"]["rows"] > 0


def test_growth_compares_the_sizes(capsys):
    lines = [{"stage": "load", "n": 1000, "seconds": 2.0, "peak_rss_mb": 300.0, "cpu_seconds": 2.0},
             {"stage": "load", "n": 10000, "seconds": 20.0, "peak_rss_mb": 330.0, "cpu_seconds": 19.0},
             {"stage": "query.x", "n": 1000, "seconds": 0.01, "peak_rss_mb": 90.0},
             {"stage": "query.x", "n": 10000, "seconds": 0.02, "peak_rss_mb": 95.0},
             {"stage": "only_once", "n": 1000, "seconds": 1.0}]
    growth(lines)
    out = {g["of"]: g for g in map(json.loads, capsys.readouterr().out.splitlines())}
    assert set(out) == {"load", "query.x"}
    assert out["load"]["time_exponent"] == pytest.approx(1.0)
    assert out["load"]["rss_ratio"] == 1.1
    assert out["query.x"]["time_exponent"] == pytest.approx(0.301, abs=0.001)


def test_growth_and_table_give_each_step_between_three_sizes(capsys, tmp_path):
    from bench.suite import table

    lines = [{"stage": "stories", "n": n, "seconds": s, "peak_rss_mb": 500.0}
             for n, s in ((1000, 1.0), (10_000, 10.0), (100_000, 1000.0))]
    growth(lines)
    out = json.loads(capsys.readouterr().out)
    assert out["time_exponent"] == pytest.approx(1.5) and out["step_exponents"] == [1.0, 2.0]
    saved = tmp_path / "run.jsonl"
    saved.write_text("\n".join(json.dumps(line) for line in [*lines, out]) + "\n")
    head, _, row = table(saved).splitlines()
    assert "time exponent 1,000→10,000 · 10,000→100,000" in head and "| 1.00 · 2.00 |" in row
    # no CPU time, items/s or load average in these lines: left out, not shown as 0
    assert "| 1 s · 500 MB |" in row and "CPU" not in row and "load" not in row and "/s" not in row


def test_table_summarises_a_saved_run(lines, tmp_path):
    from bench.suite import table

    saved = tmp_path / "run.jsonl"
    saved.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    rows = table(saved).splitlines()
    assert rows[0].startswith(f"| stage | N = {N:,} |")
    stages = [row.split(" | ")[0].lstrip("| ") for row in rows[2:]]
    assert stages[0] == "load" and "enrich.entities" in stages and "query.named_with_entity" in stages
    load = next(line for line in lines if line["stage"] == "load")
    assert f"{load['peak_rss_mb']:,.0f} MB" in rows[2] and f"{load['seconds']:,.3g} s" in rows[2]


def test_the_spark_stage_memory_goes_in_the_suites_column():
    """measure_tree (the Spark engine's timing: a JVM its parent does not wait for) reports the
    sum of its processes under the name every other line uses, so the table and the growth
    lines find it (it was emitted as tree_peak_rss_mb and the column stayed empty)."""
    from bench.suite_spark import measure_tree

    code = "import subprocess, sys; subprocess.run([sys.executable, '-c', 'x = bytearray(60 * 2**20); import time; time.sleep(1)'])"
    timing = measure_tree([sys.executable, "-c", code], every=0.05)
    assert timing["peak_tree_rss_mb"] > timing["peak_rss_mb"] >= 60
