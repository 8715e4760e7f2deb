"""Discovery: TF-IDF on lemma keys + NMF, deterministic, and how well it separates real categories."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from analysis.topics import discovery as disc
from analysis.topics.evaluate import read_gold

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


@pytest.fixture(scope="module")
def ant():
    docs = read_gold([CORPUS / "ant-jawhara"])
    return docs, [disc.features(d.title, d.body, "ar") for d in docs]


@pytest.fixture(scope="module")
def ant_model(ant):
    return disc.fit(ant[1], "ar")


def test_features_drop_stop_words_numbers_and_boilerplate():
    feats = disc.features("Le Maroc et la France", "Selon la MAP, lundi 5 janvier 2016, le football.", "fr")
    assert "maroc" in feats and "football" in feats
    assert not {"le", "et", "la", "selon", "lundi", "janvier", "2016", "map"} & set(feats)
    arabic = disc.features(None, "وأضاف الوزير يوم الاثنين أن الحكومة", "ar")
    assert "حكوم" in arabic
    assert not {"واضاف", "اضاف", "يوم", "اثنين"} & set(arabic)


def test_same_input_gives_the_same_model(ant, ant_model):
    again = disc.fit(ant[1], "ar")
    assert np.array_equal(again.components, ant_model.components)
    assert np.array_equal(again.doc_topic, ant_model.doc_topic)
    assert disc.top_terms(again) == disc.top_terms(ant_model)


def test_parameters_are_recorded(ant_model):
    params = ant_model.params
    for key in ("method", "n_topics", "min_df", "max_df", "max_features", "seed", "solver", "n_iter", "sklearn"):
        assert key in params
    assert params["n_topics"] == ant_model.n_topics == 20


def test_topics_separate_the_outlets_categories(ant, ant_model):
    docs = ant[0]
    assigned = ant_model.doc_topic.argmax(axis=1).tolist()
    labels = [d.category for d in docs]
    overall = disc.purity(assigned, labels)
    # majority baseline: localNews is 2,029 / 3,681 = 0.55
    assert overall["purity"] >= 0.58
    assert overall["nmi"] >= 0.20
    clear = {"sport", "politic", "economy", "culture", "technology"}
    keep = [i for i, c in enumerate(labels) if c in clear]
    separated = disc.purity([assigned[i] for i in keep], [labels[i] for i in keep])
    # majority baseline among the clear categories: politic 259 / 687 = 0.38
    assert separated["purity"] >= 0.75


def test_sport_articles_gather_in_a_football_topic(ant, ant_model):
    docs = ant[0]
    sport = [i for i, d in enumerate(docs) if d.category == "sport"]
    counts = np.bincount(ant_model.doc_topic[sport].argmax(axis=1), minlength=ant_model.n_topics)
    top_topic = int(counts.argmax())
    assert counts[top_topic] >= 0.5 * len(sport)
    terms = [k for k, _ in disc.top_terms(ant_model, 15)[top_topic]]
    assert {"منتخب", "مبارا", "لاعب"} & set(terms)


def test_state_round_trip_gives_the_same_transform(ant, ant_model):
    restored = disc.Model.from_state(ant_model.to_state(), lang="ar", method=ant_model.method,
                                     params=ant_model.params)
    sample = ant[1][:200]
    assert np.allclose(disc.transform(restored, sample), disc.transform(ant_model, sample), atol=1e-5)
    assert list(restored.keys) == list(ant_model.keys)


def test_purity_on_a_known_table():
    assigned = [0, 0, 0, 1, 1, 2]
    labels = ["a", "a", "b", "b", "b", "c"]
    result = disc.purity(assigned, labels)
    assert result["purity"] == round((2 + 2 + 1) / 6, 4)
    assert result["inverse_purity"] == round((2 + 2 + 1) / 6, 4)


def test_too_few_documents_is_a_clear_error():
    with pytest.raises(ValueError, match="at least 10"):
        disc.fit([["mot"]] * 3, "fr")


def test_counted_tfidf_is_the_vectorizers_and_word_columns_are_the_features(ant, ant_model):
    """`tfidf` (counting in NumPy) must give the fitted vectorizer's float32 matrix exactly, and
    `word_columns` of an article's words the same terms as `features` (French too, whose
    stop words and lemmas differ)."""
    import json

    from analysis.topics import text as textmod
    from analysis.topics import wordids

    with open(CORPUS / "winer-fr" / "winer_fr_2016_2017.jsonl", encoding="utf-8") as lines:
        winer = [json.loads(line) for line in lines][:400]
    samples = {"ar": [(d.title, d.body) for d in ant[0][:300]], "fr": [(d["title"], d["text"]) for d in winer]}
    for lang, sample in samples.items():
        sample_keys = [disc.features(title, body, lang) for title, body in sample]
        model = ant_model if lang == "ar" else disc.fit(sample_keys, "fr")
        expected = model.vectorizer.transform(sample_keys).toarray()
        vocabulary = model.vectorizer.vocabulary_
        from_keys = [[vocabulary[k] + 1 for k in doc if k in vocabulary] for doc in sample_keys]
        assert np.array_equal(disc.tfidf(model, from_keys).toarray(), expected)
        columns = [disc.word_columns(model, textmod.words(f"{title or ''}\n{body or ''}", lang)).tolist()
                   for title, body in sample]
        assert columns == from_keys
        # the stage's way: title and body as word ids (wordids), the separator left out
        split = wordids.document_ids(sample, [lang] * len(sample))
        assert [disc.id_columns(model, ids).tolist() for ids, _ in split] == from_keys
        assert expected.any(axis=1).mean() > 0.9


def test_a_documents_projection_does_not_depend_on_its_chunk(ant, ant_model):
    """The projection runs a fixed number of iterations: an article gets the same weights
    whichever articles are projected with it, in whatever order."""
    sample = ant[1][:600]
    alone = disc.transform(ant_model, sample)
    assert alone.shape == (600, ant_model.n_topics)
    assert np.allclose(alone.sum(axis=1)[alone.any(axis=1)], 1, atol=1e-5)
    chunked = np.vstack([disc.transform(ant_model, sample[i:i + 37]) for i in range(0, 600, 37)])
    reordered = disc.transform(ant_model, sample[::-1])[::-1]
    assert np.abs(chunked - alone).max() < 1e-5
    assert np.abs(reordered - alone).max() < 1e-5
