"""The entity and topic sections of a report, on the enriched sample, checked against SQL."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner

import analysis
from analysis.cli import cli

W51 = {"start": dt.date(2016, 12, 19), "end": dt.date(2016, 12, 25)}


@pytest.fixture(scope="module")
def report(enriched_sample_db, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("enriched-reports")
    result = CliRunner().invoke(cli, ["--db", str(enriched_sample_db), "report", "--at", "2016-W51", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out / "2016-W51"


def rows(db: Path, sql: str, params=None):
    con = analysis.connect(db, read_only=True)
    try:
        return con.execute(sql, params or {}).fetchall()
    finally:
        con.close()


def read_csv(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_sections_appear_with_their_data(report):
    html = (report / "index.html").read_text(encoding="utf-8")
    assert '<section id="entities">' in html and '<section id="topics">' in html
    assert html.index('id="entities"') < html.index('id="volume"')  # the news first, the plumbing after
    assert '<svg class="spark"' in html  # sparklines
    assert "Bursts in 2016-W51" in html
    md = (report / "report.md").read_text(encoding="utf-8")
    assert "## Top entities" in md and "## Topics" in md


def test_top_entities_count_stories_as_sql_does(report, enriched_sample_db):
    top = read_csv(report / "entities_top.csv")
    counts = dict(rows(enriched_sample_db, """
        SELECT e.name, count(DISTINCT coalesce(s.story_id, -a.article_id))
        FROM mentions m JOIN articles a ON a.article_id = m.article_id
        LEFT JOIN article_stories s ON s.article_id = a.article_id JOIN entities e ON e.entity_id = m.entity_id
        WHERE a.published_date BETWEEN $start AND $end GROUP BY e.name""", W51))
    assert len(top) == 10
    assert int(top[0]["n_documents"]) == max(counts.values())
    for row in top:
        assert int(row["n_documents"]) == counts[row["entity"]], row["entity"]


def test_new_entities_were_never_named_before(report, enriched_sample_db):
    new = read_csv(report / "entities_new.csv")
    for row in new:
        first = rows(enriched_sample_db, """SELECT min(a.published_date) FROM mentions m
                                            JOIN articles a ON a.article_id = m.article_id WHERE m.entity_id = $id""",
                     {"id": row["entity_id"]})[0][0]
        assert first >= W51["start"] and int(row["n_documents"]) >= 2


def test_topic_shares_match_sql(report, enriched_sample_db):
    top = read_csv(report / "topics_top.csv")
    total, = rows(enriched_sample_db, """
        SELECT count(DISTINCT coalesce(s.story_id, -a.article_id)) FROM articles a
        LEFT JOIN article_stories s USING (article_id) WHERE a.published_date BETWEEN $start AND $end""", W51)[0]
    first = top[0]
    n, = rows(enriched_sample_db, """
        SELECT count(DISTINCT coalesce(s.story_id, -a.article_id)) FROM articles a
        LEFT JOIN article_stories s USING (article_id)
        JOIN article_topics t ON t.article_id = a.article_id AND t.is_primary
        JOIN topics tp ON tp.topic_id = t.topic_id AND tp.source = 'taxonomy'
        WHERE a.published_date BETWEEN $start AND $end AND tp.label = $label""", W51 | {"label": first["label"]})[0]
    assert int(first["n_documents"]) == n
    assert float(first["share"]) == pytest.approx(100 * n / total, abs=1e-3)


def test_a_report_filtered_by_outlet_and_language_explains_the_missing_sections(enriched_sample_db, tmp_path):
    result = CliRunner().invoke(cli, ["--db", str(enriched_sample_db), "report", "--at", "2016-W51", "--lang", "ar",
                                      "--outlet", "Jawhara FM", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    (folder,) = [p for p in tmp_path.iterdir() if p.is_dir()]
    html = (folder / "index.html").read_text(encoding="utf-8")
    assert 'id="entities"' not in html and "by outlet or by language, not both" in html


def test_a_language_filtered_report_counts_that_language_only(enriched_sample_db, tmp_path):
    result = CliRunner().invoke(cli, ["--db", str(enriched_sample_db), "report", "--at", "2016-W51", "--lang", "fr",
                                      "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    (folder,) = [p for p in tmp_path.iterdir() if p.is_dir()]
    top = read_csv(folder / "entities_top.csv")
    counts = dict(rows(enriched_sample_db, """
        SELECT e.name, count(DISTINCT coalesce(s.story_id, -a.article_id))
        FROM mentions m JOIN articles a ON a.article_id = m.article_id
        LEFT JOIN article_stories s ON s.article_id = a.article_id JOIN entities e ON e.entity_id = m.entity_id
        WHERE a.published_date BETWEEN $start AND $end AND a.lang = 'fr' GROUP BY e.name""", W51))
    assert top and all(int(r["n_documents"]) == counts[r["entity"]] for r in top)
