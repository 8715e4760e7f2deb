"""The per-document enrichment function and the import of its output (no Spark needed here).

An output folder is written the way the Spark job writes it (``output=<kind>/*.parquet`` and
``enrichment.json``), by running ``analysis.spark.documents.enrich_partition`` in this process
over real corpus text; tests/test_spark.py runs the same function on Spark.
"""

from __future__ import annotations

import json
import shutil

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import analysis
from analysis.cli import cli
from analysis.entities.stage import run as entities_stage
from analysis.spark import documents, enrich_locally
from analysis.spark.output import FORMAT, MANIFEST, import_enrichment, is_enrichment_output
from tests.conftest import writable_connection, writable_copy


def write_output(con, out, *, batch_rows: int = 200) -> dict:
    """Enrich every article and headline of ``con`` with enrich_partition into a Spark-like folder."""
    rows = con.execute("""SELECT 'article', article_id, title, body, lang FROM articles
                          UNION ALL SELECT 'headline', headline_id, text, NULL, lang FROM headlines""").fetchall()
    batches = [documents.documents_batch(rows[i:i + batch_rows]) for i in range(0, len(rows), batch_rows)]
    table = pa.Table.from_batches(list(documents.enrich_partition(batches)), schema=documents.OUTPUT_SCHEMA)
    for name in documents.OUTPUTS:
        part = table.filter(pa.compute.equal(table["output"], name)).drop_columns(["output"])
        if part.num_rows:
            (out / f"output={name}").mkdir(parents=True)
            pq.write_table(part, out / f"output={name}" / "part-00000.parquet")
    versions = documents.current_versions()
    manifest = {"format": FORMAT, "engine": "test", "registry_fingerprint": versions.registry_fingerprint,
                "taxonomy_version": versions.taxonomy_version, "entities_mode": "registry"}
    (out / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    return manifest


@pytest.fixture(scope="module")
def sample_output(sample_db_path, tmp_path_factory):
    out = tmp_path_factory.mktemp("spark") / "enriched"
    con = analysis.connect(sample_db_path, read_only=True)
    write_output(con, out)
    con.close()
    return out


TABLES = {
    "mentions": 'SELECT article_id, headline_id, field, entity_id, surface, "start", "end", method, label FROM mentions',
    "article_topics": "SELECT article_id, topic_id, score, is_primary FROM article_topics",
    "headline_topics": "SELECT headline_id, topic_id, score, is_primary FROM headline_topics",
    "entity_done": "SELECT kind, doc_id FROM entity_done",
    "topic_scored": "SELECT kind, doc_id, version FROM topic_scored",
    "entities": "SELECT * FROM entities",
    "aliases": "SELECT * FROM aliases",
}


def table_sets(con) -> dict[str, set]:
    return {name: set(con.execute(sql).fetchall()) for name, sql in TABLES.items()}


def local_expected(db_path, tmp_path):
    """The local engine's TABLES on one copy of ``db_path``, and a second, untouched copy."""
    other_path = writable_copy(db_path, tmp_path, name="other.duckdb")
    local = writable_connection(db_path, tmp_path, name="local.duckdb")
    try:
        enrich_locally(local)
        return table_sets(local), other_path
    finally:
        local.close()


def test_missing_language_is_detected_as_the_loader_would():
    from analysis.ingest.langs import detect

    text = "Le roi Mohammed VI a reçu à Rabat le président de la Mauritanie pour parler du Maroc et de l'Algérie."
    batch = documents.documents_batch([("headline", 7, text, None, None), ("article", 8, "عنوان", "زار الملك محمد السادس المغرب", None)])
    registry, matcher = documents._registry_and_matcher()
    from analysis.entities.resolve import Resolver

    out = documents.enrich_batch(batch, matcher=matcher, resolver=Resolver.from_registry(registry)).to_pylist()
    langs = {r["doc_id"]: r["lang"] for r in out if r["output"] == "document"}
    assert langs == {7: detect(text), 8: "ar"} and langs[7] == "fr"
    found = {(r["doc_id"], r["entity_id"]) for r in out if r["output"] == "mention"}
    assert {(7, "morocco"), (7, "rabat"), (8, "morocco")} <= found


def test_import_gives_the_local_engine_results_and_is_idempotent(sample_db_path, sample_output, tmp_path):
    expected, imported_path = local_expected(sample_db_path, tmp_path)

    result = CliRunner().invoke(cli, ["--db", str(imported_path), "load", str(sample_output)])
    assert result.exit_code == 0, result.output
    assert "imported the Spark enrichment" in result.output
    con = analysis.connect(imported_path)
    first = table_sets(con)
    assert len(first["mentions"]) > 3000 and len(first["article_topics"]) > 3000
    assert {r[1] is not None for r in first["mentions"]} == {True, False}  # article and headline mentions
    for name in TABLES:
        assert first[name] == expected[name], name
    counts = import_enrichment(con, sample_output)
    assert table_sets(con) == first
    assert counts["mentions"] == len(first["mentions"])
    # the local engine sees nothing left to do
    assert entities_stage(con, mode="registry")["articles"] == 0
    con.close()


def test_import_refuses_an_output_of_other_documents_or_registry(sample_output, fresh_db, tmp_path, db_path):
    with pytest.raises(ValueError, match="not in this database"):
        import_enrichment(fresh_db, sample_output)
    assert fresh_db.execute("SELECT count(*) FROM mentions").fetchall() == [(0,)]
    other = tmp_path / "other"
    shutil.copytree(sample_output, other)
    manifest = json.loads((other / MANIFEST).read_text())
    (other / MANIFEST).write_text(json.dumps({**manifest, "registry_fingerprint": "0000"}))
    fresh_db.close()
    result = CliRunner().invoke(cli, ["--db", str(db_path), "load", str(other)])
    assert result.exit_code == 2
    assert "another entity registry" in result.output and "Traceback" not in result.output


def test_only_folders_with_our_manifest_are_enrichment_outputs(sample_output, tmp_path):
    assert is_enrichment_output(sample_output)
    assert not is_enrichment_output(tmp_path)
    (tmp_path / MANIFEST).write_text('{"format": "something else"}')
    assert not is_enrichment_output(tmp_path)


def test_spark_engine_options_are_checked():
    result = CliRunner().invoke(cli, ["enrich", "--engine", "spark"])
    assert result.exit_code == 2 and "--input" in result.output
    result = CliRunner().invoke(cli, ["enrich", "--engine", "spark", "--input", "x", "--stage", "topics"])
    assert result.exit_code == 2 and "local engine" in result.output
