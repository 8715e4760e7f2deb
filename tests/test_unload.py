"""`presswatch unload LOAD_ID` takes back exactly what one load added."""

from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner

import analysis
from analysis.cli import cli
from analysis.errors import InvalidArgument, NotFound
from analysis.ingest import load
from analysis.ingest.unload import unload

CONTENT = {
    "articles": "SELECT title, published_date, outlet FROM articles",
    "headlines": "SELECT text, n_sightings, first_seen, last_seen FROM headlines",
    "sightings": "SELECT h.text, s.position, s.seen_at FROM sightings s JOIN headlines h USING (headline_id)",
    "mentions": "SELECT m.surface, a.title FROM mentions m JOIN articles a USING (article_id)",
    "topics": "SELECT t.topic_id, a.title FROM article_topics t JOIN articles a USING (article_id)",
}


def content(con) -> dict[str, list]:
    return {name: sorted(map(repr, con.execute(sql).fetchall())) for name, sql in CONTENT.items()}


@pytest.fixture
def parts(tmp_path, sample_copy):
    """Two folders of real sample inputs; the second repeats one page of the first. No crawl
    manifest: a copy inherits its original's sightings, crawl time included, which a load of
    the second folder alone could not know."""
    pages = sorted((sample_copy / "pages").rglob("*.txt"))[:40]
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    for page in pages[:20]:
        shutil.copy(page, first / page.name)
    for page in pages[20:]:
        shutil.copy(page, second / page.name)
    shutil.copy(pages[0], second / ("copy-" + pages[0].name))
    shutil.copy(sample_copy / "wikinews-en.csv", second / "wikinews-en.csv")
    return first, second


def enrich_all(con) -> None:
    from analysis import enrich

    enrich.run(con, stages=["topics", "entities"], progress=False, options={"entities": {"mode": "registry"}})


def test_unloading_the_first_of_two_loads_leaves_what_the_second_alone_gives(tmp_path, parts):
    first, second = parts
    both = analysis.connect(tmp_path / "both.duckdb")
    load(both, [str(first)])
    load(both, [str(second)])
    enrich_all(both)
    gone = unload(both, 1)
    enrich_all(both)  # an article handed to a later copy has no enrichment yet
    alone = analysis.connect(tmp_path / "alone.duckdb")
    load(alone, [str(second)])
    enrich_all(alone)
    assert gone.documents == 20 and gone.files == 20 and gone.articles > 10 and gone.sightings > 0
    assert content(both) == content(alone)
    for table in ("documents", "rejects", "files", "loads"):
        assert both.execute(f"SELECT count(*) FROM {table} WHERE load_id = 1").fetchall() == [(0,)]
    # loading the first folder again reads its files: nothing was left behind marked as done
    again = load(both, [str(first)])
    assert again.files_unchanged == 0 and again.counts.loaded > 0
    both.close()
    alone.close()


def test_unknown_and_replacing_loads_are_refused(tmp_path, parts):
    first, _ = parts
    con = analysis.connect(tmp_path / "db.duckdb")
    load(con, [str(first)])
    with pytest.raises(NotFound, match="no load 7"):
        unload(con, 7)
    page = sorted(first.glob("*.txt"))[0]
    page.write_bytes(page.read_bytes() + b"\nMore text.")
    load(con, [str(first)])  # load 2 supersedes that page of load 1
    with pytest.raises(InvalidArgument, match="replaced 1 document"):
        unload(con, 2)
    con.close()


def test_cli_unload_says_what_went(tmp_path, parts):
    first, second = parts
    db = tmp_path / "db.duckdb"
    runner = CliRunner()
    for folder in (first, second):
        result = runner.invoke(cli, ["load", "--db", str(db), "--no-progress", "--workers", "1", str(folder)])
        assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["unload", "2", "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "unloaded load 2:" in result.output
    assert runner.invoke(cli, ["unload", "9", "--db", str(db)]).exit_code == 2
