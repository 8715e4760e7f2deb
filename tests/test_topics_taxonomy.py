"""The taxonomy: its data files, the shared normalisation, the scorer, and its quality on ANT."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.topics import text
from analysis.topics.evaluate import evaluate
from analysis.topics.taxonomy import data_dir, explain, load_taxonomy, score_text

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
ANT = CORPUS / "ant-jawhara"


@pytest.fixture(scope="module")
def tax():
    return load_taxonomy()


# --- the data files ---------------------------------------------------------------------

def test_about_twenty_topics_each_labelled_and_keyworded_in_four_languages(tax):
    assert 18 <= len(tax.topic_ids) <= 26
    for topic in tax.topic_ids:
        assert set(tax.labels[topic]) >= {"fr", "ar", "en", "es"}
    for lang in ("fr", "ar", "en", "es"):
        lex = tax.lexicons[lang]
        per_topic = {t: 0 for t in tax.topic_ids}
        for entries in lex.terms:
            for topic_index, _ in entries:
                per_topic[tax.topic_ids[topic_index]] += 1
        thin = {t: n for t, n in per_topic.items() if n < 15}
        assert not thin, f"{lang}: topics with fewer than 15 keywords: {thin}"


def test_every_keyword_compiles_to_something_matchable(caplog):
    caplog.set_level("WARNING")
    load_taxonomy(data_dir()).lexicons.compile_all()  # uncached load: warnings are emitted again
    assert not [r for r in caplog.records if "ignored" in r.getMessage()]


# Number and currency words are stop words for discovery but real evidence of economy news.
STOP_WORD_KEYWORDS = {"dh", "milliard", "billion", "درهم", "دينار", "مليار"}


@pytest.mark.parametrize("lang", ["fr", "ar", "en", "es"])
def test_no_keyword_collides_with_a_frequent_word(tax, lang):
    # A keyword whose key is also the key of a stop word fires on ordinary prose: en "AI" -> "be",
    # es "Irán" -> "ir", ar "الكليات" -> "كل". Such keywords must be "=exact" or weigh at most 1.
    lex, stops = tax.lexicons[lang], text.stop_keys(lang)
    bad = {lex.surfaces[term]: max(w for _, w in lex.terms[term]) for key, term in lex.unigrams.items()
           if key in stops and key not in STOP_WORD_KEYWORDS}
    assert {word: w for word, w in bad.items() if w > 1} == {}


def test_exact_keywords_match_the_written_word_only(tax):
    hit = score_text(tax, title="Irán responde", body=None, lang="es", kind="headline")
    miss = score_text(tax, title="El presidente va a Madrid y fue recibido", body=None, lang="es", kind="headline")
    assert dict(hit.scores).get("middle_east", 0) >= 3 and "middle_east" not in dict(miss.scores)


def test_thresholds_are_explicit_in_the_data_file():
    meta = yaml.safe_load((data_dir() / "topics.yaml").read_text(encoding="utf-8"))
    for kind in ("article", "headline"):
        assert meta["thresholds"][kind]["min_score"] > 0
        assert 0 < meta["thresholds"][kind]["min_share"] < 1


def test_editing_the_files_changes_the_version_and_the_result(tmp_path, tax):
    folder = tmp_path / "topics"
    shutil.copytree(data_dir(), folder)
    path = folder / "keywords" / "fr.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["technology"][3].append("grimoire numérique")
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    edited = load_taxonomy(folder)
    assert edited.version != tax.version
    title = "Un grimoire numérique pour tous"
    assert score_text(edited, title=title, body=None, lang="fr", kind="headline").primary == "technology"


def test_a_keyword_for_an_unknown_topic_is_a_clear_error(tmp_path):
    folder = tmp_path / "topics"
    shutil.copytree(data_dir(), folder)
    path = folder / "keywords" / "en.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\nastrology:\n  3: [horoscope]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="unknown topic"):
        load_taxonomy(folder)


# --- normalisation ------------------------------------------------------------------------

@pytest.mark.parametrize("variants", [
    ["الانتخابات", "الإنتخابات", "الانتخابات", "والانتخابات", "بالانتخابات", "للانتخابات", "الانتخابيّة"],
    ["إفريقيا", "أفريقيا", "افريقيا"],
    ["مصطفى", "مصطفي"],
    ["الحكومة", "الحكومه", "الحكومةُ", "الحكـــومة"],
])
def test_arabic_spellings_share_one_key(variants):
    assert len({tuple(text.keys(v, "ar")) for v in variants}) == 1


def test_arabic_proclitics_are_only_stripped_when_the_word_is_unknown(tax):
    # "وزارة" starts with و: it must stay a word of its own, while "بوزارة" falls back to it.
    assert text.keys("وزارة", "ar") == [text.ar_stem("وزاره")]
    assert text.ar_fallback("بوزاره") == text.ar_stem("وزاره")
    hits = {row["keyword"] for row in explain(tax, title=None, body="بوزارة الصحة وكرة القدم", lang="ar")}
    assert {"وزارة الصحة", "كرة القدم"} <= hits


def test_latin_words_are_lemmatised():
    assert text.keys("Les élections législatives", "fr") == ["le", "élection", "législatif"]
    assert text.keys("elections", "en") == text.keys("election", "en")
    assert text.keys("elecciones", "es") == text.keys("elección", "es")


# --- the scorer ---------------------------------------------------------------------------

SEED_TICKER = {  # real headlines of the seed page's ticker and their obvious topic
    "Eliminatoires Mondial 2026 : Le Maroc bat le Niger et se qualifie pour la phase finale": "football",
    "Sahara : Trump advisor reaffirms US position to De Mistura": "sahara",
    "El Rey Mohammed VI ordena al Consejo Superior de Ulemas emitir una fatwa sobre el Zakat": "religion",
    "Le dirham se déprécie légèrement face au dollar et à l'euro": "economy",
    "Etats-Unis : une nouvelle vague de Covid-19 frappe la Californie": "health",
    "Liban : La Finul dénonce l'attaque israélienne contre son personnel": "middle_east",
    "Sahara : Le Royaume-Uni réaffirme son soutien au plan marocain d'autonomie": "sahara",
}


def test_real_ticker_headlines_get_their_obvious_topic(tax):
    seed = (CORPUS / "pages" / "maghress-fr-0001.txt").read_text(encoding="utf-8").split("\n")[0]
    ticker = [h.strip() for h in seed.split("\u00a0" * 4) if h.strip()]
    from analysis.ingest.langs import detect

    for headline, expected in SEED_TICKER.items():
        assert headline in ticker
        got = score_text(tax, title=headline, body=None, lang=detect(headline), kind="headline")
        assert got.primary == expected, (headline, got)


def test_no_evidence_means_no_primary_topic(tax):
    got = score_text(tax, title="Les prévisions du vendredi 5 septembre 2025", body="", lang="fr", kind="headline")
    assert got.primary is None
    assert score_text(tax, title=None, body=None, lang="fr").scores == ()


def test_title_counts_more_than_body(tax):
    title_hit = score_text(tax, title="football", body="économie", lang="fr")
    body_hit = score_text(tax, title="économie", body="football", lang="fr")
    assert dict(title_hit.scores)["football"] > dict(body_hit.scores)["football"]


def test_missing_language_is_detected(tax):
    got = score_text(tax, title="المنتخب التونسي لكرة القدم يفوز في المباراة", body=None, lang=None, kind="headline")
    assert got.primary == "football"


@settings(max_examples=60, deadline=None)
@given(title=st.text(max_size=80), body=st.text(max_size=400),
       lang=st.sampled_from(["fr", "ar", "en", "es"]), kind=st.sampled_from(["article", "headline"]))
def test_scores_are_well_formed_for_any_text(tax, title, body, lang, kind):
    got = score_text(tax, title=title, body=body, lang=lang, kind=kind)
    values = [s for _, s in got.scores]
    assert values == sorted(values, reverse=True)
    assert all(s >= tax.store_min_score for s in values)
    if got.primary is not None:
        assert got.primary == got.scores[0][0]
        assert got.scores[0][1] >= tax.thresholds[kind].min_score


@settings(max_examples=30, deadline=None)
@given(noise=st.text(alphabet="xyzqw ", max_size=200))
def test_adding_unrelated_words_never_removes_a_keyword_hit(tax, noise):
    base = "Le Raja bat le Wydad au stade Mohammed V, un but à la dernière minute"
    got = dict(score_text(tax, title=None, body=f"{base} {noise}", lang="fr").scores)
    assert got.get("football", 0) >= dict(score_text(tax, title=None, body=base, lang="fr").scores)["football"]


# --- quality against the outlets' own categories (ANT, Arabic) ---------------------------

@pytest.fixture(scope="module")
def ant_result():
    return evaluate([ANT])


def test_macro_f1_on_clear_categories_stays_above_its_floor(ant_result):
    # measured 0.902 (keywords written from domain knowledge, not fitted on ANT); target 0.60
    assert ant_result["macro_f1"] >= 0.85
    floors = {"sport": 0.83, "politic": 0.82, "economy": 0.86, "culture": 0.90, "technology": 0.84}
    for category, floor in floors.items():
        assert ant_result["per_category"][category]["f1"] >= floor, (category, ant_result["per_category"][category])


def test_open_precision_counts_every_article_and_stays_above_target(ant_result):
    # Precision over all 3,681 articles, local news and society included: measured 0.635.
    assert ant_result["open"]["macro_f1"] >= 0.60
    assert ant_result["coverage"] >= 0.78       # measured 0.818
    assert ant_result["n_documents"] == 3681
    assert ant_result["unmapped_categories"] == {}
