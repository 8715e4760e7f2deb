"""The taxonomy: its data files, the shared normalisation, the scorer, and its quality on ANT."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.topics import taxonomy, text, wordids
from analysis.topics.evaluate import evaluate
from analysis.topics.taxonomy import data_dir, explain, load_taxonomy, match_terms, score_text

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


def _visit_every_word(tax, text_: str, lang: str) -> dict[int, float]:
    """match_terms the plain way, every word visited: the oracle of the real one, which
    resolves each distinct word once and visits only the words that start a keyword."""
    lex, counts, free = tax.lexicons[lang], {}, 0
    info = [lex.lookup(w) for w in text.words(text_, lang)]
    for j, (_, term, seconds, _) in enumerate(info):
        if j < free:
            continue
        if seconds is not None and j + 1 < len(info):
            nxt = info[j + 1]
            for keys, phrase in seconds.get(nxt[0]) or (seconds.get(nxt[3]) if nxt[3] else None) or ():
                if j + len(keys) <= len(info) and all(info[j + o][0] == keys[o] or info[j + o][3] == keys[o]
                                                      for o in range(2, len(keys))):
                    counts[phrase] = counts.get(phrase, 0.0) + 1.0
                    free = j + len(keys)
                    break
            if free > j:
                continue
        if term is not None:
            counts[term] = counts.get(term, 0.0) + 1.0
            free = j + 1
    return counts


def _matched(tax, text_: str, lang: str) -> dict[int, float]:
    counts: dict[int, float] = {}
    match_terms(tax, text_, lang, counts)
    return counts


def test_match_terms_finds_what_visiting_every_word_finds_on_the_corpus(tax, monkeypatch):
    from tests.stories_fixtures import corpus_articles, itn

    # a small word cache, so it is also forgotten and rebuilt between texts
    monkeypatch.setattr(wordids, "VOCABULARY_LIMIT", 3000)
    texts = [(f"{r['title'] or ''}\n{r['body'] or ''}", r["lang"]) for r in corpus_articles().iter_rows(named=True)]
    texts += [(h, lang) for h in itn()["text"].to_list() for lang in ("fr", "en", "es")]
    phrases = 0
    for body, lang in texts:
        got = _matched(tax, body, lang)
        assert got == _visit_every_word(tax, body, lang), body[:80]
        phrases += sum(1 for term in got if any(term == t for table in tax.lexicons[lang].phrases.values()
                                                for options in table.values() for _, t in options))
    assert {lang for _, lang in texts} >= {"ar", "fr", "en", "es"} and len(texts) > 1000
    assert phrases > 100  # the phrase path is exercised, not only single words


def test_documents_scored_together_score_as_the_plain_walk_scores_each(tax, monkeypatch):
    """``score_ids`` finds the keywords of many documents in one pass over their ids: each
    document's scores and primary topic must be what visiting every word of its title (counted
    title_weight times) and body gives, as if it were alone — no phrase across documents or
    from a title into its body."""
    from tests.stories_fixtures import corpus_articles

    monkeypatch.setattr(wordids, "BATCH", 13)
    rows = corpus_articles().select("title", "body", "lang").rows()
    for lang in ("ar", "fr", "en"):
        docs = [(title, body) for title, body, doc_lang in rows if doc_lang == lang][:400]
        # a title ending with the first word of a phrase whose second word opens the body
        phrase = next(lex_surface for lex_surface in (tax.lexicons[lang].surfaces[t]
                      for table in tax.lexicons[lang].phrases.values() for options in table.values()
                      for _, t in options) if len(lex_surface.split()) == 2)
        docs.append((f"{docs[0][0]} {phrase.split()[0]}", f"{phrase.split()[1]} {docs[0][1]}"))
        got = taxonomy.score_ids(tax, wordids.document_ids(docs, [lang] * len(docs)), lang=lang)
        for (title, body), scored in zip(docs, got):
            counts = {}
            for part, weight in ((title, tax.title_weight), (body, 1.0)):
                for term, count in _visit_every_word(tax, part or "", lang).items():
                    counts[term] = counts.get(term, 0.0) + count * weight
            assert scored == taxonomy.decide(tax, counts, lang, "article"), title


def test_texts_scored_in_a_batch_score_as_each_alone(tax):
    # The Spark engine scores a batch of mixed-language documents at once (score_texts);
    # each must get what score_text gives it alone, languages guessed where they are missing.
    from tests.stories_fixtures import corpus_articles, itn

    rows = corpus_articles().select("title", "body", "lang").rows()
    docs = [row for lang in ("ar", "fr", "en") for row in [r for r in rows if r[2] == lang][:150]]
    docs = [(t, b, None if i % 7 == 0 else lang) for i, (t, b, lang) in enumerate(docs)]
    random.Random(3).shuffle(docs)  # languages interleaved
    got = taxonomy.score_texts(tax, docs)
    assert got == [taxonomy.score_text(tax, title=t, body=b, lang=lang) for t, b, lang in docs]
    assert sum(bool(s.scores) for s in got) > 200
    heads = [(h, None, None) for h in itn()["text"].to_list()[:300]]
    assert taxonomy.score_texts(tax, heads, kind="headline") == [
        taxonomy.score_text(tax, title=h, body=None, lang=None, kind="headline") for h, _, _ in heads]
    with pytest.raises(ValueError, match="kind"):
        taxonomy.score_texts(tax, heads, kind="page")


@st.composite
def _keyword_soup(draw):
    """Texts made of the words of phrase keywords, in any order, with fillers: overlapping
    and truncated phrases, and phrases that start where another one stops."""
    lang = draw(st.sampled_from(["fr", "ar", "en", "es"]))
    lex = load_taxonomy().lexicons[lang]
    pieces = sorted({lex.surfaces[t] for table in lex.phrases.values() for options in table.values()
                     for _, t in options})
    vocab = sorted({w for p in pieces for w in p.split()}) + ["de", "la", "le", "the", "و", "في", "xyz"]
    chunks = draw(st.lists(st.one_of(st.sampled_from(pieces), st.sampled_from(vocab)), max_size=40))
    return " ".join(chunks), lang


@settings(max_examples=200, deadline=None)
@given(soup=_keyword_soup())
def test_match_terms_finds_what_visiting_every_word_finds_in_any_order(tax, soup):
    body, lang = soup
    assert _matched(tax, body, lang) == _visit_every_word(tax, body, lang)


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
