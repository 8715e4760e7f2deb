"""Burst evidence: the articles behind a burst list each story once, not each copy of it."""

from __future__ import annotations

import pandas as pd
import topics_fixtures as fx

from analysis.evidence import attach_evidence


def evidence(con, topic: str) -> list[dict]:
    burst = pd.DataFrame({"key": [topic], "group": [None], "start": [pd.Timestamp("2024-01-08")],
                          "end": [pd.Timestamp("2024-01-08")]})
    periods = pd.Series(pd.to_datetime([str(w) for w in fx.WEEKS]))
    out = attach_evidence(con, burst, key="topic", periods=periods, by=None, documents="articles",
                          n_articles=5, n_entities=5)
    return out["articles"].iloc[0]


def test_a_syndicated_story_is_listed_once(fresh_db):
    fx.synthetic(fresh_db)  # articles 6 and 7 are one story (a copy), 5 another, all Health in week 2
    listed = [a["article_id"] for a in evidence(fresh_db, "health")]
    assert sorted(listed) == [5, 6]


def test_without_stories_every_article_is_its_own(fresh_db):
    fx.synthetic(fresh_db)
    fresh_db.execute("DELETE FROM article_stories")
    assert sorted(a["article_id"] for a in evidence(fresh_db, "health")) == [5, 6, 7]
