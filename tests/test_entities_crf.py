"""The Arabic and English CRF recogniser on real text: ANT (Jawhara FM) articles and English
Wikinews 2019 (../shared/corpus, read in place), and the training data preparation."""

from __future__ import annotations

import csv
import json
import re

import pytest

from analysis.entities import crf
from analysis.entities.matcher import RegistryMatcher
from analysis.entities.pipeline import Document, extract
from analysis.entities.registry import load_registry
from analysis.entities.resolve import Resolver
from analysis.entities.text import fold
from analysis.entities.train import attach_clitics
from tests.entities_fixtures import CORPUS

WIKINEWS_EN = CORPUS / "wikinews-en" / "wikinews_2019.csv"
ANT = CORPUS / "ant-jawhara" / "politic"


@pytest.fixture(scope="module")
def registry():
    return load_registry()


def _mentions(registry, docs, french_ner="crf"):
    resolver = Resolver.from_registry(registry)
    return list(extract(docs, matcher=RegistryMatcher(registry.aliases), resolver=resolver, mode="combined",
                        french_ner=french_ner)), resolver


def _ant(name: str) -> Document:
    text = (ANT / name).read_text(encoding="utf-8")
    title = re.search(r"<TITLE>(.*?)</TITLE>", text, re.S).group(1)
    body = re.search(r"<TEXT>(.*?)</TEXT>", text, re.S).group(1).strip()
    return Document(name, "article", (("title", title), ("body", body)), "ar")


def test_tokens_of_running_text():
    text = "President Trump's visit to the U.S. Congress, in Washington (D.C.); وقال والمغرب، بالجزائر."
    words = [text[s:e] for s, e in crf.tokenize(text)]
    assert words[:6] == ["President", "Trump", "'s", "visit", "to", "the"]
    assert "U.S." in words and "Congress" in words and "," in words and "D.C." in words
    assert "والمغرب" in words and "بالجزائر" in words and "،" in words


def test_sentences_do_not_end_at_initials_or_titles():
    text = "Mr. Smith met J. Doe in Paris. He left.\nNew line"
    sents = [[text[s:e] for s, e in sent] for sent in crf.sentences(text, crf.tokenize(text))]
    assert sents == [["Mr", ".", "Smith", "met", "J", ".", "Doe", "in", "Paris", "."], ["He", "left", "."],
                     ["New", "line"]]


def test_arabic_proclitics_come_off_names_only_when_the_bare_word_is_the_usual_one():
    rec = crf.recogniser("ar")
    assert rec.proclitic_length("ومحمد") == 1
    assert rec.proclitic_length("بالجزائر") == 1
    assert rec.proclitic_length("وهران") == 0      # Oran, not و + هران
    assert rec.proclitic_length("تونس") == 0


def test_standalone_anercorp_clitics_are_attached_like_real_text():
    words, labels = attach_clitics(["قال", "و", "إسرائيل", "و", "ب"], ["O", "O", "B-LOC", "O", "O"])
    assert words == ["قال", "وإسرائيل", "و", "ب"] and labels == ["O", "B-LOC", "O", "O"]


def test_person_absent_from_the_registry_found_in_a_real_ant_article(registry):
    # Jawhara FM, 15/10/2016: "رئيس مجلس شورى حركة النهضة، عبد الكريم الهاروني، ..." then "الهاروني".
    name = "عبد الكريم الهاروني"
    assert fold(name) not in registry.by_key() and fold("الهاروني") not in registry.by_key()
    mentions, resolver = _mentions(registry, [_ant("JA-politic-115-20161015.txt")])
    found = [m for m in mentions if m.surface == name]
    assert {m.field for m in found} == {"title", "body"}
    assert {m.method for m in found} == {"crf"} and {m.label for m in found} == {"PER"}
    eid = found[0].entity_id
    assert eid.startswith("ner:") and (eid, name, "PER") in resolver.new_entities
    assert all(m.entity_id == eid for m in mentions if "الهاروني" in m.surface)
    assert any(m.method == "registry" and m.entity_id == "ennahdha" for m in mentions)


def test_ministers_of_a_cabinet_list_are_persons(registry):
    # Jawhara FM, 20/08/2016: the cabinet of Youssef Chahed, "وزير X: <name>" one after another,
    # a layout ANERcorp never shows; names starting with an article (الهادي) are the hard ones.
    ministers = ["الهادي المجدوب", "غازي الجريبي", "خميس الجهيناوي", "فرحات الحرشاني", "أنيس غديرة",
                 "لمياء الزريبي", "رياض الموخر", "سمير بالطيب", "زياد العذاري", "محمد صالح العرفاوي",
                 "نزيهة العبيدي", "محمد الطرابلسي", "ناجي جلول", "ماجدولين الشارني", "فاضل عبد الكافي",
                 "مهدي بن غربية"]
    assert not any(fold(m) in registry.by_key() for m in ministers)
    mentions, _ = _mentions(registry, [_ant("JA-politic-161-20160820.txt")])
    persons = {m.surface for m in mentions if m.label == "PER"}
    assert sum(m in persons for m in ministers) >= 7
    assert not persons & {"الداخلية", "العدل", "السيرة الذاتية"}
    assert any(m.entity_id == "youssef-chahed" for m in mentions)


