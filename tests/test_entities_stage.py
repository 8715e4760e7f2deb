"""The entities enrich stage, frequencies, co-occurrence, SQL views and the CLI, on real data."""

from __future__ import annotations

import math
import shutil

import pytest
from click.testing import CliRunner

import analysis
from analysis.cli import cli
from analysis.entities import entity_cooccurrence, entity_frequencies, top_entities
from analysis.entities.registry import default_dir
from analysis.entities.stage import run
from analysis.errors import NotFound
from analysis.ingest import load
from tests.entities_fixtures import CRAWLED_AT, small_db, winer_subset


@pytest.fixture(scope="module")
def enriched(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("entities")
    path = tmp / "db.duckdb"
    con = small_db(path, tmp, n_winer=40)
    counts = run(con)
    con.close()
    return path, counts


@pytest.fixture
def con(enriched):
    c = analysis.connect(enriched[0], read_only=True)
    yield c
    c.close()


def test_stage_processes_articles_and_headlines(enriched, con):
    _, counts = enriched
    n_articles, n_headlines = con.execute("SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM headlines)").fetchone()
    assert counts["articles"] == n_articles and counts["headlines"] == n_headlines and counts["rebuilt"] is False
    assert counts["mentions"] == con.execute("SELECT count(*) FROM mentions").fetchone()[0] > 1000
    methods = dict(con.execute("SELECT method, count(*) FROM mentions GROUP BY 1").fetchall())
    assert methods["registry"] > 0 and methods["crf"] > 0 and methods["crf:surname"] > 0
    assert "spacy" not in methods  # the French default is the CRF
    # Arabic articles: the registry, and the Arabic CRF
    ar = dict(con.execute("""SELECT split_part(method, ':', 1), count(*) FROM mentions m
                             JOIN articles a USING (article_id) WHERE a.lang = 'ar' GROUP BY 1""").fetchall())
    assert ar["registry"] > 200 and ar["crf"] > 100 and "spacy" not in ar
    langs = dict(con.execute("""SELECT lang, count(*) FROM aliases WHERE source = 'ner' GROUP BY 1""").fetchall())
    assert langs["ar"] > 50 and langs["fr"] > 50
    # every mention points at its surface in the stored text
    bad = con.execute("""
        SELECT count(*) FROM mentions m LEFT JOIN articles a USING (article_id) LEFT JOIN headlines h USING (headline_id)
        WHERE substr(CASE m.field WHEN 'title' THEN a.title WHEN 'body' THEN a.body ELSE h.text END,
                     m."start" + 1, m."end" - m."start") <> m.surface""").fetchone()[0]
    assert bad == 0
    orphans = con.execute("SELECT count(*) FROM mentions m ANTI JOIN entities e USING (entity_id)").fetchone()[0]
    assert orphans == 0


def test_ner_entities_get_their_best_name_and_type(con):
    row = con.execute("""SELECT e.name, e.type FROM mentions m JOIN entities e USING (entity_id)
                         WHERE m.surface = 'Cazaneuve'""").fetchone()
    assert row == ("Bernard Cazeneuve", "PER")


def test_incremental_then_rebuild_then_registry_change(tmp_path):
    con = small_db(tmp_path / "inc.duckdb", tmp_path, n_winer=5)
    first = run(con)
    assert first["articles"] > 5
    assert run(con) == {"articles": 0, "headlines": 0, "mentions": 0, "new_entities": 0, "rebuilt": False,
                        "merged_across_scripts": 0}
    load(con, [str(winer_subset(tmp_path, 12))], crawled_at=CRAWLED_AT, workers=1)
    again = run(con)
    assert again["articles"] == 7 and again["rebuilt"] is False
    total = con.execute("SELECT count(*) FROM mentions").fetchone()[0]
    rebuilt = run(con, rebuild=True)
    assert rebuilt["rebuilt"] is True and rebuilt["mentions"] == total
    folder = tmp_path / "registry"
    shutil.copytree(default_dir(), folder)
    with (folder / "maghreb_people.yaml").open("a", encoding="utf-8") as fh:
        fh.write("- {id: bernard-cazeneuve, type: PER, fr: Bernard Cazeneuve, aliases: {fr: [Cazeneuve, Cazaneuve]}}\n")
    changed = run(con, registry_dir=folder)
    assert changed["rebuilt"] is True
    ids = {r[0] for r in con.execute("SELECT entity_id FROM mentions WHERE surface LIKE 'Caz_neuve%'").fetchall()}
    assert ids == {"bernard-cazeneuve"}
    con.close()


def test_entity_frequencies_count_one_entity_in_every_language(con):
    df = entity_frequencies(con, freq="month", entities=["Morocco", "المغرب", "Marruecos"], unit="placements")
    assert set(df["entity_id"]) == {"morocco"}
    assert list(df.columns) == ["period", "group", "entity_id", "entity", "type", "label", "n_documents",
                                "n_mentions", "n_total", "share", "incomplete"]
    assert (df["share"].between(0, 1)).all() and (df["n_documents"] == 0).any()
    assert df["incomplete"].iloc[0] and df["incomplete"].iloc[-1]
    by_lang = entity_frequencies(con, freq="month", entities=["Maroc"], by="lang", unit="placements")
    assert set(by_lang["group"]) == {"ar", "fr"}
    assert by_lang["n_documents"].sum() == df["n_documents"].sum()
    direct = con.execute("""SELECT count(DISTINCT article_id) FROM mentions WHERE entity_id = 'morocco'""").fetchone()[0]
    assert df["n_documents"].sum() == direct


def test_entity_frequencies_top_headlines_and_errors(con):
    top = entity_frequencies(con, freq="week", top=3)
    assert top["entity_id"].nunique() == 3
    heads = entity_frequencies(con, freq="day", entities=["Maroc"], source="headlines")
    assert heads["n_documents"].sum() >= 8
    with pytest.raises(NotFound, match="no entity is called"):
        entity_frequencies(con, freq="month", entities=["Atlantis-sur-Mer"])
    with pytest.raises(ValueError, match="freq must be"):
        entity_frequencies(con, freq="year")
    t = top_entities(con, top=5, types=["PER"])
    assert len(t) == 5 and set(t["type"]) == {"PER"}


def test_top_entities_per_language(con):
    ar = top_entities(con, langs=["ar"], top=5)
    n_ar = con.execute("SELECT count(*) FROM articles WHERE lang = 'ar'").fetchone()[0]
    first = con.execute("""SELECT count(DISTINCT article_id) FROM mentions JOIN articles a USING (article_id)
                           WHERE a.lang = 'ar' AND entity_id = ?""", [ar["entity_id"][0]]).fetchone()[0]
    assert ar["n_documents"][0] == first and abs(ar["share"][0] - first / n_ar) < 1e-9
    assert "tunisia" in set(ar["entity_id"])
    by = top_entities(con, by="lang", top=3)
    assert set(by["group"]) == {"fr", "ar"} and by.groupby("group").size().max() == 3
    assert by[by["group"] == "ar"]["entity_id"].tolist() == ar["entity_id"].tolist()[:3]


def test_cooccurrence_pmi_matches_its_definition(con):
    df = entity_cooccurrence(con, min_count=2, top=20, unit="placements")
    assert len(df) > 0
    n = con.execute("SELECT count(*) FROM articles WHERE published_date IS NOT NULL").fetchone()[0]
    r = df.iloc[0]
    assert r.n_documents == n
    assert math.isclose(r.pmi, math.log2(r.n_together * n / (r.n_a * r.n_b)), rel_tol=1e-9)
    assert (df["entity_a"] < df["entity_b"]).all() and (df["npmi"] <= 1.0 + 1e-9).all()
    one = entity_cooccurrence(con, entities=["Maroc"], min_count=1)
    assert ((one["entity_a"] == "morocco") | (one["entity_b"] == "morocco")).all()


def test_sql_views_agree_with_the_functions(con):
    view = con.execute("""SELECT period, n_documents, n_mentions FROM entity_frequencies
                          WHERE entity_id = 'morocco' ORDER BY period""").fetchall()
    func = entity_frequencies(con, freq="month", entities=["morocco"], unit="placements")
    func = func[func["n_documents"] > 0]
    assert [(p, d, m) for p, d, m in view] == list(zip(func["period"].dt.date, func["n_documents"], func["n_mentions"]))
    pairs = con.execute("SELECT count(*), min(n_together) FROM entity_cooccurrence").fetchone()
    assert pairs[0] > 0 and pairs[1] >= 2


def test_cli_enrich_top_show_timeline(tmp_path):
    path = tmp_path / "cli.duckdb"
    small_db(path, tmp_path, n_winer=3).close()
    runner = CliRunner()
    result = runner.invoke(cli, ["--db", str(path), "enrich", "--stage", "entities", "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "entities: articles=" in result.output
    top = runner.invoke(cli, ["--db", str(path), "entities", "top", "--top", "5", "--unit", "placements"])
    assert top.exit_code == 0 and "Tunisie" in top.output and "share" in top.output
    show = runner.invoke(cli, ["--db", str(path), "entities", "show", "Cazaneuve"])
    assert show.exit_code == 0, show.output
    assert show.output.startswith("Bernard Cazeneuve") and "crf:fuzzy" not in show.output
    show_ma = runner.invoke(cli, ["--db", str(path), "entities", "show", "المغرب"])
    assert "Maroc  [morocco, LOC, registry, Q1028]" in show_ma.output and "Marruecos" in show_ma.output
    tl = runner.invoke(cli, ["--db", str(path), "entities", "timeline", "Morocco", "--freq", "month", "--unit", "placements"])
    assert tl.exit_code == 0 and "2015-02-01" in tl.output
    missing = runner.invoke(cli, ["--db", str(path), "entities", "show", "Atlantis-sur-Mer"])
    assert missing.exit_code == 2 and "no entity is called" in missing.output


def test_cli_top_entities_by_language(enriched):
    from click.testing import CliRunner

    from analysis.cli import cli

    path, _ = enriched
    result = CliRunner().invoke(cli, ["entities", "top", "--db", str(path), "--by", "lang", "--top", "3"])
    assert result.exit_code == 0, result.output
    assert {"ar", "fr"} <= set(result.output.split())
    only_ar = CliRunner().invoke(cli, ["entities", "top", "--db", str(path), "--lang", "ar", "--top", "5"])
    assert only_ar.exit_code == 0, only_ar.output
    frame_ar = top_entities_for(path, ["ar"])
    assert all(name in only_ar.output for name in frame_ar["entity"])


def top_entities_for(path, langs):
    import analysis
    from analysis.entities.frequencies import top_entities

    con = analysis.connect(path, read_only=True)
    try:
        return top_entities(con, top=5, langs=langs)
    finally:
        con.close()
