"""The work of each measured stage of bench.suite, run in a fresh child process.

``python -m bench.suite --child NAME --db PATH …`` calls ``run_child`` and prints its dict as
one JSON line; the parent adds wall time, CPU time and peak RSS of the whole process.
"""

from __future__ import annotations

import statistics
import time
from contextlib import AbstractContextManager, nullcontext


def run_child(name: str, args) -> dict:
    return {"enrich": enrich, "spacy": spacy_sample, "frequencies": frequencies, "query": query,
            "local_engine": local_engine, "rollups": rollups_stage}[name](args)


def enrich(args) -> dict:
    """One enrichment stage as `presswatch enrich --stage NAME --rebuild --no-ner` runs it
    (all cores unless --workers): the entities stage on its registry path, which is what
    the 1M target is about; with --default, as `presswatch enrich --stage NAME --rebuild` runs
    it (the entities stage with its recognisers on their sample), with the mentions per method."""
    import analysis
    from analysis import enrich as enrich_mod
    from analysis.entities.sampling import NER_SAMPLE, sampled_ids
    from analysis.workers import default_workers

    con = analysis.connect(args.db)
    workers = args.workers or default_workers()
    options = {} if args.default else {"entities": {"mode": "registry"}}
    started = time.perf_counter()
    counts = enrich_mod.run(con, stages=[args.stage], rebuild=True, progress=False, workers=workers,
                            options=options)[args.stage]
    seconds = time.perf_counter() - started
    out = {"counts": counts, "seconds": seconds, "workers": workers}
    if args.default and args.stage == "entities":
        out["ner_sample"] = NER_SAMPLE
        out["methods"] = dict(con.execute("SELECT split_part(method, ':', 1), count(*) FROM mentions GROUP BY 1 "
                                          "ORDER BY 1").fetchall())
        out["recognised"] = sum(len(sampled_ids(con, kind, NER_SAMPLE)) for kind in ("article", "headline"))
    con.close()
    return out


def rollups_stage(args) -> dict:
    """The rollups stage as `presswatch enrich --stage rollups [--rebuild]` runs it. With
    ``--touch SHARE``, the topic rows of the articles of the first SHARE of the days are
    flipped first (primary or not: a re-scoring that keeps every table's size), and the update
    is not turned into a rebuild whatever the share, to time updates of that many days."""
    import analysis
    from analysis import rollups

    con = analysis.connect(args.db)
    if args.touch:
        con.execute("""UPDATE article_topics SET is_primary = NOT is_primary WHERE article_id IN (
                           SELECT article_id FROM articles WHERE published_date <=
                               (SELECT quantile_disc(day, $share) FROM (SELECT DISTINCT published_date AS day FROM articles)))""",
                    {"share": args.touch})
        rollups.invalidate(con)
        rollups.REBUILD_SHARE = 1.0
    started = time.perf_counter()
    counts = rollups.run(con, rebuild=args.rebuild, progress=False)
    seconds = time.perf_counter() - started
    con.close()
    return {"counts": counts, "seconds": seconds}


def spacy_sample(args) -> dict:
    """Registry and combined (registry + spaCy NER) extraction of the first N French articles
    and N French headlines of the database, timed separately (model load excluded)."""
    import analysis
    from analysis.entities.matcher import RegistryMatcher
    from analysis.entities.ner import load_nlp
    from analysis.entities.pipeline import Document, extract
    from analysis.entities.registry import load_registry
    from analysis.entities.resolve import Resolver

    con = analysis.connect(args.db, read_only=True)
    arts = con.execute("SELECT article_id, title, body FROM articles WHERE lang = 'fr' ORDER BY article_id LIMIT ?",
                       [args.n]).fetchall()
    heads = con.execute("SELECT headline_id, text FROM headlines WHERE lang = 'fr' ORDER BY headline_id LIMIT ?",
                        [args.n]).fetchall()
    con.close()
    registry = load_registry()
    matcher = RegistryMatcher(registry.aliases)
    load_nlp()
    docs = {"article": [Document(i, "article", (("title", t or ""), ("body", b or "")), "fr") for i, t, b in arts],
            "headline": [Document(i, "headline", (("headline", t),), "fr") for i, t in heads]}
    out = {"articles": len(arts), "headlines": len(heads)}
    for mode in ("registry", "combined"):
        for kind, items in docs.items():
            resolver = Resolver.from_registry(registry)
            started = time.perf_counter()
            out[f"{mode}_{kind}_mentions"] = sum(1 for _ in extract(items, matcher=matcher, resolver=resolver, mode=mode))
            out[f"{mode}_{kind}_s"] = time.perf_counter() - started
    return out


def _timed(call, repeat: int) -> dict:
    started = time.perf_counter()
    rows = len(call())
    first = time.perf_counter() - started
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return {"first_s": first, "median_s": statistics.median(times), "rows": rows}


def _answering(con, raw: bool) -> AbstractContextManager:
    """From the rollups when they are fresh, or (``raw``) from the raw tables."""
    from analysis import rollups

    return rollups.bypassed(con) if raw else nullcontext()


def _rollups_used(con) -> bool:
    from analysis import rollups

    return rollups.fresh(con)


def frequencies(args) -> dict:
    import analysis

    con = analysis.connect(args.db, read_only=True)
    if args.name == "entities_week":
        from analysis.entities import entity_frequencies

        call = lambda: entity_frequencies(con, freq="week")  # noqa: E731
    elif args.name == "topics_week":
        from analysis.topics import topic_frequencies

        call = lambda: topic_frequencies(con, freq="week")  # noqa: E731
    else:
        from analysis.volume import headline_lifespans

        call = lambda: headline_lifespans(con)  # noqa: E731
    with _answering(con, args.raw):
        return {**_timed(call, args.repeat), "rollups": _rollups_used(con)}


def query(args) -> dict:
    import analysis
    from bench.suite import QUERIES, QUERY_PARAMS

    con = analysis.connect(args.db, read_only=True)
    sql, params = QUERIES[args.name], QUERY_PARAMS.get(args.name, {})
    with _answering(con, args.raw):
        return {**_timed(lambda: con.execute(sql, params).fetchall(), args.repeat), "rollups": _rollups_used(con)}


def local_engine(args) -> dict:
    """What the Spark engine computes, done by the local engine with as many worker processes
    as Spark has cores (analysis.spark.enrich_locally, from scratch)."""
    import analysis
    from analysis.spark import enrich_locally
    from analysis.workers import default_workers

    con = analysis.connect(args.db)
    workers = args.workers or default_workers()
    started = time.perf_counter()
    counts = enrich_locally(con, rebuild=True, workers=workers)
    seconds = time.perf_counter() - started
    con.close()
    return {"counts": counts, "seconds": seconds, "workers": workers}
