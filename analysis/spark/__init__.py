"""Enrichment on Apache Spark: the same per-document functions as the local engine, at cluster scale.

    presswatch export --format parquet --out export/
    presswatch enrich --engine spark --master local[2] --input export/ --out enriched/
    presswatch load enriched/

``enrich_on_spark`` needs the optional extra ``presswatch[spark]`` (pyspark) and a Java
runtime; ``import_enrichment`` (what `presswatch load` calls for such a folder) needs
neither. See docs/scale.md.
"""

from collections.abc import Sequence

from analysis import rollups
from analysis.errors import MissingDependency
from analysis.spark.output import import_enrichment, is_enrichment_output


def default_output(source: str) -> str:
    """Where ``enrich_on_spark`` writes when no ``out`` is given: ``<source>-enriched``."""
    return source.rstrip("/") + "-enriched"


def enrich_on_spark(source: str, out: str | None = None, *, master: str = "local[*]", spacy: bool = False,
                    conf: dict[str, str] | None = None) -> dict:
    """Run the Spark job (analysis.spark.job.run) on the export ``source``, writing to ``out``
    (default: ``default_output(source)``); returns its manifest, whose ``out`` says where."""
    import importlib.util
    import os
    import shutil

    if importlib.util.find_spec("pyspark") is None:
        raise MissingDependency("the Spark engine needs pyspark: pip install 'presswatch[spark]'")
    if not (os.environ.get("JAVA_HOME") or shutil.which("java")):
        raise MissingDependency("the Spark engine needs a Java runtime (17 or newer): install one or set JAVA_HOME")
    from analysis.spark import job

    out = out or default_output(source)
    manifest = job.run(source, out, master=master, spacy=spacy, conf=conf)
    return {**manifest, "out": out}


def split_enrichment_outputs(paths: Sequence[str]) -> tuple[list[str], list[str]]:
    """(Spark enrichment folders, everything else) among ``paths``, each in the given order."""
    outputs = [p for p in paths if is_enrichment_output(p)]
    return outputs, [p for p in paths if p not in outputs]


def enrich_locally(con, *, rebuild: bool = False, workers: int = 1) -> dict:
    """What the Spark engine computes, done by the local engine (in ``workers`` processes):
    entities on the registry path and taxonomy topic scores of every article and headline
    (the tests and `bench --spark` compare both engines with it). Returns counts."""
    from analysis.entities.stage import run as entities
    from analysis.topics import stage as topics
    from analysis.topics.taxonomy import load_taxonomy
    from analysis.workers import pool

    rollups.invalidate(con)
    counts = entities(con, rebuild=rebuild, mode="registry", workers=workers)
    tax = load_taxonomy()
    topics.sync_taxonomy(con, tax)
    with pool(workers) as executor:
        for kind in ("article", "headline"):
            counts[f"topic_{kind}s"] = topics.score_documents(con, tax, kind=kind, rebuild=rebuild,
                                                              executor=executor)[0]
    return counts


__all__ = ["default_output", "enrich_locally", "enrich_on_spark", "import_enrichment", "is_enrichment_output",
           "split_enrichment_outputs"]
