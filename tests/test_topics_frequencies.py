"""topic_frequencies / topic_top on a database whose every count is known (topics_fixtures.PLAN)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import topics_fixtures as fx

from analysis import trends
from analysis.errors import NotFound
from analysis.topics.frequencies import COLUMNS, topic_frequencies, topic_top


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    """Read by every test here (the headline test writes to its own copy)."""
    import analysis

    con = analysis.connect(tmp_path_factory.mktemp("freq") / "freq.duckdb")
    fx.synthetic(con)
    yield con
    con.close()


def cell(frame, week, topic, group=None):
    rows = frame[(frame["period"] == pd.Timestamp(week)) & (frame["topic"] == topic)]
    if group is not None:
        rows = rows[rows["group"] == group]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def test_weekly_stories_count_each_story_once(db):
    frame = topic_frequencies(db, freq="week")
    assert list(frame.columns) == COLUMNS
    w1, w2, w3 = fx.WEEKS
    assert (cell(frame, w1, "football")["n_documents"], cell(frame, w1, "football")["n_total"]) == (2, 4)
    assert cell(frame, w1, "economy")["n_documents"] == 1
    # articles 6 and 7 are one story: health has 2 stories of 3 in week 2
    assert (cell(frame, w2, "health")["n_documents"], cell(frame, w2, "health")["n_total"]) == (2, 3)
    assert cell(frame, w2, "health")["share"] == pytest.approx(2 / 3)
    assert cell(frame, w3, "football")["n_documents"] == 2
    # zeros are rows too, so every series has every period
    assert cell(frame, w3, "health")["n_documents"] == 0
    assert len(frame) == 3 * 3  # 3 weeks x the 3 topics that occur
    assert list(frame["topic"].unique()) == ["economy", "health", "football"]  # taxonomy file order


def test_placements_count_every_copy(db):
    frame = topic_frequencies(db, freq="week", unit="placements")
    health = cell(frame, fx.WEEKS[1], "health")
    assert (health["n_documents"], health["n_total"]) == (3, 4)


def test_any_score_counts_secondary_topics(db):
    frame = topic_frequencies(db, freq="week", primary_only=False)
    assert cell(frame, fx.WEEKS[0], "economy")["n_documents"] == 2   # article 3, and article 2's secondary
    assert cell(frame, fx.WEEKS[0], "health")["n_documents"] == 1    # article 4's secondary


def test_by_outlet_and_incomplete_flags_match_the_shared_totals(db):
    frame = topic_frequencies(db, freq="week", by="outlet")
    football_a = cell(frame, fx.WEEKS[0], "football", "A")
    assert (football_a["n_documents"], football_a["n_total"]) == (2, 2)
    assert cell(frame, fx.WEEKS[0], "economy", "B")["n_documents"] == 1
    totals = trends.period_totals(db, freq="week", by="outlet")
    merged = frame.merge(totals, on=["period", "group"], suffixes=("", "_t"))
    assert (merged["n_total"] == merged["n_documents_t"]).all()
    assert (merged["incomplete"] == merged["incomplete_t"]).all()
    assert set(frame.loc[frame["incomplete"], "period"]) == {pd.Timestamp(fx.WEEKS[0]), pd.Timestamp(fx.WEEKS[2])}


def test_topics_by_id_or_label_in_any_language_and_date_range(db):
    frame = topic_frequencies(db, freq="month", topics=["Santé", "FOOTBALL"], start="2024-01-08",
                              end=dt.date(2024, 1, 31))
    assert list(frame["topic"]) == ["health", "football"]
    assert dict(zip(frame["topic"], frame["n_documents"])) == {"health": 2, "football": 2}
    assert set(frame["n_total"]) == {5}   # 5 stories dated 8..16 January
    with pytest.raises(NotFound, match="no taxonomy topic called"):
        topic_frequencies(db, freq="week", topics=["astrology"])


def test_headlines_are_counted_on_the_days_they_were_seen(fresh_db):
    db = fresh_db
    fx.synthetic(db)
    db.execute("INSERT INTO headlines VALUES (1, 'Le Raja bat le Wydad', 'fr', NULL, NULL, 2), "
               "(2, 'Le dirham recule', 'fr', NULL, NULL, 1)")
    db.execute("INSERT INTO sightings VALUES (100, 1, 1, TIMESTAMPTZ '2024-01-02 10:00:00+00', 'option'), "
               "(100, 1, 2, TIMESTAMPTZ '2024-01-03 10:00:00+00', 'option'), "
               "(100, 2, 3, TIMESTAMPTZ '2024-01-03 11:00:00+00', 'option')")
    db.execute("INSERT INTO headline_topics VALUES (1, 'football', 6.0, true), (2, 'economy', 3.0, true)")
    frame = topic_frequencies(db, freq="day", documents="headlines")
    day3 = frame[frame["period"] == pd.Timestamp("2024-01-03")].set_index("topic")
    assert day3.loc["football", "n_documents"] == 1 and day3.loc["economy", "n_documents"] == 1
    assert set(day3["n_total"]) == {2}
    with pytest.raises(ValueError, match="taxonomy topics only"):
        topic_frequencies(db, freq="day", documents="headlines", source="model")


def test_top_ranks_over_the_whole_range(db):
    top = topic_top(db)
    assert list(top["topic"]) == ["football", "economy", "health"]   # ties by topic id
    assert list(top["n_documents"]) == [4, 2, 2]
    assert set(top["n_total"]) == {9}   # 10 dated articles, 9 stories
    by_lang = topic_top(db, by="lang", limit=1)
    assert dict(zip(by_lang["group"], by_lang["topic"])) == {"ar": "economy", "fr": "football"}


def test_empty_database_gives_an_empty_frame_with_the_columns(fresh_db):
    frame = topic_frequencies(fresh_db, freq="week")
    assert frame.empty and list(frame.columns) == COLUMNS


@pytest.mark.parametrize("kwargs, message", [
    ({"freq": "year"}, "freq must be"), ({"source": "llm"}, "source must be"),
    ({"unit": "words"}, "unit must be"), ({"by": "author"}, "by must be"),
])
def test_bad_options_are_clear_errors(db, kwargs, message):
    with pytest.raises(ValueError, match=message):
        topic_frequencies(db, **{"freq": "week", **kwargs})


def test_submodules_are_modules_whatever_was_imported_first():
    import importlib
    import types

    topics = importlib.import_module("analysis.topics")
    assert callable(topics.topic_frequencies)
    import analysis.bursts as bursts_module
    import analysis.topics.evaluate as evaluate_module

    assert isinstance(bursts_module, types.ModuleType) and isinstance(evaluate_module, types.ModuleType)
    assert callable(bursts_module.detect_bursts) and callable(evaluate_module.evaluate)
    assert callable(topics.topic_frequencies)
