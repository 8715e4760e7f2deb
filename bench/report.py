"""Report and notebook benchmark.

    python -m bench.report                      # both stages
    python -m bench.report --stage report --n 1000000 --repeat 3
    python -m bench.report --stage notebooks

Stages (one JSON line per measurement; medians over --repeat runs):
- report: a database of N articles generated inside DuckDB (a year of publication dates,
  40 outlets in French and Arabic, 10 % syndicated copies grouped in stories, five entity
  mentions and one primary topic per article, 5,500 crawled pages with 50-headline tickers),
  then `presswatch report --latest` (weekly) end to end in a fresh process, the first run and
  an unchanged re-run. Target: under 15 s at 1M articles.
- notebooks: every notebook of notebooks/ executed top to bottom on the bundled sample after
  `presswatch enrich`, each in a fresh kernel. Target: each under 30 s.
The generated databases are cached in $PRESSWATCH_BENCH_DIR (default /tmp/presswatch-bench).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.common import CACHE, ROOT, emit, measured


def run_measured(args: list[str]) -> tuple[float, float, float, float | None, str]:
    """Run a command in a fresh process (bench.common.measured): (wall seconds, CPU seconds of
    it and its children, peak RSS MB of its largest process, peak RSS MB of all its processes
    together, stdout). CPU time is reported because the machine is shared: wall time grows with
    other people's load, CPU time much less."""
    info = measured(args)
    return info["s"], info["cpu"], info["rss"], info["tree_rss"], info["out"]


STAGES = ("report", "notebooks")
N_OUTLETS, N_ENTITIES, N_TOPICS, MENTIONS_PER_ARTICLE = 40, 5_000, 20, 5
SITES, CRAWLS_PER_DAY, TICKER = 5, 3, 50

GENERATE = [
    """INSERT INTO loads VALUES (1, TIMESTAMPTZ '2017-01-01 00:00:00+00', TIMESTAMPTZ '2017-01-01 01:00:00+00',
                                'complete', '["bench"]', 'bench/1', $n + $pages, $n + $pages, 0, 0, 0)""",
    """INSERT INTO documents (document_id, path, record, sha256, bytes, format, parser_version, load_id, status)
       SELECT i, 'bench.jsonl', i, sha256(CAST(i AS VARCHAR)), 500, 'jsonl', 'export/1', 1, 'loaded' FROM range(1, $n + 1) t(i)""",
    # articles: dates uniform over 2016, outlet and language from a hash of the id (deterministic)
    """INSERT INTO articles (article_id, document_id, outlet, url, title, body, lang, published_date, date_raw, content_sha256)
       SELECT i, i, 'Outlet ' || (hash(i) % $outlets), 'https://example.org/a/' || i,
              CASE WHEN hash(i) % $outlets < 20 THEN 'Titre de l''article ' || i ELSE 'عنوان المقال ' || i END,
              'Corps ' || i, CASE WHEN hash(i) % $outlets < 20 THEN 'fr' ELSE 'ar' END,
              DATE '2016-01-01' + CAST(hash(i * 31) % 366 AS INTEGER), 'bench', sha256('a' || i)
       FROM range(1, $n + 1) t(i)""",
    # one article in ten is a copy of the previous one (a syndicated dispatch)
    """INSERT INTO article_stories SELECT i, CASE WHEN i % 10 = 1 AND i > 1 THEN i - 1 ELSE i END,
              CASE WHEN i % 10 = 1 AND i > 1 THEN 0.9 END FROM range(1, $n + 1) t(i)""",
    """INSERT INTO stories SELECT s.story_id, min(s.article_id), any_value(a.outlet),
              CAST(min(a.published_date) AS TIMESTAMPTZ), CAST(max(a.published_date) AS TIMESTAMPTZ),
              count(*), count(DISTINCT a.outlet)
       FROM article_stories s JOIN articles a USING (article_id) GROUP BY s.story_id""",
    """INSERT INTO entities (entity_id, name, type, source)
       SELECT 'e' || k, 'Entité ' || k, 'LOC', 'registry' FROM range($entities) t(k)""",
    # skewed entity popularity: a few entities in many articles, a long tail
    """INSERT INTO mentions (article_id, field, entity_id, surface, "start", "end", method, label)
       SELECT i, 'body', 'e' || CAST(floor($entities * pow((hash(i * 7 + j) % 1000003) / 1000003.0, 3)) AS INTEGER),
              'x', 0, 1, 'registry', 'LOC'
       FROM range(1, $n + 1) t(i), range($per) s(j)""",
    """INSERT INTO topics (topic_id, label, source, position)
       SELECT 't' || k, 'Topic ' || k, 'taxonomy', k FROM range($topics) t(k)""",
    """INSERT INTO article_topics SELECT i, 't' || (hash(i * 13) % $topics), 1.0, true FROM range(1, $n + 1) t(i)""",
    # crawled pages: SITES sites, CRAWLS_PER_DAY crawls a day, each ticker a window of TICKER headlines
    """INSERT INTO documents (document_id, path, record, sha256, bytes, format, parser_version, load_id, status,
                              site, edition_lang, crawled_at, n_headlines)
       SELECT $n + 1 + p, 'page-' || p || '.txt', 0, sha256('p' || p), 20000, 'page', 'page/1', 1, 'loaded',
              'site' || (p % $sites), CASE WHEN p % 2 = 0 THEN 'fr' ELSE 'ar' END,
              TIMESTAMPTZ '2016-01-01 07:00:00+00' + to_hours(CAST(8 * (p // $sites) AS BIGINT)), $ticker
       FROM range($pages) t(p)""",
    """CREATE TEMP TABLE bench_sightings AS
       SELECT d.document_id, (d.document_id - $n - 1) // $sites * 5 + pos AS headline_id, pos AS position, d.crawled_at AS seen_at
       FROM documents d, range(1, $ticker + 1) r(pos) WHERE d.format = 'page'""",
    """INSERT INTO sightings SELECT document_id, headline_id, position, seen_at, 'manifest' FROM bench_sightings""",
    """INSERT INTO headlines SELECT headline_id,
              CASE WHEN headline_id % 2 = 0 THEN 'Titre du fil ' || headline_id ELSE 'خبر عاجل ' || headline_id END,
              CASE WHEN headline_id % 2 = 0 THEN 'fr' ELSE 'ar' END, min(seen_at), max(seen_at), count(*)
       FROM bench_sightings GROUP BY headline_id""",
]


