"""The search index stays in step with its database: incremental updates, refusal or rebuild
when it holds articles the database lacks or misses some, and a crash before a commit."""

from __future__ import annotations

import itertools
import json
import shutil
import subprocess
import sys

import duckdb
import pytest
import tantivy

import analysis
from analysis.errors import InvalidArgument
from analysis.ingest import load
from analysis.search import IndexOutOfStep, matching_ids, open_index, rebuild_index
from analysis.search.index import article_documents, coverage, index_path
from tests.conftest import load_into, writable_connection


def _slice(corpus, tmp_path, start: int, stop: int):
    path = tmp_path / f"winer-{start}-{stop}.jsonl"
    with open(corpus / "winer-fr" / "winer_fr_2016_2017.jsonl", encoding="utf-8") as src:
        path.write_text("".join(itertools.islice(src, start, stop)), encoding="utf-8")
    return str(path)


@pytest.fixture(scope="module")
def base(tmp_path_factory, corpus):
    folder = tmp_path_factory.mktemp("base")
    load_into(folder / "a.duckdb", [_slice(corpus, folder, 0, 120), corpus / "pages"])
    return folder / "a.duckdb"


@pytest.fixture
def db(base, tmp_path):
    """A fresh copy of the base database, without an index."""
    with writable_connection(base, tmp_path) as con:
        yield con


def _n_articles(con) -> int:
    return con.execute("SELECT count(*) FROM articles").fetchall()[0][0]


def test_index_lives_beside_the_database_and_follows_new_loads(db, tmp_path, corpus):
    idx = open_index(db)
    assert idx.path == tmp_path / "a.duckdb.search"
    cov = coverage(idx)
    assert cov.n_articles == _n_articles(db) == 121
    assert cov.n_headlines == db.execute("SELECT count(*) FROM headlines").fetchall()[0][0] > 0
    assert len(matching_ids(db, "maroc", headlines=True)) > 0
    before = set(matching_ids(db, "france").tolist())
    load(db, [_slice(corpus, tmp_path, 120, 300)], workers=1)
    after = set(matching_ids(db, "france").tolist())  # updated on open, not rebuilt
    assert before < after
    assert coverage(open_index(db, rebuild=False)).n_articles == _n_articles(db) == 301


def test_update_and_rebuild_find_the_same_articles(db, tmp_path, corpus):
    open_index(db)
    load(db, [_slice(corpus, tmp_path, 120, 300)], workers=1)
    queries = ["france", '"premier ministre"', "paris -france", "title:maroc OR algérie", "lang:fr date:[2016-01 TO 2016-06]"]
    updated = [set(matching_ids(db, q).tolist()) for q in queries]  # the first 121 articles, then the next 180
    rebuild_index(db)
    assert [set(matching_ids(db, q).tolist()) for q in queries] == updated
    assert all(updated) and max(map(len, updated)) < 301

def test_index_holding_articles_the_database_lacks_is_refused_or_rebuilt(db, tmp_path, corpus):
    big = analysis.connect(tmp_path / "big.duckdb")
    load(big, [_slice(corpus, tmp_path, 0, 200)], workers=1)
    rebuild_index(big)
    big.close()
    shutil.copytree(tmp_path / "big.duckdb.search", index_path(db))  # e.g. a database restored from backup
    with pytest.raises(IndexOutOfStep, match=r"holds 200 articles up to id 200 where the database has 121"):
        open_index(db, rebuild=False)
    assert coverage(open_index(db)).n_articles == 121


def test_index_missing_articles_is_refused_or_rebuilt(db):
    idx = open_index(db)
    writer = idx.index.writer(50_000_000, 1)
    writer.delete_documents_by_query(tantivy.Query.term_query(idx.schema, "id", 7))
    writer.commit()
    writer.wait_merging_threads()
    with pytest.raises(IndexOutOfStep, match="misses some of the database's 121 articles"):
        open_index(db, rebuild=False)
    assert 7 in set(matching_ids(db, "NOT zzzz").tolist())


def test_article_indexed_twice_is_repaired(db):
    """Two processes adding the same articles would index them twice: the check sees more
    articles than the database has, and the repair leaves each once."""
    idx = open_index(db)
    writer = idx.index.writer(50_000_000, 1)
    batch = next(db.sql("SELECT article_id, lang, title, body, outlet, published_date FROM articles "
                        "WHERE article_id IN (3, 5)").to_arrow_reader(10))
    for doc in article_documents(batch):
        writer.add_document(doc)
    writer.commit()
    writer.wait_merging_threads()
    build = json.loads((idx.path / "presswatch-search.json").read_text())["build"]
    with pytest.raises(IndexOutOfStep, match="holds 123 articles"):
        open_index(db, rebuild=False)
    assert coverage(open_index(db)).n_articles == 121
    assert json.loads((idx.path / "presswatch-search.json").read_text())["build"] == build  # repaired, not rebuilt
    assert sorted(matching_ids(db, "NOT zzzz").tolist()) == sorted(r[0] for r in db.execute(
        "SELECT article_id FROM articles").fetchall())


