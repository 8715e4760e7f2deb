"""The rollups stage: frequencies, totals and views answered from the daily counts equal the
same answers computed from the raw tables, on the enriched sample (real corpus articles), after
another load and enrich, and never come from rollups that went stale."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pandas as pd
import pytest

import analysis
from analysis import enrich, rollups
from analysis.entities import entity_frequencies
from analysis.ingest import load
from analysis.ingest.unload import unload
from analysis.topics import topic_frequencies
from tests.conftest import writable_copy
from tests.trends_fixtures import english_texts

# Windows that start and end inside weeks and months, so a story spread over days is cut.
WINDOWS = [{}, {"start": "2016-10-05", "end": "2016-11-17"}, {"start": "2016-10-12"}, {"end": "2016-12-01"}]
# Whole weeks (Monday to Sunday), whole months, and a window inside one week: the stored periods
# alone, and the day rows alone.
EDGES = [{"start": "2016-10-03", "end": "2016-11-27"}, {"start": "2016-10-01", "end": "2016-11-30"},
         {"start": "2016-11-08", "end": "2016-11-10"}]
VIEWS = {"headline_lifespans": "SELECT * FROM headline_lifespans ORDER BY headline_id",
         "entity_frequencies": "SELECT * FROM entity_frequencies ORDER BY period, entity_id",
         "topic_shares_weekly": "SELECT * FROM topic_shares_weekly ORDER BY period, source, topic_id",
         "topic_shares_monthly": "SELECT * FROM topic_shares_monthly ORDER BY period, source, topic_id"}


def answers(con) -> dict[str, pd.DataFrame]:
    """Every frequency the rollups serve: each period, grouping and unit, with filters and windows."""
    out = {}
    grid = itertools.product(("day", "week", "month"), (None, "lang", "outlet"), ("stories", "placements"))
    for (freq, by, unit), window in itertools.product(grid, WINDOWS[:2]):
        options = {"freq": freq, "by": by, "unit": unit, **window}
        out[f"entities {options}"] = entity_frequencies(con, **options)
        out[f"topics {options}"] = topic_frequencies(con, **options)
        out[f"totals {options}"] = rollups.period_totals(con, **options)
    for window in WINDOWS[2:]:
        out[f"entities PER {window}"] = entity_frequencies(con, freq="week", types=["PER"], top=5, **window)
        out[f"entities named {window}"] = entity_frequencies(con, freq="month", entities=["Maroc", "France"],
                                                             by="lang", **window)
        out[f"topics any {window}"] = topic_frequencies(con, freq="week", primary_only=False, by="outlet", **window)
        out[f"topics model {window}"] = topic_frequencies(con, freq="month", source="model", by="lang",
                                                          unit="placements", **window)
    for (freq, by, unit), window in itertools.product(
            itertools.product(("week", "month"), (None, "lang"), ("stories", "placements")), EDGES):
        options = {"freq": freq, "by": by, "unit": unit, **window}
        out[f"entities {options}"] = entity_frequencies(con, **options)
        out[f"topics {options}"] = topic_frequencies(con, primary_only=False, **options)
        out[f"totals {options}"] = rollups.period_totals(con, **options)
    for name, sql in VIEWS.items():
        out[name] = con.execute(sql).df()
    return out


def assert_same_as_raw(con) -> None:
    """The answers with fresh rollups, then computed from the raw tables."""
    assert rollups.fresh(con)
    fast = answers(con)
    with rollups.bypassed(con):
        assert not rollups.fresh(con)
        raw = answers(con)
    for name, frame in fast.items():
        pd.testing.assert_frame_equal(frame, raw[name], obj=name)


@pytest.fixture
def enriched_copy(enriched_sample_db, tmp_path) -> Path:
    return writable_copy(enriched_sample_db, tmp_path)


def test_rollups_run_after_the_stages_they_count():
    assert list(enrich.STAGES)[-1] == "rollups"


@pytest.mark.parametrize(("freq", "start", "end", "full"), [
    ("week", None, None, (None, None)),
    ("week", "2016-10-03", "2016-11-27", ("2016-10-03", "2016-11-28")),  # Monday to Sunday: all whole
    ("week", "2016-10-05", "2016-11-17", ("2016-10-10", "2016-11-14")),
    ("week", "2016-11-08", "2016-11-10", ("2016-11-14", "2016-11-07")),  # inside one week: none whole
    ("month", "2016-10-01", "2016-11-30", ("2016-10-01", "2016-12-01")),
    ("month", "2016-10-05", "2016-12-31", ("2016-11-01", "2017-01-01")),
    ("month", "2016-12-02", None, ("2017-01-01", None)),
])
def test_window_splits_whole_periods_from_cut_ones(freq, start, end, full):
    params = rollups.window(freq=freq, by=None, start=start, end=end)
    assert (params["full_start"], params["full_end"]) == tuple(x and pd.Timestamp(x).date() for x in full)


def test_days_have_no_stored_periods():
    assert "full_start" not in rollups.window(freq="day", by="lang", start="2016-10-05", end=None)
    assert rollups.sums_days(rollups.window(freq="day", by=None, start=None, end=None))


@pytest.mark.parametrize(("freq", "start", "end", "sums"), [
    ("week", None, None, False), ("week", "2016-10-03", "2016-11-27", False), ("month", None, "2016-11-30", False),
    ("week", "2016-10-04", None, True), ("week", None, "2016-11-26", True), ("month", "2016-11-08", "2016-11-10", True),
])
def test_only_a_cut_period_sums_days(freq, start, end, sums):
    assert rollups.sums_days(rollups.window(freq=freq, by=None, start=start, end=end)) is sums


def test_rollups_answer_as_the_raw_tables_do(enriched_copy):
    con = analysis.connect(enriched_copy)
    try:
        # the sample has stories spread over several days, the case daily counts cannot add up
        assert rollups.fresh(con)
        assert analysis.db.scalar(con, "SELECT count(DISTINCT story_id) FROM rollup_story_days WHERE kind = 'total'") > 0
        assert_same_as_raw(con)
    finally:
        con.close()


def syndicated_export(folder: Path) -> Path:
    """Six Wikinews 2019 articles (CC BY 2.5) run by two wires two days apart: one story each,
    on two days of a week or of two weeks. Dated inside the sample's weeks."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "wires.jsonl"
    days = [("2016-12-05", "2016-12-07"), ("2016-12-10", "2016-12-12"), ("2016-11-29", "2016-12-01")]
    rows = []
    for i, (title, text) in enumerate(english_texts(6)):
        first, second = days[i % len(days)]
        for wire, day in (("Wire A", first), ("Wire B", second)):
            rows.append({"id": f"{wire}-{i}", "title": title, "text": text, "date": day, "source": wire,
                         "lang": "en", "url": f"https://example.org/{wire[-1]}/{i}"})
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_a_load_then_enrich_keeps_them_identical(enriched_copy, tmp_path):
    con = analysis.connect(enriched_copy)
    try:
        load(con, [str(syndicated_export(tmp_path / "inputs"))], workers=1)
        assert not rollups.fresh(con)
        counts = enrich.run(con, progress=False, options={"entities": {"mode": "registry"}})
        assert counts["rollups"]["mode"] == "update"
        spread = analysis.db.scalar(con, """SELECT count(*) FROM rollup_story_days r JOIN article_stories s
            ON s.story_id = r.story_id JOIN articles a USING (article_id) WHERE a.outlet = 'Wire B'
            AND r.kind = 'total' AND r.grouped_by = 'none'""")
        assert spread > 0  # the wires' stories are counted as stories over two days
        assert_same_as_raw(con)
    finally:
        con.close()


