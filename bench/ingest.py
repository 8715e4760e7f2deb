"""Ingest benchmark: generated page dumps of realistic size into DuckDB.

    python -m bench.ingest [--n 10000 20000] [--workers 2]

For each N: the DuckDB baseline (read_text of the same files into a table), the full
`presswatch load` (pages/s, MB/s, peak RSS of the process and its workers, database size),
their ratio, a re-run over unchanged files, and adding one file to the loaded folder.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from bench.common import CACHE, CORPUS, emit, folder_bytes, run_measured

PRESSWATCH = [sys.executable, "-m", "analysis"]


def pages_folder(n: int, *, seed: int = 0) -> Path:
    """N generated pages (~12 KB like the seed page), cached between runs."""
    folder = CACHE / f"pages-{n}-{seed}"
    if (folder / ".complete").exists():
        return folder
    from analysis.pagegen import generate, read_corpus, write_pages

    shutil.rmtree(folder, ignore_errors=True)
    write_pages(generate(read_corpus(CORPUS), n, seed=seed, min_body_chars=5000, pages_per_day=200), folder)
    (folder / ".complete").touch()
    return folder


def bench_n(n: int, *, workers: int | None) -> None:
    folder = pages_folder(n)
    size = folder_bytes(folder)
    with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
        baseline_db = Path(tmp) / "raw.duckdb"
        script = ("import duckdb, sys; con = duckdb.connect(sys.argv[1]); "
                  "con.execute(\"CREATE TABLE raw AS SELECT * FROM read_text(?)\", [sys.argv[2]])")
        seconds, rss, _ = run_measured([sys.executable, "-c", script, str(baseline_db), str(folder / "*.txt")])
        emit(stage="duckdb_read_text", n=n, seconds=seconds, items_per_s=n / seconds, mb_per_s=size / 1e6 / seconds,
             peak_rss_mb=rss)
        baseline = seconds

        db = Path(tmp) / "load.duckdb"
        options = ["--no-progress"] + (["--workers", str(workers)] if workers else [])
        seconds, rss, _ = run_measured([*PRESSWATCH, "--db", str(db), "load", str(folder), *options])
        emit(stage="load", n=n, seconds=seconds, items_per_s=n / seconds, mb_per_s=size / 1e6 / seconds,
             peak_rss_mb=rss, db_mb=db.stat().st_size / 1e6, workers=workers or "all cores")
        emit(stage="load_vs_read_text", n=n, ratio=seconds / baseline, target="<= 3")

        seconds, rss, _ = run_measured([*PRESSWATCH, "--db", str(db), "load", str(folder), *options])
        emit(stage="reload_unchanged", n=n, seconds=seconds, items_per_s=n / seconds, peak_rss_mb=rss)

        extra = folder / "zz-added-page.txt"
        shutil.copyfile(next(folder.glob("*-fr-*.txt")), extra)
        try:
            seconds, rss, _ = run_measured([*PRESSWATCH, "--db", str(db), "load", str(folder), *options])
            emit(stage="add_one_file", n=n, seconds=seconds, peak_rss_mb=rss)
        finally:
            extra.unlink()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[10_000, 50_000])
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args(argv)
    CACHE.mkdir(parents=True, exist_ok=True)
    for n in args.n:
        bench_n(n, workers=args.workers)


if __name__ == "__main__":
    main()
