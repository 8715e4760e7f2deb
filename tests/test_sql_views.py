"""The analysis views: every view runs on the sample with documented columns, and the core
views (article_overview, headline_lifespans, coverage_calendar) agree with an independent
computation from the base tables."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

import analysis
from analysis.query.schema_doc import schema_frame

DOCS = Path(__file__).resolve().parents[1] / "docs" / "sql.md"
CORE_VIEWS = {
    "article_overview": ["article_id", "published_date", "outlet", "lang", "title", "category", "format", "site",
                         "n_chars", "topic_id", "topic_label", "topic_score", "model_topic_id", "model_topic_label",
                         "story_id", "story_size"],
    "headline_lifespans": ["headline_id", "text", "lang", "first_seen", "last_seen", "span_days", "days_on_ticker",
                           "n_pages", "n_sightings", "best_position", "sites", "censored"],
    "coverage_calendar": ["day", "kind", "source", "n_documents", "in_span"],
}


@pytest.fixture(scope="module")
def con(sample_db_path):
    con = analysis.connect(sample_db_path, read_only=True)
    yield con
    con.close()


def frame(con, sql, params=None) -> pd.DataFrame:
    return con.execute(sql, params).df() if params else con.execute(sql).df()


def test_every_view_runs_and_returns_its_documented_columns(con):
    catalog = schema_frame(con)
    views = catalog[catalog["object_type"] == "view"]
    assert set(CORE_VIEWS) <= set(views["object_name"])
    for name, documented in views.groupby("object_name"):
        result = con.execute(f'SELECT * FROM "{name}" LIMIT 5')
        returned = [d[0] for d in result.description]
        result.fetchall()
        assert returned == list(documented["column_name"]), name


@pytest.mark.parametrize("view", CORE_VIEWS)
def test_core_view_columns_are_stable_and_described_in_the_docs(con, view):
    columns = list(schema_frame(con, names=[view])["column_name"])
    assert columns == CORE_VIEWS[view]
    docs = DOCS.read_text(encoding="utf-8")
    section = docs.split(f"### `{view}`", 1)[1].split("\n### ", 1)[0]
    described = re.findall(r"^\| `([a-z_]+)` \|", section, flags=re.M)
    assert described == CORE_VIEWS[view]


def test_coverage_calendar_has_the_zero_days(con):
    cal = frame(con, "SELECT * FROM coverage_calendar")
    articles = frame(con, "SELECT outlet, published_date AS day FROM articles WHERE published_date IS NOT NULL")
    # every article is counted once, on its day
    assert cal.loc[cal.kind == "articles", "n_documents"].sum() == len(articles)
    for kind, group in cal.groupby("kind"):
        days = pd.date_range(group.day.min(), group.day.max(), freq="D")
        # every source has one row per day of the kind's whole range: the zeros are rows
        sizes = group.groupby(group.source.fillna("<NULL>")).size()
        assert (sizes == len(days)).all(), kind
        assert not group.duplicated(["source", "day"]).any()
    zeros = cal[(cal.kind == "articles") & (cal.n_documents == 0)]
    assert len(zeros) > 0 and zeros.in_span.any() and (~zeros.in_span).any()
    # one outlet in detail, from the base table
    outlet = "Liberté"
    mine = cal[(cal.kind == "articles") & (cal.source == outlet)].set_index("day")
    counts = articles[articles.outlet == outlet].groupby("day").size()
    assert (mine.loc[mine.n_documents > 0, "n_documents"] == counts.reindex(mine.index[mine.n_documents > 0])).all()
    assert mine.loc[mine.in_span].index.min() == counts.index.min()
    assert mine.loc[mine.in_span].index.max() == counts.index.max()
    assert mine.loc[~mine.in_span, "n_documents"].eq(0).all()


def test_coverage_calendar_pages_match_the_crawls(con):
    cal = frame(con, "SELECT * FROM coverage_calendar WHERE kind = 'pages'")
    pages = frame(con, """SELECT site || '/' || coalesce(edition_lang, 'unknown') AS source, CAST(crawled_at AS DATE) AS day
                          FROM documents WHERE format = 'page' AND status <> 'rejected' AND crawled_at IS NOT NULL""")
    assert cal.n_documents.sum() == len(pages)
    expected = pages.groupby(["source", "day"]).size()
    got = cal[cal.n_documents > 0].set_index(["source", "day"]).n_documents
    assert got.sort_index().to_dict() == expected.sort_index().to_dict()


def test_headline_lifespans_agree_with_the_sightings(con):
    spans = frame(con, "SELECT * FROM headline_lifespans").set_index("headline_id")
    seen = frame(con, "SELECT s.*, d.site FROM sightings s JOIN documents d USING (document_id)")
    assert set(spans.index) == set(seen.headline_id)
    grouped = seen.groupby("headline_id")
    pd.testing.assert_series_equal(spans.first_seen.sort_index(), grouped.seen_at.min().sort_index(), check_names=False)
    pd.testing.assert_series_equal(spans.last_seen.sort_index(), grouped.seen_at.max().sort_index(), check_names=False)
    days = grouped.seen_at.apply(lambda s: s.dt.date.nunique())
    assert (spans.days_on_ticker.sort_index() == days.sort_index()).all()
    assert (spans.n_pages.sort_index() == grouped.document_id.nunique().sort_index()).all()
    assert (spans.best_position.sort_index() == grouped.position.min().sort_index()).all()
    hours = (spans.last_seen - spans.first_seen).dt.total_seconds() / 86400
    assert (abs(spans.span_days - hours) < 1e-9).all()
    assert (spans.days_on_ticker <= spans.span_days.apply(int) + 2).all()
    first_day, last_day = seen.seen_at.min().date(), seen.seen_at.max().date()
    censored = (spans.first_seen.dt.date == first_day) | (spans.last_seen.dt.date == last_day)
    assert (spans.censored == censored).all() and spans.censored.any() and (~spans.censored).any()
    one = spans.loc[seen.headline_id.iloc[0]]
    assert list(one.sites) == sorted(seen[seen.headline_id == seen.headline_id.iloc[0]].site.dropna().unique())


def test_article_overview_picks_the_primary_topics(writable_sample):
    con = analysis.connect(writable_sample)
    try:
        ids = [r[0] for r in con.execute("SELECT article_id FROM articles ORDER BY article_id LIMIT 3").fetchall()]
        con.execute("""INSERT INTO topics VALUES ('sport', 'Sport', 'taxonomy', NULL, NULL, 0),
                                                 ('politics', 'Politics', 'taxonomy', NULL, NULL, 1),
                                                 ('model:fr:00', 'match, but, équipe', 'model', 'fr', 'nmf-fr-x', 0)""")
        con.execute("""INSERT INTO article_topics VALUES ($a, 'sport', 3.5, true), ($a, 'politics', 1.0, false),
                                                         ($a, 'model:fr:00', 0.7, true), ($b, 'politics', 0.4, false)""",
                    {"a": ids[0], "b": ids[1]})
        rows = {r["article_id"]: r for r in con.execute("SELECT * FROM article_overview").df().to_dict("records")}
        n_articles = con.execute("SELECT count(*) FROM articles").fetchall()[0][0]
    finally:
        con.close()
    assert len(rows) == n_articles
    first = rows[ids[0]]
    assert (first["topic_id"], first["topic_label"], first["topic_score"]) == ("sport", "Sport", 3.5)
    assert (first["model_topic_id"], first["model_topic_label"]) == ("model:fr:00", "match, but, équipe")
    assert pd.isna(rows[ids[1]]["topic_id"])  # scored, but nothing primary
    assert pd.isna(rows[ids[2]]["topic_id"]) and pd.isna(rows[ids[2]]["model_topic_id"])


def test_article_overview_counts_stories(stories_sample_path):
    con = analysis.connect(stories_sample_path, read_only=True)
    try:
        view = frame(con, "SELECT article_id, story_id, story_size, outlet, lang, published_date FROM article_overview")
        base = frame(con, """SELECT a.article_id, s.story_id, a.outlet, a.lang, a.published_date
                             FROM articles a JOIN article_stories s USING (article_id)""")
    finally:
        con.close()
    merged = view.merge(base, on="article_id", suffixes=("", "_base"))
    assert len(merged) == len(view) == len(base)
    assert (merged.story_id == merged.story_id_base).all()
    sizes = base.groupby("story_id").size()
    assert (merged.story_size == merged.story_id.map(sizes)).all()
    assert (merged.story_size > 1).any()