def test_stale_rollups_are_not_used(enriched_copy, tmp_path):
    con = analysis.connect(enriched_copy)
    try:
        # Rollups that lie: fresh, they are what the frequencies say ...
        con.execute("UPDATE rollup_days SET n_placements = n_placements + 1000 WHERE kind = 'total'")
        con.execute("UPDATE rollup_periods SET n_placements = n_placements + 1000 WHERE kind = 'total'")
        inflated = rollups.period_totals(con, freq="month", unit="placements")
        raw_total = analysis.db.scalar(con, "SELECT count(*) FROM articles WHERE published_date IS NOT NULL")
        assert inflated["n_documents"].sum() > raw_total
        # ... and once a load changed the articles, nothing reads them
        load(con, [str(syndicated_export(tmp_path / "inputs"))], workers=1)
        assert not rollups.fresh(con)
        totals = rollups.period_totals(con, freq="month", unit="placements")
        new_total = analysis.db.scalar(con, "SELECT count(*) FROM articles WHERE published_date IS NOT NULL")
        assert totals["n_documents"].sum() == new_total == raw_total + 12
        assert con.execute("SELECT count(*) FROM headline_lifespans").fetchall() == \
            con.execute("SELECT count(DISTINCT headline_id) FROM sightings").fetchall()
    finally:
        con.close()


