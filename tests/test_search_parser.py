"""The search query language: the tree it builds, and one-line errors that point at the problem."""

from __future__ import annotations

import datetime as dt

import pytest

from analysis.errors import QueryError
from analysis.search.matches import parse_query
from analysis.search.parser import (
    And,
    DateRange,
    Exact,
    Not,
    Or,
    SearchQueryError,
    Words,
)


def test_precedence_not_and_or():
    tree = parse_query("a b OR c NOT d")
    assert tree == Or([And([Words(["a"]), Words(["b"])]), And([Words(["c"]), Not(Words(["d"]))])])
    assert parse_query("a AND (b OR -c)") == And([Words(["a"]), Or([Words(["b"]), Not(Words(["c"]))])])


def test_words_are_folded_and_split_like_the_index():
    assert parse_query("Algérie") == Words(["algerie"])
    assert parse_query("l'Algérie") == Words(["l", "algerie"])
    assert parse_query('"Premier  Ministre"') == Words(["premier", "ministre"])
    assert parse_query("الإرهاب") == Words(["الارهاب"])
    assert parse_query("terror*") == Words(["terror"], prefix=True)
    assert parse_query("«coupe du monde»") == Words(["coupe", "du", "monde"])
    # lower-case operators are words (French "or", "et")
    assert parse_query("or et") == And([Words(["or"]), Words(["et"])])


def test_fields():
    assert parse_query("title:Maroc") == Words(["maroc"], field="title")
    assert parse_query('outlet:"Le Matin"') == Words(["le", "matin"], field="outlet")
    assert parse_query("title:(a OR b)") == Or([Words(["a"], field="title"), Words(["b"], field="title")])
    assert parse_query("lang:AR") == Exact("lang", "ar")
    assert parse_query("date:[2016-01-01 TO 2016-03-31]") == DateRange(dt.date(2016, 1, 1), dt.date(2016, 3, 31))
    assert parse_query("date:2016-02") == DateRange(dt.date(2016, 2, 1), dt.date(2016, 2, 29))
    assert parse_query("date:[2016 TO *]") == DateRange(dt.date(2016, 1, 1), None)


@pytest.mark.parametrize("query, position, words", [
    ("maroc AND", 10, "ends where a word was expected"),
    ("(maroc OR algerie", 1, "unclosed ("),
    ("maroc )", 7, "unexpected ')'"),
    ('"premier ministre', 1, "unclosed quote"),
    ("titre:maroc", 1, "unknown field 'titre'"),
    ("lang:de", 6, "lang: takes one of fr, en, es, ar"),
    ("date:[2016-13-01 TO 2016-12-31]", 6, "'2016-13-01' is not a date"),
    ("date:[2016-03-01 TO 2016-01-01]", 6, "ends before it starts"),
    ("date:[2016-01-01 2016-03-01]", 6, "[FROM TO TO]"),
    ("ter*or", 1, "only a trailing *"),
    ("maroc NOT", 10, "after NOT"),
    ("()", 2, "empty parentheses"),
    ("   ", 4, "empty query"),
    ("…", 1, "no letters or digits"),
])
def test_errors_point_at_the_problem(query, position, words):
    with pytest.raises(SearchQueryError) as info:
        parse_query(query)
    message = str(info.value)
    assert words in message and "\n" not in message
    assert f"at position {position} of the query" in message
    assert info.value.position == position - 1
    assert isinstance(info.value, QueryError) and isinstance(info.value, ValueError)
