"""One identity per real-world entity: the seed page cases and the ITN fr/ar/en blurbs."""

from __future__ import annotations

import collections

import pytest

from analysis.entities.matcher import RegistryMatcher
from analysis.entities.pipeline import Document, extract
from analysis.entities.registry import load_registry
from analysis.entities.resolve import Resolver, near_identical
from analysis.entities.text import fold
from tests.entities_fixtures import SEED_PAGE, itn_rows, seed_article


@pytest.fixture(scope="module")
def registry():
    return load_registry()


@pytest.fixture(scope="module")
def matcher(registry):
    return RegistryMatcher(registry.aliases)


@pytest.fixture(scope="module")
def seed_mentions(registry, matcher):
    title, body = seed_article()
    doc = Document(1, "article", (("title", title), ("body", body)), "fr")
    return list(extract([doc], matcher=matcher, resolver=Resolver.from_registry(registry)))


def _ids(mentions, surface):
    return {m.entity_id for m in mentions if m.surface == surface}


def test_seed_page_cazeneuve_spellings_are_one_entity(seed_mentions):
    full = _ids(seed_mentions, "Bernard Cazeneuve")
    surname = _ids(seed_mentions, "Cazeneuve")  # written "M. Cazeneuve" on the page
    typo = _ids(seed_mentions, "Cazaneuve")
    assert len(full) == 1 and full == surname == typo
    methods = {m.surface: m.method for m in seed_mentions if m.entity_id in full}
    assert methods["Cazeneuve"] == "crf:surname" and methods["Cazaneuve"] == "crf:fuzzy"
    body = seed_article()[1]
    starts = [m.start for m in seed_mentions if m.surface == "Cazeneuve" and m.field == "body"]
    assert all(body[s - 3:s] == "M. " for s in starts) and len(starts) == 5


def test_seed_page_king_and_country(seed_mentions, matcher):
    assert _ids(seed_mentions, "SM le Roi Mohammed VI") == _ids(seed_mentions, "SM le Roi") == {"mohammed-vi"}
    assert _ids(seed_mentions, "Maroc") == {"morocco"}
    assert sum(1 for m in seed_mentions if m.entity_id == "morocco") >= 10
    # the same entities in the other languages of the press (the ticker of the same page mixes them)
    ticker = SEED_PAGE.read_text(encoding="utf-8").split("\n")[0]
    ticker_ids = collections.Counter(m.entity_id for m in matcher.find(ticker))
    assert ticker_ids["morocco"] >= 8 and ticker_ids["mohammed-vi"] >= 3  # Le roi / S.M. le Roi / El Rey
    for text in ("Morocco", "Marruecos", "المغرب", "بالمغرب"):
        assert [m.entity_id for m in matcher.find(f"— {text} —")] == ["morocco"], text
    for text in ("Mohammed VI", "SM le Roi", "محمد السادس", "الملك محمد السادس", "El Rey Mohammed VI"):
        assert [m.entity_id for m in matcher.find(f"— {text} —")] == ["mohammed-vi"], text


def test_seed_page_people_that_must_stay_apart(seed_mentions):
    assert _ids(seed_mentions, "Mohamed Hassad") == _ids(seed_mentions, "Hassad") == {"mohamed-hassad"}
    assert _ids(seed_mentions, "Abdellatif Hammouchi") == {"abdellatif-hammouchi"}
    assert not near_identical("hassad", "hassan")          # one edit in six letters is not safe
    assert near_identical("cazaneuve", "cazeneuve")
    assert not near_identical("martine", "martina")


def test_itn_story_subject_is_the_same_entity_in_every_language(registry, matcher):
    by_qid = {e.wikidata_id: e.entity_id for e in registry.entities.values() if e.wikidata_id}
    stories = collections.defaultdict(lambda: collections.defaultdict(list))
    for row in itn_rows():
        stories[row["qid"]][row["lang"]].append(row)
    checked = collections.Counter()
    for qid, langs in stories.items():
        if len(langs) < 2 or qid not in by_qid:
            continue
        for lang, rows in langs.items():
            for row in rows:
                if not any(link["title"] == row["keyword"] for link in row["links"]):
                    continue  # this blurb does not name the subject
                found = {m.entity_id for m in matcher.find(row["text"])}
                assert by_qid[qid] in found, (qid, lang, row["text"])
                checked[lang] += 1
    assert checked["ar"] >= 40 and checked["en"] >= 40 and checked["fr"] >= 40


def test_itn_linked_subjects_are_found_in_each_language(registry, matcher):
    """Every link whose Wikipedia title is a registry name must be matched inside the linked text
    (e.g. ``وأنطون تسايلينغر``, ``Royaume-Uni``). Demonyms (``Français`` -> France) are the known gap."""
    by_key = registry.by_key()
    hit, total = collections.Counter(), collections.Counter()
    for row in itn_rows():
        matches = matcher.find(row["text"])
        for link in row["links"]:
            eid = by_key.get(fold(link["title"]))
            start = row["text"].find(link["surface"])
            if not eid or start < 0:
                continue
            end = start + len(link["surface"])
            total[row["lang"]] += 1
            hit[row["lang"]] += any(m.entity_id == eid and m.start < end and start < m.end for m in matches)
    rates = {lang: hit[lang] / total[lang] for lang in total}
    # measured: ar 0.90, en 0.93, fr 0.85 (floors slightly below)
    assert rates["ar"] >= 0.88 and rates["en"] >= 0.90 and rates["fr"] >= 0.82, rates
