"""The registry matcher: word boundaries, Arabic clitics, case/accent folding, offsets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.entities import text as text_module
from analysis.entities.matcher import RegistryMatcher
from analysis.entities.registry import load_registry
from analysis.entities.text import clean_surface, fold, fold_with_map, normalize_surface


@pytest.fixture(scope="module")
def matcher():
    return RegistryMatcher(load_registry().aliases)


def found(matcher, text):
    return [(m.entity_id, m.surface) for m in matcher.find(text)]


@pytest.mark.parametrize("text, surface", [
    ("المغرب", "المغرب"), ("بالمغرب", "المغرب"), ("والمغرب", "المغرب"), ("فالمغرب", "المغرب"),
    ("كالمغرب", "المغرب"), ("وبالمغرب", "المغرب"), ("للمغرب", "لمغرب"), ("وللمغرب", "لمغرب"),
    ("المَغْرِب", "المَغْرِب"),
])
def test_arabic_clitics_and_diacritics(matcher, text, surface):
    assert found(matcher, f"زيارة {text} اليوم") == [("morocco", surface)]


@pytest.mark.parametrize("text", ["المغربي", "المغربية", "سالمغرب", "xالمغرب", "لمغرب"])
def test_arabic_words_that_only_contain_the_name_do_not_match(matcher, text):
    assert found(matcher, f"في {text} اليوم") == []


def test_arabic_alef_variants_fold_together(matcher):
    assert found(matcher, "قمة في افريقيا")[0][0] == "africa"
    assert found(matcher, "قمة في إفريقيا")[0][0] == "africa"


@pytest.mark.parametrize("text, expected", [
    ("Le Maroc et l'Algérie", ["morocco", "algeria"]),
    ("ETATS-UNIS: sommet", ["united-states"]),
    ("les Etats Unis", ["united-states"]),
    ("Marrakech-Safi au S1-2025", ["marrakech-safi"]),
    ("l'ONU et l'OTAN", ["united-nations", "nato"]),
    ("the UN said", ["united-nations"]),
    ("un homme au Niger", ["niger"]),
    ("UN HOMME AU NIGER", ["niger"]),
    ("le niger du fleuve", []),
    ("Sale of goods in Salé", ["sale"]),
    ("Malien de Bamako", ["bamako"]),
    ("Somalie", ["somalia"]),
])
def test_latin_boundaries_case_and_accents(matcher, text, expected):
    assert [e for e, _ in found(matcher, text)] == expected


def test_leftmost_longest_wins(matcher):
    assert found(matcher, "le Raja Casablanca à Casablanca") == [
        ("raja-casablanca", "Raja Casablanca"), ("casablanca", "Casablanca")]
    assert found(matcher, "SM le Roi Mohammed VI a reçu") == [("mohammed-vi", "SM le Roi Mohammed VI")]


def test_fold_keeps_a_way_back_to_original_offsets():
    text = "Le  Maroc\u00a0et l’Algérie — المَغْرِب"
    folded, omap = fold_with_map(text)
    assert folded == "le maroc et l'algerie   المغرب".replace("   ", " ")
    i = folded.index("المغرب")
    assert text[omap.start(i):omap.end(i + len("المغرب"))] == "المَغْرِب"


CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def _corpus_texts() -> list[str]:
    from analysis.topics.evaluate import read_gold

    docs = read_gold([CORPUS / "ant-jawhara"])[::10]
    with open(CORPUS / "winer-fr" / "winer_fr_2016_2017.jsonl", encoding="utf-8") as lines:
        winer = [json.loads(line) for line in lines]
    pages = [p.read_text(encoding="utf-8") for p in sorted((CORPUS / "pages").glob("*.txt"))]
    return [t for d in docs for t in (d.title, d.body)] + [t for w in winer for t in (w["title"], w["text"])] + pages


def test_long_texts_fold_through_the_table_as_character_by_character():
    """Long texts are folded through a code-unit table: the same as lower() and the
    replacements, on every real text and on the characters the table leaves to the str path."""
    texts = [t for t in _corpus_texts() if t]
    assert sum(len(t) >= text_module.TABLE_FROM for t in texts) > 500
    assert sum(text_module.has_arabic(t) for t in texts) > 300
    for t in texts:
        assert text_module._fold_chars_table(t) == text_module._fold_chars_str(t)
    for t in ("ΟΔΟΣ ΣΟΦΙΑ Σ", "İstanbul et İzmir", "emoji 😀 et 𐐀 Deseret", "lone \udcff surrogate",
              "ALGÉRIE – MAROC’S ١٢٣ إفريقيا ى ة ـ"):
        padded = t + " x" * 200
        assert text_module._fold_chars_table(padded) == text_module._fold_chars_str(padded)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("aZéÉÀçÇ'’‘`´-–—\u00a0\t Σσςİıi") + ["ا", "أ", "إ", "آ", "ى", "ة", "ک",
                                                                                  "ی", "ً", "ـ", "١", "۲", "😀", "Ω"]),
               max_size=700))
def test_any_text_folds_through_the_table_as_character_by_character(t):
    assert text_module._fold_chars_table(t) == text_module._fold_chars_str(t)


def _same_removal(folded: str) -> None:
    has_spaces, has_marks = "  " in folded, any(c in folded for c in text_module._MARK_CHARS)
    if not (has_spaces or has_marks):
        return
    by_regex, regex_map = text_module._remove_with_regex(folded, has_spaces, has_marks)
    by_table, table_map = text_module._remove_with_table(folded)
    assert by_table == by_regex
    assert [table_map.start(i) for i in range(len(by_regex) + 1)] == [regex_map.start(i) for i in range(len(by_regex) + 1)]
    assert [table_map.end(i) for i in range(len(by_regex) + 1)] == [regex_map.end(i) for i in range(len(by_regex) + 1)]


def test_long_texts_lose_marks_and_repeated_spaces_through_the_table_as_through_the_regex():
    """The removal of marks and repeated spaces has a NumPy path for long texts: the same folded
    text and the same way back to original offsets as the regex, on every real text."""
    texts = [text_module._fold_chars(t) for t in _corpus_texts() if t]
    assert sum(any(c in t for c in text_module._MARK_CHARS) for t in texts) > 50
    assert sum("  " in t for t in texts) > 50
    for t in texts:
        _same_removal(t)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from([" ", " ", "a", "م", "ً", "ْ", "ـ", "\u200b", "\u00ad", "😀", "\udcff"]),
               max_size=80))
def test_any_text_loses_marks_and_repeated_spaces_through_the_table_as_through_the_regex(t):
    _same_removal(t)


_KEYS: dict[str, set[str]] = {}
for _a in load_registry().aliases:
    _KEYS.setdefault(_a.entity_id, set()).add(_a.key)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["Maroc", "المغرب", "بالجزائر", "للجزائر", "  ", "\u00a0", "é", "ً", "ـ", "x", ",", "ONU",
                                 "un", "Tunisie", "l’", "-", "\n", "Mohammed VI", "تونس", " "]), max_size=30))
def test_match_offsets_always_point_at_the_surface(matcher, parts):
    text = "".join(parts)
    for m in matcher.find(text):
        assert text[m.start:m.end] == m.surface
        assert 0 <= m.start < m.end <= len(text)
        key = fold(m.surface)
        # the surface is one of the entity's aliases, or its ``ل`` + article contraction
        assert key in _KEYS[m.entity_id] or ("ا" + key) in _KEYS[m.entity_id]


@pytest.mark.parametrize("surface, label, expected", [
    ("M. Cazeneuve", "PER", "Cazeneuve"), ("SM le Roi Mohammed VI", "PER", "Mohammed VI"),
    ("Mme Marine Le Pen", "PER", "Marine Le Pen"), ("le président François Hollande", "PER", "François Hollande"),
    ("Trump's", "PER", "Trump"), ("« Hammouchi »", "PER", "Hammouchi"), ("Le Pen", "PER", "Le Pen"),
    ("l'Algérie", "LOC", "Algérie"), ("de France", "LOC", "France"), ("SM le Roi", "PER", "SM le Roi"),
])
def test_surface_normalisation(surface, label, expected):
    assert clean_surface(surface, label) == expected
    assert normalize_surface(surface, label) == fold(expected)


def test_screening_candidates_in_numpy_drops_only_what_find_would_drop(matcher, monkeypatch):
    """Long texts have their candidate matches screened for word boundaries in NumPy before
    ``find`` looks at each: the matches must be those of the one-by-one checks, on every corpus
    text, in every script (failed when the screen dropped Arabic keys after a letter)."""
    from analysis.entities import matcher as matcher_module

    texts = _corpus_texts()
    screened = [matcher.find(t) for t in texts]
    counts = [len(matcher._automaton.find_matches_as_indexes(text_module.fold(t), overlapping=True)) for t in texts]
    assert sum(c > matcher_module.SCREEN_ABOVE for c in counts) > 100
    monkeypatch.setattr(matcher_module, "SCREEN_ABOVE", 10**9)
    assert [matcher.find(t) for t in texts] == screened
    assert sum(map(len, screened)) > 1000


def test_the_alphanumeric_table_is_str_isalnum():
    from analysis import chars

    table = chars.alphanumeric()
    every = "".join(map(chr, range(0x110000)))
    assert [i for i, c in enumerate(every) if c.isalnum()] == table.nonzero()[0].tolist()
