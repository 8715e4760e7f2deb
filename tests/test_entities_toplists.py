"""Top lists a newsroom can trust: one type per entity, plurals merged, no datelines or page
furniture counted, checked on the demo database enriched with the recognisers."""

from __future__ import annotations

import csv
import json
import re

import pytest

import analysis
from analysis.entities import top_entities
from analysis.entities.matcher import RegistryMatcher
from analysis.entities.pipeline import Document, extract, not_news
from analysis.entities.registry import load_registry
from analysis.entities.resolve import Resolver, singular_key
from analysis.entities.stage import run
from analysis.entities.text import fold
from tests.conftest import writable_copy
from tests.entities_fixtures import CORPUS
from tests.report_fixtures import enriched_sample_db  # noqa: F401  (fixture)

ROAD_CODE = re.compile(r"^[A-Z]\d{1,3}$")
WIKI = ("wikipedia", "wikimedia", "wikinews")


@pytest.fixture(scope="module")
def registry():
    return load_registry()


def _extract(registry, docs, **options) -> list:
    return list(extract(docs, matcher=RegistryMatcher(registry.aliases), resolver=Resolver.from_registry(registry),
                        **options))


@pytest.mark.parametrize(("plural", "singular"), [
    ("gilets jaunes", "gilet jaune"), ("casques bleus", "casque bleu"), ("houthis", "houthi"),
    ("jeux olympiques", "jeu olympique")])
def test_plural_marks_come_off_a_learned_name(plural, singular):
    assert singular_key(plural) == singular_key(singular) == singular


@pytest.mark.parametrize("key", ["paris", "lucas", "congress", "marcos silva", "texas", "الجزائر"])
def test_names_that_only_look_plural_are_kept(key):
    assert singular_key(key) == key


def test_singular_and_plural_spellings_are_one_learned_entity(registry):
    resolver = Resolver.from_registry(registry)
    first = resolver.lookup("gilets jaunes", "Gilets jaunes", "PER", lang="fr")
    second = resolver.lookup("gilet jaune", "Gilet jaune", "LOC", lang="fr")
    assert second.entity_id == first.entity_id and second.method == "crf:fuzzy"
    # never into a registry entity through a plural: "Casques bleus" is learned apart from it
    blue = resolver.lookup("casques bleus", "Casques bleus", "ORG")
    assert blue.entity_id.startswith("ner:")


@pytest.mark.parametrize("text", [
    "Dubaï, Émirats arabes unis (CNN)-- Le ministre saoudien a rencontré son homologue.",
    "(AFP) - Le président a rencontré son homologue.",
    "Rabat, 12.05.2019 (MAP) – Le roi a reçu le ministre.",
    "Tunis, 5 mai (TAP) - Le ministre a annoncé.",
    "LONDON - BBC - The prime minister said.",
    "تونس 11 ديسمبر 2016 (وات) - أكد بيان صادر"])
def test_datelines_of_agencies_and_broadcasters_are_not_news(text):
    (span,) = not_news(text, "body")
    assert span[0] == 0 and re.search(r"CNN|AFP|MAP|TAP|BBC|وات", text[span[0]:span[1]])


@pytest.mark.parametrize("text", [
    "Le président François Hollande (PS) a dit que la réforme passera.",
    "Au Maroc, l'ONU – dit-on – enquête.",
    "Le G20 - réunion des ministres.",
    'أرسلت وكالة "ناسا" محطة OSIRIS-REx الفضائية'])  # ANT JA-diverse-295-20160911
def test_a_sentence_with_a_parenthesis_or_an_acronym_is_no_dateline(text):
    assert not_news(text, "body") == []


def test_the_wikinews_interviewer_mark_is_not_an_entity(registry):
    with (CORPUS / "wikinews-en" / "wikinews_2019.csv").open(encoding="utf-8", newline="") as fh:
        row = next(r for r in csv.DictReader(fh) if r["url"].endswith("US_study_finds_correlation_between_youth_suicide,"
                                                                      "_household_gun_ownership"))
    assert row["text"].count("((WN))") >= 3  # an interview: each question starts with the mark
    mentions = _extract(registry, [Document(1, "article", (("title", row["title"]), ("body", row["text"])), "en")],
                        french_ner="crf")
    surfaces = {m.surface for m in mentions}
    assert "WN" not in surfaces and "Michael Siegel" in surfaces


@pytest.fixture(scope="module")
def demo_db(enriched_sample_db, tmp_path_factory):  # noqa: F811
    """The enriched sample with the entities stage rerun as `make demo` runs it (recognisers on;
    the French CRF rather than spaCy, to keep the suite fast)."""
    path = writable_copy(enriched_sample_db, tmp_path_factory.mktemp("toplists"), name="demo.duckdb")
    with analysis.connect(path) as con:
        run(con, rebuild=True, french_ner="crf")
    return path


