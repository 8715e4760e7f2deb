"""Benchmark of story detection: build over N generated articles, add 10k, headlines.

    python -m bench.stories                 # N = 100,000 articles, then +10,000 (~3 min)
    python -m bench.stories --n 1000000     # the 1M target (opt-in: ~17 min, 10 of them generating)
    python -m bench.stories --db /tmp/b.duckdb --reuse   # measure again on kept data

Prints one JSON line per measurement. Each measurement runs in a fresh child process, so
``peak_rss_mb`` is the peak of that stage alone (generation is not counted).

Generated articles: word bigram Markov chains trained on the corpus bodies (Arabic,
French, English; 55/40/5 %), lengths drawn from the corpus, dated over three years. A
third of them are placements of an earlier article: an exact copy under another outlet,
a copy with an agency header, or a truncated copy, one to two days later. The 10k added
articles follow the same recipe, their copies pointing at already indexed articles.
Headlines: 6-16 generated words; a third re-edit an earlier one (a word becomes a number).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.common import CORPUS, ROOT, emit, run_measured

LANGS = {"ar": 0.55, "fr": 0.40, "en": 0.05}
OUTLETS = ["Hespress", "Le360", "Le Matin", "Assabah", "El Watan", "Liberté", "Kapitalis", "La Presse",
           "Mosaique FM", "Echorouk", "TSA", "Al Massae", "MAP", "TAP", "APS"]
HEADERS = ["RABAT (MAP) - ", "Tunis (TAP) - ", "Alger (APS) - ", "تونس (وات) - ", "الرباط (ومع) - "]
COPY_SHARE = 1 / 3


class Chains:
    """Per-language bigram chains: successors of each word, sampled by frequency."""

    def __init__(self, seed: int = 1):
        from analysis.stories.corpus import read_articles

        self.rng = np.random.default_rng(seed)
        arts = read_articles(CORPUS)
        self.models, self.lengths = {}, {}
        for lang in LANGS:
            bodies = arts.filter(arts["lang"] == lang)["body"].to_list()
            words = " ".join(bodies).split()
            vocab, ids = np.unique(np.array(words, dtype=object), return_inverse=True)
            order = np.argsort(ids[:-1], kind="stable")
            succ = ids[1:][order]
            starts = np.searchsorted(ids[:-1][order], np.arange(vocab.size + 1))
            self.models[lang] = (vocab, succ, starts)
            self.lengths[lang] = np.array([len(b.split()) for b in bodies if len(b.split()) >= 20])

    def bodies(self, lang: str, n: int) -> list[str]:
        vocab, succ, starts = self.models[lang]
        lengths = self.rng.choice(self.lengths[lang], size=n)
        longest = int(lengths.max())
        out = np.empty((n, longest), np.int64)
        cur = self.rng.integers(0, vocab.size, size=n)
        for t in range(longest):
            out[:, t] = cur
            count = starts[cur + 1] - starts[cur]
            jump = count == 0
            pick = starts[cur] + (self.rng.random(n) * np.maximum(count, 1)).astype(np.int64)
            cur = np.where(jump, self.rng.integers(0, vocab.size, size=n), succ[np.minimum(pick, succ.size - 1)])
        return [" ".join(vocab[row[:k]]) for row, k in zip(out, lengths)]


def _copy(rng, body: str) -> str:
    kind = rng.integers(3)
    if kind == 0:
        return body
    if kind == 1:
        return HEADERS[rng.integers(len(HEADERS))] + body
    words = body.split()
    return " ".join(words[: max(12, int(len(words) * rng.uniform(0.6, 0.9)))]) + " ..."


def generate(chains: Chains, n: int, *, first_id: int, pool: dict | None = None) -> tuple[list[dict], dict]:
    """n article rows; about a third copy an earlier article (of this call or of ``pool``)."""
    rng = chains.rng
    pool = pool or {"body": [], "day": [], "lang": []}
    n_copies = int(n * COPY_SHARE)
    n_new = n - n_copies
    langs = rng.choice(list(LANGS), size=n_new, p=list(LANGS.values()))
    rows = []
    for lang in LANGS:
        count = int((langs == lang).sum())
        days = rng.integers(0, 3 * 365, size=count)
        for body, day in zip(chains.bodies(lang, count), days):
            rows.append({"body": body, "day": int(day), "lang": lang, "copy": False})
    base = {"body": pool["body"] + [r["body"] for r in rows], "day": pool["day"] + [r["day"] for r in rows],
            "lang": pool["lang"] + [r["lang"] for r in rows]}
    for i in rng.integers(0, len(base["body"]), size=n_copies):
        rows.append({"body": _copy(rng, base["body"][i]), "day": base["day"][i] + int(rng.integers(0, 3)),
                     "lang": base["lang"][i], "copy": True})
    order = rng.permutation(len(rows))
    start = dt.date(2014, 1, 1)
    out = []
    for k, idx in enumerate(order):
        r = rows[idx]
        body = r["body"]
        out.append({"article_id": first_id + k, "document_id": first_id + k, "outlet": OUTLETS[rng.integers(len(OUTLETS))],
                    "title": " ".join(body.split()[:8]), "body": body, "lang": r["lang"],
                    "published_date": start + dt.timedelta(days=r["day"]), "date_raw": "generated",
                    "content_sha256": hashlib.sha256(body.encode()).hexdigest()})
    keep = rng.choice(len(base["body"]), size=min(len(base["body"]), 200_000), replace=False)
    sample = {k: [base[k][i] for i in keep] for k in base}
    return out, sample


def headlines(chains: Chains, n: int) -> list[dict]:
    """n ticker headlines (6-16 words); a third re-edit an earlier one by a word or a number."""
    rng = chains.rng
    fresh = n - n // 3
    langs = rng.choice(list(LANGS), size=fresh, p=list(LANGS.values()))
    texts, days = [], []
    for lang in LANGS:
        count = int((langs == lang).sum())
        texts += [" ".join(b.split()[: int(rng.integers(6, 17))]) for b in chains.bodies(lang, count)]
        days += rng.integers(0, 3 * 365, size=count).tolist()
    for i in rng.integers(0, fresh, size=n - fresh):
        words = texts[i].split()
        words[int(rng.integers(len(words)))] = str(int(rng.integers(2, 500)))
        texts.append(" ".join(words))
        days.append(days[i] + int(rng.integers(0, 2)))
    start = dt.datetime(2023, 1, 1, tzinfo=dt.timezone.utc)
    seen = [start + dt.timedelta(days=d, hours=int(rng.integers(0, 24))) for d in days]
    return [{"headline_id": k + 1, "text": t, "lang": "fr", "first_seen": s, "last_seen": s, "n_sightings": 1}
            for k, (t, s) in enumerate(zip(texts, seen))]


def _insert(con, rows: list[dict], table: str = "articles") -> None:
    import pyarrow as pa

    con.register("_gen", pa.Table.from_pylist(rows))
    con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _gen")
    con.unregister("_gen")


def build(db: Path, n: int, add: int, extra: Path, n_headlines: int) -> None:
    """Write N generated articles into ``db`` and ``add`` more into the parquet ``extra``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    import analysis

    chains = Chains()
    con = analysis.connect(db)
    pool = None
    chunk = 100_000
    for first in range(0, n, chunk):
        rows, pool = generate(chains, min(chunk, n - first), first_id=first + 1, pool=pool)
        con.execute("BEGIN")
        _insert(con, rows)
        con.execute("COMMIT")
    rows, _ = generate(chains, add, first_id=n + 1, pool=pool)
    pq.write_table(pa.Table.from_pylist(rows), extra)
    con.execute("BEGIN")
    # Headline ids are text hashes in the real schema; sequential ones do as well here.
    _insert(con, headlines(chains, n_headlines), table="headlines")
    con.execute("COMMIT")
    con.close()


