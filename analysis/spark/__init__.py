"""Enrichment on Apache Spark: the same per-document functions as the local engine, at cluster scale.

    presswatch export --format parquet --out export/
    presswatch enrich --engine spark --master local[2] --input export/ --out enriched/
    presswatch load enriched/

``enrich_on_spark`` needs the optional extra ``presswatch[spark]`` (pyspark) and a Java
runtime; ``import_enrichment`` (what `presswatch load` calls for such a folder) needs
neither. See docs/scale.md.
"""

from analysis.spark.output import import_enrichment, is_enrichment_output


def enrich_on_spark(source: str, out: str, *, master: str = "local[*]", spacy: bool = False,
                    conf: dict[str, str] | None = None) -> dict:
    """Run the Spark job (analysis.spark.job.run); returns its manifest."""
    import importlib.util
    import os
    import shutil

    if importlib.util.find_spec("pyspark") is None:
        raise ValueError("the Spark engine needs pyspark: pip install 'presswatch[spark]'")
    if not (os.environ.get("JAVA_HOME") or shutil.which("java")):
        raise ValueError("the Spark engine needs a Java runtime (17 or newer): install one or set JAVA_HOME")
    from analysis.spark import job

    return job.run(source, out, master=master, spacy=spacy, conf=conf)


def enrich_locally(con, *, rebuild: bool = False, workers: int = 1) -> dict:
    """What the Spark engine computes, done by the local engine (in ``workers`` processes):
    entities on the registry path and taxonomy topic scores of every article and headline
    (the tests and `bench --spark` compare both engines with it). Returns counts."""
    from analysis.entities.stage import run as entities
    from analysis.topics import stage as topics
    from analysis.topics.taxonomy import load_taxonomy
    from analysis.workers import pool

    counts = entities(con, rebuild=rebuild, mode="registry", workers=workers)
    tax = load_taxonomy()
    topics.sync_taxonomy(con, tax)
    with pool(workers) as executor:
        for kind in ("article", "headline"):
            counts[f"topic_{kind}s"] = topics.score_documents(con, tax, kind=kind, rebuild=rebuild,
                                                              executor=executor)[0]
    return counts


__all__ = ["enrich_locally", "enrich_on_spark", "import_enrichment", "is_enrichment_output"]
