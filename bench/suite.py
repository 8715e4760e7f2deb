"""The whole pipeline at growing N: `make bench` (= `python -m bench`).

    python -m bench                                  # N = 10,000 and 100,000 pages (~20 min here)
    python -m bench --sizes 10000 100000 1000000     # the 1M size is opt-in (hours on 2 cores)
    python -m bench --sizes 100000 --spark           # + the Spark engine vs the local engine
    python -m bench --sizes 2000 --repeat 1 --only load enrich
    python -m bench --sizes 100000 --only search    # search at 100k, then at 1M articles (a stand-in)

For each N: generated page dumps (bench.generate) are loaded into a fresh database, then
enriched stage by stage (the registry path: stories, topics, entities without recognisers),
then the entities stage on its default path (the CRF recognisers on a bounded sample per
language and month, learned names matched everywhere: ``enrich.entities_default``, and
``enrich.default_path`` with it), the French spaCy path measured on a subsample and
extrapolated (spaCy runs at ~35-80 articles/s/core: hours at 100k), then entity and topic
frequencies, the weekly report and five ad-hoc SQL queries run on the result, and the search
index is built and queried (bench.search). An N-record Parquet article export is loaded too.
At the largest size the frequencies are measured again on a stand-in of the enriched database
(``--archive-copies``, default 10, bench.standin.archive) with its rollups built by the
rollups stage, which is then timed updating them after a scheduled load's new days and after
larger changes, against a rebuild (``bench_rollups_update``). Last, search is measured at archive scale on a stand-in (``--search-copies``,
default 10: the search database of the largest size, 100k articles by default, copied ten
times by bench.standin), which takes minutes where loading and enriching a million pages
takes hours.
Every measurement runs in a fresh process, so ``peak_rss_mb`` is that stage's own (the largest
process of it: the parser workers and a Spark JVM count alone) and
``peak_tree_rss_mb`` the peak of all its processes together (sampled, bench.measure).

One JSON line per measurement: stage, n, seconds, items_per_s, mb_per_s, peak_rss_mb,
peak_tree_rss_mb, cpu_seconds (user + system of the stage's processes: the machine is shared,
wall time counts other people's work too), db_mb, load_avg_1min (at the end of the stage), and
stage-specific counts. Quick stages (frequencies, report, queries) report the median of
--repeat runs. After the last size, one ``growth`` line per stage compares the sizes:
``time_exponent`` is log(t2/t1)/log(n2/n1) (1 = linear, < 1 sub-linear).
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.common import CACHE, emit, folder_bytes
from bench.report import run_measured

PRESSWATCH = [sys.executable, "-m", "analysis"]
GROUPS = ("load", "export", "enrich", "spacy", "frequencies", "report", "queries", "search", "spark")
DEFAULT_GROUPS = tuple(g for g in GROUPS if g != "spark")

# Five questions an analyst types into `presswatch sql` (values are bound parameters).
QUERIES = {
    "articles_per_outlet_month": """
        SELECT outlet, date_trunc('month', published_date) AS month, count(*) AS n
        FROM articles GROUP BY ALL ORDER BY month, n DESC""",
    "top_entities_last_30_days": """
        SELECT e.name, count(DISTINCT m.article_id) AS n_articles
        FROM mentions m JOIN articles a USING (article_id) JOIN entities e USING (entity_id)
        WHERE a.published_date > (SELECT max(published_date) FROM articles) - INTERVAL 30 DAY
        GROUP BY ALL ORDER BY n_articles DESC LIMIT 20""",
    "title_search_by_month": """
        SELECT date_trunc('month', published_date) AS month, count(*) AS n
        FROM articles WHERE title ILIKE $pattern GROUP BY ALL ORDER BY month""",
    "longest_on_ticker": """
        SELECT text, days_on_ticker, n_sightings FROM headline_lifespans
        ORDER BY days_on_ticker DESC, n_sightings DESC LIMIT 20""",
    "named_with_entity": """
        SELECT e.name, count(DISTINCT b.article_id) AS n_articles
        FROM mentions a JOIN mentions b ON a.article_id = b.article_id AND b.entity_id <> a.entity_id
        JOIN entities e ON e.entity_id = b.entity_id
        WHERE a.entity_id = $entity GROUP BY ALL ORDER BY n_articles DESC LIMIT 20""",
}
QUERY_PARAMS = {"title_search_by_month": {"pattern": "%Maroc%"}, "named_with_entity": {"entity": "morocco"}}
# Queries whose view reads the rollups: also measured computing from the raw tables (`..._raw`).
RAW_QUERIES = ("longest_on_ticker",)


def measure(args: list[str]) -> tuple[dict, dict]:
    """Run a command in a fresh process: ({seconds, cpu_seconds, peak_rss_mb, peak_tree_rss_mb,
    load_avg_1min}, the JSON its last stdout line printed, or {})."""
    seconds, cpu, rss, tree, out = run_measured(args)
    lines = [line for line in out.strip().splitlines() if line.startswith("{")]
    result = json.loads(lines[-1]) if lines else {}
    return {"seconds": seconds, "cpu_seconds": cpu, "peak_rss_mb": rss, "peak_tree_rss_mb": tree,
            "load_avg_1min": round(os.getloadavg()[0], 2)}, result


def child(name: str, db: str, *extra: str) -> list[str]:
    return [sys.executable, "-m", "bench.suite", "--child", name, "--db", db, *extra]


def db_mb(db: Path) -> float:
    wal = Path(f"{db}.wal")
    return round((db.stat().st_size + (wal.stat().st_size if wal.exists() else 0)) / 1e6, 1)


def corpus_counts(db: Path) -> dict:
    import analysis

    con = analysis.connect(db, read_only=True)
    try:
        row = con.execute("""SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM headlines),
            (SELECT count(*) FILTER (WHERE lang = 'fr') FROM articles), (SELECT count(*) FILTER (WHERE lang = 'fr') FROM headlines),
            (SELECT coalesce(sum(strlen(coalesce(title, '')) + strlen(body)), 0) FROM articles),
            (SELECT coalesce(sum(strlen(text)), 0) FROM headlines)""").fetchall()[0]
    finally:
        con.close()
    keys = ("articles", "headlines", "fr_articles", "fr_headlines", "article_bytes", "headline_bytes")
    return dict(zip(keys, row))


class Run:
    """Measurements of one size, and the emitted lines kept for the growth summary."""

    def __init__(self, n: int, workdir: Path, repeat: int, lines: list[dict], workers: int | None = None):
        self.n, self.workdir, self.repeat, self.lines, self.workers = n, workdir, repeat, lines, workers
        self.db = workdir / "bench.duckdb"

    def emit(self, stage: str, timing: dict, *, items: int | None = None, mb: float | None = None,
             db: Path | None = None, **extra) -> dict:
        seconds, db = timing["seconds"], db or self.db
        line = emit(stage=stage, n=self.n, seconds=seconds, items_per_s=items / seconds if items else None,
                    mb_per_s=mb / seconds if mb else None, peak_rss_mb=timing.get("peak_rss_mb"),
                    peak_tree_rss_mb=timing.get("peak_tree_rss_mb"), cpu_seconds=timing.get("cpu_seconds"),
                    db_mb=db_mb(db) if db.exists() else None,
                    load_avg_1min=timing.get("load_avg_1min"), **extra)
        self.lines.append(line)
        return line


def bench_size(n: int, *, groups: tuple[str, ...], repeat: int, spacy_n: int, workdir: Path,
               lines: list[dict], workers: int | None = None, archive_copies: int = 0) -> None:
    from bench.generate import pages_folder

    run = Run(n, workdir, repeat, lines, workers)
    started = time.perf_counter()
    folder = pages_folder(n)
    emit(stage="generate_pages", n=n, seconds=time.perf_counter() - started, folder=str(folder), note="cached if ~0 s")
    timing, _ = measure([*PRESSWATCH, "--db", str(run.db), "load", str(folder), "--no-progress"])
    counts = corpus_counts(run.db)
    run.emit("load", timing, items=n, mb=folder_bytes(folder) / 1e6, unit="pages",
             articles=counts["articles"], headlines=counts["headlines"])
    if "spark" in groups:
        _copy_db(run.db, workdir / "loaded.duckdb")
    steps = [("export", bench_export), ("enrich", bench_enrich), ("frequencies", bench_frequencies),
             ("report", bench_report), ("queries", bench_queries), ("search", bench_search)]
    for group, step in steps:
        if group in groups:
            _guarded(run, group, lambda: step(run, counts, groups=groups, spacy_n=spacy_n))
    if archive_copies > 1 and {"enrich", "frequencies"} <= set(groups):
        _guarded(run, "frequencies", lambda: bench_archive_standin(run, archive_copies))
    if "spark" in groups:
        from bench.suite_spark import bench_spark

        _guarded(run, "spark", lambda: bench_spark(run, workdir / "loaded.duckdb", counts))


def _guarded(run: Run, group: str, step) -> None:
    """A failing stage (a bug elsewhere, a missing Java) is reported as a line; the suite goes on."""
    try:
        step()
    except Exception as exc:  # noqa: BLE001 - reported, not hidden
        emit(stage=f"{group}.failed", n=run.n, error=str(exc).strip().splitlines()[-1][:300] if str(exc).strip() else repr(exc))


def bench_export(run: Run, counts: dict, **_) -> None:
    from bench.generate import export_file

    path = export_file(run.n)
    export_db = run.workdir / "export.duckdb"
    timing, _ = measure([*PRESSWATCH, "--db", str(export_db), "load", str(path), "--no-progress"])
    run.emit("load_export", timing, items=run.n, mb=path.stat().st_size / 1e6, unit="records (parquet)",
             export_db_mb=db_mb(export_db))
    export_db.unlink()


def bench_enrich(run: Run, counts: dict, *, groups, spacy_n: int) -> None:
    from analysis.enrich import STAGES

    docs = counts["articles"] + counts["headlines"]
    text_mb = (counts["article_bytes"] + counts["headline_bytes"]) / 1e6
    total = {"seconds": 0.0, "cpu_seconds": 0.0, "peak_rss_mb": 0.0, "peak_tree_rss_mb": 0.0}
    entities = dict(total)
    for stage in STAGES:
        timing, result = measure(child("enrich", str(run.db), "--stage", stage,
                                       *(["--workers", str(run.workers)] if run.workers else [])))
        run.emit(f"enrich.{stage}", timing, items=docs, mb=text_mb, unit="articles + headlines",
                 mode="registry" if stage == "entities" else None, workers=result.get("workers"),
                 counts=result.get("counts"))
        total = {k: (max if k.startswith("peak") else sum)([total[k], timing[k] or 0.0]) for k in total}
        if stage == "entities":
            entities = timing
    run.emit("enrich.registry_path", {**total, "load_avg_1min": round(os.getloadavg()[0], 2)}, items=docs,
             mb=text_mb, unit="articles + headlines", stages=list(STAGES))
    bench_default_path(run, docs, text_mb, total, entities)
    if "spacy" in groups:
        bench_spacy(run, counts, total, spacy_n)


def bench_default_path(run: Run, docs: int, text_mb: float, registry_total: dict, registry_entities: dict) -> None:
    """The entities stage as `presswatch enrich` runs it by default (recognisers on a bounded
    sample, learned names matched everywhere), measured; and the default enrich path: the
    registry path with that entities stage in place of the registry-only one."""
    timing, result = measure(child("enrich", str(run.db), "--stage", "entities", "--default",
                                   *(["--workers", str(run.workers)] if run.workers else [])))
    run.emit("enrich.entities_default", timing, items=docs, mb=text_mb, unit="articles + headlines",
             workers=result.get("workers"), counts=result.get("counts"), methods=result.get("methods"),
             recognised=result.get("recognised"), ner_sample=result.get("ner_sample"))
    # The frequencies measured next read the rollups, which this entities run made stale.
    measure(child("enrich", str(run.db), "--stage", "rollups"))
    path = {k: (max if k.startswith("peak") else sum)([registry_total[k], timing[k] or 0.0])
            - (0.0 if k.startswith("peak") else registry_entities[k] or 0.0) for k in registry_total}
    run.emit("enrich.default_path", {**path, "load_avg_1min": round(os.getloadavg()[0], 2)}, items=docs,
             mb=text_mb, unit="articles + headlines",
             how="enrich.registry_path with enrich.entities_default in place of enrich.entities")


def bench_frequencies(run: Run, counts: dict, **_) -> None:
    """Each frequency as analysts get it (from the rollups the enrich stage built) and, as
    ``<name>_raw``, computed from the raw tables (analysis.rollups.bypassed). Every headline's
    lifespan (analysis.volume) reads the headlines table alone: measured once."""
    pairs = [*itertools.product(("entities_week", "topics_week"), (False, True)), ("headline_lifespans", False)]
    for name, raw in pairs:
        timing, result = measure(child("frequencies", str(run.db), "--name", name, "--repeat", str(run.repeat),
                                       *(["--raw"] if raw else [])))
        run.emit(f"frequencies.{name}{'_raw' if raw else ''}", {**timing, "seconds": result["median_s"]},
                 items=counts["articles"], unit="articles in the database", rows=result["rows"],
                 first_run_s=result["first_s"], process_s=timing["seconds"], rollups=result["rollups"])


def bench_archive_standin(run: Run, copies: int) -> None:
    """The frequencies at archive scale: bench.standin.archive's ``copies``-times copy of the
    enriched database, its rollups built by the rollups stage, then ``bench_frequencies``'
    measurements on it (lines marked ``standin_copies``)."""
    from bench import standin

    target = run.workdir / f"archive-x{copies}.duckdb"
    started = time.perf_counter()
    standin.archive(run.db, target, copies)
    copied = time.perf_counter() - started
    timing, _ = measure([*PRESSWATCH, "--db", str(target), "enrich", "--stage", "rollups", "--no-progress"])
    counts = corpus_counts(target)
    emit(stage="standin.archive", n=run.n * copies, seconds=copied, rollups_seconds=timing["seconds"],
         rollups_cpu_seconds=timing["cpu_seconds"], standin_copies=copies, **counts)
    for name in ("entities_week", "topics_week", "headline_lifespans"):
        timing, result = measure(child("frequencies", str(target), "--name", name, "--repeat", str(run.repeat)))
        emit(stage=f"frequencies.{name}", n=run.n * copies, seconds=result["median_s"], rows=result["rows"],
             first_run_s=result["first_s"], process_s=timing["seconds"], rollups=result["rollups"],
             articles=counts["articles"], standin_copies=copies, load_avg_1min=round(os.getloadavg()[0], 2))
    bench_rollups_update(run.db, target, copies)
    target.unlink()


# Shares of the days changed to time an update against a rebuild (analysis.rollups.REBUILD_SHARE).
TOUCHED_SHARES = (0.1, 0.3, 0.5)


def bench_rollups_update(source: Path, target: Path, copies: int, *, share: float = 0.01) -> None:
    """The rollups stage after a scheduled load: ``share`` more articles, on new days, added to
    the archive stand-in ``target`` (bench.standin.extend) and its rollups updated
    (``rollups.update``), then rebuilt whole on the same database (``rollups.rebuild``); then
    updates after re-scoring the topics of growing shares of the days (``rollups.update_touched``),
    which tell where a rebuild gets cheaper."""
    from bench import standin

    added = standin.extend(source, target, copy=copies, share=share)
    n = corpus_counts(target)["articles"]
    runs = [("rollups.update", ()), ("rollups.rebuild", ("--rebuild",)),
            *(("rollups.update_touched", ("--touch", str(x))) for x in TOUCHED_SHARES)]
    for stage, extra in runs:
        timing, result = measure(child("rollups", str(target), *extra))
        counts = result["counts"]
        emit(stage=stage, n=n, seconds=round(result["seconds"], 3), process_s=timing["seconds"],
             cpu_seconds=timing["cpu_seconds"], peak_rss_mb=timing["peak_rss_mb"], load_avg_1min=timing["load_avg_1min"],
             mode=counts["mode"], days_recomputed=counts["days_recomputed"], days=counts["days"],
             headlines_recomputed=counts["headlines_recomputed"], headlines=counts["headlines"],
             added_articles=added["articles"] if stage == "rollups.update" else None, standin_copies=copies,
             touched_share=float(extra[1]) if stage == "rollups.update_touched" else None)


def bench_queries(run: Run, counts: dict, **_) -> None:
    for name, raw in [(name, False) for name in QUERIES] + [(name, True) for name in RAW_QUERIES]:
        timing, result = measure(child("query", str(run.db), "--name", name, "--repeat", str(run.repeat),
                                       *(["--raw"] if raw else [])))
        run.emit(f"query.{name}{'_raw' if raw else ''}", {**timing, "seconds": result["median_s"]},
                 items=counts["articles"], unit="articles in the database", rows=result["rows"],
                 first_run_s=result["first_s"], process_s=timing["seconds"], rollups=result["rollups"])


def bench_search(run: Run, counts: dict, **_) -> None:
    """The search index built beside the enriched database, then per query (bench.search) the
    median of its ranked matches plus its weekly attention series; the summary line is the
    slowest query's."""
    _, _, rss, tree, out = run_measured([sys.executable, "-m", "bench.search", "--db", str(run.db),
                                         "--repeat", str(max(run.repeat, 5))])
    lines = [json.loads(x) for x in out.splitlines() if x.startswith("{")]
    build = next(x for x in lines if x["stage"] == "search.index_build")
    run.emit("search.index_build", {"seconds": build["seconds"], "cpu_seconds": build["cpu_seconds"], "peak_rss_mb": rss,
                                    "peak_tree_rss_mb": tree, "load_avg_1min": build["load_average"]},
             items=build["n"], mb=build["text_mb"] * 2**20 / 1e6, unit="articles",
             articles_per_cpu_s=build["articles_per_cpu_s"], index_mb=build["index_mb"],
             index_share_of_text=build["index_share_of_text"], builds_seconds=build["builds_seconds"])
    queries = [x for x in lines if x["stage"] == "search.query"]
    for line in queries:
        emit(**line)
    for line in lines:
        if line["stage"] == "search.keyness":  # a row of the suite's table: n counts pages there
            emit(**{**line, "n": run.n, "articles": line["n"]})
    slowest = max(queries, key=lambda x: x["matches_and_attention_ms"])
    run.emit("search.matches_and_attention", {"seconds": slowest["matches_and_attention_ms"] / 1000,
                                              "load_avg_1min": slowest["load_average"]},
             articles=counts["articles"], slowest_query=slowest["query"],
             per_query_ms={x["query"]: x["matches_and_attention_ms"] for x in queries})


