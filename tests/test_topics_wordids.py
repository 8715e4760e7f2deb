"""Word ids in NumPy (analysis.topics.wordids) against the regular-expression split they replace."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis import chars
from analysis.topics import text, wordids
from tests.stories_fixtures import corpus_articles, itn


def _expected(title, body, lang):
    """``text.words`` of title and body, as the ids should spell them."""
    title_words = text.words(title or "", lang)
    return title_words + [wordids.SEPARATOR] + text.words(body or "", lang), len(title_words)


def _spelled(docs, langs):
    return [([wordids.vocabulary(lang).words[i] for i in ids.tolist()], n)
            for (ids, n), lang in zip(wordids.document_ids(docs, langs), langs)]


@pytest.fixture
def fresh(monkeypatch):
    """Empty vocabularies, small enough to start afresh during a test, and small batches."""
    monkeypatch.setattr(wordids, "_vocabularies", {})
    monkeypatch.setattr(wordids, "VOCABULARY_LIMIT", 2_000)
    monkeypatch.setattr(wordids, "BATCH", 7)


def test_word_characters_are_what_the_regular_expression_calls_word_characters():
    every = "".join(map(chr, range(0x110000)))
    matched = np.zeros(0x110000, dtype=bool)
    matched[[ord(c) for c in re.findall(r"\w", every)]] = True
    assert np.array_equal(wordids.word_characters(), matched)


def test_documents_split_into_the_words_of_the_regular_expression_on_the_corpus(fresh):
    """Every corpus article (ANT Arabic, WiNER French, Wikinews English) and ITN blurb in four
    languages, in batches of 7 and through vocabularies that start afresh every 2,000 words:
    the ids spell ``text.words`` of title and body exactly, and no word has two ids."""
    rows = corpus_articles().select("title", "body", "lang").rows()
    docs = [(title, body) for title, body, _ in rows] + [(h, None) for h in itn()["text"].to_list()] * 4
    langs = [lang for _, _, lang in rows] + [lang for lang in ("fr", "en", "es", "ar") for _ in itn()["text"]]
    assert {"ar", "fr", "en"} <= set(langs) and len(docs) > 1000
    generations = []
    for first in range(0, len(docs), 300):
        got = _spelled(docs[first:first + 300], langs[first:first + 300])
        assert got == [_expected(t, b, lang) for (t, b), lang in zip(docs[first:first + 300], langs[first:first + 300])]
        generations.append(max(v.generation for v in wordids._vocabularies.values()))
    assert generations[-1] > 2  # the vocabularies did start afresh
    for vocab in wordids._vocabularies.values():
        assert len(set(vocab.words)) == len(vocab.words)


_TEXT = st.text(alphabet=st.one_of(
    st.sampled_from("ab_9é\u0301\u00a0\x00 .,'-\u2028\t٣"),
    st.sampled_from("قالوزيرالدولة"),
    st.characters(codec="utf-8"),
    st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF),  # lone surrogates
), max_size=60)


@settings(max_examples=300, deadline=None)
@given(docs=st.lists(st.tuples(st.one_of(st.none(), _TEXT), _TEXT), min_size=1, max_size=12),
       lang=st.sampled_from(["fr", "ar", "en"]), long_word=st.integers(0, 200))
def test_any_text_splits_like_the_regular_expression(docs, lang, long_word):
    # a word longer than MAX_HASHED (looked up by string) in one of the bodies
    docs[0] = (docs[0][0], f"{docs[0][1]} {'x' * long_word} {'x' * long_word}")
    assert _spelled(docs, [lang] * len(docs)) == [_expected(t, b, lang) for t, b in docs]


def test_a_hash_collision_is_caught_by_length_first_or_last_character(fresh, monkeypatch):
    """With every word hashing the same, words still get their own ids as long as they differ
    in length, first or last character (the check after the hash table)."""
    def same_hash(codes, starts, ends):
        return np.zeros(len(starts), dtype=np.uint64), np.zeros(len(starts), dtype=np.uint64)

    monkeypatch.setattr(wordids, "hashes", same_hash)
    body = "mot mots lot mon motte lots"
    for _ in range(3):  # known words come back through the table
        assert _spelled([(None, body)], ["fr"]) == [_expected(None, body, "fr")]


def test_the_hashes_tell_apart_every_word_of_the_corpus():
    """Both 64-bit hashes, each alone, separate all distinct words of the corpus, and a word
    hashes the same wherever it stands."""
    rows = corpus_articles().select("title", "body", "lang").rows()
    words = sorted({w for title, body, lang in rows for w in text.words(f"{title}\n{body}", lang)})
    assert len(words) > 50_000
    codes = chars.code_points("\x00".join(words))
    starts, ends = wordids.spans(codes)
    h1, h2 = wordids.hashes(codes, starts, ends)
    assert len(starts) == len(words)
    assert len(np.unique(h1)) == len(words) and len(np.unique(h2)) == len(words)
    alone = wordids.hashes(chars.code_points(words[-1]), np.array([0]), np.array([len(words[-1])]))
    assert (alone[0][0], alone[1][0]) == (h1[-1], h2[-1])


def test_words_looked_up_by_string_and_by_hash_share_ids(fresh):
    vocab = wordids.vocabulary("fr")
    ids = vocab.ids(["élection", "présidentielle", "maroc"])
    (found, n_title), = wordids.document_ids([("Élection présidentielle", "au Maroc")], ["fr"])
    assert n_title == 2
    assert found.tolist() == [ids[0], ids[1], 0, vocab.ids(["au"])[0], ids[2]]