def _peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def measure(db: Path, stage: str, extra: Path | None) -> dict:
    """Run one stage in this (child) process; returns its timings and counts."""
    import analysis
    from analysis.stories.stage import detect_stories

    con = analysis.connect(db)
    if stage == "add_articles":
        con.execute("BEGIN")
        con.execute("INSERT INTO articles BY NAME SELECT * FROM read_parquet(?)", [str(extra)])
        con.execute("COMMIT")
    start, cpu = time.perf_counter(), time.process_time()
    source = "headlines" if stage == "detect_headlines" else "articles"
    counts = detect_stories(con, source, rebuild=stage != "add_articles")
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    con.close()
    return {"stage": stage, "n": counts["documents"], "seconds": seconds, "cpu_seconds": cpu,
            "linked": counts["linked"], "exact_copies": counts["exact_copies"],
            "candidates": counts["candidates"], "stories": counts["stories"]}


def _forget_added(db: Path, n: int) -> None:
    import analysis

    con = analysis.connect(db)
    con.execute("DELETE FROM articles WHERE article_id > ?", [n])
    con.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100_000, help="articles indexed first")
    parser.add_argument("--add", type=int, default=10_000, help="articles added afterwards")
    parser.add_argument("--db", type=Path, help="database file to keep (default: a temporary one)")
    parser.add_argument("--reuse", action="store_true", help="reuse the articles generated earlier into --db")
    parser.add_argument("--headlines", type=int, default=100_000, help="ticker headlines (distinct texts)")
    parser.add_argument("--measure", choices=["detect_articles", "add_articles", "detect_headlines"],
                        help=argparse.SUPPRESS)
    parser.add_argument("--extra", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.db, args.measure, args.extra)), flush=True)
        return
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or Path(tmp) / "bench.duckdb"
        extra = db.with_suffix(".extra.parquet")
        if args.reuse and db.exists() and extra.exists():
            _forget_added(db, args.n)
        else:
            for stale in (db, extra, Path(f"{db}.wal")):
                stale.unlink(missing_ok=True)
            start = time.perf_counter()
            build(db, args.n, args.add, extra, args.headlines)
            seconds = time.perf_counter() - start
            emit(stage="generate", n=args.n + args.add, seconds=seconds, items_per_s=(args.n + args.add) / seconds,
                 peak_rss_mb=_peak_mb())
        for stage in ("detect_articles", "add_articles", "detect_headlines"):
            _, rss, done = run_measured([sys.executable, "-m", "bench.stories", "--measure", stage, "--db", str(db),
                                         "--extra", str(extra)], cwd=ROOT)
            result = json.loads(done.stdout.strip().splitlines()[-1])
            emit(**{**result, "items_per_s": result["n"] / result["seconds"], "peak_rss_mb": rss})
        emit(stage="database_size", n=args.n + args.add, seconds=0, items_per_s=0, peak_rss_mb=0,
             mb_on_disk=round(db.stat().st_size / 2**20, 1))


if __name__ == "__main__":
    main()