def bench_search_standin(n: int, copies: int, repeat: int) -> None:
    """Search at archive scale without hours of loading and enriching: bench.search on
    bench.standin's ``copies``-times copy of its N-article database (index build, then every
    query); the summary line is the slowest query's."""
    # one build: at archive scale a build takes minutes
    _, _, rss, _, out = run_measured([sys.executable, "-m", "bench.search", "--n", str(n), "--copies", str(copies),
                                      "--builds", "1", "--repeat", str(max(repeat, 5))])
    lines = [json.loads(x) for x in out.splitlines() if x.startswith("{")]
    for line in lines:
        if "seconds" in line:  # a row of the suite's table: n counts pages there, as for the sizes
            line = {**line, "n": n * copies, "articles": line["n"], "items_per_s": line.get("articles_per_s")}
        emit(**line, standin_copies=copies)
    queries = [x for x in lines if x["stage"] == "search.query"]
    slowest = max(queries, key=lambda x: x["matches_and_attention_ms"])
    emit(stage="search.matches_and_attention", n=n * copies, articles=slowest["n"],
         seconds=slowest["matches_and_attention_ms"] / 1000,
         slowest_query=slowest["query"], per_query_ms={x["query"]: x["matches_and_attention_ms"] for x in queries},
         standin_copies=copies, peak_rss_mb=rss, load_avg_1min=slowest["load_average"])


