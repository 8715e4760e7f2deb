"""Stories: near-duplicate detection, incremental index, story tables, CLI, trends units."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys

import numpy as np
import polars as pl
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis import trends
from analysis.cli import cli
from analysis.stories import detect, labelled, minhash, text
from analysis.stories.calendar import calendar_conflict, calendar_masks
from analysis.stories.stage import ARTICLE_RULE, StaleIndex, detect_stories
from tests.conftest import writable_connection
from tests.stories_fixtures import add_articles, add_headlines, article, corpus_articles, itn, stories_db, syndicated

WEATHER = "JA-localNews-1798-20161208"  # Jawhara FM special weather bulletin, Thursday 8 December 2016


def tokens_of(*texts: str) -> text.Tokens:
    return text.tokenise(text.fold(pl.Series(list(texts))))


def story_of(con, article_id: int) -> int:
    return con.execute("SELECT story_id FROM article_stories WHERE article_id = ?", [article_id]).fetchall()[0][0]


def snapshot(con) -> dict[str, list]:
    return {t: con.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall()
            for t in ("article_stories", "stories", "headline_stories", "ticker_stories")}


# --- text --------------------------------------------------------------------------

def test_folding_ignores_case_accents_hamza_and_punctuation():
    t = tokens_of("Élève, À L'ÉCOLE!", "eleve a l ecole", "أكتوبر إنقلاب", "اكتوبر انقلاب", "30أكتوبر", "30 اكتوبر")
    fp = text.fingerprints(t)
    assert fp[0] == fp[1] and fp[2] == fp[3] and fp[4] == fp[5]
    assert list(t.counts) == [4, 4, 2, 2, 2, 2]


def test_token_hashes_do_not_depend_on_the_python_hash_seed():
    code = ("import polars as pl; from analysis.stories import text; "
            "print(list(text.fingerprints(text.tokenise(text.fold(pl.Series(['Rabat (MAP) – le roi', 'تونس'] ))))))")
    outputs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                              env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2")}
    assert len(outputs) == 1


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet="abcdé ABC 0123,.'-éàçكتبونس", max_size=40), min_size=1, max_size=8))
def test_token_counts_match_runs_of_letters_or_digits(texts):
    import re

    t = tokens_of(*texts)
    folded = text.fold(pl.Series(texts)).to_list()
    expected = [len(re.findall(r"[^\W\d_]+|\d+", f)) for f in folded]
    assert list(t.counts) == expected


def test_shingles_stay_inside_their_document():
    sh = text.shingles(tokens_of("a b c d", "e f", "g h i"), sizes=(3,))
    assert list(sh.counts) == [2, 0, 1]


# --- signatures, buckets, components -------------------------------------------------

def test_distinct_shingles_are_what_numpy_unique_gives():
    """`detect.distinct` replaces np.unique for the exact verification: the same sorted distinct
    hashes for every real corpus article (and for texts of zero, one and repeated shingles)."""
    texts = pl.Series(corpus_articles()["body"].head(400).to_list() + ["", "un", "le le le le le le"])
    sh = text.shingles(text.tokenise(text.fold(texts)), sizes=ARTICLE_RULE.shingle_sizes)
    sets = detect.shingle_sets(texts, ARTICLE_RULE)
    assert len(sets) == len(texts)
    assert sum(s.size < sh.counts[i] for i, s in enumerate(sets)) > 10  # some texts repeat a shingle
    for i, got in enumerate(sets):
        expected = np.unique(sh.hashes[sh.starts[i]: sh.starts[i + 1]])
        assert got.dtype == expected.dtype and np.array_equal(got, expected)


def test_minhash_estimates_track_exact_jaccard_on_real_text():
    rng = np.random.default_rng(0)
    bodies = [b for b in corpus_articles()["body"].to_list() if len(b.split()) > 80][:300]
    pairs = []
    for body in bodies[:120]:
        words = body.split()
        cut = words[: int(len(words) * rng.uniform(0.3, 1.0))]
        for _ in range(int(rng.integers(0, 8))):
            cut[int(rng.integers(len(cut)))] = "xx"
        pairs += [body, " ".join(cut)]
    sh = text.shingles(text.tokenise(text.fold(pl.Series(pairs))))
    for scheme in (minhash.oph_signatures, minhash.kperm_signatures):
        sig = minhash.compact(scheme(sh))
        est = minhash.agreement(sig[0::2], sig[1::2])
        sets = [np.unique(sh.hashes[sh.starts[i]: sh.starts[i + 1]]) for i in range(len(pairs))]
        exact = np.array([detect.exact(sets[i], sets[i + 1])[0] for i in range(0, len(pairs), 2)])
        err = est - exact
        assert abs(err.mean()) < 0.02 and err.std() < 0.06 and np.abs(err).max() < 0.2


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 40)), max_size=80))
def test_pairs_in_buckets_finds_every_pair_sharing_a_key(entries):
    keys = np.array([k for k, _ in entries], np.uint64)
    owners = np.array([o for _, o in entries], np.int64)
    got = {tuple(p) for p in detect.pairs_in_buckets(keys, owners).tolist()}
    want = {(min(a, b), max(a, b)) for (ka, a) in entries for (kb, b) in entries if ka == kb and a != b}
    assert got == want


def test_pairs_in_buckets_expands_large_runs():
    keys = np.array([9] * 100 + [3, 3], np.uint64)
    owners = np.arange(102)
    assert len(detect.pairs_in_buckets(keys, owners)) == 100 * 99 // 2 + 1


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 30), st.integers(0, 30)), max_size=40))
def test_components_label_each_node_with_its_smallest_connected_node(edges):
    nodes = np.arange(31)
    got = detect.components(nodes, np.array(edges, np.int64).reshape(-1, 2))
    parent = list(range(31))

    def find(x):
        while parent[x] != x:
            x = parent[x]
        return x

    for a, b in edges:
        ra, rb = find(a), find(b)
        parent[max(ra, rb)] = min(ra, rb)
    assert [find(n) for n in nodes] == got.tolist()


# --- calendar ----------------------------------------------------------------------

def test_calendar_masks_name_days_in_four_languages():
    masks = calendar_masks(text.fold(pl.Series([
        "Météo : temps chaud ce lundi 12 septembre", "Météo : temps chaud ce mardi 13/09/2025",
        "Friday, January 4, 2019", "اليوم الخميس 08 ديسمبر 2016", "غدا الجمعة 09 ديسمبر",
        "el domingo 3 de marzo", "sans date", "الجمعية العامة"])))
    assert masks[6] == 0 and masks[7] == 0  # an association (جمعية) is not a Friday (الجمعة)
    assert all(masks[:6] != 0)
    assert calendar_conflict(masks[0:1], masks[1:2])[0]
    assert calendar_conflict(masks[3:4], masks[4:5])[0]
    same_day = calendar_masks(text.fold(pl.Series(["lundi 12 septembre", "Rabat, 12 sept. (MAP)"])))
    assert not calendar_conflict(same_day[0:1], same_day[1:2])[0]


# --- the stage on real articles ------------------------------------------------------

def test_syndicated_copies_join_one_story_and_exact_copies_short_circuit(tmp_path):
    con = stories_db(tmp_path / "s.duckdb")
    base = article("JA-localNews-2745-20161114")
    other = article("JA-sport-320-20161013")
    ids = add_articles(con, [base, other,
                             syndicated(base, outlet="Assabah"),  # exact copy
                             syndicated(base, outlet="La Presse", header="تونس (وات) - ", days_later=1)])
    counts = detect_stories(con, "articles")
    assert counts["documents"] == 4 and counts["exact_copies"] == 1
    assert story_of(con, ids[0]) == story_of(con, ids[2]) == story_of(con, ids[3]) == ids[0]
    assert story_of(con, ids[1]) == ids[1]
    sims = dict(con.execute("SELECT article_id, similarity FROM article_stories").fetchall())
    assert sims[ids[2]] == 1.0 and sims[ids[1]] is None and 0.5 < sims[ids[3]] < 1.0
    row = con.execute("SELECT first_article_id, first_outlet, n_placements, n_outlets FROM stories "
                      "WHERE story_id = ?", [ids[0]]).fetchall()[0]
    assert row == (ids[0], "Jawhara FM", 3, 3)


def test_stored_copies_outside_the_time_window_are_not_even_candidates(tmp_path):
    # One article per batch, so every comparison is with the stored index (the path whose
    # cost used to grow with the archive); the window is ARTICLE_RULE.window_days (14).
    con = stories_db(tmp_path / "w.duckdb")
    base = article("JA-localNews-2745-20161114")
    ids = add_articles(con, [base, syndicated(base, outlet="La Presse", header="تونس (وات) - ", days_later=40),
                             syndicated(base, outlet="Assabah", header="(وات) - ", days_later=3)])
    counts = detect_stories(con, "articles", batch_size=1)
    assert story_of(con, ids[2]) == story_of(con, ids[0]) == ids[0]
    assert story_of(con, ids[1]) == ids[1]  # same text, 40 days later: another story
    # the 3-day copy against the original only; the 40-day copy against nothing (before the
    # window was applied to stored candidates: 3 pairs, each judged and then rejected)
    assert counts["candidates"] == 1


def test_undated_articles_are_compared_with_every_stored_one_and_every_stored_one_with_them(tmp_path):
    # Stored bands are read for the batch's days +/- the window only; an undated article
    # (no day to place it) must still meet its copies whatever their day, both ways.
    con = stories_db(tmp_path / "u.duckdb")
    base = article("JA-localNews-2745-20161114")
    undated = {**syndicated(base, outlet="La Presse", header="تونس (وات) - "), "published_date": None}
    far_copy = syndicated(base, outlet="Assabah", header="(وات) - ", days_later=200)
    ids = add_articles(con, [base, undated, far_copy])
    counts = detect_stories(con, "articles", batch_size=1)
    assert story_of(con, ids[1]) == ids[0]  # undated new copy meets the stored dated original
    assert story_of(con, ids[2]) == ids[0]  # a copy 200 days later meets the stored undated one
    # the undated copy vs the original; the far copy vs the undated one, not the original
    assert counts["candidates"] == 2
    assert con.execute("SELECT count(*) FROM article_story_bands WHERE day < 0").fetchall()[0][0] > 0


def test_a_database_made_before_bands_had_a_day_gets_it_on_open(tmp_path):
    # The day column of the bands came later; an older database is upgraded by the schema
    # (filled from the index) and then gives the same stories as one built from scratch.
    data = labelled.article_set(corpus_articles().filter(pl.col("category").is_in(["politic", "sport"])
                                                         | (pl.col("lang") != "ar")),
                                seed=4, n_bases={"ar": 20, "fr": 15, "en": 5})
    rows = data.drop("article_id", "group", "origin", "edits", "base_id")
    half = rows.height // 2
    old = stories_db(tmp_path / "old.duckdb")
    add_articles(old, rows[:half])
    detect_stories(old, "articles", batch_size=50)
    for table, id_column in (("article_story_bands", "article_id"), ("headline_story_bands", "headline_id")):
        old.execute(f"CREATE TABLE _old AS SELECT key, {id_column} FROM {table}")
        old.execute(f"DROP TABLE {table}")
        old.execute(f"ALTER TABLE _old RENAME TO {table}")
    old.execute("DELETE FROM schema_state")
    old.close()
    upgraded = stories_db(tmp_path / "old.duckdb")
    assert upgraded.execute("""SELECT count(*), count(b.day), count(*) FILTER (b.day = i.day)
                               FROM article_story_bands b JOIN article_story_index i USING (article_id)"""
                            ).fetchall()[0] == (upgraded.execute("SELECT count(*) FROM article_story_bands").fetchall()[0][0],) * 3
    add_articles(upgraded, rows[half:])
    detect_stories(upgraded, "articles", batch_size=50)
    fresh = stories_db(tmp_path / "fresh.duckdb")
    add_articles(fresh, rows)
    detect_stories(fresh, "articles", batch_size=50)
    assert snapshot(upgraded) == snapshot(fresh)
    assert len(snapshot(fresh)["article_stories"]) == rows.height


def test_ant_article_filed_twice_under_two_categories_is_one_story(tmp_path):
    con = stories_db(tmp_path / "s.duckdb")
    ids = add_articles(con, [article("JA-localNews-218-18012017"), article("JA-politic-22-20161227"),
                             article("JA-culture-43-20161229"), article("JA-technology-6-20161229")])
    detect_stories(con, "articles")
    assert story_of(con, ids[0]) == story_of(con, ids[1]) != story_of(con, ids[2]) == story_of(con, ids[3])


def test_distinct_sport_reports_of_the_same_weeks_stay_apart(tmp_path):
    con = stories_db(tmp_path / "s.duckdb")
    sport = corpus_articles().filter((pl.col("category") == "sport")
                                     & pl.col("published_date").is_between(dt.date(2016, 1, 1), dt.date(2016, 12, 31)))
    groups = labelled._real_groups(sport.with_columns(article_id=pl.int_range(1, sport.height + 1)))
    add_articles(con, sport, first_id=1)
    detect_stories(con, "articles")
    stories = dict(con.execute("SELECT article_id, story_id FROM article_stories").fetchall())
    predicted = [stories[i] for i in range(1, sport.height + 1)]
    # Stories never mix two true groups (filed-twice copies are the only true groups here).
    assert len(set(zip(predicted, groups.to_list()))) == len(set(predicted))
    assert sport.height > 120


def test_weather_bulletins_of_two_days_are_two_stories_but_a_copy_joins(tmp_path):
    con = stories_db(tmp_path / "s.duckdb")
    thursday = article(WEATHER)
    assert "الخميس 08 ديسمبر" in thursday["body"]
    friday = {**thursday, "doc_key": "friday", "published_date": dt.date(2016, 12, 9),
              "body": thursday["body"].replace("الخميس 08 ديسمبر", "الجمعة 09 ديسمبر").replace("50", "60")}
    ids = add_articles(con, [thursday, friday, syndicated(thursday, outlet="Mosaique FM", header="تونس (وات) - ")])
    detect_stories(con, "articles")
    tokens = text.shingles(tokens_of(thursday["body"], friday["body"]))
    resemblance = detect.exact(np.unique(tokens.hashes[: tokens.starts[1]]), np.unique(tokens.hashes[tokens.starts[1]:]))[0]
    assert resemblance > ARTICLE_RULE.threshold  # same words: only the named day tells them apart
    assert story_of(con, ids[0]) == story_of(con, ids[2]) != story_of(con, ids[1])


def test_too_short_bodies_are_stories_of_their_own(tmp_path):
    con = stories_db(tmp_path / "s.duckdb")
    row = article("JA-sport-320-20161013")
    ids = add_articles(con, [{**row, "body": "صور"}, {**row, "body": "صور", "doc_key": "b"}])
    detect_stories(con, "articles")
    assert story_of(con, ids[0]) == ids[0] and story_of(con, ids[1]) == ids[1]


def test_a_late_article_bridging_two_stories_merges_them(tmp_path):
    con = stories_db(tmp_path / "s.duckdb")
    full = article("JA-economy-45-20161201")
    words = full["body"].split(" ")
    n = len(words)
    head = {**full, "doc_key": "head", "body": " ".join(words[: int(n * 0.6)])}
    tail = {**full, "doc_key": "tail", "body": " ".join(words[int(n * 0.4):])}
    ids = add_articles(con, [head, tail])
    detect_stories(con, "articles")
    assert story_of(con, ids[0]) != story_of(con, ids[1])
    bridge = add_articles(con, [full])[0]
    detect_stories(con, "articles")
    assert story_of(con, ids[0]) == story_of(con, ids[1]) == story_of(con, bridge) == ids[0]
    assert con.execute("SELECT story_id, n_placements FROM stories").fetchall() == [(ids[0], 3)]
    assert con.execute("SELECT count(*) FROM article_stories WHERE similarity IS NULL").fetchall()[0][0] == 0


def test_incremental_runs_equal_a_rebuild(tmp_path):
    con = stories_db(tmp_path / "s.duckdb")
    data = labelled.article_set(corpus_articles().filter(pl.col("category").is_in(["politic", "economy", "sport"])
                                                         | (pl.col("lang") != "ar")),
                                seed=3, n_bases={"ar": 60, "fr": 40, "en": 20})
    chunks = np.array_split(np.arange(data.height), 3)
    for chunk in chunks:
        add_articles(con, data[chunk[0]: chunk[-1] + 1].drop("article_id", "group", "origin", "edits", "base_id"))
        detect_stories(con, "articles", batch_size=400)
    incremental = snapshot(con)
    assert len(incremental["article_stories"]) == data.height
    assert any(r[1] != r[0] for r in incremental["article_stories"])
    detect_stories(con, "articles", rebuild=True, batch_size=100_000)
    assert snapshot(con) == incremental


def test_features_made_in_a_worker_give_the_stories_of_one_process(tmp_path):
    # With a pool, batch k+1 is featurised in a worker while batch k is judged here; the
    # stories must not depend on it (several batches, stored and in-batch comparisons).
    from analysis.stories import stage
    from analysis.workers import pool

    data = labelled.article_set(corpus_articles().filter(pl.col("category").is_in(["politic", "sport"])
                                                         | (pl.col("lang") != "ar")),
                                seed=11, n_bases={"ar": 30, "fr": 20, "en": 10})
    rows = data.drop("article_id", "group", "origin", "edits", "base_id")
    snaps, counts = {}, {}
    for name in ("serial", "worker"):
        con = stories_db(tmp_path / f"{name}.duckdb")
        add_articles(con, rows)
        with pool(2 if name == "worker" else 1) as executor:
            assert (executor is None) == (name == "serial")
            counts[name] = detect_stories(con, "articles", batch_size=40, executor=executor)
        snaps[name] = snapshot(con)
    assert counts["worker"] == counts["serial"] and counts["serial"]["linked"] > 0
    assert data.height > 3 * 40 and snaps["worker"] == snaps["serial"]
    # what the worker sends back is what this process would compute
    con = stories_db(tmp_path / "one.duckdb")
    add_articles(con, rows.head(50))
    batch = stage.index.pending_batch(con, stage.index.ARTICLES, first=0, last=10**9)
    with pool(2) as executor:
        remote = executor.submit(stage.batch_features, (batch, ARTICLE_RULE)).result()
    local = stage.batch_features((batch, ARTICLE_RULE))
    for field in ("ids", "days", "fingerprint", "n_shingles", "calendar", "signature", "bands", "indexable"):
        assert np.array_equal(getattr(remote, field), getattr(local, field)), field


def test_stored_texts_are_verified_a_slice_at_a_time(tmp_path, monkeypatch):
    # Pairs near a threshold are checked on exact shingle sets, recomputed from the stored
    # texts; those are fetched a slice at a time so memory stays bounded (a batch of 6,300
    # bench articles compared with every stored copy reached 2.7 GB in one go).
    from analysis.stories import index

    data = labelled.article_set(corpus_articles().filter(pl.col("category").is_in(["politic", "economy"])
                                                         | (pl.col("lang") != "ar")),
                                seed=5, n_bases={"ar": 30, "fr": 20, "en": 10})
    rows = data.drop("article_id", "group", "origin", "edits", "base_id")
    shingled, real = {"whole": [], "sliced": []}, detect.shingle_sets
    dbs = {}
    for name, chunk in (("whole", index._VERIFY_CHUNK), ("sliced", 2)):
        monkeypatch.setattr(detect, "shingle_sets", lambda texts, rule, n=name: shingled[n].append(len(texts))
                            or real(texts, rule))
        monkeypatch.setattr(index, "_VERIFY_CHUNK", chunk)
        dbs[name] = con = stories_db(tmp_path / f"{name}.duckdb")
        add_articles(con, rows)
        detect_stories(con, "articles", batch_size=40)
    assert max(shingled["whole"]) > 2 and max(shingled["sliced"]) == 2
    assert sum(shingled["sliced"]) == sum(shingled["whole"]) and len(shingled["sliced"]) > len(shingled["whole"])
    whole, sliced = dbs["whole"], dbs["sliced"]
    assert snapshot(sliced) == snapshot(whole)


def test_changed_settings_require_a_rebuild(tmp_path):
    con = stories_db(tmp_path / "s.duckdb")
    add_articles(con, [article(WEATHER)])
    detect_stories(con, "articles")
    stricter = detect.Rule(**{**vars(ARTICLE_RULE), "threshold": 0.6})
    with pytest.raises(StaleIndex, match="--rebuild"):
        detect_stories(con, "articles", rule=stricter)
    assert detect_stories(con, "articles", rule=stricter, rebuild=True)["documents"] == 1


# --- headlines ----------------------------------------------------------------------

def test_reedited_headlines_join_and_template_headlines_do_not(tmp_path):
    con = stories_db(tmp_path / "s.duckdb")
    blurbs = itn()
    julia = blurbs.filter(pl.col("text").str.starts_with("Hurricane Julia"))["text"].to_list()
    # Two spellings of the physics laureates (re-edit), and the chemistry prize a day
    # later in the same template (another event).
    ar = blurbs.filter(pl.col("lang") == "ar")["text"]
    physics = ar.filter(ar.str.contains("بجائزة نوبل في الفيزياء")).to_list()
    chemistry = ar.filter(ar.str.contains("بجائزة نوبل في الكيمياء")).to_list()
    assert len(julia) >= 4 and len(physics) == 2 and len(chemistry) == 1
    seen = dt.datetime(2022, 10, 12, 8, tzinfo=dt.timezone.utc)
    ids = add_headlines(con, julia, seen=seen)
    phys = add_headlines(con, physics, seen=seen, lang="ar", first_id=100)
    chem = add_headlines(con, chemistry, seen=seen, lang="ar", first_id=200)
    detect_stories(con, "headlines")
    stories = dict(con.execute("SELECT headline_id, story_id FROM headline_stories").fetchall())
    assert {stories[i] for i in ids} == {min(ids)}
    assert {stories[i] for i in phys} == {100} and stories[chem[0]] == 200
    # The trends contract: a day's ticker counts each story once with unit="stories".
    by_unit = {unit: trends.period_totals(con, freq="day", unit=unit, source="headlines")["n_documents"].tolist()
               for unit in ("stories", "placements")}
    assert by_unit == {"placements": [len(ids) + 3], "stories": [3]}


# --- trends: placements vs stories ------------------------------------------------------

def test_period_totals_count_syndicated_copies_once_as_stories(tmp_path):
    con = stories_db(tmp_path / "s.duckdb")
    month = corpus_articles().filter((pl.col("lang") == "ar")
                                     & pl.col("published_date").is_between(dt.date(2016, 11, 1), dt.date(2016, 11, 30)))
    month = month.filter(month["title"].is_first_distinct() & (month["body"].str.split(" ").list.len() > 40))[:120]
    rows = month.to_dicts()
    copies = [syndicated(r, outlet=outlet, header=header)
              for r, outlet, header in zip(rows[::4], ["Assabah"] * 30, ["", "تونس (وات) - "] * 15)]
    copies += [syndicated(r, outlet="La Presse", header="(وات) ") for r in rows[::8]]
    add_articles(con, rows + copies)
    detect_stories(con, "articles")
    truth = pl.DataFrame(rows + copies).with_columns(story=pl.col("doc_key").str.split("@").list.first())
    for unit, column in (("placements", "doc_key"), ("stories", "story")):
        expected = truth.group_by("published_date").agg(pl.col(column).n_unique()).sort("published_date")
        got = trends.period_totals(con, freq="day", unit=unit)
        assert got["n_documents"].tolist() == expected[column].to_list(), unit
    weekly = {u: trends.period_totals(con, freq="week", unit=u)["n_documents"].sum() for u in ("stories", "placements")}
    assert weekly["placements"] - weekly["stories"] == len(copies)


# --- CLI ----------------------------------------------------------------------------

def test_cli_top_and_show(tmp_path):
    path = tmp_path / "cli.duckdb"
    con = stories_db(path)
    base = article("JA-localNews-2745-20161114")
    ids = add_articles(con, [base, syndicated(base, outlet="Assabah", days_later=1),
                             syndicated(base, outlet="La Presse", header="تونس (وات) - ", days_later=2),
                             article("JA-sport-320-20161013")])
    con.close()
    runner = CliRunner()
    result = runner.invoke(cli, ["--db", str(path), "enrich", "--stage", "stories"])
    assert result.exit_code == 0, result.output
    assert "articles=4, articles_linked=3, stories=2" in result.output
    top = runner.invoke(cli, ["--db", str(path), "stories", "top", "--json"])
    assert top.exit_code == 0, top.output
    rows = [json.loads(line) for line in top.output.splitlines()]
    assert [(r["story_id"], r["n_placements"], r["n_outlets"]) for r in rows] == [(ids[0], 3, 3)]
    show = runner.invoke(cli, ["--db", str(path), "stories", "show", str(ids[0])])
    assert show.exit_code == 0, show.output
    assert "Assabah" in show.output and "La Presse" in show.output and "2016-11-16" in show.output
    missing = runner.invoke(cli, ["--db", str(path), "stories", "show", "999"])
    assert missing.exit_code == 2 and "no articles story 999" in missing.output


# --- through the real loader -----------------------------------------------------------

def test_stage_over_the_loaded_corpus(corpus_db_path, tmp_path):
    from analysis.stories.stage import run

    con = writable_connection(corpus_db_path, tmp_path)
    counts = run(con)
    n_articles, n_headlines = con.execute("SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM headlines)").fetchall()[0]
    assert counts["articles"] == n_articles > 5000 and counts["headlines"] == n_headlines > 0
    assert 0 < counts["articles_linked"] < n_articles // 10
    julia = con.execute("""SELECT DISTINCT s.story_id FROM articles a JOIN article_stories s USING (article_id)
                           WHERE a.body LIKE 'Hurricane Julia%'""").fetchall()
    assert len(julia) == 1
    weekly = {u: trends.period_totals(con, freq="week", unit=u).set_index("period")["n_documents"]
              for u in ("stories", "placements")}
    assert (weekly["stories"] <= weekly["placements"]).all() and (weekly["stories"] < weekly["placements"]).any()
    assert run(con)["articles"] == 0  # nothing new: nothing processed


def test_batches_end_at_a_count_or_an_amount_of_text():
    from analysis.stories.stage import batches

    ids = np.arange(10, 20)
    sizes = np.array([5, 5, 5, 30, 5, 5, 5, 5, 5, 5])
    got = batches(ids, sizes, max_docs=4, max_bytes=12)
    assert [list(b) for b in got] == [[10, 11], [12], [13], [14, 15], [16, 17], [18, 19]]
    assert np.concatenate(got).tolist() == ids.tolist()  # every id once, in order
    assert [list(b) for b in batches(ids, sizes, max_docs=3, max_bytes=10**9)] == [
        [10, 11, 12], [13, 14, 15], [16, 17, 18], [19]]
    assert batches(ids[:0], sizes[:0], max_docs=3, max_bytes=10) == []
