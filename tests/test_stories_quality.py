"""Quality gate of story detection on the labelled set (analysis/stories/labelled.py).

Floors sit a little under what was measured (docs/stories.md) and never under the issue's
targets: precision >= 0.95 and recall >= 0.85 on same-story pairs of edited copies. A
second seed of generated edits guards against tuning to one draw.
"""

from __future__ import annotations

import pytest

from analysis.stories.evaluate import evaluate
from tests.stories_fixtures import CORPUS


@pytest.fixture(scope="module")
def scores() -> dict:
    return evaluate(CORPUS, seed=7)


def test_article_pairs_precision_and_recall(scores):
    a = scores["articles"]
    assert a["copies"] > 700 and a["true_pairs"] > 1000
    assert a["precision"] >= 0.98
    assert a["recall"] >= 0.92
    assert a["edit_recall"] >= 0.93


@pytest.mark.parametrize("kind", ["truncate", "sentence", "header", "number"])
def test_every_kind_of_edit_is_recalled(scores, kind):
    assert scores["articles"][f"edit_recall_{kind}"] >= 0.85


def test_real_refiled_articles_and_hard_negatives(scores):
    a = scores["articles"]
    assert a["real_true_pairs"] >= 40
    assert a["real_recall"] >= 0.95 and a["real_precision"] >= 0.95
    # Distinct reports of one Jawhara FM section within a week: tens of thousands of pairs.
    assert a["hard_negative_pairs"] > 50_000
    assert a["hard_negative_merged"] <= 3
    assert a["sport_negative_merged"] == 0


def test_headline_pairs_precision_and_recall(scores):
    h = scores["headlines"]
    assert h["same_pairs"] > 200 and h["different_pairs"] > 20_000
    assert h["precision"] >= 0.95
    assert h["recall"] >= 0.95


def test_another_draw_of_edits_meets_the_targets():
    a = evaluate(CORPUS, seed=11)["articles"]
    assert a["precision"] >= 0.95
    assert a["edit_recall"] >= 0.85