def bench_spacy(run: Run, counts: dict, registry_total: dict, spacy_n: int) -> None:
    """The full path (spaCy NER on French text) measured on a subsample and extrapolated."""
    timing, r = measure(child("spacy", str(run.db), "--n", str(spacy_n)))
    extra_per_article = (r["combined_article_s"] - r["registry_article_s"]) / max(r["articles"], 1)
    extra_per_headline = (r["combined_headline_s"] - r["registry_headline_s"]) / max(r["headlines"], 1)
    extra = counts["fr_articles"] * extra_per_article + counts["fr_headlines"] * extra_per_headline
    seconds = registry_total["seconds"] + extra
    run.emit("enrich.full_path_extrapolated", {**timing, "seconds": seconds}, items=counts["articles"] + counts["headlines"],
             extrapolated=True, sample_articles=r["articles"], sample_headlines=r["headlines"],
             spacy_articles_per_s=r["articles"] / r["combined_article_s"] if r["combined_article_s"] else None,
             french_articles=counts["fr_articles"], french_headlines=counts["fr_headlines"],
             how="registry path measured + French articles/headlines x (combined - registry) seconds per document "
                 "on the sample; peak_rss_mb is the sample process's")


def bench_report(run: Run, counts: dict, **_) -> None:
    times, cpu, rss, tree, output = [], [], [], [], ""
    for _ in range(run.repeat):
        out = Path(tempfile.mkdtemp(prefix="pw-suite-report-"))
        try:
            timing, _ = measure([*PRESSWATCH, "--db", str(run.db), "report", "--latest", "--out", str(out)])
            output = next(out.rglob("index.html"), None)
        finally:
            shutil.rmtree(out, ignore_errors=True)
        times.append(timing["seconds"])
        cpu.append(timing["cpu_seconds"])
        rss.append(timing["peak_rss_mb"])
        tree.append(timing["peak_tree_rss_mb"])
    run.emit("report.week_latest", {"seconds": statistics.median(times), "cpu_seconds": statistics.median(cpu),
                                     "peak_rss_mb": max(rss), "peak_tree_rss_mb": max(tree, key=lambda v: v or 0),
                                     "load_avg_1min": round(os.getloadavg()[0], 2)},
             items=counts["articles"], unit="articles in the database", runs=len(times), wrote_html=output is not None)


