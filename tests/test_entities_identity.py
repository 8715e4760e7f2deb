"""One identity per real-world entity: the seed page cases and the ITN fr/ar/en blurbs."""

from __future__ import annotations

import collections
import shutil

import pytest

import analysis
from analysis import rollups
from analysis.entities import stage
from analysis.entities.frequencies import describe_entity, entity_frequencies
from analysis.entities.identity import Profile, context_agreement, identity_merges, merge_identities, registry_forms, unmerge
from analysis.entities.identity_eval import evaluate, registry_skeleton
from analysis.entities.matcher import RegistryMatcher
from analysis.entities.pipeline import Document, extract
from analysis.entities.registry import load_registry
from analysis.entities.resolve import Resolver, near_identical
from analysis.entities.text import fold
from analysis.entities.translit import long_exact_match, names_match, skeleton
from analysis.errors import NotFound
from analysis.ingest import load
from tests.conftest import writable_copy
from tests.entities_fixtures import CRAWLED_AT, ROOT, SEED_PAGE, itn_rows, seed_article


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


# --- one identity across scripts (analysis.entities.identity) -----------------------------------

SAMPLE = ROOT / "data" / "sample" / "inputs"
SKVORTSOVA_AR = SAMPLE / "ant-jawhara" / "internationalNews" / "JA-internationalNews-1154-20161228.txt"


def test_skeletons_of_real_names_match_across_scripts(registry):
    # registry names of one person in two scripts
    for eid in ("nasser-bourita", "abdelilah-benkirane", "saadeddine-el-othmani", "salaheddine-mezouar"):
        e = registry.entities[eid]
        assert names_match(e.names["ar"], e.names["fr"]), eid
    assert skeleton("Nasser Bourita") == skeleton("ناصر بوريطة") == ("nsr", "brt")
    # ITN story subjects (fr/en link surface vs ar link surface of one qid)
    assert names_match("Svante Pääbo", "سفانتي بابو") and names_match("Bachar al-Assad", "بشار الأسد")
    assert names_match("Chris Hipkins", "كريس هيبكنز")


def test_near_miss_names_are_refused_or_left_to_context(registry):
    # two different people: the Tunisian street vendor and the Polisario leader (registry names)
    assert not names_match("محمد البوعزيزي", "Mohamed Abdelaziz")
    # two places one edit apart (registry names), a first name and another, and short names
    assert not names_match("كردستان", "Kirguistán") and not names_match("وكريستيانو", "Christian")
    assert not names_match("Mohamed Hassan", "محمد حصاد") and not names_match("Bourita", "بوريطة")
    # the same skeleton for different things (ANERcorp's Jinjiang, a place; WiNER's Jin Jong-oh,
    # a Korean shooter; the footballer Mohamed Salah and Tunisian men named محمد صالح): context decides
    assert names_match("جن جيانغ", "Jin Jong-oh") and names_match("محمد صالح", "Mohamed Salah")
    doc_freq = {"china": 40, "south-korea": 12, "egypt": 60, "liverpool-fc": 5, "tunisia": 300, "ugtt": 20,
                "premier-league": 6}
    shooter = Profile("PER", frozenset({"2016-08"}), frozenset({"south-korea", "china"}))
    city = Profile("LOC", frozenset({"2016-08"}), frozenset({"south-korea", "china"}))
    assert context_agreement(shooter, city, doc_freq, 1000) is None  # types differ
    footballer = Profile("PER", frozenset({"2018-05"}), frozenset({"egypt", "liverpool-fc", "premier-league"}))
    unionist = Profile("PER", frozenset({"2018-05"}), frozenset({"tunisia", "ugtt", "egypt"}))
    assert context_agreement(footballer, unionist, doc_freq, 1000) is None  # one shared co-mention, common
    same = Profile("PER", frozenset({"2018-05"}), frozenset({"egypt", "liverpool-fc"}))
    assert "liverpool-fc" in context_agreement(footballer, same, doc_freq, 1000)
    assert context_agreement(footballer, Profile("PER", frozenset({"2019-01"}), same.neighbours), doc_freq, 1000) is None
    # a long exact name needs only one rare shared co-mention, in any month
    assert long_exact_match("فيرونيكا سكفورتسوفا", "Veronika Skvortsova")
    assert not long_exact_match("محمد صالح", "Mohamed Salah")


