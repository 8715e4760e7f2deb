"""`presswatch export` / `import`: every table out as Parquet (partitioned) or CSV, and back, identical."""

from __future__ import annotations

import json

import pyarrow.dataset as ds
import pytest
from click.testing import CliRunner

import analysis
from analysis.query.export import export_database, import_export, table_columns
from tests.conftest import writable_copy


@pytest.fixture(scope="module")
def source_db(stories_sample_path, tmp_path_factory):
    """The sample with stories, plus the awkward cases: an undated article and sighting, a JSON
    and BLOB row (topic_models), and text with quotes, commas, newlines and an empty string."""
    path = writable_copy(stories_sample_path, tmp_path_factory.mktemp("export-source"), name="source.duckdb")
    con = analysis.connect(path)
    try:
        con.execute("UPDATE articles SET published_date = NULL WHERE article_id = (SELECT min(article_id) FROM articles)")
        con.execute("""UPDATE sightings SET seen_at = NULL, seen_source = 'unknown'
                       WHERE document_id = (SELECT min(document_id) FROM sightings)""")
        con.execute("""INSERT INTO topic_models VALUES ('nmf-fr-test', 'fr', 'NMF', 2, 10, 10, 50,
                       '{"alpha": 0.1, "terms": ["a", "b"]}', 'key', 0.5, 1.25, TIMESTAMPTZ '2016-12-31 10:00:00+00',
                       '\\x00\\xFF\\x10PK'::BLOB)""")
        con.execute("""INSERT INTO rejects VALUES ('a "quoted", path' || chr(10) || 'with a newline', 3, 'bad_json',
                       '', 1, NULL)""")
    finally:
        con.close()
    return path


def snapshot(path) -> dict:
    con = analysis.connect(path, read_only=True)
    try:
        return {t: con.sql(f'SELECT * FROM "{t}" ORDER BY ALL').to_arrow_table() for t in table_columns(con)}
    finally:
        con.close()


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_export_round_trips_every_table(source_db, tmp_path, fmt):
    out = tmp_path / "export"
    con = analysis.connect(source_db, read_only=True)
    try:
        summary = export_database(con, out, format=fmt)
    finally:
        con.close()
    before = snapshot(source_db)
    assert set(summary["table"]) == set(before)
    assert sum(len(t) for t in before.values()) == summary["rows"].sum()
    target = tmp_path / "copy.duckdb"
    con = analysis.connect(target)
    try:
        imported = import_export(con, out)
    finally:
        con.close()
    assert (imported["status"] == "imported").all()
    after = snapshot(target)
    assert set(after) == set(before)
    for table, rows in before.items():
        assert after[table].equals(rows), f"{table} differs after the {fmt} round trip"
    assert len(before["topic_models"]) == 1 and len(before["article_story_bands"]) > 0


def test_parquet_layout_is_hive_partitioned_for_other_tools(source_db, tmp_path):
    out = tmp_path / "export"
    con = analysis.connect(source_db, read_only=True)
    try:
        export_database(con, out)
        n_articles, undated = con.execute("SELECT count(*), count(*) - count(published_date) FROM articles").fetchall()[0]
        months = con.execute("""SELECT DISTINCT year(published_date), month(published_date) FROM articles
                                WHERE published_date IS NOT NULL""").fetchall()
    finally:
        con.close()
    manifest = json.loads((out / "manifest.json").read_text())
    entries = {e["table"]: e for e in manifest["tables"]}
    assert entries["articles"]["partition_by"] == ["year", "month"] and entries["headlines"]["partition_by"] is None
    assert (out / "headlines.parquet").is_file()
    for year, month in months:
        assert list((out / "articles" / f"year={year}" / f"month={month}").glob("*.parquet"))
    assert (out / "articles" / "year=__HIVE_DEFAULT_PARTITION__").is_dir() and undated == 1
    # pyarrow (what pandas and Spark-style readers use) sees the same rows and the partition columns
    table = ds.dataset(out / "articles", format="parquet", partitioning="hive").to_table()
    assert table.num_rows == n_articles
    assert {"year", "month", "article_id", "title"} <= set(table.column_names)
    assert table.filter(ds.field("year").is_null()).num_rows == undated