def growth(lines: list[dict]) -> None:
    """How time and memory grow from the smallest to the largest N, per stage."""
    by_stage: dict[str, dict[int, dict]] = {}
    for line in lines:
        by_stage.setdefault(line["stage"], {})[line["n"]] = line
    for stage, sizes in by_stage.items():
        if len(sizes) < 2:
            continue
        ns = sorted(sizes)
        seconds = [sizes[k]["seconds"] for k in ns]
        rss = [sizes[k].get("peak_rss_mb") for k in ns]
        tree = [sizes[k].get("peak_tree_rss_mb") for k in ns]
        emit(stage="growth", of=stage, n=ns, seconds=seconds,
             time_exponent=_exponent(ns[0], ns[-1], seconds[0], seconds[-1]), step_exponents=_steps(ns, seconds),
             seconds_per_1k=[round(1000 * sizes[k]["seconds"] / k, 4) for k in ns], peak_rss_mb=rss,
             peak_tree_rss_mb=tree if any(tree) else None,
             rss_ratio=round(rss[-1] / rss[0], 2) if rss[0] and rss[-1] else None,
             cpu_seconds=[sizes[k].get("cpu_seconds") for k in ns])


def _exponent(n0: int, n1: int, t0: float, t1: float) -> float | None:
    """log(t1/t0) / log(n1/n0): 1 when time grows like N, below 1 sub-linear."""
    return math.log(t1 / t0) / math.log(n1 / n0) if t0 and t1 else None


