"""The `topics` enrichment stage on real articles, its tables and views, and the CLI over them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import topics_fixtures as fx
import yaml
from click.testing import CliRunner

import analysis
from analysis.cli import cli
from analysis.topics import modelstore, stage, taxonomy
from tests.conftest import writable_connection

TABLES = ["topics", "topic_labels", "article_topics", "headline_topics", "topic_scored", "topic_models",
          "topic_terms", "topic_examples"]


@pytest.fixture(scope="module")
def enriched(tmp_path_factory):
    """The corpus slice loaded and enriched once; returns (path, counts of the first run)."""
    path = tmp_path_factory.mktemp("topics") / "slice.duckdb"
    con = fx.corpus_slice(path)
    counts = stage.run(con)
    con.close()
    return path, counts


@pytest.fixture
def writable(enriched, tmp_path):
    with writable_connection(enriched[0], tmp_path) as con:
        yield con


def one_row_per_document_and_topic(con) -> bool:
    """The score tables have no primary key (topics.sql): the stage itself keeps them unique."""
    return all(con.execute(f"SELECT count(*) FROM (SELECT {key}, topic_id FROM {table} GROUP BY ALL "
                           "HAVING count(*) > 1)").fetchone()[0] == 0
               for table, key in (("article_topics", "article_id"), ("headline_topics", "headline_id")))


def test_first_run_scores_every_article_and_headline(enriched):
    path, counts = enriched
    con = analysis.connect(path, read_only=True)
    n_articles, n_headlines = con.execute(
        "SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM headlines)").fetchone()
    assert counts["articles"] == n_articles > 1000 and counts["headlines"] == n_headlines == 47
    assert con.execute("SELECT count(*) FROM topic_scored WHERE kind = 'article'").fetchone()[0] == n_articles
    # at most one primary topic per article and source
    assert con.execute("""SELECT count(*) FROM (SELECT article_id, t.source FROM article_topics a JOIN topics t
                          USING (topic_id) WHERE is_primary GROUP BY ALL HAVING count(*) > 1)""").fetchone()[0] == 0
    assert 0.6 < counts["articles_primary"] / n_articles < 0.95
    # every stored taxonomy score is at least the storage threshold, every topic id is known
    tax = taxonomy.load_taxonomy()
    assert con.execute("""SELECT min(score) FROM article_topics JOIN topics USING (topic_id)
                          WHERE source = 'taxonomy'""").fetchone()[0] >= tax.store_min_score
    assert con.execute("SELECT count(*) FROM article_topics WHERE topic_id NOT IN (SELECT topic_id FROM topics)"
                       ).fetchone()[0] == 0
    assert one_row_per_document_and_topic(con)
    con.close()


def test_ant_sport_articles_are_mostly_sport(enriched):
    con = analysis.connect(enriched[0], read_only=True)
    rows = dict(con.execute("""SELECT t.topic_id, count(*) FROM articles a JOIN article_topics t USING (article_id)
                               WHERE a.category = 'sport' AND t.is_primary AND t.topic_id IN
                               (SELECT topic_id FROM topics WHERE source = 'taxonomy') GROUP BY 1""").fetchall())
    assert rows.get("football", 0) + rows.get("other_sport", 0) >= 0.85 * sum(rows.values())  # measured 0.90
    con.close()


def test_a_model_per_language_with_terms_examples_and_parameters(enriched):
    con = analysis.connect(enriched[0], read_only=True)
    models = con.execute("SELECT lang, n_topics, n_documents, params FROM topic_models ORDER BY lang").fetchall()
    assert [m[0] for m in models] == ["ar", "en", "fr"]
    for lang, k, n, params in models:
        assert json.loads(params)["seed"] == 0
        assert con.execute("SELECT count(*) FROM topics WHERE source = 'model' AND lang = ?", [lang]).fetchone()[0] == k
        assert con.execute("""SELECT count(DISTINCT topic_id) FROM topic_terms JOIN topics USING (topic_id)
                              WHERE lang = ?""", [lang]).fetchone()[0] == k
        assert con.execute("""SELECT count(*) FROM article_topics JOIN topics USING (topic_id)
                              WHERE lang = ? AND is_primary""", [lang]).fetchone()[0] <= n
    # Arabic terms are shown as written (ta marbuta kept), not as normalised keys
    labels = " ".join(r[0] for r in con.execute("SELECT label FROM topics WHERE lang = 'ar'").fetchall())
    assert "ة" in labels
    assert con.execute("SELECT count(*) FROM topic_examples").fetchone()[0] >= 5 * 3
    con.close()


def test_a_second_run_does_nothing_and_new_articles_are_picked_up(writable):
    again = stage.run(writable)
    assert again == {"articles": 0, "articles_primary": 0, "headlines": 0, "headlines_primary": 0,
                     "models_fitted": 0, "models_skipped": 0, "model_articles": 0}
    title, body = writable.execute("""SELECT title, body FROM articles JOIN article_topics USING (article_id)
                                      WHERE topic_id = 'football' AND is_primary AND lang = 'ar'
                                      ORDER BY article_id LIMIT 1""").fetchone()
    fx.add_article(writable, 999_999, day=None, lang="ar", title=title, body=body)
    counts = stage.run(writable)
    assert (counts["articles"], counts["models_fitted"], counts["model_articles"]) == (1, 0, 1)
    assert writable.execute("SELECT topic_id FROM article_topics WHERE article_id = 999999 AND is_primary "
                            "AND topic_id NOT LIKE 'model:%'").fetchone()[0] == "football"


def test_rebuild_reproduces_the_same_rows(writable):
    before = writable.execute("SELECT * FROM article_topics ORDER BY ALL").fetchall()
    labels = writable.execute("SELECT topic_id, label FROM topics ORDER BY 1").fetchall()
    counts = stage.run(writable, rebuild=True)
    assert counts["models_fitted"] == 3
    assert writable.execute("SELECT * FROM article_topics ORDER BY ALL").fetchall() == before
    assert writable.execute("SELECT topic_id, label FROM topics ORDER BY 1").fetchall() == labels
    assert one_row_per_document_and_topic(writable)


def test_a_taxonomy_edit_rescores_everything(writable, tmp_path, monkeypatch):
    folder = tmp_path / "topics"
    shutil.copytree(taxonomy.data_dir(), folder)
    meta = yaml.safe_load((folder / "topics.yaml").read_text(encoding="utf-8"))
    meta["thresholds"]["article"]["min_score"] = 1000.0       # nothing can be primary any more
    (folder / "topics.yaml").write_text(yaml.safe_dump(meta, allow_unicode=True), encoding="utf-8")
    edited = taxonomy.load_taxonomy(folder)
    monkeypatch.setattr(taxonomy, "load_taxonomy", lambda folder=None: edited)
    n = writable.execute("SELECT count(*) FROM articles").fetchone()[0]
    counts = stage.run(writable)
    assert counts["articles"] == n and counts["articles_primary"] == 0
    assert writable.execute("""SELECT count(*) FROM article_topics JOIN topics USING (topic_id)
                               WHERE source = 'taxonomy' AND is_primary""").fetchone()[0] == 0
    assert set(r[0] for r in writable.execute("SELECT DISTINCT version FROM topic_scored WHERE kind = 'article'"
                                              ).fetchall()) == {edited.version}
    assert one_row_per_document_and_topic(writable)


def test_a_grown_language_is_refitted(fresh_db, monkeypatch):
    rows = [json.loads(line) for line in (fx.CORPUS / "winer-fr" / "winer_fr_2016_2017.jsonl")
            .read_text(encoding="utf-8").splitlines()[:130]]
    for i, r in enumerate(rows[:100]):
        fx.add_article(fresh_db, i + 1, day=None, lang="fr", title=r["title"], body=r["text"])
    first = stage.run(fresh_db)
    assert first["models_fitted"] == 1
    model_id = fresh_db.execute("SELECT model_id FROM topic_models").fetchone()[0]
    for i, r in enumerate(rows[100:]):                      # +30%: past REFIT_GROWTH
        fx.add_article(fresh_db, 101 + i, day=None, lang="fr", title=r["title"], body=r["text"])
    assert stage.run(fresh_db)["models_fitted"] == 1
    new_id, n = fresh_db.execute("SELECT model_id, n_documents FROM topic_models").fetchone()
    assert (new_id != model_id, n) == (True, 130)
    assert fresh_db.execute("SELECT count(*) FROM topic_scored WHERE kind = 'model' AND version = ?",
                            [model_id]).fetchone()[0] == 0
    assert one_row_per_document_and_topic(fresh_db)
    monkeypatch.setattr(modelstore, "MIN_DOCUMENTS", 10_000)
    assert stage.run(fresh_db, rebuild=True)["models_fitted"] == 0


def test_the_article_pass_gives_what_the_per_document_functions_give(enriched, tmp_path, monkeypatch):
    """Models fitted on 150 articles a language, so that most articles get their model topics
    from the article pass, which splits each article into words once for the taxonomy and the
    model. Article by article, its rows must be `score_text`'s and those of the stored model's
    `transform` of `features`; and two worker processes must write the same rows."""

    from analysis.topics import discovery as disc

    monkeypatch.setattr(modelstore, "MAX_FIT_DOCUMENTS", 150)
    tables = {}
    for workers in (1, 2):
        con = writable_connection(enriched[0], tmp_path, name=f"w{workers}.duckdb")
        counts = stage.run(con, rebuild=True, workers=workers)
        tables[workers] = con.execute("SELECT * FROM article_topics ORDER BY ALL").fetchall()
        if workers == 2:
            con.close()
            continue
        n_modelled = con.execute("SELECT count(*) FROM articles WHERE lang IN ('ar', 'en', 'fr')").fetchone()[0]
        assert counts["models_fitted"] == 3 and counts["model_articles"] == n_modelled > 1000
        # the fit's own sample gets the fit's weights; the rest is projected by the article pass
        fitted = {r[0] for lang in ("ar", "en", "fr") for r in con.execute(
            f"SELECT article_id FROM articles WHERE lang = ? ORDER BY {modelstore._SAMPLE_ORDER} LIMIT 150",
            [lang]).fetchall()}
        models = {lang: modelstore.load_model(con, lang) for lang in ("ar", "en", "fr")}
        stored: dict[int, dict] = {}
        for article_id, topic_id, score, primary, source in con.execute(
                "SELECT article_id, topic_id, score, is_primary, source FROM article_topics JOIN topics USING (topic_id)"
        ).fetchall():
            stored.setdefault(article_id, {}).setdefault(source, {})[topic_id] = (score, primary)
        tax = taxonomy.load_taxonomy()
        projected = 0
        for article_id, title, body, lang in con.execute(
                "SELECT article_id, title, body, lang FROM articles ORDER BY article_id").fetchall():
            scored = taxonomy.score_text(tax, title=title, body=body, lang=lang)
            assert stored.get(article_id, {}).get("taxonomy", {}) == {
                topic: (score, topic == scored.primary) for topic, score in scored.scores}, article_id
            rows = stored.get(article_id, {}).get("model", {})
            if lang not in models or article_id in fitted:
                continue
            weights = disc.transform(models[lang], [disc.features(title, body, lang)])[0]
            best = int(weights.argmax())
            expected = {f"model:{lang}:{k + 1:02d}": (round(float(weights[k]), 4), k == best)
                        for k in range(len(weights)) if weights.any() and (weights[k] >= 0.2 or k == best)}
            assert rows.keys() == expected.keys(), article_id
            assert all(abs(rows[t][0] - expected[t][0]) < 1.5e-4 and rows[t][1] == expected[t][1] for t in rows), (rows, expected)
            projected += 1
        assert projected == n_modelled - 3 * 150
        con.close()
    assert tables[1] == tables[2]


def test_every_table_view_and_column_is_documented(enriched):
    con = analysis.connect(enriched[0], read_only=True)
    for table in TABLES:
        assert con.execute("SELECT comment FROM duckdb_tables() WHERE table_name = ?", [table]).fetchone()[0]
    for view in ("topic_shares_weekly", "topic_shares_monthly"):
        assert con.execute("SELECT comment FROM duckdb_views() WHERE view_name = ?", [view]).fetchone()[0]
    missing = con.execute("""SELECT table_name, column_name FROM duckdb_columns()
                             WHERE (table_name IN (SELECT unnest(?)) OR table_name LIKE 'topic_shares_%')
                               AND (comment IS NULL OR comment = '')""", [TABLES]).fetchall()
    assert missing == []
    con.close()


def test_share_views_agree_with_the_tables(enriched):
    con = analysis.connect(enriched[0], read_only=True)
    view = con.execute("""SELECT sum(n_articles), count(DISTINCT period) FROM topic_shares_monthly
                          WHERE source = 'taxonomy'""").fetchone()
    direct = con.execute("""SELECT count(*), count(DISTINCT date_trunc('month', a.published_date))
                            FROM articles a JOIN article_topics t USING (article_id) JOIN topics USING (topic_id)
                            WHERE source = 'taxonomy' AND is_primary AND a.published_date IS NOT NULL""").fetchone()
    assert view == direct
    assert con.execute("SELECT max(share) <= 1 AND min(share) > 0 FROM topic_shares_weekly").fetchone()[0]
    con.close()


# --- the CLI ---------------------------------------------------------------------------------

def invoke(path, *args):
    result = CliRunner().invoke(cli, ["--db", str(path), *args])
    return result


def test_cli_top_and_timeline(enriched):
    result = invoke(enriched[0], "topics", "top", "--by", "lang", "--limit", "3")
    assert result.exit_code == 0, result.output
    assert "football" in result.output or "politics" in result.output
    result = invoke(enriched[0], "topics", "timeline", "Football", "--freq", "month", "--format", "json")
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert rows and {r["topic"] for r in rows} == {"football"}
    assert set(rows[0]) == {"period", "group", "topic", "label", "n_documents", "n_total", "share", "incomplete"}
    result = invoke(enriched[0], "topics", "timeline", "astrology")
    assert result.exit_code == 2 and "no taxonomy topic called" in result.output


def test_cli_bursts_show_their_articles(enriched):
    result = invoke(enriched[0], "topics", "bursts", "--by", "lang", "--freq", "week", "--limit", "3")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines and ("kleinberg" in lines[0] or "zscore" in lines[0])
    assert lines[1].startswith("    ")   # a driving article under the burst
    result = invoke(enriched[0], "topics", "bursts", "--source", "model", "--by", "lang", "--format", "json")
    assert all(json.loads(line)["key"].startswith("model:") for line in result.output.splitlines())


def test_cli_models_lists_parameters_and_terms(enriched):
    result = invoke(enriched[0], "topics", "models")
    assert result.exit_code == 0 and "nmf-ar-" in result.output and '"seed": 0' in result.output


def test_cli_eval_prints_one_json_line(tmp_path):
    ant = fx.CORPUS / "ant-jawhara"
    csv = tmp_path / "gold.csv"
    csv.write_text("title,text,category\nLe Raja bat le Wydad,Un but de la tête en fin de match,Sport\n"
                   "Le dirham recule,La Banque centrale et les marchés,Économie\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["eval", "topics", "--gold", str(ant / "technology"), "--gold", str(ant / "sport"),
                                      "--gold", str(csv)])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    out = json.loads(lines[0])
    assert {"macro_f1", "per_category", "coverage"} <= set(out)
    assert set(out["per_category"]) == {"sport", "technology", "economy"}
    assert out["n_documents"] == 44 + 170 + 2
    assert out["languages"] == {"ar": 214, "fr": 2}
    result = CliRunner().invoke(cli, ["eval", "topics", "--gold", str(tmp_path / "missing")])
    assert result.exit_code == 2 and "no gold file" in result.output


def test_every_topics_command_is_documented():
    from analysis.cli.topics import topics_group

    doc = (Path(__file__).resolve().parents[1] / "docs" / "topics.md").read_text(encoding="utf-8")
    for name in topics_group.commands:
        assert f"presswatch topics {name}" in doc, name
    assert "presswatch eval topics --gold" in doc


def boilerplate_articles(con, n: int = 60, *, first_id: int = 1) -> None:
    """``n`` English articles that are one outlet's boilerplate and nothing else: every term is
    in every article, so the discovery vectorizer's max_df prunes them all."""
    text = ("Sign up for our newsletter to get the latest stories delivered to your inbox. "
            "The views expressed in this commentary are solely those of the author. "
            "Copyright all rights reserved. Click here to subscribe and follow us on social media.")
    for i in range(n):
        fx.add_article(con, first_id + i, day=None, lang="en", title="Newsletter", body=text)


