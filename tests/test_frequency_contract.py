"""The frequency contract of analysis.trends: entity and topic frequencies, same columns and
dtypes, shares that equal counts made by hand in SQL, on the enriched bundled sample."""

from __future__ import annotations

import pandas as pd
import pytest

import analysis
from analysis import trends
from analysis.entities import entity_frequencies
from analysis.topics import topic_frequencies
from tests.report_fixtures import enriched_sample_db  # noqa: F401  (fixture)

STORY = "coalesce(s.story_id, -a.article_id)"
WEEK_UNITS = """FROM articles a LEFT JOIN article_stories s ON s.article_id = a.article_id
                WHERE CAST(date_trunc('week', a.published_date) AS DATE) = $week"""


@pytest.fixture(scope="module")
def con(enriched_sample_db):  # noqa: F811
    con = analysis.connect(enriched_sample_db, read_only=True)
    yield con
    con.close()


def expected_dtypes(columns) -> dict[str, str]:
    return {c: str(pd.Series(dtype=trends.FREQUENCY_DTYPES[c]).dtype) for c in columns}


@pytest.mark.parametrize("start", [None, "2030-01-01"], ids=["data", "empty"])
def test_entity_and_topic_frames_have_the_same_contract_columns_and_dtypes(con, start):
    entities = entity_frequencies(con, freq="week", top=5, start=start)
    topics = topic_frequencies(con, freq="week", start=start)
    assert (start is None) == (len(entities) > 0) == (len(topics) > 0)
    for frame in (entities, topics):
        assert set(trends.FREQUENCY_DTYPES) <= set(frame.columns)
        assert {c: str(frame[c].dtype) for c in trends.FREQUENCY_DTYPES} == expected_dtypes(trends.FREQUENCY_DTYPES)
    assert (entities["label"] == entities["entity"]).all()


def busiest(frame: pd.DataFrame) -> pd.Series:
    """The row of the most documents (complete periods first), a cell worth checking by hand."""
    rows = frame[frame["n_documents"] > 1].sort_values(["incomplete", "n_documents"], ascending=[True, False])
    return rows.iloc[0]


def test_entity_share_equals_stories_counted_in_sql(con):
    row = busiest(entity_frequencies(con, freq="week", top=10))
    week = row["period"].date()
    n = con.execute(f"""SELECT count(DISTINCT {STORY}) {WEEK_UNITS}
                        AND a.article_id IN (SELECT article_id FROM mentions WHERE entity_id = $id)""",
                    {"week": week, "id": row["entity_id"]}).fetchone()[0]
    total = con.execute(f"SELECT count(DISTINCT {STORY}) {WEEK_UNITS}", {"week": week}).fetchone()[0]
    assert (row["n_documents"], row["n_total"]) == (n, total)
    assert row["share"] == n / total


def test_topic_share_equals_stories_counted_in_sql(con):
    row = busiest(topic_frequencies(con, freq="week"))
    week = row["period"].date()
    n = con.execute(f"""SELECT count(DISTINCT {STORY}) {WEEK_UNITS}
                        AND a.article_id IN (SELECT article_id FROM article_topics
                                             WHERE topic_id = $id AND is_primary)""",
                    {"week": week, "id": row["topic"]}).fetchone()[0]
    total = con.execute(f"SELECT count(DISTINCT {STORY}) {WEEK_UNITS}", {"week": week}).fetchone()[0]
    assert (row["n_documents"], row["n_total"]) == (n, total)
    assert row["share"] == n / total