def _steps(ns: list[int], seconds: list[float]) -> list[float | None]:
    """Time exponent between each pair of consecutive sizes (2 decimals)."""
    steps = (_exponent(n0, n1, t0, t1) for n0, n1, t0, t1 in zip(ns, ns[1:], seconds, seconds[1:]))
    return [None if e is None else round(e, 2) for e in steps]


def _cell(c: dict) -> str:
    """Wall (CPU) · items/s · peak RSS · load average; a figure the line lacks is left out, not
    shown as 0 (lines measured outside the suite, e.g. under /usr/bin/time, have no load average)."""
    cpu = f" (CPU {c['cpu_seconds']:,.3g})" if c.get("cpu_seconds") is not None else ""
    parts = [f"{c['seconds']:,.3g} s{cpu}"]
    if c.get("items_per_s") is not None:
        parts.append(f"{c['items_per_s']:,.0f}/s")
    if c.get("peak_rss_mb") is not None:
        tree = c.get("peak_tree_rss_mb")
        together = f" (all processes {tree:,.0f} MB)" if tree and tree > c["peak_rss_mb"] + 0.5 else ""
        parts.append(f"{c['peak_rss_mb']:,.0f} MB{together}")
    if c.get("load_avg_1min") is not None:
        parts.append(f"load {c['load_avg_1min']:.1f}")
    return " · ".join(parts)


