"""A file read again replaces what its earlier version brought, never adds to it.

Pages: the real seed page (../shared/corpus/pages, reference only, read in place) cut as a
crawler leaves a page it is still writing, then complete. Exports: records written here.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import analysis
from analysis.ingest.summary import render_summary
from tests.conftest import load_into


def _rows(db: Path, sql: str, params=None):
    con = analysis.connect(db, read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def _rewrite(path: Path, text: str) -> None:
    """New content with a new mtime, as a crawler finishing the file leaves it."""
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(before + 10**9, before + 10**9))


def _half(text: str) -> str:
    """The page as a crawler leaves it mid-write: the ticker and half of the article."""
    return text[: len(text) // 2]


def test_half_written_page_loaded_again_counts_its_sightings_once(tmp_path, seed_text):
    db, page = tmp_path / "p.duckdb", tmp_path / "pages" / "maghress-fr-0001.txt"
    page.parent.mkdir()
    _rewrite(page, _half(seed_text))
    load_into(db, [page.parent], crawled_at="2025-09-06T10:00:00Z")
    fresh = tmp_path / "fresh.duckdb"
    load_into(fresh, [page.parent], crawled_at="2025-09-06T10:00:00Z")  # what the half page alone gives

    _rewrite(page, seed_text)
    result = load_into(db, [page.parent], crawled_at="2025-09-06T12:00:00Z")
    assert result.counts.loaded == 1 and result.counts.superseded == 1 and result.balanced
    assert "1 documents of earlier loads superseded" in render_summary(result)

    # The complete page alone, loaded into an empty database, is what the database now holds.
    whole = tmp_path / "whole.duckdb"
    load_into(whole, [page.parent], crawled_at="2025-09-06T12:00:00Z")
    headlines = "SELECT headline_id, text, n_sightings, first_seen, last_seen FROM headlines ORDER BY 1"
    assert _rows(db, headlines) == _rows(whole, headlines)
    assert max(r[2] for r in _rows(db, headlines)) == 2  # the one headline shown twice in a row, not 4
    assert _rows(db, "SELECT count(*) FROM sightings") == _rows(whole, "SELECT count(*) FROM sightings") == [(48,)]
    assert _rows(db, "SELECT title, body FROM articles") == _rows(whole, "SELECT title, body FROM articles")
    # History stays: the half-read version is kept, superseded by the second load.
    assert _rows(db, "SELECT status, superseded_by, load_id FROM documents ORDER BY document_id") == [
        ("superseded", 2, 1), ("loaded", None, 2)]
    assert _rows(db, "SELECT load_id, n_inputs, n_loaded, n_superseded FROM loads ORDER BY 1") == [
        (1, 1, 1, 0), (2, 1, 1, 1)]
    assert _rows(fresh, "SELECT count(*) FROM articles") == [(1,)]


def test_enrichment_rows_of_a_replaced_article_do_not_dangle(tmp_path, seed_text):
    db, page, other = tmp_path / "e.duckdb", tmp_path / "in" / "a.txt", tmp_path / "in" / "b.txt"
    page.parent.mkdir()
    _rewrite(page, _half(seed_text))
    _rewrite(other, seed_text.replace("L'opinion", "Le Matin"))
    load_into(db, [page.parent])
    con = analysis.connect(db)
    (old, _), (kept, _) = con.execute("SELECT article_id, document_id FROM articles ORDER BY 1").fetchall()
    headline = con.execute("SELECT min(headline_id) FROM headlines").fetchall()[0][0]
    # What the enrichment stages write about both articles, and one story holding both.
    for article in (old, kept):
        con.execute("INSERT INTO mentions VALUES (?, NULL, 'title', 'Q1', 'x', 0, 1, 'registry', 'PER')", [article])
        con.execute("INSERT INTO article_topics VALUES (?, 't', 1.0, true)", [article])
        con.execute("INSERT INTO topic_scored VALUES ('article', ?, 'v', now())", [article])
        con.execute("INSERT INTO entity_done VALUES ('article', ?)", [article])
        con.execute("INSERT INTO article_stories VALUES (?, ?, 1.0)", [article, min(old, kept)])
    con.execute("INSERT INTO stories VALUES (?, ?, 'x', NULL, NULL, 2, 1)", [min(old, kept), min(old, kept)])
    con.execute("INSERT INTO headline_topics VALUES (?, 't', 1.0, true)", [headline])
    con.close()

    _rewrite(page, seed_text)
    load_into(db, [page.parent])
    new = _rows(db, "SELECT article_id FROM articles WHERE article_id NOT IN (?, ?)", [old, kept])
    assert len(new) == 1 and _rows(db, "SELECT count(*) FROM articles") == [(2,)]
    for table, column in (("mentions", "article_id"), ("article_topics", "article_id"), ("topic_scored", "doc_id"),
                          ("entity_done", "doc_id")):
        assert _rows(db, f"SELECT {column} FROM {table} ORDER BY 1") == [(kept,)], table
    # The story lost a member: its other member goes back to the stories stage, to be linked again.
    assert _rows(db, "SELECT count(*) FROM article_stories") == [(0,)]
    assert _rows(db, "SELECT count(*) FROM stories") == [(0,)]
    # A headline still shown keeps its enrichment rows.
    assert _rows(db, "SELECT headline_id FROM headline_topics") == [(headline,)]
    dangling = """SELECT count(*) FROM mentions WHERE article_id NOT IN (SELECT article_id FROM articles)
                  UNION ALL SELECT count(*) FROM article_topics WHERE article_id NOT IN (SELECT article_id FROM articles)
                  UNION ALL SELECT count(*) FROM sightings WHERE document_id NOT IN
                      (SELECT document_id FROM documents WHERE status = 'loaded')"""
    assert _rows(db, dangling) == [(0,), (0,), (0,)]


def test_a_copy_of_a_replaced_page_keeps_its_content(tmp_path, seed_text):
    db, folder = tmp_path / "c.duckdb", tmp_path / "in"
    folder.mkdir()
    _rewrite(folder / "a.txt", seed_text)
    _rewrite(folder / "b.txt", seed_text)  # the same bytes: a duplicate of a.txt
    load_into(db, [folder], crawled_at="2025-09-06")
    _rewrite(folder / "a.txt", seed_text.replace("L'opinion", "Le Matin"))
    load_into(db, [folder], crawled_at="2025-09-07")
    statuses = _rows(db, "SELECT regexp_extract(path, '[ab].txt'), status FROM documents ORDER BY document_id")
    assert statuses == [("a.txt", "superseded"), ("b.txt", "loaded"), ("a.txt", "loaded")]
    # b.txt now holds the article and the sightings a.txt's first version held for both.
    assert _rows(db, "SELECT outlet FROM articles ORDER BY article_id") == [("L'opinion",), ("Le Matin",)]
    assert _rows(db, "SELECT count(*), count(DISTINCT document_id) FROM sightings") == [(96, 2)]
    assert _rows(db, "SELECT max(n_sightings) FROM headlines") == [(4,)]


def test_changed_export_replaces_changed_and_vanished_records(tmp_path):
    db, export = tmp_path / "x.duckdb", tmp_path / "export.jsonl"
    records = [{"id": str(i), "title": f"Titre numéro {i}", "body": f"Le corps de l'article numéro {i}.",
                "url": f"https://example.org/a/{i}", "date": "2024-03-0" + str(i + 1)} for i in range(3)]

    def write(rows):
        _rewrite(export, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))

    write(records)
    load_into(db, [export])
    records[1]["body"] = "Le corps corrigé de l'article numéro 1."
    write(records[:2])  # record 1 edited, record 2 removed
    result = load_into(db, [export])
    assert (result.counts.inputs, result.counts.loaded, result.counts.duplicates, result.counts.superseded) == (2, 1, 1, 2)
    assert _rows(db, "SELECT record, status FROM documents ORDER BY document_id") == [
        (0, "loaded"), (1, "superseded"), (2, "superseded"), (0, "duplicate"), (1, "loaded")]
    assert _rows(db, "SELECT body FROM articles ORDER BY url") == [
        ("Le corps de l'article numéro 0.",), ("Le corps corrigé de l'article numéro 1.",)]
    assert load_into(db, [export]).files_unchanged == 1


def test_database_made_before_superseding_is_upgraded(tmp_path, seed_text):
    db, page = tmp_path / "old.duckdb", tmp_path / "in" / "a.txt"
    page.parent.mkdir()
    _rewrite(page, _half(seed_text))
    load_into(db, [page.parent])
    con = analysis.connect(db)
    # The documents table as it was: no superseded status, no superseded_by column.
    con.execute("""CREATE TABLE old_documents AS SELECT * EXCLUDE (superseded_by, crawl_source) FROM documents;
                   DROP TABLE documents;
                   CREATE TABLE documents (document_id BIGINT PRIMARY KEY, path VARCHAR NOT NULL, record BIGINT NOT NULL,
                       sha256 VARCHAR NOT NULL, bytes BIGINT NOT NULL, format VARCHAR NOT NULL,
                       parser_version VARCHAR NOT NULL, load_id INTEGER NOT NULL,
                       status VARCHAR NOT NULL CHECK (status IN ('loaded', 'duplicate', 'rejected')),
                       duplicate_of BIGINT, edition_lang VARCHAR, site VARCHAR, crawled_at TIMESTAMPTZ,
                       n_headlines INTEGER NOT NULL, warnings VARCHAR[] NOT NULL,
                       CHECK ((status = 'duplicate') = (duplicate_of IS NOT NULL)));
                   INSERT INTO documents SELECT * FROM old_documents; DROP TABLE old_documents;""")
    con.close()
    _rewrite(page, seed_text)
    assert load_into(db, [page.parent]).counts.superseded == 1
    assert _rows(db, "SELECT status FROM documents ORDER BY 1") == [("loaded",), ("superseded",)]
    assert _rows(db, "SELECT comment FROM duckdb_columns() WHERE table_name = 'documents' "
                     "AND column_name = 'superseded_by'")[0][0].startswith("For superseded documents")


def _stories(db: Path) -> tuple:
    """Story partitions by content (ids differ between databases), and the summaries' totals."""
    con = analysis.connect(db, read_only=True)
    try:
        return (sorted(r[0] for r in con.execute("""SELECT list(a.content_sha256 ORDER BY a.content_sha256)
                       FROM article_stories JOIN articles a USING (article_id) GROUP BY story_id""").fetchall()),
                sorted(r[0] for r in con.execute("""SELECT list(h.text ORDER BY h.text)
                       FROM headline_stories JOIN headlines h USING (headline_id) GROUP BY story_id""").fetchall()),
                con.execute("SELECT count(*), sum(n_placements), sum(n_outlets) FROM stories").fetchall(),
                con.execute("SELECT count(*), sum(n_sightings), min(first_seen), max(last_seen) FROM ticker_stories").fetchall())
    finally:
        con.close()


