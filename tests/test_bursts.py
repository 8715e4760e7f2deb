"""Bursts: z-score on a trailing window and Kleinberg's two-state automaton, with their evidence."""

from __future__ import annotations

import datetime as dt
import itertools
import math

import numpy as np
import pandas as pd
import pytest
import topics_fixtures as fx

from analysis.bursts import binomial_nll, detect_bursts, kleinberg_states
from analysis.topics.frequencies import topic_frequencies


def weekly(counts, *, total=100, key="topic", name="health", incomplete_last=False, start="2024-01-01"):
    periods = pd.date_range(start, periods=len(counts), freq="7D")
    totals = total if isinstance(total, list) else [total] * len(counts)
    frame = pd.DataFrame({"period": periods, key: name, "label": name.title(), "group": None,
                          "n_documents": counts, "n_total": totals,
                          "share": [c / t for c, t in zip(counts, totals)], "incomplete": False})
    if incomplete_last:
        frame.loc[frame.index[-1], "incomplete"] = True
    return frame


SPIKE = [5, 4, 6, 5, 5, 6, 4, 5, 5, 6, 5, 4, 30, 28, 6, 5, 4, 5, 6, 5]


def test_both_methods_find_an_injected_spike():
    found = detect_bursts(weekly(SPIKE))
    assert set(found["method"]) == {"zscore", "kleinberg"}
    for row in found.itertuples():
        assert pd.Timestamp(row.peak_period) == pd.Timestamp("2024-03-25")
        assert row.peak_share == pytest.approx(0.30)
    klein = found[found["method"] == "kleinberg"].iloc[0]
    assert (pd.Timestamp(klein.start), pd.Timestamp(klein.end)) == (pd.Timestamp("2024-03-25"),
                                                                    pd.Timestamp("2024-04-01"))
    assert klein.n_documents == 58
    z = found[found["method"] == "zscore"].iloc[0]
    assert (pd.Timestamp(z.start), pd.Timestamp(z.end)) == (pd.Timestamp("2024-03-25"), pd.Timestamp("2024-03-25"))
    assert z.baseline_share == pytest.approx(np.mean(SPIKE[4:12]) / 100)
    assert z.score >= 3


def test_steady_series_rarely_burst():
    # 50 series of 40 weeks drawn from one binomial rate: every flag is a false alarm
    # (measured: 4 of 50 for each method with the defaults; z=3 would give 9).
    rng = np.random.default_rng(0)
    alarms = {"zscore": 0, "kleinberg": 0}
    for _ in range(50):
        found = detect_bursts(weekly(rng.binomial(200, 0.05, size=40).tolist(), total=200))
        for method in set(found["method"]):
            alarms[method] += 1
    assert alarms["zscore"] <= 6 and alarms["kleinberg"] <= 6, alarms


def test_a_spike_in_an_incomplete_period_is_not_a_burst():
    counts = [5] * 12 + [40]
    assert detect_bursts(weekly(counts, incomplete_last=True)).empty
    assert not detect_bursts(weekly(counts)).empty


def test_min_documents_filters_tiny_bursts():
    counts = [0] * 12 + [2, 0, 0]
    assert detect_bursts(weekly(counts), min_documents=3).empty
    assert detect_bursts(weekly(counts), min_documents=3, method="kleinberg", gamma=0.3).empty
    assert not detect_bursts(weekly(counts), min_documents=1, method="kleinberg", gamma=0.3).empty


def brute_force_cost(states, r, d, s, gamma):
    p0 = r.sum() / d.sum()
    p = [p0, min(s * p0, 0.9999)]
    tau = gamma * math.log(len(r))
    cost, prev = 0.0, 0
    for t, q in enumerate(states):
        cost += binomial_nll(r[t:t + 1], d[t:t + 1], p[q])[0] + (tau if q > prev else 0.0)
        prev = q
    return cost


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_kleinberg_viterbi_finds_the_cheapest_state_sequence(seed):
    rng = np.random.default_rng(seed)
    d = rng.integers(20, 60, size=9).astype(float)
    r = rng.binomial(d.astype(int), rng.choice([0.05, 0.2], size=9)).astype(float)
    states, _ = kleinberg_states(r, d, s=2.5, gamma=0.5)
    best = min(brute_force_cost(seq, r, d, 2.5, 0.5) for seq in itertools.product([0, 1], repeat=9))
    assert brute_force_cost(states, r, d, 2.5, 0.5) == pytest.approx(best)


def test_an_entity_frame_works_like_a_topic_frame():
    topic = weekly(SPIKE)
    entity = topic.drop(columns=["topic"]).assign(entity_id="polisario", entity="Polisario", label="Polisario",
                                                  type="ORG", n_mentions=topic["n_documents"] * 2)
    a = detect_bursts(topic)[["method", "start", "end", "score"]]
    b = detect_bursts(entity)
    assert set(b["key"]) == {"polisario"} and set(b["label"]) == {"Polisario"}
    pd.testing.assert_frame_equal(a.reset_index(drop=True),
                                  b[["method", "start", "end", "score"]].reset_index(drop=True))


def test_sparse_series_get_their_missing_periods_as_zeros():
    frame = weekly(SPIKE)
    sparse = frame[frame["n_documents"] > 5]       # like a frame that omits quiet weeks
    dense_bursts = detect_bursts(frame, method="kleinberg")
    assert len(detect_bursts(pd.concat([sparse, frame.assign(topic="other", n_documents=10, share=0.1)]),
                      method="kleinberg").query("key == 'health'")) == len(dense_bursts)