def test_persons_of_english_wikinews_not_in_the_registry(registry):
    with WIKINEWS_EN.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))[:3]
    docs = [Document(i, "article", (("title", r["title"]), ("body", r["text"])), "en") for i, r in enumerate(rows)]
    expected = {0: ["Yevgeny Zinichev", "Veronika Skvortsova"], 1: ["Nancy Pelosi", "Kevin McCarthy"],
                2: ["Andrzej Duda", "Joachim Brudziński"]}
    mentions, _ = _mentions(registry, docs)
    for i, names in expected.items():
        assert not any(fold(n) in registry.by_key() for n in names)
        persons = {m.surface for m in mentions if m.doc_id == i and m.label == "PER"}
        assert set(names) <= persons, (i, persons)
    # the registry still wins where it knows the name
    putin = [m for m in mentions if m.doc_id == 0 and m.surface == "Vladimir Putin"]
    assert putin and putin[0].method == "registry"
    # a surname after the full name is the same person, whatever label the model gave it
    pelosi = {m.entity_id for m in mentions if m.doc_id == 1 and "Pelosi" in m.surface}
    assert len(pelosi) == 1
    assert not any(m.surface in ("Monday", "January") for m in mentions)


def test_title_words_are_not_part_of_a_person_name():
    text = "Assemblywoman Selena Torres and Admiral Elson Hermogino spoke."
    admiral = text.index("Admiral")
    assert crf.Recogniser.skip_titles(text, 0, text.index(" and")) == text.index("Selena")
    assert crf.Recogniser.skip_titles(text, admiral, text.index(" spoke")) == text.index("Elson")
    assert crf.Recogniser.skip_titles(text, text.index("Elson"), text.index(" spoke")) == text.index("Elson")


def _winer(row_id: str) -> dict:
    with (CORPUS / "winer-fr" / "winer_fr_2016_2017.jsonl").open(encoding="utf-8") as fh:
        return next(r for r in map(json.loads, fh) if r["id"] == row_id)


def test_page_boilerplate_datelines_and_road_codes_are_not_mentions(registry):
    turkey = _winer("winer-fr-2017_04_29-002")      # "L'accès à Wikipédia bloqué en Turquie" + Wikimedia notice
    a8 = _winer("winer-fr-2017_04_24-002")          # "France : un accident survient sur l'A8"
    cnn = "Dubaï, Émirats arabes unis (CNN)-- Le ministre Adel al-Joubeir a rencontré Rex Tillerson à Riyad."
    docs = [Document(i, "article", (("title", t), ("body", b)), "fr") for i, (t, b) in
            enumerate([turkey["raw"].split("\n", 1), a8["raw"].split("\n", 1), ("Riyad", cnn)])]
    # spaCy finds "Wikipédia" in the title, the news itself, which the filters must leave alone
    mentions, _ = _mentions(registry, docs, french_ner="spacy")
    notice_end = turkey["raw"].split("\n", 1)[1].index("Wikimedia.") + 10
    assert not [m for m in mentions if m.doc_id == 0 and m.field == "body" and m.start < notice_end]
    assert any(m.doc_id == 0 and m.field == "title" and m.surface == "Wikipédia" for m in mentions)
    assert not [m for m in mentions if m.doc_id == 1 and m.surface in ("A8", "l'A8")]
    body = [m.surface for m in mentions if m.doc_id == 2 and m.field == "body"]
    assert "CNN" not in body and "Dubaï" not in body and "Riyad" in body


def test_french_institutions_written_in_lower_case_are_kept():
    """French writes ministries and armies in lower case; the CRF tags them ORG and decoding keeps
    them (sentences of WiNER-fr), but not a run-on span that only starts with such a head, nor a
    lower-case span of another type."""
    rec = crf.recogniser("fr")
    army = "Le 24 août, l'armée turque intervient dans le nord de la Syrie avec le soutien des États-Unis."
    ministry = ("Le navire a été arraisonné au large de la ville de Tobrouk (est de la Libye), a précisé le "
                "ministère de l'Intérieur turc aujourd'hui.")
    assert ("armée turque", "ORG") in {(s.surface, s.label) for s in rec.spans(army)}
    assert ("ministère de l'Intérieur", "ORG") in {(s.surface, s.label) for s in rec.spans(ministry)}
    run_on = "l'armée syrienne a repris Alep avec l'armée de l'air russe"
    assert rec.clean(run_on, 2, len(run_on), "ORG") is None
    start = army.index("armée")
    assert rec.clean(army, start, start + len("armée turque"), "LOC") is None
    assert rec.clean(army, start, start + len("armée turque"), "ORG") is not None


def test_the_outlets_own_programme_is_not_a_place():
    # Jawhara FM's guests speak "في برنامج بوليتيكا": the programme, not a place or a person
    texts = [p.read_text(encoding="utf-8") for p in sorted(ANT.glob("*.txt"))]
    texts = [t for t in texts if "برنامج \"بوليتيكا\"" in t or "برنامج بوليتيكا" in t]
    assert len(texts) >= 5
    spans = [s for found in crf.crf_spans(texts, "ar") for s in found]
    assert not [s for s in spans if "بوليتيكا" in s.surface]
    assert sum(s.label == "PER" for s in spans) >= len(texts)  # the guests are still found


def test_a_programme_word_takes_only_the_name_right_after_it():
    rec = crf.recogniser("fr")
    text = "Dans l'émission « Quotidien », Emmanuel Macron a parlé du programme."
    assert rec.after_programme_word(text, text.index("Quotidien"))
    assert not rec.after_programme_word(text, text.index("Emmanuel"))
