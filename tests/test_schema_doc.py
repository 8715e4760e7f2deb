"""The schema explains itself: comments everywhere, `presswatch schema`, and a README that cannot drift."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import analysis
from analysis.query import schema_doc

README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.fixture(scope="module")
def packaged():
    return schema_doc.packaged_frame()


def run(db, *args):
    from analysis.cli import cli

    return CliRunner().invoke(cli, ["--db", str(db), *args])


def test_readme_schema_section_matches_the_packaged_schema(packaged):
    block = schema_doc.readme_block(README.read_text(encoding="utf-8"))
    assert block == schema_doc.render_markdown(packaged, columns=False), (
        "README.md's schema section is stale: run `presswatch schema --update-readme README.md`")


def test_every_table_view_and_column_has_a_comment(packaged, sample_db_path):
    con = analysis.connect(sample_db_path, read_only=True)
    try:
        missing = sorted(set(schema_doc.missing_comments(con)))
    finally:
        con.close()
    assert missing == [], "add COMMENT ON for: " + "; ".join(missing)
    assert not packaged["object_comment"].isna().any() and not packaged["column_comment"].isna().any()


def test_missing_comments_are_found():
    import duckdb

    con = duckdb.connect()
    con.execute("CREATE TABLE t (a INT, b INT); COMMENT ON TABLE t IS 'a table'; COMMENT ON COLUMN t.a IS 'a'")
    con.execute("CREATE VIEW v AS SELECT a FROM t")
    assert schema_doc.missing_comments(con) == ["column t.b", "view v", "column v.a"]
    con.execute("COMMENT ON VIEW v IS 'a view'; COMMENT ON COLUMN v.a IS 'view columns take comments too'")
    con.execute("COMMENT ON COLUMN t.b IS '  '")
    assert schema_doc.missing_comments(con) == ["column t.b"]  # blank is missing


def test_the_catalog_frame_is_complete(sample_db_path):
    con = analysis.connect(sample_db_path, read_only=True)
    try:
        catalog = schema_doc.schema_frame(con)
        expected = con.execute("""SELECT table_name, count(*) FROM duckdb_columns()
                                  WHERE schema_name = 'main' AND NOT internal GROUP BY ALL""").fetchall()
    finally:
        con.close()
    assert dict(catalog.groupby("object_name").size()) == dict(expected)
    assert list(catalog.drop_duplicates("object_name")["object_type"])[:7] == ["table"] * 7
    assert list(catalog[catalog.object_name == "articles"]["column_name"])[:3] == ["article_id", "document_id", "outlet"]


def test_schema_command_prints_columns_types_and_comments(sample_db_path):
    result = run(sample_db_path, "schema", "sightings", "coverage_calendar")
    assert result.exit_code == 0, result.output
    text = result.output
    assert text.startswith("sightings (table)\n  Which page showed which headline")
    assert "seen_at" in text and "TIMESTAMP WITH TIME ZONE" in text and "Crawl time of the page" in text
    assert "coverage_calendar (view)" in text and "in_span" in text and "BOOLEAN" in text
    assert "articles (table)" not in text


def test_schema_command_markdown_and_unknown_names(sample_db_path):
    result = run(sample_db_path, "schema", "--markdown", "headlines")
    assert result.exit_code == 0
    assert "| `headlines` |" in result.output and "| `n_sightings` | BIGINT | Number of ticker slots that showed it. |" in result.output
    result = run(sample_db_path, "schema", "no_such_thing")
    assert result.exit_code == 2 and "no table or view named no_such_thing" in result.output


def test_update_readme_rewrites_only_the_block(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"# title\n\n## Schema\n\n{schema_doc.START}\nstale\n{schema_doc.END}\n\n## After\ntext\n",
                      encoding="utf-8")
    assert schema_doc.update_readme(readme) is True
    text = readme.read_text(encoding="utf-8")
    assert text.startswith("# title\n\n## Schema\n\n" + schema_doc.START + "\nGenerated from the database catalog")
    assert text.endswith(schema_doc.END + "\n\n## After\ntext\n") and "stale" not in text
    assert "| `articles` |" in text
    assert schema_doc.update_readme(readme) is False
    readme.write_text("no markers here", encoding="utf-8")
    with pytest.raises(ValueError, match="markers"):
        schema_doc.update_readme(readme)
