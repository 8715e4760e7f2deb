"""Entity extraction with and without the statistical recognisers, on one mixed sample.

    python -m bench.entities_ner [--n 3000] [--fr-spacy]
    python -m bench.entities_ner --build-db FILE      # then:
    python -m bench.entities_ner --stage-db FILE [--fr-spacy] [--ner-sample K ...]

The sample is every French (WiNER-fr) and English (Wikinews 2019) article of the shared corpus
and ANT Arabic articles up to ``--n`` in all. Each line: one pipeline over the whole sample in
this process (CPU seconds, because the machine is shared), mentions and articles per CPU-second;
``ratio`` is the pipeline's CPU time over the registry path's. ``--fr-spacy`` also times the
combined path with spaCy for French (~35 French articles per CPU-second).

``--build-db`` loads the same kind of sample with the real loader (every WiNER-fr and Wikinews
2019 article, every second ANT file: ~2,950 articles with their real dates). ``--stage-db``
times the whole entities stage (reads, extraction, DuckDB writes) on copies of such a database:
the registry path, the default (recognisers on a sample of ``NER_SAMPLE`` documents per
language and month, learned names matched everywhere else), each ``--ner-sample`` bound asked
for, and the recognisers on every document; ``mentions`` counts them by method.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from pathlib import Path

from bench.entities import corpus_articles, emit


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=3000)
    ap.add_argument("--fr-spacy", action="store_true")
    ap.add_argument("--stage-db", help="a loaded database: time the enrich stage on copies of it")
    ap.add_argument("--build-db", help="write the mixed sample database here and stop")
    ap.add_argument("--ner-sample", type=int, nargs="*", default=[], help="other sample bounds to time (--stage-db)")
    args = ap.parse_args()
    if args.build_db:
        build_db(args.build_db)
        return
    if args.stage_db:
        from analysis.entities.sampling import NER_SAMPLE

        runs = [("registry", "crf", None), ("combined", "crf", NER_SAMPLE)]
        runs += [("combined", "crf", k) for k in args.ner_sample if k != NER_SAMPLE] + [("combined", "crf", None)]
        stage_runs(args.stage_db, runs + ([("combined", "spacy", None)] if args.fr_spacy else []))
        return
    runs = [("registry", "crf"), ("combined", "crf")] + ([("combined", "spacy")] if args.fr_spacy else [])

    from analysis.entities.crf import recogniser
    from analysis.entities.matcher import RegistryMatcher
    from analysis.entities.pipeline import Document, extract
    from analysis.entities.registry import load_registry
    from analysis.entities.resolve import Resolver

    articles = corpus_articles()
    others = [a for a in articles if a[2] != "ar"]
    arabic = [a for a in articles if a[2] == "ar"]
    step = max(1, len(arabic) // max(1, args.n - len(others)))
    sample = others + arabic[::step][: max(0, args.n - len(others))]
    docs = [Document(i, "article", (("title", t), ("body", b)), lang) for i, (t, b, lang) in enumerate(sample)]
    registry = load_registry()
    matcher = RegistryMatcher(registry.aliases)
    for lang in ("ar", "en", "fr"):
        recogniser(lang)  # model loading is not extraction
    base = None
    for mode, french in runs:
        resolver = Resolver.from_registry(registry)
        t0, c0 = time.perf_counter(), time.process_time()
        methods = Counter(m.method.split(":")[0] for m in extract(docs, matcher=matcher, resolver=resolver,
                                                                  mode=mode, french_ner=french))
        cpu, wall = time.process_time() - c0, time.perf_counter() - t0
        base = base or cpu
        emit(stage=f"entities:{mode}" + (f":fr-{french}" if mode != "registry" else ""), n=len(docs),
             langs=dict(Counter(d.lang for d in docs)), seconds=round(wall, 2), cpu_seconds=round(cpu, 2),
             items_per_cpu_s=round(len(docs) / cpu, 1), ratio=round(cpu / base, 2), mentions=dict(methods),
             new_entities=len(resolver.new_entities))


def build_db(path: str) -> None:
    import analysis
    from analysis.ingest import load
    from bench.entities import CORPUS

    ant = sorted(str(p) for p in (CORPUS / "ant-jawhara").glob("*/*.txt"))[::2]
    con = analysis.connect(path)
    load(con, [str(CORPUS / "winer-fr" / "winer_fr_2016_2017.jsonl"),
               str(CORPUS / "wikinews-en" / "wikinews_2019.csv"), *ant], workers=1)
    emit(built=path, articles=dict(con.execute("SELECT lang, count(*) FROM articles GROUP BY 1 ORDER BY 1").fetchall()))
    con.close()


def stage_runs(db: str, runs: list[tuple[str, str, int | None]]) -> None:
    import shutil
    import tempfile

    import analysis
    from analysis.entities import stage
    from analysis.entities.crf import recogniser

    for lang in ("ar", "en", "fr"):
        recogniser(lang)
    base = None
    with tempfile.TemporaryDirectory() as tmp:
        for mode, french, sample in runs:
            path = f"{tmp}/copy.duckdb"
            shutil.copy(db, path)
            con = analysis.connect(path)
            t0, c0 = time.perf_counter(), time.process_time()
            counts = stage.run(con, mode=mode, french_ner=french, ner_sample=sample)
            cpu, wall = time.process_time() - c0, time.perf_counter() - t0
            methods = dict(con.execute("SELECT split_part(method, ':', 1), count(*) FROM mentions GROUP BY 1 "
                                       "ORDER BY 1").fetchall())
            recognised = con.execute("""SELECT count(DISTINCT coalesce(article_id, -headline_id)) FROM mentions
                                        WHERE split_part(method, ':', 1) IN ('crf', 'spacy')""").fetchone()[0]
            con.close()
            base = base or cpu
            name = "registry" if mode == "registry" else f"{mode}:fr-{french}:" + (f"sample-{sample}" if sample else "all")
            emit(stage=f"enrich-entities:{name}", n=counts["articles"] + counts["headlines"],
                 seconds=round(wall, 2), cpu_seconds=round(cpu, 2),
                 items_per_cpu_s=round((counts["articles"] + counts["headlines"]) / cpu, 1),
                 ratio=round(cpu / base, 2), mentions=methods, documents_with_ner_mentions=recognised,
                 new_entities=counts["new_entities"])
            Path(path).unlink()


if __name__ == "__main__":
    main()