def test_registry_forms_strip_one_proclitic():
    assert registry_forms(fold("وبوريطة")) == [fold("وبوريطة"), fold("بوريطة")]
    assert registry_forms(fold("للمغرب"))[-1] == fold("المغرب")
    assert registry_forms("tunis") == ["tunis"]


@pytest.fixture(scope="module")
def merged_db(tmp_path_factory):
    """Real text: Wikinews 2019 (en) and a Jawhara FM article (ar) that both name Veronika
    Skvortsova, Russia's health minister, whom the registry does not know."""
    tmp = tmp_path_factory.mktemp("identity")
    inputs = tmp / "inputs"
    (inputs / "ant").mkdir(parents=True)
    shutil.copy(SKVORTSOVA_AR, inputs / "ant" / SKVORTSOVA_AR.name)
    shutil.copy(SAMPLE / "wikinews-en.csv", inputs / "wikinews-en.csv")
    con = analysis.connect(tmp / "db.duckdb")
    load(con, [str(inputs)], crawled_at=CRAWLED_AT, workers=1)
    counts = stage.run(con, french_ner="crf")
    yield con, counts
    con.close()


def test_stage_merges_a_real_pair_across_scripts(merged_db):
    con, counts = merged_db
    merges = identity_merges(con)
    assert counts["merged_across_scripts"] == len(merges) >= 1
    row = merges.set_index("from_id").loc["ner:فيرونيكا-سكفورتسوفا"]
    assert (row.into_id, row.evidence, row.status) == ("ner:veronika-skvortsova", "transliteration", "merged")
    assert "russia" in row.detail and row.n_mentions >= 1
    assert set(merges["status"]) == {"merged"} and all(merges["from_id"] != merges["into_id"])
    # counted once per document under one entity, whichever spelling the user types
    info = describe_entity(con, "فيرونيكا سكفورتسوفا")
    assert info["entity_id"] == "ner:veronika-skvortsova" and info["merged"] == ["ner:فيرونيكا-سكفورتسوفا"]
    assert info["n_articles"] == 2 and {"ar", "en"} <= set(info["aliases"])
    freq = entity_frequencies(con, entities=["Veronika Skvortsova"], freq="month", unit="placements")
    assert freq["n_documents"].sum() == 2
    assert not con.execute("SELECT count(*) FROM mentions WHERE entity_id = 'ner:فيرونيكا-سكفورتسوفا'").fetchone()[0]


