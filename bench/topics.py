"""Topics benchmark: taxonomy scoring speed, discovery fit at 100k articles, frequencies at 1M.

    python -m bench.topics                       # every stage, each in its own process
    python -m bench.topics --stage scoring --n 20000
    python -m bench.topics --stage discovery --n 100000
    python -m bench.topics --stage frequencies --n 1000000 --repeat 5

Stages (one JSON line per measurement, medians over --repeat runs where it applies):
- scoring: taxonomy scores + primary topic of real corpus articles (ANT ar, WiNER fr,
  Wikinews en) cycled to N, single process; the taxonomy load is reported on its own line.
- discovery: N Arabic articles generated from the real ANT articles (each mixes the
  paragraphs of two articles of the same category, drops 10% of words at random, seeded),
  then features (lemma keys) and the TF-IDF + NMF fit of analysis.topics.discovery.
- fit_sample: purity and NMI of the discovery topics against ANT's sections when the model is
  fitted on a share of the articles (1/5, 1/3, 1/2, all) and the rest projected, one line per
  share with --repeat seeds: is a fit sample smaller than the archive enough?
- frequencies: N synthetic articles with primary topics and stories generated inside DuckDB,
  then topic_frequencies by week, by week and outlet, and topic_top.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import CORPUS, emit, self_peak_rss_mb

STAGES = ("scoring", "discovery", "fit_sample", "frequencies")
DEFAULT_N = {"scoring": 20_000, "discovery": 100_000, "fit_sample": 0, "frequencies": 1_000_000}


def corpus_articles() -> list[tuple[str, str, str, str]]:
    """(title, body, lang, category) of the real corpus articles (ANT, WiNER-fr, Wikinews-en)."""
    import csv
    import json

    from analysis.topics.evaluate import read_gold

    out = [(d.title, d.body, "ar", d.category) for d in read_gold([CORPUS / "ant-jawhara"])]
    with open(CORPUS / "winer-fr" / "winer_fr_2016_2017.jsonl", encoding="utf-8") as fh:
        out += [(r["title"], r["text"], "fr", "") for r in map(json.loads, fh)]
    with open(CORPUS / "wikinews-en" / "wikinews_2019.csv", encoding="utf-8", newline="") as fh:
        out += [(r["title"], r["text"], "en", "") for r in csv.DictReader(fh)]
    return out


def bench_scoring(n: int, repeat: int) -> None:
    from analysis.topics import taxonomy

    start = time.perf_counter()
    tax = taxonomy.load_taxonomy()
    emit(stage="topics.taxonomy_load", n=len(tax.topic_ids), seconds=time.perf_counter() - start,
         items_per_s=None, peak_rss_mb=self_peak_rss_mb())
    docs = corpus_articles()
    sample = [docs[i % len(docs)] for i in range(n)]
    for title, body, lang, _ in docs:  # warm the word caches once, as a long run would be
        taxonomy.score_text(tax, title=title, body=body, lang=lang)
    times, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        primary = sum(taxonomy.score_text(tax, title=t, body=b, lang=lg).primary is not None for t, b, lg, _ in sample)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    seconds, cpu_seconds = statistics.median(times), statistics.median(cpu)
    mb = sum(len(t) + len(b) for t, b, _, _ in sample) / 1e6
    # CPU time says "per core" even when other processes share the machine.
    emit(stage="topics.taxonomy_scoring", n=n, seconds=seconds, items_per_s=n / seconds, mb_per_s=mb / seconds,
         cpu_seconds=cpu_seconds, items_per_cpu_s=n / cpu_seconds, with_primary=primary,
         peak_rss_mb=self_peak_rss_mb())
    headlines = [(t, lg) for t, _, lg, _ in docs if t][:5000]
    start = time.perf_counter()
    for title, lang in headlines:
        taxonomy.score_text(tax, title=title, body=None, lang=lang, kind="headline")
    seconds = time.perf_counter() - start
    emit(stage="topics.headline_scoring", n=len(headlines), seconds=seconds, items_per_s=len(headlines) / seconds,
         peak_rss_mb=self_peak_rss_mb())


def generated_arabic(n: int, *, seed: int = 0) -> list[tuple[str, str]]:
    """N Arabic articles mixing real ANT articles of one category, with 10% word dropout."""
    rng = random.Random(seed)
    by_cat: dict[str, list[tuple[str, str]]] = {}
    for title, body, lang, cat in corpus_articles():
        if lang == "ar" and body:
            by_cat.setdefault(cat, []).append((title, body))
    cats = sorted(by_cat)
    weights = [len(by_cat[c]) for c in cats]
    out = []
    for _ in range(n):
        pool = by_cat[rng.choices(cats, weights)[0]]
        (t1, b1), (_, b2) = rng.choice(pool), rng.choice(pool)
        paragraphs = b1.split("\n") + b2.split("\n")[1:]
        words = " ".join(paragraphs).split()
        body = " ".join(w for w in words if rng.random() > 0.1)
        out.append((t1, body))
    return out


def bench_discovery(n: int, repeat: int) -> None:
    from analysis.topics import discovery

    docs = generated_arabic(n)
    discovery.features("", "تحضير", "ar")  # stop words and caches loaded outside the timing
    start, start_cpu = time.perf_counter(), time.process_time()
    feats = [discovery.features(t, b, "ar") for t, b in docs]
    seconds_features, cpu_features = time.perf_counter() - start, time.process_time() - start_cpu
    emit(stage="topics.discovery_features", n=n, seconds=seconds_features, items_per_s=n / seconds_features,
         cpu_seconds=cpu_features, items_per_cpu_s=n / cpu_features, peak_rss_mb=self_peak_rss_mb())
    times, cpu = [], []
    for _ in range(repeat):
        start_cpu = time.process_time()
        model = discovery.fit(feats, "ar")
        times.append(model.seconds)
        cpu.append(time.process_time() - start_cpu)
    seconds = statistics.median(times)
    emit(stage="topics.discovery_fit", n=n, seconds=seconds, items_per_s=n / seconds, method=model.method,
         cpu_seconds=statistics.median(cpu),
         n_topics=model.n_topics, n_terms=len(model.keys), n_iter=model.params["n_iter"],
         features_plus_fit_s=round(seconds_features + seconds, 3),
         features_plus_fit_cpu_s=round(cpu_features + statistics.median(cpu), 3), peak_rss_mb=self_peak_rss_mb())


def bench_fit_sample(_n: int, repeat: int) -> None:
    import random

    from analysis.topics import discovery as disc

    ant = [row for row in corpus_articles() if row[2] == "ar"]
    labels = [row[3] for row in ant]
    feats = [disc.features(title, body, "ar") for title, body, _, _ in ant]
    for share in (0.2, 1 / 3, 0.5, 1.0):
        scores = []
        for seed in range(repeat):
            fitted = random.Random(seed).sample(range(len(ant)), round(len(ant) * share))
            model = disc.fit([feats[i] for i in fitted], "ar", seed=seed)
            scores.append(disc.purity(disc.transform(model, feats).argmax(axis=1).tolist(), labels))
        emit(stage="topics.fit_sample", n=len(ant), fit_share=share, n_fit=len(fitted), n_topics=model.n_topics,
             purity=[s["purity"] for s in scores], nmi=[s["nmi"] for s in scores],
             median_purity=statistics.median(s["purity"] for s in scores),
             median_nmi=statistics.median(s["nmi"] for s in scores))


def synthetic_database(path: Path, n: int) -> None:
    """N articles over three years, 12 outlets, 4 languages; primary + secondary topics; stories."""
    import analysis
    from analysis.topics import stage, taxonomy

    con = analysis.connect(path)
    stage.sync_taxonomy(con, taxonomy.load_taxonomy())
    con.execute("""
        INSERT INTO articles (article_id, document_id, outlet, body, lang, published_date, date_raw, content_sha256)
        SELECT i, i, 'outlet ' || (i % 12), 'x', ['fr', 'ar', 'en', 'es'][1 + (i % 4)::INT],
               DATE '2023-01-01' + CAST((i * 7919) % 1095 AS INTEGER), 'raw', repeat('a', 64)
        FROM range(1, $n + 1) t(i)""", {"n": n})
    con.execute("""
        INSERT INTO article_topics
        SELECT a.article_id, t.topic_id, 5.0, true FROM articles a
        JOIN (SELECT topic_id, position FROM topics WHERE source = 'taxonomy') t
          ON t.position = (a.article_id * 31) % 23
        WHERE a.article_id % 10 <> 0""")
    con.execute("""
        INSERT INTO article_topics
        SELECT a.article_id, t.topic_id, 1.5, false FROM articles a
        JOIN (SELECT topic_id, position FROM topics WHERE source = 'taxonomy') t
          ON t.position = (a.article_id * 17 + 5) % 23
        WHERE a.article_id % 3 = 0 AND (a.article_id * 17 + 5) % 23 <> (a.article_id * 31) % 23""")
    if stage_table_exists(con, "article_stories"):
        # every fifth article repeats the story of the article before it
        con.execute("""INSERT INTO article_stories
                       SELECT article_id, CASE WHEN article_id % 5 = 0 THEN article_id - 1 ELSE article_id END, 1.0
                       FROM articles""")
    con.execute("CHECKPOINT")
    con.close()


def stage_table_exists(con, name: str) -> bool:
    from analysis.trends import has_table

    return has_table(con, name)


def bench_frequencies(n: int, repeat: int) -> None:
    import analysis
    from analysis.topics.frequencies import topic_frequencies, topic_top

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "freq.duckdb"
        start = time.perf_counter()
        synthetic_database(path, n)
        emit(stage="topics.frequencies_setup", n=n, seconds=time.perf_counter() - start, items_per_s=None,
             peak_rss_mb=self_peak_rss_mb())
        con = analysis.connect(path, read_only=True)
        cases = {
            "topics.frequencies_week": lambda: topic_frequencies(con, freq="week"),
            "topics.frequencies_week_by_outlet": lambda: topic_frequencies(con, freq="week", by="outlet"),
            "topics.frequencies_month_placements": lambda: topic_frequencies(con, freq="month", unit="placements"),
            "topics.top": lambda: topic_top(con),
        }
        for name, call in cases.items():
            call()  # warm DuckDB's caches once
            times, cpu, rows = [], [], 0
            for _ in range(repeat):
                start, start_cpu = time.perf_counter(), time.process_time()
                rows = len(call())
                times.append(time.perf_counter() - start)
                cpu.append(time.process_time() - start_cpu)
            seconds = statistics.median(times)
            emit(stage=name, n=n, seconds=seconds, items_per_s=n / seconds, rows=rows,
                 cpu_seconds=statistics.median(cpu), peak_rss_mb=self_peak_rss_mb())
        con.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage", choices=STAGES)
    parser.add_argument("--n", type=int)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    if args.stage is None:
        for stage in STAGES:  # one process per stage: its peak RSS is its own
            cmd = [sys.executable, "-m", "bench.topics", "--stage", stage, "--repeat", str(args.repeat)]
            if args.n:
                cmd += ["--n", str(args.n)]
            subprocess.run(cmd, check=True)
        return
    n = args.n or DEFAULT_N[args.stage]
    run = {"scoring": bench_scoring, "discovery": bench_discovery, "fit_sample": bench_fit_sample,
           "frequencies": bench_frequencies}[args.stage]
    run(n, args.repeat)


if __name__ == "__main__":
    main()