def table(path: Path) -> str:
    """A Markdown table of a saved run (its JSON lines): per stage and size, wall seconds (CPU
    seconds), items/s, peak RSS and load average; and the growth from the smallest to the largest size."""
    lines = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.startswith("{")]
    sizes = sorted({x["n"] for x in lines if isinstance(x.get("n"), int) and "seconds" in x})
    stages = list(dict.fromkeys(x["stage"] for x in lines if x.get("n") in sizes and "seconds" in x
                                and not x["stage"].startswith("generate")))
    growths = {x["of"]: x for x in lines if x["stage"] == "growth"}
    cells = {(x["stage"], x["n"]): x for x in lines if x.get("n") in sizes}
    head = " | ".join(f"N = {n:,}" for n in sizes)
    steps = " · ".join(f"{a:,}→{b:,}" for a, b in zip(sizes, sizes[1:]))
    out = [f"| stage | {head} | time exponent {steps} | RSS ratio |", "|---" * (len(sizes) + 3) + "|"]
    for stage in stages:
        row = []
        for n in sizes:
            c = cells.get((stage, n))
            row.append("" if c is None else _cell(c))
        g = growths.get(stage, {})
        measured = [n for n in sizes if (stage, n) in cells]
        exponent = " · ".join("—" if e is None else f"{e:.2f}"
                              for e in _steps(measured, [cells[(stage, n)]["seconds"] for n in measured]))
        out.append(f"| {stage} | {' | '.join(row)} | {exponent} | {g.get('rss_ratio') or ''} |")
    return "\n".join(out)


