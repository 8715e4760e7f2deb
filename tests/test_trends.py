"""analysis.trends: incomplete periods flagged per group, and the latest window with data.
Real articles (Wikinews, Jawhara FM) on chosen dates: Arabic stops on 2016-11-20 while
English goes on, and nothing at all is published in 2017-2018."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

import analysis
from analysis import trends
from analysis.errors import InvalidArgument
from tests import trends_fixtures as fx


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    con = analysis.connect(tmp_path_factory.mktemp("trends") / "gaps.duckdb")
    fx.gapped(con)
    yield con
    con.close()


def flags(frame: pd.DataFrame, group, month: str) -> bool:
    row = frame[(frame["group"] == group) & (frame["period"] == pd.Timestamp(month))]
    assert len(row) == 1, (group, month)
    return bool(row["incomplete"].iloc[0])


def test_a_group_stopping_mid_month_has_that_month_incomplete_and_the_other_group_not(con):
    frame = trends.period_totals(con, freq="month", by="lang")
    frame["period"] = pd.to_datetime(frame["period"])
    assert flags(frame, "ar", "2016-11-01") is True  # Arabic stops on the 20th
    assert flags(frame, "en", "2016-11-01") is False  # English covers the whole month
    # both start on a month's first day and English stops on a month's last day: nothing partial
    assert not frame.loc[frame["group"] == "en", "incomplete"].any()
    assert flags(frame, "ar", "2016-10-01") is False


def test_per_group_flags_reach_the_topic_frequency_frame(con):
    from analysis.topics import stage, taxonomy
    from analysis.topics.frequencies import topic_frequencies

    stage.sync_taxonomy(con, taxonomy.load_taxonomy())
    con.execute("INSERT INTO article_topics SELECT article_id, 'football', 5.0, true FROM articles WHERE article_id % 3 = 0")
    frame = topic_frequencies(con, freq="month", by="lang")
    november = frame[frame["period"] == pd.Timestamp("2016-11-01")].groupby("group")["incomplete"].all()
    assert november.to_dict() == {"ar": True, "en": False}


def test_weeks_are_flagged_where_a_group_starts_or_stops_inside_them(con):
    frame = trends.period_totals(con, freq="week", by="lang")
    ar = frame[frame["group"] == "ar"].set_index("period")["incomplete"]
    ar.index = pd.to_datetime(ar.index).date
    # 2016-10-01 is a Saturday and 2016-11-20 a Sunday: the first week is partial, the last whole
    assert ar[dt.date(2016, 9, 26)] and not ar[dt.date(2016, 11, 14)]


def test_a_window_does_not_make_its_edges_incomplete(con):
    frame = trends.period_totals(con, freq="month", by="lang", start="2016-11-01", end="2016-11-30")
    assert frame.set_index("group")["incomplete"].to_dict() == {"ar": True, "en": False}


def test_latest_window_ends_on_the_newest_article_and_spans_whole_months(con):
    assert trends.latest_window(con) == (dt.date(2018, 4, 1), dt.date(2019, 3, 31))
    assert trends.latest_window(con, months=3) == (dt.date(2019, 1, 1), dt.date(2019, 3, 31))
    assert trends.latest_window(con, months=30) == (dt.date(2016, 10, 1), dt.date(2019, 3, 31))
    with pytest.raises(InvalidArgument):
        trends.latest_window(con, months=0)


def test_latest_window_of_an_empty_database_is_none(fresh_db):
    assert trends.latest_window(fresh_db) == (None, None)
    assert trends.latest_window(fresh_db, source="headlines") == (None, None)
