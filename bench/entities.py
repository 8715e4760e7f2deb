"""Entity extraction speed and memory (one JSON line per measurement).

    python -m bench.entities [--n 100000] [--spacy-n 300] [--repeats 3]

- ``registry``: the Aho–Corasick registry path over the shared corpus (WiNER-fr, Jawhara FM
  Arabic, English Wikinews) repeated to ``--n`` articles, one core;
- ``spacy`` and ``combined``: spaCy NER alone and the combined pipeline on ``--spacy-n`` French
  articles in the same run (NER at ~50-80 articles/s would need half an hour for 100k);
- ``ratio``: registry articles per CPU-second over spaCy's, medians of ``--repeats`` runs (CPU
  time, because the machine is shared and wall time counts other people's work);
- ``enrich``: the whole enrich stage (registry mode, DuckDB writes) on databases of n/4 and n
  articles, with the process RSS after each: memory must not grow with the corpus.
"""

from __future__ import annotations

import argparse
import csv
import glob
import hashlib
import json
import resource
import statistics
import tempfile
import time
from itertools import cycle, islice
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def corpus_articles() -> list[tuple[str, str, str]]:
    """(title, body, lang) of every article of the shared corpus."""
    out = []
    with (CORPUS / "winer-fr" / "winer_fr_2016_2017.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            out.append((row["title"], row["text"], "fr"))
    for path in sorted(glob.glob(str(CORPUS / "ant-jawhara" / "*" / "*.txt"))):
        text = Path(path).read_text(encoding="utf-8")
        title = text.split("<TITLE>", 1)[-1].split("</TITLE>", 1)[0].strip()
        body = text.split("<TEXT>", 1)[-1].split("</TEXT>", 1)[0].strip()
        out.append((title, body, "ar"))
    with (CORPUS / "wikinews-en" / "wikinews_2019.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            out.append((row["title"], row["text"], "en"))
    return out


def emit(**fields) -> None:
    print(json.dumps(fields), flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--spacy-n", type=int, default=300)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--skip-enrich", action="store_true")
    args = ap.parse_args()

    from analysis.entities.matcher import RegistryMatcher
    from analysis.entities.ner import load_nlp
    from analysis.entities.pipeline import Document, extract
    from analysis.entities.registry import load_registry
    from analysis.entities.resolve import Resolver

    registry = load_registry()
    matcher = RegistryMatcher(registry.aliases)
    base = corpus_articles()
    french = [a for a in base if a[2] == "fr"][: args.spacy_n]
    load_nlp()  # loading the model is not part of the per-article cost

    def docs(items):
        return [Document(i, "article", (("title", t), ("body", b)), lang) for i, (t, b, lang) in enumerate(items)]

    # Per-core rates use CPU seconds of this process (time.process_time): on the shared machine the
    # wall clock also counts time other processes held the cores.
    rates = {"registry": [], "spacy": [], "combined": []}
    for _ in range(args.repeats):
        start, cpu0, n, mentions = time.perf_counter(), time.process_time(), 0, 0
        it = iter(cycle(base))
        while n < args.n:
            batch = docs(islice(it, min(2000, args.n - n)))
            mentions += sum(1 for _ in extract(batch, matcher=matcher, resolver=None, mode="registry"))
            n += len(batch)
        secs, cpu = time.perf_counter() - start, time.process_time() - cpu0
        rates["registry"].append(n / cpu)
        emit(stage="registry", n=n, seconds=round(secs, 2), items_per_s=round(n / secs, 1), cpu_seconds=round(cpu, 2),
             items_per_cpu_s=round(n / cpu, 1), mentions=mentions, peak_rss_mb=round(peak_mb(), 1))
        for mode in ("spacy", "combined"):
            resolver = Resolver({}, {}) if mode == "spacy" else Resolver.from_registry(registry)
            start, cpu0 = time.perf_counter(), time.process_time()
            found = sum(1 for _ in extract(docs(french), matcher=matcher, resolver=resolver, mode=mode))
            secs, cpu = time.perf_counter() - start, time.process_time() - cpu0
            rates[mode].append(len(french) / cpu)
            emit(stage=mode, n=len(french), seconds=round(secs, 2), items_per_s=round(len(french) / secs, 1),
                 cpu_seconds=round(cpu, 2), items_per_cpu_s=round(len(french) / cpu, 1), mentions=found,
                 peak_rss_mb=round(peak_mb(), 1))
    med = {k: statistics.median(v) for k, v in rates.items()}
    emit(stage="ratio", n=args.repeats, registry_items_per_cpu_s=round(med["registry"], 1),
         spacy_items_per_cpu_s=round(med["spacy"], 1), combined_items_per_cpu_s=round(med["combined"], 1),
         registry_over_spacy=round(med["registry"] / med["spacy"], 1),
         registry_ok=med["registry"] >= 2000 and med["registry"] / med["spacy"] >= 20)
    if not args.skip_enrich:
        for size in (args.n // 4, args.n):
            bench_enrich(base, size)


def bench_enrich(base, size: int) -> None:
    """The enrich stage end to end (registry mode) on a database of ``size`` articles."""
    import pyarrow as pa

    import analysis
    from analysis.entities.stage import run

    with tempfile.TemporaryDirectory() as tmp:
        con = analysis.connect(Path(tmp) / "bench.duckdb")
        rows = list(islice(cycle(base), size))
        table = pa.table({
            "article_id": pa.array(range(1, size + 1), pa.int64()),
            "title": [r[0] for r in rows], "body": [r[1] or "-" for r in rows], "lang": [r[2] for r in rows],
            "sha": [hashlib.sha256(str(i).encode()).hexdigest() for i in range(size)],
        })
        con.register("src", table)
        con.execute("""INSERT INTO articles (article_id, document_id, title, body, lang, published_date, date_raw, content_sha256)
                       SELECT article_id, article_id, title, body, lang, DATE '2016-01-01' + CAST(article_id % 700 AS INTEGER),
                              '2016', sha FROM src""")
        con.unregister("src")
        del rows, table
        before = rss_mb()
        start, cpu0 = time.perf_counter(), time.process_time()
        counts = run(con, mode="registry", batch_size=2000)
        secs, cpu = time.perf_counter() - start, time.process_time() - cpu0
        emit(stage="enrich", n=size, seconds=round(secs, 2), items_per_s=round(size / secs, 1),
             cpu_seconds=round(cpu, 2),
             mentions=counts["mentions"], rss_before_mb=round(before, 1), rss_after_mb=round(rss_mb(), 1),
             peak_rss_mb=round(peak_mb(), 1))
        con.close()


if __name__ == "__main__":
    main()
