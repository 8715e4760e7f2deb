"""Search benchmark: index build rate and size, one query's matches and weekly attention.

    python -m bench.search                     # 100k generated articles, 7 runs per query
    python -m bench.search --n 20000 --repeat 5
    python -m bench.search --db /tmp/x/base.duckdb  # any database (its index is built beside it)
    python -m bench.search --copies 10 --no-build   # 1M: the 100k database copied 10 times

The database holds N articles of ``bench.generate``'s export (real WiNER-fr and ANT articles
rendered by analysis.pagegen, 70 % French, 30 % Arabic, bodies of 5,000+ characters), loaded
once and cached in $PRESSWATCH_BENCH_DIR; ``--copies K`` measures ``bench.standin``'s K-times
larger copy of it instead (cached too; ``--no-build`` then reuses its index). One JSON line per measurement:
- search.index_build: a full rebuild, the median of --builds rebuilds (each one's wall and CPU
  seconds listed); articles per wall second and per CPU second (all threads), the index's size
  against the UTF-8 size of the titles and bodies;
- search.open_check: opening the index when nothing changed (the per-call consistency check);
- search.keyness: per variant, the key words or two-word phrases (``analysis.search.keyness``)
  of a month or of a query's matches against the rest of the archive, one run;
- search.index_size: after the queries, the index's folder with the linked articles' index in it;
- search.query: per query, the median over --repeat runs of the ranked matches without
  snippets, with snippets, the weekly attention series (stories), and matches + attention;
  ``attention_first_ms`` is the first call, which computes the period totals.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import time
from pathlib import Path

from bench.common import CACHE, RECIPE, emit

QUERIES = ["maroc", '"premier ministre"', "terror* OR الإرهاب", "(tunisie OR تونس) -football",
           "title:algerie date:[2026-01-01 TO 2026-06-30]",
           'outlet:"el watan" lang:fr']
# Key terms: a month of the generated archive (its dates span 2025-08 to 2027-02) and a query's matches.
KEYNESS = {"words of a month": {"start": "2026-03-01", "end": "2026-03-31"},
           "phrases of a month": {"start": "2026-03-01", "end": "2026-03-31", "ngram": 2},
           "phrases of maroc's matches": {"query": "maroc", "ngram": 2}}


def database(n: int) -> Path:
    """N generated articles in a DuckDB file (cached)."""
    import analysis
    from analysis.ingest import load
    from bench.generate import export_file

    path = CACHE / f"search-{n}-0-{RECIPE}.duckdb"
    if not path.exists():
        source = export_file(n)
        tmp = path.with_suffix(".tmp.duckdb")
        tmp.unlink(missing_ok=True)
        con = analysis.connect(tmp)
        load(con, [str(source)], workers=1)
        con.close()
        tmp.rename(path)
    return path


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def _dir_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--copies", type=int, default=1, help="Measure a stand-in K times larger (bench.standin).")
    parser.add_argument("--db", type=Path, help="A database to measure instead of N generated articles.")
    parser.add_argument("--no-build", action="store_true", help="Time the queries on the index as it is.")
    parser.add_argument("--builds", type=int, default=3,
                        help="Rebuilds to take the median of: a build keeps both cores busy, so one run "
                             "measures the shared host as much as the code.")
    args = parser.parse_args(argv)

    import analysis
    from analysis.search import (
        attention,
        keyness,
        matching_ids,
        open_index,
        rebuild_index,
        search,
    )

    path = args.db or database(args.n)
    if args.copies > 1:
        from bench import standin

        path = standin.build(path, path.with_name(f"{path.stem}-x{args.copies}.duckdb"), args.copies)
    con = analysis.connect(path, read_only=True)
    n_articles, text_bytes = con.execute(
        "SELECT count(*), sum(strlen(coalesce(title, '')) + strlen(body)) FROM articles").fetchall()[0]
    if not args.no_build:
        runs = []
        for _ in range(max(args.builds, 1)):
            wall, cpu = time.perf_counter(), _cpu()
            idx = rebuild_index(con)
            runs.append((time.perf_counter() - wall, _cpu() - cpu))
        wall, cpu = sorted(runs)[len(runs) // 2]
        index_bytes = _dir_bytes(idx.path)
        emit(stage="search.index_build", n=n_articles, seconds=wall, cpu_seconds=cpu,
             articles_per_s=n_articles / wall, articles_per_cpu_s=n_articles / cpu, text_mb=text_bytes / 2**20,
             index_mb=index_bytes / 2**20, index_share_of_text=index_bytes / text_bytes,
             builds_seconds=[round(w, 2) for w, _ in runs], builds_cpu_seconds=[round(c, 2) for _, c in runs],
             load_average=os.getloadavg()[0])
    emit(stage="search.open_check", n=n_articles, median_ms=_median_ms(lambda: open_index(con), args.repeat))
    for query in QUERIES:
        start = time.perf_counter()
        attention(con, query, freq="week")
        first = (time.perf_counter() - start) * 1000

        def both(q=query):
            search(con, q, snippets=False)
            attention(con, q, freq="week")

        emit(stage="search.query", n=n_articles, query=query, matches=len(matching_ids(con, query)),
             matches_ms=_median_ms(lambda q=query: search(con, q, snippets=False), args.repeat),
             snippets_ms=_median_ms(lambda q=query: search(con, q), max(3, args.repeat // 2)),
             attention_first_ms=first,
             attention_ms=_median_ms(lambda q=query: attention(con, q, freq="week"), args.repeat),
             matches_and_attention_ms=_median_ms(both, args.repeat), load_average=os.getloadavg()[0])
    for variant, options in KEYNESS.items():
        start = time.perf_counter()
        frame = keyness(con, **options)
        emit(stage="search.keyness", n=n_articles, variant=variant, seconds=time.perf_counter() - start,
             terms=len(frame), load_average=os.getloadavg()[0])
    # the index of linked articles (built by the first attention call) lives inside the index's folder
    path = open_index(con).path
    linked_bytes = _dir_bytes(path / "linked") if (path / "linked").exists() else 0
    emit(stage="search.index_size", n=n_articles, index_mb=_dir_bytes(path) / 2**20, linked_mb=linked_bytes / 2**20,
         index_share_of_text=_dir_bytes(path) / text_bytes, linked_share_of_text=linked_bytes / text_bytes)
    con.close()


if __name__ == "__main__":
    main()