def test_writers_mark_them_stale(enriched_copy, tmp_path):
    con = analysis.connect(enriched_copy)
    try:
        # a stage run alone may relink stories without changing a table's size
        enrich.run(con, stages=["stories"], progress=False)
        assert not rollups.fresh(con)
        enrich.run(con, stages=["rollups"], progress=False)
        assert rollups.fresh(con)
        assert rollups.run(con, progress=False)["mode"] == "fresh"  # nothing to do
        # rollups built before rollup_periods existed are not read, and are rebuilt
        con.execute("UPDATE rollup_state SET layout = NULL")
        assert not rollups.fresh(con)
        assert rollups.run(con, progress=False)["mode"] == "rebuild"
        assert rollups.fresh(con)
        loaded = load(con, [str(syndicated_export(tmp_path / "inputs"))], workers=1)
        enrich.run(con, stages=["rollups"], progress=False)
        assert rollups.fresh(con)
        unload(con, loaded.load_id)
        assert not rollups.fresh(con)
        # counts catch a writer that did not say: a deleted article
        enrich.run(con, stages=["rollups"], progress=False)
        con.execute("DELETE FROM articles WHERE article_id = (SELECT max(article_id) FROM articles)")
        assert not rollups.fresh(con)
    finally:
        con.close()


def test_a_database_without_rollups_answers_from_the_raw_tables(sample_db_path):
    con = analysis.connect(sample_db_path, read_only=True)
    try:
        assert not rollups.fresh(con)
        totals = rollups.period_totals(con, freq="month", unit="placements")
        assert totals["n_documents"].sum() == analysis.db.scalar(
            con, "SELECT count(*) FROM articles WHERE published_date IS NOT NULL")
    finally:
        con.close()


def test_rollups_of_an_older_layout_are_not_fresh(tmp_path):
    """A database whose rollups were built before rollup_periods: its rollup_state has no
    layout column, and its freshness macro does not ask for one, until a writable open
    updates the schema. Those rollups are not read either way."""
    path = tmp_path / "old.duckdb"
    con = analysis.connect(path)
    for column in ("sightings_print", "max_document_id", "layout"):
        con.execute(f"ALTER TABLE rollup_state DROP COLUMN {column}")
    con.execute("INSERT INTO rollup_state VALUES (1, now(), true, 0, NULL, 0, 0, 0, 0, 0)")
    con.execute("""CREATE OR REPLACE MACRO rollups_fresh() AS (SELECT true)""")
    con.execute("DELETE FROM schema_state")  # as if an older release had applied its schema
    con.close()
    con = analysis.connect(path, read_only=True)
    try:
        assert not rollups.fresh(con)
    finally:
        con.close()
    con = analysis.connect(path)
    try:
        assert analysis.db.scalar(con, "SELECT layout FROM rollup_state") is None
        assert not rollups.fresh(con)
        con.execute("UPDATE rollup_state SET layout = $layout", {"layout": rollups.LAYOUT})
        assert rollups.fresh(con)  # the same empty tables, counted by this layout
    finally:
        con.close()