def _copy_db(source: Path, target: Path) -> None:
    shutil.copyfile(source, target)
    if Path(f"{source}.wal").exists():
        shutil.copyfile(f"{source}.wal", f"{target}.wal")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000], help="pages per size")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the quick stages (median reported)")
    parser.add_argument("--spacy-n", type=int, default=200, help="French articles (and as many headlines) in the spaCy sample")
    parser.add_argument("--only", nargs="+", choices=GROUPS, help="stage groups to run (load always runs)")
    parser.add_argument("--spark", action="store_true", help="also measure the Spark engine (local[2]) against the local one")
    parser.add_argument("--keep", action="store_true", help="keep the databases (in $PRESSWATCH_BENCH_DIR/suite-N)")
    parser.add_argument("--table", type=Path, help="print a Markdown table of a saved run (JSON lines) and exit")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--stage", help=argparse.SUPPRESS)
    parser.add_argument("--default", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, help="processes for the enrichment stages (default: all cores)")
    parser.add_argument("--archive-copies", type=int, default=10,
                        help="also measure the frequencies on a stand-in this many times the largest size's "
                             "enriched database (bench.standin; 0 to skip)")
    parser.add_argument("--search-copies", type=int, default=10,
                        help="also measure search on a stand-in this many times the search database of the "
                             "largest size (bench.standin; 0 to skip)")
    parser.add_argument("--name", help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--raw", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--rebuild", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--touch", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        from bench.suite_children import run_child

        print(json.dumps(run_child(args.child, args), default=str), flush=True)
        return
    if args.table:
        print(table(args.table))
        return
    groups = tuple(args.only) if args.only else DEFAULT_GROUPS
    if args.spark and "spark" not in groups:
        groups = (*groups, "spark")
    CACHE.mkdir(parents=True, exist_ok=True)
    emit(stage="machine", n=None, cores=os.cpu_count(), python=sys.version.split()[0],
         load_avg_1min=round(os.getloadavg()[0], 2), memory_gb=_memory_gb(), cache=str(CACHE))
    lines: list[dict] = []
    for n in sorted(args.sizes):
        workdir = CACHE / f"suite-{n}"
        shutil.rmtree(workdir, ignore_errors=True)
        workdir.mkdir(parents=True)
        try:
            bench_size(n, groups=groups, repeat=args.repeat, spacy_n=args.spacy_n, workdir=workdir, lines=lines,
                       workers=args.workers, archive_copies=args.archive_copies if n == max(args.sizes) else 0)
        finally:
            if not args.keep:
                shutil.rmtree(workdir, ignore_errors=True)
    growth(lines)
    if "search" in groups and args.search_copies > 1:
        bench_search_standin(max(args.sizes), args.search_copies, args.repeat)


def _memory_gb() -> float | None:
    try:
        return round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError):
        return None


if __name__ == "__main__":
    main()
