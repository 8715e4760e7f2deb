"""Ingest benchmark: generated page dumps of realistic size into DuckDB.

    python -m bench.ingest [--n 10000 20000] [--workers 2]

For each N: the DuckDB baseline (read_text of the same files into a table) and the full
`presswatch load` (pages/s, MB/s, peak RSS of the process and its workers, database size),
alternated ``--repeat`` times from a warm page cache (medians reported), their ratio, a
re-run over unchanged files, and adding one file to the loaded folder.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

from bench.common import CACHE, CORPUS, GENERATE, RECIPE, emit, folder_bytes, run_measured

PRESSWATCH = [sys.executable, "-m", "analysis"]


def pages_folder(n: int, *, seed: int = 0) -> Path:
    """N generated pages (~12 KB like the seed page), cached between runs."""
    folder = CACHE / f"pages-{n}-{seed}-{RECIPE}"
    if (folder / ".complete").exists():
        return folder
    from bench.pagegen import generate, read_corpus, write_pages

    shutil.rmtree(folder, ignore_errors=True)
    write_pages(generate(read_corpus(CORPUS), n, seed=seed, **GENERATE), folder)
    (folder / ".complete").touch()
    return folder


def _warm(folder: Path) -> None:
    """Read every file once so both contestants start from the page cache."""
    for path in folder.iterdir():
        if path.is_file():
            path.read_bytes()


def bench_n(n: int, *, workers: int | None, repeat: int) -> None:
    folder = pages_folder(n)
    size = folder_bytes(folder)
    _warm(folder)
    options = ["--no-progress"] + (["--workers", str(workers)] if workers else [])
    script = ("import duckdb, sys; con = duckdb.connect(sys.argv[1]); "
              "con.execute(\"CREATE TABLE raw AS SELECT * FROM read_text(?)\", [sys.argv[2]])")
    baseline, loads = [], []
    with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
        for attempt in range(repeat):  # alternate the two, so load on the machine hits both alike
            baseline_db = Path(tmp) / f"raw{attempt}.duckdb"
            seconds, rss, _ = run_measured([sys.executable, "-c", script, str(baseline_db), str(folder / "*.txt")])
            baseline.append((seconds, rss))
            db = Path(tmp) / f"load{attempt}.duckdb"
            seconds, rss, _ = run_measured([*PRESSWATCH, "--db", str(db), "load", str(folder), *options])
            loads.append((seconds, rss, db.stat().st_size))
        seconds, rss = median(baseline)
        emit(stage="duckdb_read_text", n=n, seconds=seconds, items_per_s=n / seconds, mb_per_s=size / 1e6 / seconds,
             peak_rss_mb=rss, repeat=repeat, load_avg=os.getloadavg()[0])
        base_seconds = seconds
        seconds, rss, db_bytes = median(loads)
        emit(stage="load", n=n, seconds=seconds, items_per_s=n / seconds, mb_per_s=size / 1e6 / seconds,
             peak_rss_mb=rss, db_mb=db_bytes / 1e6, workers=workers or "all cores", repeat=repeat,
             load_avg=os.getloadavg()[0])
        emit(stage="load_vs_read_text", n=n, ratio=seconds / base_seconds, target="<= 3")

        seconds, rss, _ = run_measured([*PRESSWATCH, "--db", str(db), "load", str(folder), *options])
        emit(stage="reload_unchanged", n=n, seconds=seconds, items_per_s=n / seconds, peak_rss_mb=rss)

        extra = folder / "zz-added-page.txt"
        shutil.copyfile(next(folder.glob("*-fr-*.txt")), extra)
        try:
            seconds, rss, _ = run_measured([*PRESSWATCH, "--db", str(db), "load", str(folder), *options])
            emit(stage="add_one_file", n=n, seconds=seconds, peak_rss_mb=rss)
        finally:
            extra.unlink()


def median(runs: list[tuple]) -> tuple:
    """The run with the median time (its other measurements come with it)."""
    return sorted(runs)[len(runs) // 2]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[10_000, 50_000])
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each contestant (median reported)")
    args = parser.parse_args(argv)
    CACHE.mkdir(parents=True, exist_ok=True)
    for n in args.n:
        bench_n(n, workers=args.workers, repeat=args.repeat)


if __name__ == "__main__":
    main()
