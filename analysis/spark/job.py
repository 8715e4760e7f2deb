"""The Spark job: read an exported database, enrich it partition by partition, write Parquet.

    presswatch enrich --engine spark --master local[2] --input export/ --out enriched/

Reads ``articles`` and ``headlines`` of a ``presswatch export --format parquet`` directory,
applies ``analysis.spark.documents.enrich_partition`` with ``mapInArrow`` (Arrow batches in
and out: no pandas on the way), and writes one Parquet dataset partitioned by ``output``
(``output=document``, ``output=mention``, ``output=topic``) plus ``enrichment.json``, the
manifest ``presswatch load`` recognises. Paths may be local or any URI Spark's Hadoop file
system reads and writes (hdfs://, s3a://, …).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import sys
import time
import warnings
from pathlib import Path

import analysis
from analysis.errors import DataFileError
from analysis.spark import documents
from analysis.spark.output import FORMAT, MANIFEST

log = logging.getLogger(__name__)

# Arrow batches small enough that a batch of ~12 KB articles stays a few MB in each worker.
ROWS_PER_BATCH = 500
# Input split size: many small tasks balance the cores better than a few 128 MB ones.
SPLIT_BYTES = 16 * 1024 * 1024
EXPORT_MANIFEST = "manifest.json"


def session(master: str | None, *, app_name: str = "presswatch-enrich", conf: dict[str, str] | None = None):
    """A SparkSession for ``master`` (None: the one spark-submit was given); on a local
    master the workers use this Python."""
    _quiet_pandas_warning()
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName(app_name)
    if master is not None:
        builder = builder.master(master)
    master = master or ""
    settings = {
        "spark.sql.execution.arrow.maxRecordsPerBatch": str(ROWS_PER_BATCH),
        "spark.sql.files.maxPartitionBytes": str(SPLIT_BYTES),
        "spark.sql.parquet.compression.codec": "zstd",
    }
    if master.startswith("local"):
        # Workers must import this very environment (pyarrow, analysis); the UI would fight
        # over ports with other sessions on a shared machine, and the loopback address avoids
        # a slow host-name lookup.
        # (pyspark takes the workers' Python from PYSPARK_PYTHON, not from the configuration.)
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        # In local mode the driver JVM runs the tasks too; it only streams small Arrow batches,
        # so 1 GB of heap is plenty and keeps it from growing to a quarter of the machine's RAM.
        settings.update({"spark.driver.memory": "1g", "spark.ui.enabled": "false", "spark.driver.host": "127.0.0.1",
                         "spark.driver.bindAddress": "127.0.0.1", "spark.ui.showConsoleProgress": "false"})
    settings.update(conf or {})
    for key, value in settings.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def _quiet_pandas_warning() -> None:
    # pyspark 4.x warns that it does not fully support pandas 3; this job never converts to
    # pandas (mapInArrow passes Arrow batches), so the warning does not apply to it.
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)


def read_documents(spark, source: str):
    """Articles and headlines of an export directory as one frame of DOCUMENT_SCHEMA columns."""
    from pyspark.sql import functions as F

    manifest = json.loads(_read_text(spark, _join(source, EXPORT_MANIFEST)))
    if manifest.get("format") != "parquet":
        raise DataFileError(f"{source} is a {manifest.get('format')} export; the Spark engine reads "
                         "`presswatch export --format parquet` directories")
    tables = {t["table"]: t for t in manifest.get("tables", [])}
    missing = [t for t in ("articles", "headlines") if t not in tables]
    if missing:
        raise DataFileError(f"the export {source} has no {' or '.join(missing)} table")
    frames = []
    if tables["articles"]["rows"]:
        articles = spark.read.parquet(_join(source, tables["articles"]["path"]))
        frames.append(articles.select(F.lit("article").alias("kind"), F.col("article_id").alias("doc_id"),
                                      "title", "body", "lang"))
    if tables["headlines"]["rows"]:
        headlines = spark.read.parquet(_join(source, tables["headlines"]["path"]))
        frames.append(headlines.select(F.lit("headline").alias("kind"), F.col("headline_id").alias("doc_id"),
                                       F.col("text").alias("title"), F.lit(None).cast("string").alias("body"),
                                       "lang"))
    if not frames:
        raise DataFileError(f"the export {source} holds no articles and no headlines")
    docs = frames[0]
    for frame in frames[1:]:
        docs = docs.unionByName(frame)
    return docs


def output_struct():
    """OUTPUT_SCHEMA as a Spark StructType (built field by field: ``end`` is an SQL keyword)."""
    from pyspark.sql import types as T

    spark_types = {"string": T.StringType(), "int64": T.LongType(), "int32": T.IntegerType(),
                   "double": T.DoubleType(), "bool": T.BooleanType()}
    return T.StructType([T.StructField(f.name, spark_types[str(f.type)], True) for f in documents.OUTPUT_SCHEMA])


def run(source: str, out: str, *, master: str = "local[*]", spacy: bool = False, spark=None,
        conf: dict[str, str] | None = None) -> dict:
    """Enrich the export ``source`` on Spark into ``out`` (replaced if it exists); returns the manifest.

    Uses ``spark`` or the active session when there is one (and leaves it running);
    otherwise starts a session on ``master`` and stops it at the end."""
    started = time.monotonic()
    _quiet_pandas_warning()
    versions = documents.current_versions()
    if spark is None:
        from pyspark.sql import SparkSession

        spark = SparkSession.getActiveSession()
    own = spark is None
    if own:
        spark = session(master, conf=conf)
    try:
        docs = read_documents(spark, source)
        expected, with_spacy = versions, spacy

        def enrich(batches):
            return documents.enrich_partition(batches, spacy=with_spacy, expected=expected)

        enriched = docs.mapInArrow(enrich, output_struct())
        enriched.write.mode("overwrite").partitionBy("output").parquet(out)
        counts: dict[str, dict[str, int]] = {}
        for row in spark.read.parquet(out).groupBy("output", "kind").count().collect():
            counts.setdefault(row["output"], {})[row["kind"]] = row["count"]
        manifest = {
            "format": FORMAT, "engine": "spark", "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "presswatch": analysis.__version__, "spark": spark.version, "master": spark.sparkContext.master,
            "input": source, "entities_mode": "combined" if spacy else "registry",
            "registry_fingerprint": versions.registry_fingerprint, "taxonomy_version": versions.taxonomy_version,
            "outputs": {name: f"output={name}" for name in documents.OUTPUTS},
            "counts": counts, "seconds": round(time.monotonic() - started, 3),
        }
        _write_text(spark, _join(out, MANIFEST), json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    finally:
        if own:
            spark.stop()
    log.info("enriched %s on %s into %s", source, master, out)
    return manifest


def _join(base: str, name: str) -> str:
    return base.rstrip("/") + "/" + name


def _is_local(path: str) -> bool:
    return "://" not in path or path.startswith("file://")


def _local(path: str) -> Path:
    return Path(path.removeprefix("file://"))


def _read_text(spark, path: str) -> str:
    if _is_local(path):
        local = _local(path)
        if not local.is_file():
            raise DataFileError(f"{local} is missing: is {local.parent} a `presswatch export --format parquet` directory?")
        return local.read_text(encoding="utf-8")
    return spark.sparkContext.wholeTextFiles(path).first()[1]


def _write_text(spark, path: str, text: str) -> None:
    if _is_local(path):
        target = _local(path)
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, target)  # the manifest appears whole, after the data: it marks a finished output
        return
    jvm = spark.sparkContext._jvm
    hadoop_path = jvm.org.apache.hadoop.fs.Path(path)
    fs = hadoop_path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
    stream = fs.create(hadoop_path, True)
    try:
        stream.write(bytearray(text.encode("utf-8")))
    finally:
        stream.close()


def main(argv: list[str] | None = None) -> None:
    """Entry point for spark-submit (the cluster manager gives the master); see docs/scale.md."""
    import argparse

    parser = argparse.ArgumentParser(description="presswatch enrichment on Spark (for spark-submit)")
    parser.add_argument("--input", required=True, help="a `presswatch export --format parquet` directory or URI")
    parser.add_argument("--out", required=True, help="where to write the enrichment (directory or URI)")
    parser.add_argument("--spacy", action="store_true", help="also run spaCy NER on French text")
    args = parser.parse_args(argv)
    spark = session(None)
    try:
        manifest = run(args.input, args.out, spacy=args.spacy, spark=spark)
    finally:
        spark.stop()
    print(json.dumps(manifest["counts"]))


if __name__ == "__main__":
    main()
