"""The Arabic/Latin consonant skeleton: real name pairs, and messy input."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.entities.registry import load_registry
from analysis.entities.translit import edit_cost, is_arabic_name, long_exact_match, names_match, skeleton

ARABIC_LETTERS = st.sampled_from(list("ابتثجحخدذرزسشصضطظعغفقكلمنهوي ةىءأإآ"))
NAMES = st.one_of(st.text(ARABIC_LETTERS, max_size=30), st.text(max_size=30))


def test_spelling_variants_of_one_name_share_a_skeleton():
    # French, English and Maghreb transcriptions of the same Arabic names
    assert skeleton("Mohamed") == skeleton("Mohammed") == skeleton("Muhammad") == skeleton("محمد") == ("mhmd",)
    assert skeleton("Youssef") == skeleton("Yousef") == skeleton("يوسف") == ("sf",)
    assert skeleton("Chakib") == skeleton("Shakib") == skeleton("شكيب")
    assert skeleton("Bachar al-Assad") == skeleton("Bashar el-Assad") == skeleton("بشار الأسد") == ("bcr", "sd")
    assert skeleton("Abdelaziz") == skeleton("Abdulaziz") == skeleton("عبد العزيز") == ("bd", "z")
    assert skeleton("آلان") == ("ln",)  # Alain: آ is not the article


def test_hamza_seat_after_a_proclitic_and_the_article():
    assert skeleton("بإندونيسيا") == skeleton("إندونيسيا") == skeleton("Indonésie") == ("ndns",)
    assert skeleton("والاسترليني") == skeleton("الاسترليني") == skeleton("استرليني")
    assert skeleton("اليو") == ("l",)  # nothing would remain without the ال


def test_near_classes_cost_half_an_edit():
    assert edit_cost("knc", "knc") == 0 and edit_cost("gmr", "jmr") == 0.5 and edit_cost("hbknz", "hbkns") == 0.5
    assert edit_cost("krdstn", "krgstn") == 1  # d/g are not near
    assert names_match("Chris Hipkins", "كريس هيبكنز")


def test_every_registry_pair_the_skeleton_matches_is_one_entity():
    registry = load_registry()
    names = {}
    for a in registry.aliases:
        names.setdefault(a.alias, set()).add(a.entity_id)
    arabic = [n for n in names if is_arabic_name(n)]
    latin = [n for n in names if not is_arabic_name(n)]
    checked = 0
    for eid, entity in registry.entities.items():
        ar, fr = entity.names.get("ar"), entity.names.get("fr")
        if ar and fr and names_match(ar, fr):
            checked += 1
            # no other entity's Latin name matches this Arabic name
            assert all(names[other] == {eid} or eid in names[other] for other in latin if names_match(ar, other)), eid
    assert checked >= 100 and arabic


@settings(max_examples=300, deadline=None)
@given(NAMES, NAMES)
def test_messy_input_never_raises_and_match_is_symmetric(a, b):
    assert isinstance(skeleton(a), tuple) and all(skeleton(a))
    assert names_match(a, b) == names_match(b, a)
    assert long_exact_match(a, b) <= names_match(a, b)
    if is_arabic_name(a) == is_arabic_name(b):
        assert not names_match(a, b)
