"""The Spark engine in local mode gives exactly the local engine's results on the shared corpus.

Needs pyspark (`pip install -e '.[dev,spark]'`, which `make test` installs) and a Java runtime
(17 or newer); without Java the tests are skipped, saying so.
"""

from __future__ import annotations

import json
import os
import shutil

import pytest
from click.testing import CliRunner

pytest.importorskip("pyspark", reason="pyspark is not installed: pip install -e '.[dev,spark]' (make test does)")
if not (os.environ.get("JAVA_HOME") or shutil.which("java")):
    pytest.skip("no Java runtime (java on PATH or JAVA_HOME): the Spark engine cannot start here",
                allow_module_level=True)

import analysis  # noqa: E402
from analysis.cli import cli  # noqa: E402
from analysis.query.export import export_database  # noqa: E402
from analysis.spark import job  # noqa: E402
from analysis.spark.documents import current_versions  # noqa: E402
from tests.conftest import load_into, writable_connection  # noqa: E402
from tests.test_spark_import import TABLES, local_expected, table_sets  # noqa: E402


@pytest.fixture(scope="module")
def spark():
    session = job.session("local[2]")
    yield session
    session.stop()


def exported(db_path, out):
    con = analysis.connect(db_path, read_only=True)
    try:
        export_database(con, out)
    finally:
        con.close()
    return out


def test_spark_local_mode_equals_the_local_engine_on_the_corpus(corpus_db_path, spark, tmp_path):
    expected, spark_path = local_expected(corpus_db_path, tmp_path)

    source = exported(spark_path, tmp_path / "export")
    manifest = job.run(str(source), str(tmp_path / "enriched"), spark=spark)
    assert manifest["master"] == "local[2]" and manifest["entities_mode"] == "registry"
    versions = current_versions()
    assert (manifest["registry_fingerprint"], manifest["taxonomy_version"]) == (versions.registry_fingerprint,
                                                                                versions.taxonomy_version)
    assert json.loads((tmp_path / "enriched" / "enrichment.json").read_text()) == manifest
    assert manifest["counts"]["document"]["article"] == len({r[1] for r in expected["entity_done"] if r[0] == "article"})
    result = CliRunner().invoke(cli, ["--db", str(spark_path), "load", str(tmp_path / "enriched")])
    assert result.exit_code == 0, result.output

    con = analysis.connect(spark_path, read_only=True)
    found = table_sets(con)
    langs = dict(con.execute("""SELECT a.lang, count(*) FROM mentions m JOIN articles a USING (article_id)
                                GROUP BY 1""").fetchall())
    con.close()
    assert len(found["mentions"]) > 15_000 and len(found["article_topics"]) > 3_000, {k: len(v) for k, v in found.items()}
    assert {"ar", "fr", "en"} <= set(langs)  # every language of the corpus went through
    for name in TABLES:
        assert found[name] == expected[name], f"{name}: spark and local engines differ"


def test_spark_with_ner_finds_the_same_spans_as_the_local_pipeline(corpus, spark, tmp_path):
    """The recognisers on Spark (--spacy): the same mentions as the local combined pipeline
    reading every document. NER entities are resolved within a partition, so this uses one
    small export (one partition)."""
    lines = (corpus / "winer-fr" / "winer_fr_2016_2017.jsonl").read_text(encoding="utf-8").splitlines()[:25]
    (tmp_path / "in.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    db = tmp_path / "fr.duckdb"
    load_into(db, [tmp_path / "in.jsonl"])
    local = writable_connection(db, tmp_path, name="local.duckdb")
    from analysis.entities.stage import run as entities_stage

    entities_stage(local, mode="combined", ner_sample=None)
    expected = table_sets(local)
    local.close()

    source = exported(db, tmp_path / "export")
    manifest = job.run(str(source), str(tmp_path / "enriched"), spacy=True, spark=spark)
    assert manifest["entities_mode"] == "combined"
    con = analysis.connect(db)
    from analysis.spark import import_enrichment

    import_enrichment(con, tmp_path / "enriched")
    found = table_sets(con)
    con.close()
    methods = {r[7] for r in found["mentions"]}
    assert {"registry", "crf"} <= methods
    assert found["mentions"] == expected["mentions"]
    # The same NER entities exist (their display name and type are the most frequent spelling
    # and label of their mentions, where ties may go either way in either engine).
    assert {r[0] for r in found["entities"]} == {r[0] for r in expected["entities"]}