def test_index_of_another_format_is_rebuilt(db):
    idx = open_index(db)
    (idx.path / "presswatch-search.json").write_text(json.dumps({"format": -1}))
    with pytest.raises(IndexOutOfStep, match="no search index"):
        open_index(db, rebuild=False)
    assert coverage(open_index(db)).n_articles == 121


CRASH = """
import os, sys, analysis
from analysis.search import index as ix
con = analysis.connect(sys.argv[1], read_only=True)
idx = ix.open_index(con)
writer = idx.index.writer(50_000_000, 1)
for batch in con.sql("SELECT article_id, lang, title, body, outlet, published_date FROM articles").to_arrow_reader(50):
    for doc in ix.article_documents(batch):
        writer.add_document(doc)
os._exit(9)  # killed before the commit
"""


def test_crash_before_commit_leaves_the_last_commit(db, tmp_path):
    n = coverage(open_index(db)).n_articles
    db.close()
    done = subprocess.run([sys.executable, "-c", CRASH, str(tmp_path / "a.duckdb")], capture_output=True, check=False)
    assert done.returncode == 9
    con = analysis.connect(tmp_path / "a.duckdb", read_only=True)
    try:
        assert coverage(open_index(con, rebuild=False)).n_articles == n  # no duplicates, nothing lost
    finally:
        con.close()


def test_in_memory_database_has_no_index():
    con = duckdb.connect()
    with pytest.raises(InvalidArgument, match="database file"):
        open_index(con)


def test_second_writer_waits_then_says_busy(db):
    from analysis.errors import DatabaseBusy
    from analysis.search.index import open_writer

    idx = open_index(db)
    holder = idx.index.writer(50_000_000, 1)  # e.g. another process updating the index
    with pytest.raises(DatabaseBusy, match="being updated by another process"):
        open_writer(idx, wait=0.3)
    holder.rollback()


def test_state_is_read_once_per_read_only_connection(db, tmp_path, corpus):
    """A read-only connection's database cannot change while it is open (no process may write
    it), so its state is read once; a writable connection sees every load at once."""
    from analysis.search.index import database_state

    assert database_state(db)[0] == 121
    load(db, [_slice(corpus, tmp_path, 120, 130)], workers=1)
    assert database_state(db)[0] == 131
    db.close()
    reader = analysis.connect(tmp_path / "a.duckdb", read_only=True)
    try:
        calls = []
        assert analysis.db.kept(reader, "x", lambda: calls.append(1) or len(calls)) == 1
        assert analysis.db.kept(reader, "x", lambda: calls.append(1) or len(calls)) == 1
        assert database_state(reader)[0] == 131 and open_index(reader).searcher().num_docs > 131
        writer = subprocess.run([sys.executable, "-c", f"import duckdb; duckdb.connect({str(tmp_path / 'a.duckdb')!r})"],
                                capture_output=True, text=True)
        assert writer.returncode != 0 and "lock" in writer.stderr  # the premise: no writer while it reads
    finally:
        reader.close()


def test_unload_repairs_the_index_instead_of_rebuilding_it(db, tmp_path, corpus):
    """Unloading the first of two loads: the index drops exactly its articles and headlines
    (same matches as a fresh rebuild) without being rebuilt (same build marker)."""
    from analysis.ingest.unload import unload

    load(db, [_slice(corpus, tmp_path, 120, 200)], workers=1)
    idx = open_index(db)
    build = json.loads((idx.path / "presswatch-search.json").read_text())["build"]
    queries = ["france", "NOT zzzz", "maroc"]
    unload(db, 1)  # the first load: 120 WiNER articles and the seed page
    repaired = {q: sorted(matching_ids(db, q).tolist()) for q in queries}
    heads = sorted(matching_ids(db, "NOT zzzz", headlines=True).tolist())
    assert json.loads((idx.path / "presswatch-search.json").read_text())["build"] == build
    cov = coverage(open_index(db, rebuild=False))
    assert cov.n_articles == _n_articles(db) == 80
    assert cov.n_headlines == db.execute("SELECT count(*) FROM headlines").fetchall()[0][0]
    rebuild_index(db)
    assert repaired == {q: sorted(matching_ids(db, q).tolist()) for q in queries}
    assert heads == sorted(matching_ids(db, "NOT zzzz", headlines=True).tolist())
    assert repaired["NOT zzzz"] and min(repaired["NOT zzzz"]) > 121


def test_an_update_after_waiting_for_the_writer_adds_nothing_twice(db, tmp_path, corpus):
    """Two processes may find the same new articles; the second takes the writer after the
    first committed them, and must then look again instead of adding them a second time."""
    from analysis.search.index import _update, open_at

    idx = open_index(db)
    stale = coverage(idx)
    load(db, [_slice(corpus, tmp_path, 120, 150)], workers=1)
    other = open_at(idx.path, create=False)  # what another process sees
    assert _update(db, other, coverage(other), progress=False)[0] == 30
    assert _update(db, idx, stale, progress=False)[0] == 0
    assert coverage(open_index(db, rebuild=False)).n_articles == _n_articles(db) == 151
