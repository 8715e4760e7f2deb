"""bench.suite --spark: the Spark engine (local[2]) against the local engine, on the same database.

Steps, each in a fresh process: `presswatch export --format parquet`, `presswatch enrich
--engine spark --master local[2]`, `presswatch load <its output>` (the import), and the local
engine doing the same work (entities on the registry path + taxonomy topic scores) on a copy
of the same loaded database. The last line compares them and checks that both databases
hold the same mentions and topic scores.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

MASTER = "local[2]"


def bench_spark(run, loaded: Path, counts: dict) -> None:
    from bench.suite import PRESSWATCH, _copy_db, child, measure

    docs = counts["articles"] + counts["headlines"]
    text_mb = (counts["article_bytes"] + counts["headline_bytes"]) / 1e6
    export_dir, out_dir = run.workdir / "export", run.workdir / "spark-out"
    local_db = run.workdir / "local-engine.duckdb"
    _copy_db(loaded, local_db)

    timing, _ = measure([*PRESSWATCH, "--db", str(loaded), "export", "--format", "parquet", "--out", str(export_dir)])
    run.emit("spark.export_parquet", timing, items=docs, db=loaded, unit="articles + headlines", export_mb=_mb(export_dir))
    timing = measure_tree([*PRESSWATCH, "enrich", "--engine", "spark", "--master", MASTER, "--input", str(export_dir),
                           "--out", str(out_dir)])
    spark = run.emit("spark.enrich", timing, items=docs, db=loaded, mb=text_mb, unit="articles + headlines", master=MASTER,
                     note="includes JVM and session start; sampled every 0.2 s over the process tree (driver, JVM, "
                          "Python workers): peak_rss_mb is the largest process, peak_tree_rss_mb their sum")
    timing, _ = measure([*PRESSWATCH, "--db", str(loaded), "load", str(out_dir), "--no-progress"])
    imported = run.emit("spark.import", timing, items=docs, db=loaded, unit="articles + headlines", output_mb=_mb(out_dir))
    timing, _ = measure(child("local_engine", str(local_db)))
    local = run.emit("spark.local_engine_same_work", timing, items=docs, db=local_db, mb=text_mb, unit="articles + headlines",
                     note="entities (registry path) + taxonomy topic scores, one worker process per core")
    differences = _differences(loaded, local_db)
    from bench.common import emit

    emit(stage="spark_vs_local", n=run.n, local_s=local["seconds"], spark_s=spark["seconds"],
         spark_plus_import_s=spark["seconds"] + imported["seconds"],
         spark_over_local=round(spark["seconds"] / local["seconds"], 3),
         spark_plus_import_over_local=round((spark["seconds"] + imported["seconds"]) / local["seconds"], 3),
         target="spark within 2x of local", identical=not any(differences.values()), differences=differences,
         python=sys.version.split()[0])
    shutil.rmtree(export_dir, ignore_errors=True)
    shutil.rmtree(out_dir, ignore_errors=True)


def measure_tree(args: list[str], *, every: float = 0.2) -> dict:
    """Run a command and sample its whole process tree from /proc: the Spark JVM is not waited
    for by its parent, so getrusage would miss it (and the Python workers it forks)."""
    import subprocess
    import time

    from bench.measure import descendants

    tick = os.sysconf("SC_CLK_TCK")
    page_mb = os.sysconf("SC_PAGE_SIZE") / 2**20
    started = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    cpu: dict[int, float] = {}
    peak = tree_peak = 0.0
    while proc.poll() is None:
        rss = {}
        for pid in descendants(proc.pid):
            try:
                with open(f"/proc/{pid}/stat") as fh:
                    fields = fh.read().rsplit(")", 1)[1].split()
                with open(f"/proc/{pid}/statm") as fh:
                    rss[pid] = int(fh.read().split()[1]) * page_mb
            except (OSError, IndexError):
                continue
            cpu[pid] = (int(fields[11]) + int(fields[12])) / tick  # utime + stime of this process so far
        if rss:
            peak, tree_peak = max(peak, max(rss.values())), max(tree_peak, sum(rss.values()))
        time.sleep(every)
    err = proc.stderr.read()
    if proc.returncode:
        raise RuntimeError(f"{' '.join(args)} failed:\n{err[-2000:]}")
    return {"seconds": time.perf_counter() - started, "cpu_seconds": round(sum(cpu.values()), 2),
            "peak_rss_mb": round(peak, 1), "peak_tree_rss_mb": round(tree_peak, 1),
            "load_avg_1min": round(os.getloadavg()[0], 2)}


def _mb(folder: Path) -> float:
    return round(sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6, 1)


def _differences(a: Path, b: Path) -> dict[str, int]:
    """Rows in one database and not the other, per table (0 everywhere = identical results)."""
    import duckdb

    con = duckdb.connect()
    con.execute("ATTACH ? AS a (READ_ONLY)", [str(a)])
    con.execute("ATTACH ? AS b (READ_ONLY)", [str(b)])
    columns = {"mentions": 'article_id, headline_id, field, entity_id, surface, "start", "end", method, label',
               "article_topics": "article_id, topic_id, score, is_primary",
               "headline_topics": "headline_id, topic_id, score, is_primary"}
    out = {}
    for table, cols in columns.items():  # fixed names of this module
        out[table] = con.execute(f"""
            SELECT (SELECT count(*) FROM (SELECT {cols} FROM a.{table} EXCEPT ALL SELECT {cols} FROM b.{table}))
                 + (SELECT count(*) FROM (SELECT {cols} FROM b.{table} EXCEPT ALL SELECT {cols} FROM a.{table}))
            """).fetchall()[0][0]
    con.close()
    return out