def test_a_language_whose_model_cannot_be_fitted_is_skipped_and_enrichment_finishes(fresh_db, caplog):
    from analysis import enrich

    boilerplate_articles(fresh_db)
    rows = [json.loads(line) for line in (fx.CORPUS / "winer-fr" / "winer_fr_2016_2017.jsonl")
            .read_text(encoding="utf-8").splitlines()[:80]]
    for i, r in enumerate(rows):
        fx.add_article(fresh_db, 1000 + i, day=None, lang="fr", title=r["title"], body=r["text"])
    with caplog.at_level("WARNING", logger="analysis.topics.modelstore"):
        results = enrich.run(fresh_db, stages=["topics", "entities"], progress=False,
                             options={"entities": {"mode": "registry"}})
    assert results["topics"]["models_fitted"] == 1 and results["topics"]["models_skipped"] == 1
    assert any("no discovery model for en" in r.getMessage() for r in caplog.records)
    assert fresh_db.execute("SELECT lang FROM topic_models").fetchall() == [("fr",)]
    # every article still got its taxonomy scores, and the entities stage ran after topics
    assert fresh_db.execute("SELECT count(*) FROM topic_scored WHERE kind = 'article'").fetchone()[0] == 140
    assert "entities" in results
    # and the next run does not stop either
    assert enrich.run(fresh_db, stages=["topics"], progress=False)["topics"]["models_skipped"] == 1