def test_cli_export_then_import(sample_db_path, tmp_path):
    from analysis.cli import cli

    out = tmp_path / "export"
    runner = CliRunner()
    result = runner.invoke(cli, ["--db", str(sample_db_path), "export", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "rows written to" in result.output
    again = runner.invoke(cli, ["--db", str(sample_db_path), "export", "--out", str(out)])
    assert again.exit_code == 2 and "not empty" in again.output
    assert runner.invoke(cli, ["--db", str(sample_db_path), "export", "--out", str(out), "--overwrite"]).exit_code == 0
    copy = tmp_path / "copy.duckdb"
    result = runner.invoke(cli, ["--db", str(copy), "import", str(out)])
    assert result.exit_code == 0, result.output
    assert snapshot(copy)["headlines"].equals(snapshot(sample_db_path)["headlines"])
    # importing twice would duplicate everything: refused, and nothing changes
    result = runner.invoke(cli, ["--db", str(copy), "import", str(out)])
    assert result.exit_code == 2 and "already holds rows" in result.output
    result = runner.invoke(cli, ["--db", str(tmp_path / "never.duckdb"), "import", str(tmp_path)])
    assert result.exit_code == 2 and "manifest.json" in result.output
    assert not (tmp_path / "never.duckdb").exists()


def test_overwrite_removes_only_what_an_export_wrote(sample_db_path, tmp_path):
    out = tmp_path / "export"
    con = analysis.connect(sample_db_path, read_only=True)
    try:
        export_database(con, out)
        written = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["files"]
        assert written and all((out / name).is_file() for name in written)
        # a user's own files beside and inside the export's folders
        notes = out / "articles" / "notes.txt"
        notes.write_text("mine", encoding="utf-8")
        (out / "README.txt").write_text("mine too", encoding="utf-8")
        (out / "articles" / "year=2016" / "keep.parquet").write_bytes(b"not the export's")
        # a file the earlier export wrote but this one will not: removed
        stale = out / "articles" / "year=1999" / "month=1" / "data_0.parquet"
        stale.parent.mkdir(parents=True)
        stale.write_bytes(b"old")
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        manifest["files"].append("articles/year=1999/month=1/data_0.parquet")
        (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
        export_database(con, out, overwrite=True)
    finally:
        con.close()
    assert notes.read_text(encoding="utf-8") == "mine"
    assert (out / "README.txt").read_text(encoding="utf-8") == "mine too"
    assert (out / "articles" / "year=2016" / "keep.parquet").read_bytes() == b"not the export's"
    assert not stale.exists() and not (out / "articles" / "year=1999").exists()
    again = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["files"]
    assert sorted(again) == sorted(written)


def test_overwrite_never_replaces_a_file_no_export_wrote(sample_db_path, tmp_path):
    from analysis.errors import InvalidArgument

    out = tmp_path / "mine"
    out.mkdir()
    (out / "headlines.parquet").write_bytes(b"my own headlines")
    con = analysis.connect(sample_db_path, read_only=True)
    try:
        with pytest.raises(InvalidArgument, match="no earlier export"):
            export_database(con, out, overwrite=True)
    finally:
        con.close()
    assert (out / "headlines.parquet").read_bytes() == b"my own headlines"
    assert sorted(p.name for p in out.iterdir()) == ["headlines.parquet"]


def test_export_to_a_file_is_one_line(sample_db_path, tmp_path):
    from analysis.cli import cli

    for target in ("/dev/null", str(tmp_path / "file.txt")):
        if target != "/dev/null":
            (tmp_path / "file.txt").write_text("x", encoding="utf-8")
        result = CliRunner().invoke(cli, ["--db", str(sample_db_path), "export", "--out", target])
        assert result.exit_code == 2, result.output
        assert "not a directory" in result.output or "is a file" in result.output, result.output
