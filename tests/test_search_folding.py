"""The index's column folding gives the words ``fold_with_map`` gives, read by the index's own
tokenizer, on the corpus' French and Arabic articles (WiNER-fr, ANT Jawhara) and on the
characters that do not fold alone or sit between words."""

from __future__ import annotations

import json

import pyarrow as pa
import pytest

from analysis.entities.text import fold_with_map
from analysis.search.folding import fold_column
from analysis.search.index import stored_analyzer
from analysis.search.matches import analyze

STORED = stored_analyzer()


def _words(texts: list[str]) -> list[list[str]]:
    return [analyze(fold_with_map(t)[0] if t else "") for t in texts]


@pytest.fixture(scope="module")
def french(corpus) -> list[str]:
    with open(corpus / "winer-fr" / "winer_fr_2016_2017.jsonl", encoding="utf-8") as src:
        records = [json.loads(line) for line in src]
    return [r.get(key) or "" for r in records for key in ("title", "text")]


@pytest.fixture(scope="module")
def arabic(corpus) -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted((corpus / "ant-jawhara").rglob("*.txt"))]


def test_french_and_arabic_articles_fold_to_the_same_words(french, arabic):
    for texts in (french, arabic):
        assert sum(len(t) > 500 for t in texts) > 200
        assert [STORED.analyze(t) for t in fold_column(pa.array(texts))] == _words(texts)


def test_characters_that_do_not_fold_alone():
    texts = ["İstanbul et İZMİR", "ΟΔΟΣ ΣΟΦΙΑΣ", "Maroc 🇲🇦 l'Algérie", "الْمَغْرِبُ ٢٠١٦ أمـــن", "کتاب ی",
             "infor\u00admation zéro\u200bwidth", None, ""]
    assert [STORED.analyze(t) for t in fold_column(texts)] == _words(texts)
    assert STORED.analyze(fold_column(["الْمَغْرِبُ ٢٠١٦ أمـــن"])[0]) == ["المغرب", "2016", "امن"]


def test_characters_between_words_become_spaces():
    texts = ["«Maroc»,l'Algérie;Sidi-Bouzid", "a\x0bb\u00a0c\u2009d\te", "x_y 3,5 % – ok…", "قال:«المغرب»؟",
             "ΣΟΦΙΑΣ,ΟΔΟΣ 🇲🇦!ok", "https://example.org/a?b=1"]
    folded = fold_column(texts)
    assert [STORED.analyze(t) for t in folded] == _words(texts)
    assert STORED.analyze(folded[0]) == ["maroc", "l", "algerie", "sidi", "bouzid"]
    assert STORED.analyze(folded[1]) == ["a", "b", "c", "d", "e"]  # \x0b is not whitespace to tantivy
    assert [t.split() for t in folded] == [STORED.analyze(t) for t in folded]  # nothing but words and spaces