def test_bad_options_are_clear_errors():
    with pytest.raises(ValueError, match="method"):
        detect_bursts(weekly(SPIKE), method="magic")
    with pytest.raises(ValueError, match="series column"):
        detect_bursts(weekly(SPIKE).drop(columns=["topic"]))
    with pytest.raises(ValueError, match="lacks n_total"):
        detect_bursts(weekly(SPIKE).drop(columns=["n_total"]))


# --- evidence from the database ------------------------------------------------------------

@pytest.fixture
def burst_db(fresh_db):
    """Twelve quiet weeks of 10 articles (1 health), then a week with 8 health articles of 10."""
    fx.synthetic(fresh_db)
    fresh_db.execute("DELETE FROM article_topics")
    fresh_db.execute("DELETE FROM article_stories")
    fresh_db.execute("DELETE FROM articles")
    article = 1000
    for week in range(13):
        monday = dt.date(2023, 1, 2) + dt.timedelta(weeks=week)
        n_health = 8 if week == 11 else 1
        for i in range(10):
            article += 1
            fx.add_article(fresh_db, article, day=monday + dt.timedelta(days=i % 5), outlet="A",
                           title=f"article {article}")
            if i < n_health:
                fx.tag(fresh_db, article, "health", score=float(10 + i))
    return fresh_db


def test_bursts_list_their_driving_articles_and_entities(burst_db):
    spike = [r[0] for r in burst_db.execute(
        "SELECT article_id FROM articles WHERE published_date BETWEEN '2023-03-20' AND '2023-03-26' "
        "ORDER BY article_id").fetchall()]
    burst_db.execute("INSERT INTO entities (entity_id, name, type, source) VALUES "
                     "('who', 'OMS', 'ORG', 'registry'), ('rabat', 'Rabat', 'LOC', 'registry')")
    for n, article_id in enumerate(spike[:8]):
        burst_db.execute("INSERT INTO mentions VALUES ($a, NULL, 'body', 'who', 'OMS', 0, 3, 'registry', 'ORG')",
                         {"a": article_id})
        if n < 3:
            burst_db.execute("INSERT INTO mentions VALUES "
                             "($a, NULL, 'body', 'rabat', 'Rabat', 5, 10, 'registry', 'LOC')", {"a": article_id})
    frame = topic_frequencies(burst_db, freq="week", topics=["health"], unit="placements")
    found = detect_bursts(frame, con=burst_db, window=6)
    assert not found.empty
    for row in found.itertuples():
        assert pd.Timestamp(row.start) == pd.Timestamp("2023-03-20")
        ids = [a["article_id"] for a in row.articles]
        assert len(ids) == 5 and set(ids) <= set(spike[:8])
        assert ids[0] == spike[7]            # the highest score first
        assert row.entities == [{"entity": "OMS", "n_articles": 8}, {"entity": "Rabat", "n_articles": 3}]


def test_without_the_entities_tables_the_entity_list_is_empty(burst_db):
    burst_db.execute("DROP TABLE mentions")
    frame = topic_frequencies(burst_db, freq="week", topics=["health"], unit="placements")
    found = detect_bursts(frame, con=burst_db, window=6)
    assert not found.empty
    assert all(row.entities == [] and len(row.articles) == 5 for row in found.itertuples())


def test_entity_bursts_are_driven_by_the_articles_mentioning_it(burst_db):
    burst_db.execute("INSERT INTO entities (entity_id, name, type, source) VALUES "
                     "('polisario', 'Polisario', 'ORG', 'registry'), ('un', 'ONU', 'ORG', 'registry')")
    rows = burst_db.execute("SELECT article_id, published_date FROM articles ORDER BY article_id").fetchall()
    in_spike = [a for a, d in rows if dt.date(2023, 3, 20) <= d <= dt.date(2023, 3, 26)]
    for a in in_spike[:6] + [rows[0][0], rows[40][0]]:
        burst_db.execute("INSERT INTO mentions VALUES "
                         "($a, NULL, 'body', 'polisario', 'Polisario', 0, 9, 'registry', 'ORG')", {"a": a})
    burst_db.execute("INSERT INTO mentions VALUES ($a, NULL, 'body', 'un', 'ONU', 20, 23, 'registry', 'ORG')",
                     {"a": in_spike[0]})
    counts = burst_db.execute("""
        SELECT date_trunc('week', a.published_date) AS period, count(DISTINCT m.article_id) AS n
        FROM articles a LEFT JOIN mentions m ON m.article_id = a.article_id AND m.entity_id = 'polisario'
        GROUP BY 1 ORDER BY 1""").df()
    frame = pd.DataFrame({"period": counts["period"], "group": None, "entity_id": "polisario",
                          "entity": "Polisario", "n_documents": counts["n"], "n_total": 10, "share": counts["n"] / 10,
                          "incomplete": False})
    found = detect_bursts(frame, con=burst_db, method="kleinberg")
    assert len(found) == 1
    row = found.iloc[0]
    assert {a["article_id"] for a in row["articles"]} <= set(in_spike[:6])
    assert row["entities"] == [{"entity": "ONU", "n_articles": 1}]
