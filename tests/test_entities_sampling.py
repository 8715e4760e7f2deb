"""The sampled recogniser path on real WiNER-fr articles: a bounded sample per language and month
is read by the CRF, the names it finds there are matched everywhere else."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

import analysis
from analysis.cli import cli
from analysis.entities import sampling
from analysis.entities.registry import load_registry
from analysis.entities.sampling import NER_SAMPLE, is_junk, learn_gazetteer, sampled_ids
from analysis.entities.stage import run
from analysis.errors import InvalidArgument
from analysis.ingest import load
from tests.entities_fixtures import winer_subset

BOUND = 20  # WiNER has ~40 articles a month: half of each month is left to the gazetteer


@pytest.fixture(scope="module")
def sampled(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sampling")
    con = analysis.connect(tmp / "db.duckdb")
    load(con, [str(winer_subset(tmp, 200))], workers=1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sampling, "READ_ALL_UP_TO", 0)  # 200 articles stand for an archive
        counts = run(con, ner_sample=BOUND)
        yield con, counts
    con.close()


def test_a_small_database_is_read_whole(sampled, monkeypatch):
    con, _ = sampled
    everything = {r[0] for r in con.execute("SELECT article_id FROM articles").fetchall()}
    monkeypatch.setattr(sampling, "READ_ALL_UP_TO", len(everything))
    assert set(sampled_ids(con, "article", BOUND).tolist()) == everything
    monkeypatch.setattr(sampling, "READ_ALL_UP_TO", len(everything) - 1)
    assert len(sampled_ids(con, "article", BOUND)) < len(everything)


def _docs_by_method(con) -> dict[str, set[int]]:
    out: dict[str, set[int]] = {}
    for method, article_id in con.execute("SELECT DISTINCT split_part(method, ':', 1), article_id FROM mentions").fetchall():
        out.setdefault(method, set()).add(article_id)
    return out


def test_the_sample_is_bounded_per_language_and_month(sampled):
    con, counts = sampled
    chosen = set(sampled_ids(con, "article", BOUND).tolist())
    per_month = con.execute("""SELECT date_trunc('month', published_date), count(*) FROM articles
                               WHERE list_contains($ids, article_id) GROUP BY 1""", {"ids": sorted(chosen)}).fetchall()
    sizes = dict(con.execute("SELECT date_trunc('month', published_date), count(*) FROM articles GROUP BY 1").fetchall())
    assert counts["articles"] == 200 and len(per_month) == len(sizes) >= 4
    assert all(n == min(BOUND, sizes[month]) for month, n in per_month)
    # deterministic: the same database gives the same sample
    assert set(sampled_ids(con, "article", BOUND).tolist()) == chosen


def test_the_crf_reads_the_sample_and_the_gazetteer_the_rest(sampled):
    con, _ = sampled
    chosen = set(sampled_ids(con, "article", BOUND).tolist())
    by_method = _docs_by_method(con)
    assert by_method["crf"] <= chosen and by_method["gazetteer"].isdisjoint(chosen)
    assert len(by_method["registry"]) > 150


def test_a_name_learned_from_the_sample_is_found_outside_it(sampled):
    """Gwen Jorgensen, a triathlete absent from the registry, named in several January 2016
    articles: the CRF finds her in the sampled ones, the gazetteer in the others."""
    con, _ = sampled
    chosen = set(sampled_ids(con, "article", BOUND).tolist())
    rows = con.execute("""SELECT article_id, method, label, entity_id FROM mentions
                          WHERE surface = 'Gwen Jorgensen' ORDER BY 1""").fetchall()
    learned = [r for r in rows if r[1] == "gazetteer"]
    assert learned and all(r[0] not in chosen and r[2] == "PER" for r in learned)
    entity = learned[0][3]
    assert entity.startswith("ner:")
    from_crf = {r[0] for r in con.execute("""SELECT article_id FROM mentions WHERE entity_id = ?
                                             AND split_part(method, ':', 1) = 'crf'""", [entity]).fetchall()}
    assert len(from_crf) >= 2 and from_crf <= chosen
    assert con.execute("SELECT type FROM entities WHERE entity_id = ?", [entity]).fetchone() == ("PER",)


def test_the_gazetteer_keeps_stable_names_and_drops_junk(sampled):
    con, _ = sampled
    gazetteer = learn_gazetteer(con, load_registry())
    keys = {n.key: n for n in gazetteer.names}
    assert keys["gwen jorgensen"].type == "PER"
    assert not {"france", "maroc"} & set(keys)  # registry names stay the registry's
    assert is_junk("mercredi", {"fr"}) and is_junk("president", {"fr", "en"}) and is_junk("a8", {"fr"})
    assert not is_junk("savoie", {"fr"}) and not is_junk("gwen jorgensen", {"fr"})


def test_new_months_enter_the_sample_as_it_rolls_forward(tmp_path):
    con = analysis.connect(tmp_path / "db.duckdb")
    load(con, [str(winer_subset(tmp_path, 60))], workers=1)
    run(con, ner_sample=BOUND)
    before = con.execute("SELECT max(article_id) FROM articles").fetchone()[0]
    load(con, [str(winer_subset(tmp_path, 200))], workers=1)
    again = run(con, ner_sample=BOUND)
    assert again["articles"] == 140 and again["rebuilt"] is False
    new = {a for m, docs in _docs_by_method(con).items() if m == "crf" for a in docs if a > before}
    assert len(new) >= 3 * BOUND - 20  # the later months were sampled in their turn
    con.close()


def test_below_the_bound_every_document_is_recognised(tmp_path):
    """30 articles of one month, under the default bound: the same mentions as the recognisers
    reading every document."""
    found = []
    for bound in (NER_SAMPLE, None):
        con = analysis.connect(tmp_path / f"db-{bound}.duckdb")
        load(con, [str(winer_subset(tmp_path, 30))], workers=1)
        run(con, ner_sample=bound)
        found.append(con.execute("SELECT * FROM mentions ORDER BY ALL").fetchall())
        con.close()
    assert found[0] == found[1] and {m[7] for m in found[0]} >= {"crf", "registry"}
    with pytest.raises(InvalidArgument, match="ner_sample"):
        sampled_ids(analysis.connect(tmp_path / "db-None.duckdb"), "article", 0)


def test_cli_help_states_the_default_bound():
    result = CliRunner().invoke(cli, ["enrich", "--help"])
    assert result.exit_code == 0 and f"(default {NER_SAMPLE})" in " ".join(result.output.split())