def _junk(df, outlet_of=None) -> list[str]:
    """The rows of a top list a newsroom would not print."""
    out = []
    for group, rows in df.groupby("group", dropna=False) if "group" in df else [(None, df)]:
        seen: dict[str, str] = {}
        for row in rows.itertuples():
            name = fold(row.entity)
            if ROAD_CODE.match(row.entity) or any(w in name for w in WIKI):
                out.append(f"{group}: {row.entity}")
            if outlet_of and isinstance(group, str) and name and name in fold(group):
                out.append(f"{group}: its own name {row.entity}")
            # the same thing twice, e.g. under two types or as singular and plural
            key = singular_key(name)
            if key in seen:
                out.append(f"{group}: {row.entity} ({row.type}) beside {seen[key]}")
            seen[key] = f"{row.entity} ({row.type})"
    return out


def test_top_50_of_the_demo_database_has_no_junk(demo_db):
    con = analysis.connect(demo_db, read_only=True)
    try:
        overall = top_entities(con, top=50)
        by_lang = top_entities(con, top=50, by="lang")
        by_outlet = top_entities(con, top=50, by="outlet")
        types = con.execute("SELECT count(*) FROM (SELECT entity_id FROM entities GROUP BY 1 HAVING count(*) > 1)").fetchone()[0]
        learned = con.execute("SELECT count(*) FROM entities WHERE source = 'ner'").fetchone()[0]
    finally:
        con.close()
    assert len(overall) == 50 and set(by_lang["group"]) >= {"ar", "en", "fr"} and learned > 100
    assert overall["entity_id"].is_unique and types == 0
    assert _junk(overall) == [] and _junk(by_lang) == []
    assert _junk(by_outlet, outlet_of=True) == []



def test_the_club_not_the_city_in_real_sport_articles(registry):
    """The longer registry name wins: "FC Barcelone", "Barça" and "فريق برشلونة" are the club."""
    with (CORPUS / "winer-fr" / "winer_fr_2016_2017.jsonl").open(encoding="utf-8") as fh:
        neymar = next(r for r in map(json.loads, fh) if r["id"] == "winer-fr-2017_08_05-001")
    title, body = neymar["raw"].split("\n", 1)  # "... pour le signer au FC Barcelone"
    ant = (CORPUS / "ant-jawhara" / "sport" / "JA-sport-1225-20160713.txt").read_text(encoding="utf-8")
    ant_body = re.search(r"<TEXT>(.*?)</TEXT>", ant, re.S).group(1)  # "أعلن فريق برشلونة الإسباني تعاقده"
    docs = [Document(0, "article", (("title", title), ("body", body)), "fr"),
            Document(1, "article", (("body", ant_body),), "ar")]
    mentions = _extract(registry, docs, mode="registry")
    club = {m.surface for m in mentions if m.entity_id == "fc-barcelona"}
    city = [m for m in mentions if m.entity_id == "barcelona"]
    assert {"FC Barcelone", "Barça", "فريق برشلونة"} <= club
    # the city keeps the bare name alone ("un coup pour Barcelone"), never a piece of the club's
    club_spans = [(m.doc_id, m.field, m.start, m.end) for m in mentions if m.entity_id == "fc-barcelona"]
    assert {m.surface for m in city} <= {"Barcelone", "برشلونة"}
    assert not [m for m in city for d, f, a, b in club_spans if (m.doc_id, m.field) == (d, f) and a <= m.start < b]


def test_each_entity_has_the_type_of_its_evidence(demo_db):
    con = analysis.connect(demo_db, read_only=True)
    try:
        # learned entities: the most frequent label of their mentions; registry entities: theirs
        wrong = con.execute("""
            WITH votes AS (SELECT entity_id, label, count(*) AS n FROM mentions GROUP BY ALL),
            majority AS (SELECT entity_id, first(label ORDER BY n DESC, label) AS label FROM votes GROUP BY 1)
            SELECT e.entity_id, e.type, m.label FROM entities e JOIN majority m USING (entity_id)
            WHERE e.source = 'ner' AND e.type <> m.label""").fetchall()
        registry = con.execute("""
            SELECT count(*) FROM mentions m JOIN entities e USING (entity_id)
            WHERE e.source = 'registry' AND m.label <> e.type""").fetchone()[0]
        mixed = con.execute("""SELECT count(*) FROM (SELECT entity_id FROM mentions WHERE starts_with(entity_id, 'ner:')
                               GROUP BY 1 HAVING count(DISTINCT label) > 1)""").fetchone()[0]
    finally:
        con.close()
    assert wrong == [] and registry == 0 and mixed > 0
