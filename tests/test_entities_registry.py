"""The entity registry: reviewable YAML, validated, loaded into DuckDB, editable without code."""

from __future__ import annotations

import collections
import shutil

import pytest

import analysis
from analysis.entities.registry import RegistryError, default_dir, load_registry
from analysis.entities.stage import sync_registry
from analysis.entities.text import fold


@pytest.fixture(scope="module")
def registry():
    return load_registry()


def test_registry_is_large_and_multilingual(registry):
    assert len(registry.entities) >= 500
    langs = collections.defaultdict(set)
    for a in registry.aliases:
        langs[a.entity_id].add(a.lang)
    trilingual = [eid for eid, ls in langs.items() if {"fr", "en", "ar"} <= ls]
    assert len(trilingual) >= 500
    assert sum(1 for e in registry.entities.values() if "es" in e.names) >= 300
    types = collections.Counter(e.type for e in registry.entities.values())
    assert types["PER"] >= 150 and types["ORG"] >= 150 and types["LOC"] >= 300


def test_domain_seeds_are_present(registry):
    by_key = registry.by_key()
    for name, eid in [("Maroc", "morocco"), ("المغرب", "morocco"), ("Marruecos", "morocco"), ("Morocco", "morocco"),
                      ("DGST", "dgst"), ("MAP", "map-agency"), ("OCP", "ocp"), ("ONU", "united-nations"),
                      ("UN", "united-nations"), ("Polisario", "polisario"), ("PJD", "pjd"), ("Wydad", "wydad-casablanca"),
                      ("Lions de l'Atlas", "morocco-national-football-team"), ("Sfax", "sfax"), ("وهران", "oran"),
                      ("Laâyoune", "laayoune"), ("محمد السادس", "mohammed-vi"), ("SM le Roi", "mohammed-vi")]:
        assert by_key[fold(name)] == eid, name


def test_every_alias_key_is_owned_by_one_entity(registry):
    owners = collections.defaultdict(set)
    for a in registry.aliases:
        owners[a.key].add(a.entity_id)
    assert all(len(v) == 1 for v in owners.values())


def test_wikidata_ids_are_well_formed_and_unique(registry):
    qids = [e.wikidata_id for e in registry.entities.values() if e.wikidata_id]
    assert len(qids) >= 200
    assert len(qids) == len(set(qids))
    assert all(q.startswith("Q") and q[1:].isdigit() for q in qids)


def _copy(tmp_path):
    folder = tmp_path / "entities"
    shutil.copytree(default_dir(), folder)
    return folder


def test_user_adds_an_alias_and_merges_two_entities_without_code(tmp_path):
    folder = _copy(tmp_path)
    with (folder / "maghreb_people.yaml").open("a", encoding="utf-8") as fh:
        fh.write("- {id: cazeneuve, type: PER, fr: Bernard Cazeneuve, aliases: {fr: [Cazeneuve]}}\n")
        fh.write("- {id: cazeneuve-typo, type: PER, fr: Cazaneuve}\n")
    (folder / "merges.yaml").write_text("- {from: cazeneuve-typo, into: cazeneuve}\n", encoding="utf-8")
    reg = load_registry(folder)
    by_key = reg.by_key()
    assert by_key["cazaneuve"] == by_key["bernard cazeneuve"] == "cazeneuve"
    assert "cazeneuve-typo" not in reg.entities
    assert reg.fingerprint != load_registry().fingerprint


@pytest.mark.parametrize("line, message", [
    ("- {id: Bad Id, type: PER, fr: X}\n", "lower-case"),
    ("- {id: x1, type: PERSON, fr: X}\n", "type must be one of"),
    ("- {id: x2, type: LOC, fr: Maroc}\n", "folds to the same key"),
    ("- {id: x3, type: LOC, qid: 1028, fr: Y}\n", "Wikidata id"),
    ("- {id: morocco, type: LOC, fr: Z}\n", "already defined"),
])
def test_inconsistent_registry_is_refused_with_a_clear_sentence(tmp_path, line, message):
    folder = _copy(tmp_path)
    with (folder / "world_places.yaml").open("a", encoding="utf-8") as fh:
        fh.write(line)
    with pytest.raises(RegistryError, match=message):
        load_registry(folder)


def test_registry_loads_into_entities_and_aliases(fresh_db, registry):
    sync_registry(fresh_db, registry)
    n_ent, n_alias = fresh_db.execute(
        "SELECT (SELECT count(*) FROM entities), (SELECT count(*) FROM aliases)").fetchone()
    assert n_ent == len(registry.entities)
    assert n_alias == len(registry.aliases)
    row = fresh_db.execute("SELECT name, type, wikidata_id, name_ar, name_es FROM entities WHERE entity_id = 'morocco'").fetchone()
    assert row == ("Maroc", "LOC", "Q1028", "المغرب", "Marruecos")
    langs = fresh_db.execute("SELECT DISTINCT lang FROM aliases WHERE entity_id = 'mohammed-vi' ORDER BY lang").fetchall()
    assert [r[0] for r in langs] == ["ar", "en", "es", "fr"]
    sync_registry(fresh_db, registry)  # idempotent
    assert fresh_db.execute("SELECT count(*) FROM entities").fetchone()[0] == n_ent


def test_schema_invariants_reject_bad_rows(fresh_db):
    import duckdb

    with pytest.raises(duckdb.ConstraintException):
        fresh_db.execute("INSERT INTO entities VALUES ('x', 'X', 'PERSON', NULL, 'registry', NULL, NULL, NULL, NULL)")
    with pytest.raises(duckdb.ConstraintException):
        fresh_db.execute("""INSERT INTO mentions VALUES (1, 2, 'body', 'morocco', 'Maroc', 0, 5, 'registry', 'LOC')""")
    with pytest.raises(duckdb.ConstraintException):
        fresh_db.execute("""INSERT INTO mentions VALUES (1, NULL, 'body', 'morocco', 'Maroc', 5, 5, 'registry', 'LOC')""")


def test_every_entity_table_and_column_is_commented(fresh_db):
    missing = fresh_db.execute("""
        SELECT table_name, column_name FROM duckdb_columns()
        WHERE table_name IN ('entities', 'aliases', 'mentions', 'entity_done', 'entity_state',
                             'entity_frequencies', 'entity_cooccurrence')
          AND comment IS NULL""").fetchall()
    assert missing == []
    views = fresh_db.execute("""SELECT view_name FROM duckdb_views() WHERE view_name LIKE 'entity_%' AND comment IS NOT NULL""").fetchall()
    assert {v[0] for v in views} == {"entity_frequencies", "entity_cooccurrence"}
    assert analysis.connect  # the package API stays importable


def test_drafts_from_itn_and_cldr_are_loadable_rows():
    import io

    import yaml

    from analysis.entities.draft import draft_countries, draft_itn
    from tests.entities_fixtures import ITN

    out = io.StringIO()
    draft_itn(ITN, out=out)
    rows = yaml.safe_load(out.getvalue())
    by_qid = {r["qid"]: r for r in rows}
    assert by_qid["Q170342"]["ar"] == "سفانتي بابو" and by_qid["Q170342"]["fr"] == "Svante Pääbo"
    assert all(r["type"] == "?" for r in rows)  # a human decides the type
    pytest.importorskip("babel")
    out = io.StringIO()
    draft_countries(out=out)
    countries = {r["id"]: r for r in yaml.safe_load(out.getvalue())}
    assert countries["ma"]["ar"] == "المغرب" and countries["ma"]["es"] == "Marruecos" and countries["ma"]["qid"] == "Q1028"
