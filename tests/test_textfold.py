"""analysis.textfold: the folding every matching key is built from, and its three users agree on it."""

from __future__ import annotations

import polars as pl

from analysis import textfold
from analysis.entities.text import fold as entity_fold
from analysis.stories.text import fold as story_fold
from analysis.topics.text import normalise_arabic


def test_each_folding_step():
    assert textfold.fold_case("ÉTAT") == "état"
    assert textfold.strip_latin_accents("Élysée, façade, naïve") == "Elysee, facade, naive"
    assert textfold.remove_harakat("مُحَمَّد") == "محمد"
    assert textfold.remove_tatweel("الـــمغرب") == "المغرب"
    assert textfold.fold_arabic("أإآٱ ى ة") == "اااا ي ه"
    assert textfold.fold_arabic("ک ی ؤ") == "ك ي ؤ"
    assert textfold.fold_arabic("ک ی ؤ ئ", persian=False, hamza_seats=True) == "ک ی و ي"


def test_the_three_keys_fold_arabic_the_same_way():
    text = "أَحْمَد إلى المـدرسة"
    folded = textfold.fold_arabic(text)
    assert folded == "احمد الي المدرسه"
    assert entity_fold(text) == folded
    assert normalise_arabic(text) == folded
    assert story_fold(pl.Series([text])).to_list() == [folded]
