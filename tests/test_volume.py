"""Volume, coverage and ticker frames against counts computed independently in SQL."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

import analysis
from analysis import trends, volume

W48 = {"start": dt.date(2016, 11, 28), "end": dt.date(2016, 12, 4)}
Q4 = {"start": dt.date(2016, 10, 1), "end": dt.date(2016, 12, 31)}


@pytest.fixture(scope="module")
def con(sample_db_path):
    con = analysis.connect(sample_db_path, read_only=True)
    yield con
    con.close()


def rows(con, sql, params=None):
    return con.execute(sql, params or {}).fetchall()


def test_article_volume_matches_sql_per_day_outlet_and_language(con):
    frame = volume.article_volume(con, freq="day", **W48)
    expected = rows(con, """SELECT published_date, outlet, lang, count(*) FROM articles
                            WHERE published_date BETWEEN $start AND $end GROUP BY ALL""", W48)
    got = {(r.period.date() if hasattr(r.period, "date") else r.period, r.outlet if isinstance(r.outlet, str) else None,
            r.lang): r.n_placements for r in frame.itertuples()}
    assert got == {(d, o, lang): n for d, o, lang, n in expected}
    # no stories stage has run on the plain sample: every article is its own story
    assert (frame["n_stories"] == frame["n_placements"]).all()


def test_article_volume_filters_by_language_and_outlet(con):
    arabic = volume.article_volume(con, freq="week", langs=["ar"], **Q4)
    assert set(arabic["lang"]) == {"ar"}
    assert arabic["n_placements"].sum() == rows(con, """SELECT count(*) FROM articles WHERE lang = 'ar'
                                                       AND published_date BETWEEN $start AND $end""", Q4)[0][0]
    one = volume.article_volume(con, freq="month", outlets=["Jawhara FM"], **Q4)
    assert set(one["outlet"]) == {"Jawhara FM"} and len(one) == 3  # Oct, Nov, Dec


def test_stories_count_syndicated_copies_once(enriched_sample_db):
    con = analysis.connect(enriched_sample_db, read_only=True)
    try:
        frame = volume.article_volume(con, freq="month", **Q4)
        expected = rows(con, """SELECT count(DISTINCT coalesce(s.story_id, -a.article_id)) FROM articles a
                                LEFT JOIN article_stories s USING (article_id)
                                WHERE a.published_date BETWEEN $start AND $end AND a.outlet = 'Jawhara FM'""", Q4)[0][0]
        assert frame.loc[frame["outlet"] == "Jawhara FM", "n_stories"].sum() == expected
        assert (frame["n_stories"] <= frame["n_placements"]).all()
        top = volume.top_articles(con, limit=50, **Q4)
        stories = rows(con, "SELECT article_id, story_id FROM article_stories WHERE list_contains($ids, article_id)",
                       {"ids": [int(i) for i in top["article_id"]]})
        assert len({s for _, s in stories}) == len(top)  # one row per story
        assert top["n_placements"].is_monotonic_decreasing
        assert top["n_placements"].iloc[0] == rows(con, """SELECT max(n_placements) FROM stories s
            JOIN articles a ON a.article_id = s.first_article_id WHERE a.published_date BETWEEN $start AND $end""", Q4)[0][0]
    finally:
        con.close()


def test_coverage_has_explicit_zeros_and_the_right_totals(con):
    frame = volume.coverage(con, freq="week", **Q4)
    n_weeks = len(pd.date_range("2016-09-26", "2016-12-26", freq="7D"))
    assert len(frame) == frame["group"].nunique() * n_weeks
    assert (frame["n"] == 0).any()
    total = rows(con, "SELECT count(*) FROM articles WHERE published_date BETWEEN $start AND $end", Q4)[0][0]
    assert frame["n"].sum() == total
    pages = volume.coverage(con, freq="month", basis="crawled")
    assert pages["n"].sum() == rows(con, "SELECT count(*) FROM documents WHERE format = 'page' AND crawled_at IS NOT NULL")[0][0]
    assert set(pages["period"].astype(str).str[:7]) == {"2016-10", "2016-11", "2016-12"}
    with pytest.raises(ValueError, match="basis"):
        volume.coverage(con, basis="ticker")


def test_newest_ticker_headlines_are_first_seen_in_the_window(con):
    frame = volume.ticker_headlines(con, order="newest", limit=500, **W48)
    expected = rows(con, """SELECT count(*) FROM headlines
                            WHERE CAST(first_seen AS DATE) BETWEEN $start AND $end""", W48)[0][0]
    assert len(frame) == expected
    assert frame["first_seen"].is_monotonic_decreasing
    firsts = frame["first_seen"].dt.date
    assert firsts.between(W48["start"], W48["end"]).all()


def test_longest_lived_headlines_and_censoring(con):
    frame = volume.ticker_headlines(con, order="longest", limit=20, **W48)
    assert frame["hours"].is_monotonic_decreasing
    hours = (frame["last_seen"] - frame["first_seen"]).dt.total_seconds() / 3600
    assert (hours.round(1) == frame["hours"]).all()
    lo, hi = rows(con, "SELECT min(seen_at), max(seen_at) FROM sightings")[0]
    lives = volume.headline_lifespans(con)
    censored = (lives["first_seen"] == pd.Timestamp(lo)) | (lives["last_seen"] == pd.Timestamp(hi))
    assert (lives["censored"] == censored).all() and 0 < lives["censored"].sum() < len(lives)
    assert len(lives) == rows(con, "SELECT count(*) FROM headlines WHERE first_seen IS NOT NULL")[0][0]


def test_ticker_language_mix_shares_add_up(con):
    frame = volume.ticker_language_mix(con, freq="day", **W48)
    assert frame.groupby("period")["share"].sum().round(9).eq(1).all()
    slots = rows(con, "SELECT count(*) FROM sightings WHERE CAST(seen_at AS DATE) BETWEEN $start AND $end", W48)[0][0]
    assert frame["n_sightings"].sum() == slots
    arabic = volume.ticker_language_mix(con, freq="week", langs=["ar"], **W48)
    assert set(arabic["lang"]) == {"ar"} and arabic["share"].eq(1).all()


def test_top_articles_count_ticker_sightings_of_their_title(con):
    frame = volume.top_articles(con, limit=5, **W48)
    best = frame.iloc[0]
    expected = rows(con, "SELECT sum(n_sightings) FROM headlines WHERE lower(text) = lower($t)", {"t": best["title"]})[0][0]
    assert best["n_ticker_sightings"] == expected and expected > 0
    assert frame["n_ticker_sightings"].is_monotonic_decreasing  # all placements are 1 without stories


def test_a_window_does_not_mark_its_own_last_period_incomplete(con):
    """trends.period_totals flags the first and last period *of the data*; a window that ends on
    a full week of the data must not flag that week (it would hide bursts in the report's week)."""
    window = trends.period_totals(con, freq="week", start="2016-10-01", end="2016-12-04")
    last = window[window["period"] == window["period"].max()]
    assert not last["incomplete"].any()
    whole = trends.period_totals(con, freq="week")
    assert whole.loc[whole["period"] == whole["period"].max(), "incomplete"].all()
    assert whole.loc[whole["period"] == whole["period"].min(), "incomplete"].all()