def test_merges_are_idempotent_and_reversible(merged_db):
    con, _ = merged_db
    before = con.execute("SELECT entity_id, count(*) FROM mentions GROUP BY 1 ORDER BY 1").fetchall()
    assert merge_identities(con) == 0
    assert con.execute("SELECT entity_id, count(*) FROM mentions GROUP BY 1 ORDER BY 1").fetchall() == before
    # a mention found by a later run under the merged spelling joins too, and is logged
    con.execute("""INSERT INTO mentions SELECT article_id, headline_id, field, 'ner:فيرونيكا-سكفورتسوفا', surface,
                   "start" + 1, "end" + 1, method, label FROM mentions
                   WHERE entity_id = 'ner:veronika-skvortsova' AND article_id IN (SELECT article_id FROM articles
                   WHERE lang = 'ar') LIMIT 1""")
    # the stage names a learned entity by its most frequent spelling, Arabic ones moved in included
    con.execute("UPDATE entities SET name = 'فيرونيكا سكفورتسوفا' WHERE entity_id = 'ner:veronika-skvortsova'")
    assert merge_identities(con) == 0
    assert describe_entity(con, "ner:veronika-skvortsova")["name"] == "Veronika Skvortsova"
    assert not con.execute("SELECT count(*) FROM mentions WHERE entity_id = 'ner:فيرونيكا-سكفورتسوفا'").fetchone()[0]
    assert identity_merges(con).set_index("from_id").loc["ner:فيرونيكا-سكفورتسوفا", "n_mentions"] == 2
    rollups.run(con, progress=False)
    assert rollups.fresh(con)
    unmerge(con, "ner:فيرونيكا-سكفورتسوفا")
    assert not rollups.fresh(con)  # the daily counts still credit the merged entity
    info = describe_entity(con, "فيرونيكا سكفورتسوفا")
    assert info["entity_id"] == "ner:فيرونيكا-سكفورتسوفا" and info["n_mentions"] == 2 and info["n_articles"] == 1
    assert merge_identities(con) == 0  # a refused merge is never made again
    assert identity_merges(con).set_index("from_id").loc["ner:فيرونيكا-سكفورتسوفا", "status"] == "refused"
    with pytest.raises(NotFound):
        unmerge(con, "ner:فيرونيكا-سكفورتسوفا")


def test_a_learned_spelling_with_a_proclitic_joins_the_registry_entity(merged_db):
    """The Arabic recogniser's span can keep the conjunction (وبوريطة): the registry knows بوريطة."""
    con, _ = merged_db
    article = con.execute("SELECT min(article_id) FROM articles WHERE lang = 'ar'").fetchone()[0]
    con.execute("INSERT INTO entities VALUES ('ner:وبوريطه', 'وبوريطة', 'PER', NULL, 'ner', NULL, NULL, NULL, NULL)")
    con.execute("INSERT INTO aliases VALUES ('ner:وبوريطه', 'وبوريطة', 'ar', ?, 'ner')", [fold("وبوريطة")])
    con.execute("INSERT INTO mentions VALUES (?, NULL, 'body', 'ner:وبوريطه', 'وبوريطة', 0, 7, 'crf', 'PER')", [article])
    assert merge_identities(con) == 1
    row = identity_merges(con).set_index("from_id").loc["ner:وبوريطه"]
    assert (row.into_id, row.evidence) == ("nasser-bourita", "registry")
    assert describe_entity(con, "وبوريطة")["entity_id"] == "nasser-bourita"


def test_itn_merge_precision():
    """Cross-script pairs of the ITN blurbs' links (gold: one Wikidata item or registry entity)."""
    result = evaluate(itn_rows())
    assert result["gold_pairs"] >= 80
    merged = result["skeleton+context"]
    # measured: 17 merges, all right (precision 1.0), recall 0.20 — names translated rather than
    # transliterated (Corée du Sud / كوريا الجنوبية) are the registry's job (recall 0.60 there)
    assert merged["precision"] == 1.0 and merged["recall"] >= 0.18
    assert result["registry"]["precision"] >= 0.95
    assert registry_skeleton()["precision"] >= 0.99


def test_cli_lists_and_undoes_merges(merged_db, tmp_path):
    from click.testing import CliRunner

    from analysis.cli import cli

    con, _ = merged_db
    path = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()[0]
    con.execute("CHECKPOINT")
    copy = writable_copy(path, tmp_path)
    listed = CliRunner().invoke(cli, ["--db", str(copy), "entities", "merges"])
    assert listed.exit_code == 0 and "ner:وبوريطه" in listed.output and "registry" in listed.output
    undone = CliRunner().invoke(cli, ["--db", str(copy), "entities", "unmerge", "ner:وبوريطه"])
    assert undone.exit_code == 0, undone.output
    again = CliRunner().invoke(cli, ["--db", str(copy), "entities", "unmerge", "ner:وبوريطه"])
    assert again.exit_code != 0 and "not a merged entity" in again.output