def test_stories_after_a_page_is_replaced_equal_a_fresh_build(tmp_path, sample_copy):
    from analysis import enrich

    def build(db):
        load_into(db, [sample_copy])
        con = analysis.connect(db)
        enrich.run(con, stages=["stories"], progress=False, workers=1)
        con.close()

    db = tmp_path / "s.duckdb"
    build(db)
    # A page whose article shares a story with others, edited by its outlet after the first load.
    path = _rows(db, """SELECT d.path FROM articles a JOIN documents d USING (document_id)
                        JOIN article_stories s USING (article_id) WHERE d.format = 'page'
                        ORDER BY (SELECT count(*) FROM article_stories t WHERE t.story_id = s.story_id) DESC,
                                 a.article_id LIMIT 1""")[0][0]
    text = Path(path).read_text(encoding="utf-8")
    end = text.rindex("\n\n")
    _rewrite(Path(path), text[:end] + "\nUne phrase ajoutée par la rédaction après coup." + text[end:])
    build(db)
    fresh = tmp_path / "fresh.duckdb"
    build(fresh)
    assert _stories(db) == _stories(fresh)


def test_changed_archive_replaces_changed_and_vanished_members(tmp_path, seed_text):
    import zipfile

    db, archive = tmp_path / "z.duckdb", tmp_path / "pages.zip"

    def write(members: dict[str, str]) -> None:
        before = archive.stat().st_mtime_ns if archive.exists() else 0
        with zipfile.ZipFile(archive, "w") as z:
            for name, text in members.items():
                z.writestr(name, text)
        os.utime(archive, ns=(before + 10**9, before + 10**9))

    write({"a.txt": seed_text, "b.txt": seed_text.replace("L'opinion", "Le Matin"),
           "c.txt": seed_text.replace("L'opinion", "El Watan")})
    load_into(db, [archive], crawled_at="2025-09-06")
    write({"a.txt": seed_text, "b.txt": seed_text.replace("L'opinion", "Libération")})  # b edited, c gone
    result = load_into(db, [archive], crawled_at="2025-09-06")
    assert (result.counts.loaded, result.counts.duplicates, result.counts.superseded) == (1, 1, 2)
    assert _rows(db, "SELECT regexp_extract(path, '!(.*)', 1), status FROM documents ORDER BY document_id") == [
        ("a.txt", "loaded"), ("b.txt", "superseded"), ("c.txt", "superseded"), ("a.txt", "duplicate"),
        ("b.txt", "loaded")]
    assert _rows(db, "SELECT outlet FROM articles ORDER BY article_id") == [("L'opinion",), ("Libération",)]
    assert _rows(db, "SELECT count(*) FROM sightings") == [(96,)]