def build_database(n: int) -> Path:
    """The N-article database, generated once and cached."""
    import analysis

    path = CACHE / f"report-{n}.duckdb"
    if path.exists():
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    pages = 366 * CRAWLS_PER_DAY * SITES
    params = {"n": n, "outlets": N_OUTLETS, "entities": N_ENTITIES, "per": MENTIONS_PER_ARTICLE,
              "topics": N_TOPICS, "pages": pages, "sites": SITES, "ticker": TICKER}
    con = analysis.connect(tmp)
    try:
        con.execute("SET enable_progress_bar = false")
        started = time.perf_counter()
        con.execute("BEGIN")
        for sql in GENERATE:
            con.execute(sql, {k: v for k, v in params.items() if f"${k}" in sql})
        con.execute("COMMIT")
        con.execute("CHECKPOINT")
        emit(stage="generate_database", n=n, seconds=time.perf_counter() - started,
             items_per_s=n / (time.perf_counter() - started), peak_rss_mb=None)
    finally:
        con.close()
    tmp.rename(path)
    return path


def bench_report(n: int, repeat: int) -> None:
    db = build_database(n)
    presswatch = str(Path(sys.executable).with_name("presswatch"))
    command = [presswatch, "--db", str(db), "report", "--latest", "--out"]
    for label in ("report_week_first_run", "report_week_unchanged_rerun"):
        times, cpu, rss = [], [], []
        for _ in range(repeat):
            out = Path(tempfile.mkdtemp(prefix="pw-report-"))
            try:
                if label == "report_week_unchanged_rerun":
                    run_measured([*command, str(out)])
                seconds, cpu_seconds, peak, _, output = run_measured([*command, str(out)])
            finally:
                shutil.rmtree(out, ignore_errors=True)
            times.append(seconds)
            cpu.append(cpu_seconds)
            rss.append(peak)
        median = statistics.median(times)
        emit(stage=label, n=n, seconds=median, items_per_s=n / median, peak_rss_mb=max(rss),
             cpu_seconds=statistics.median(cpu), load_avg_1min=round(os.getloadavg()[0], 1), runs=len(times),
             target_seconds=15, output=output.strip())


def bench_notebooks(repeat: int) -> None:
    import analysis
    from analysis.enrich import run as enrich
    from analysis.ingest import load
    from bench.notebooks import images, notebook_paths, run_notebook

    db = CACHE / "notebooks-sample.duckdb"
    if not db.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        tmp = db.with_suffix(".tmp")
        tmp.unlink(missing_ok=True)
        con = analysis.connect(tmp)
        try:
            load(con, [str(ROOT / "data" / "sample" / "inputs")], workers=1)
            enrich(con, progress=False)
        finally:
            con.close()
        tmp.rename(db)
    for path in notebook_paths():
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            nb = run_notebook(path, {"DB": str(db)})
            times.append(time.perf_counter() - started)
        median = statistics.median(times)
        emit(stage=f"notebook_{path.stem}", n=images(nb), seconds=median, items_per_s=None, peak_rss_mb=None,
             load_avg_1min=round(os.getloadavg()[0], 1), runs=len(times), target_seconds=30, unit="charts")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stage", choices=STAGES, action="append")
    parser.add_argument("--n", type=int, default=1_000_000, help="articles in the report database")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    for stage in args.stage or STAGES:
        if stage == "report":
            bench_report(args.n, args.repeat)
        else:
            bench_notebooks(max(1, args.repeat // 3))


if __name__ == "__main__":
    main()
