"""Discovery models fit the articles' text, not the sentences an outlet repeats in many of them."""

from __future__ import annotations

import json
import re

import pyarrow as pa
import topics_fixtures as fx

from analysis.db import ARTICLES_BY_ID
from analysis.topics import boilerplate, modelstore, stage

NOTE = ("Les opinions exprimées dans cette tribune n'engagent que leur auteur. "
        "Abonnez-vous à notre lettre d'information pour recevoir chaque matin l'essentiel de l'actualité.")


def winer(n: int) -> list[dict]:
    with open(fx.CORPUS / "winer-fr" / "winer_fr_2016_2017.jsonl", encoding="utf-8") as handle:
        return [json.loads(line) for _, line in zip(range(n), handle)]


def stripped(con, ids: list[int], keys: list[int]) -> dict[int, str]:
    rows = con.sql(ARTICLES_BY_ID, params={"ids": ids}).to_arrow_table()
    return dict(zip(ids, boilerplate.strip(rows, keys).column("body").to_pylist()))


def test_sentences_one_outlet_repeats_are_boilerplate(fresh_db):
    rows = winer(200)
    for i, r in enumerate(rows):
        # the disclaimer with other spacing and case in some copies: still one sentence
        note = NOTE.upper() if i % 6 == 0 else NOTE.replace(" ", "\u00a0 ")
        fx.add_article(fresh_db, i + 1, day=None, outlet="Tribune" if i % 3 == 0 else "Wikinews", lang="fr",
                       title=r["title"], body=r["text"] + ("\n" + note if i % 3 == 0 else ""))
    ids = list(range(1, len(rows) + 1))
    keys = modelstore.find_boilerplate(fresh_db, ids)
    assert len(keys) >= 2
    bodies = stripped(fresh_db, ids, keys)
    assert "n'engagent que leur auteur" not in bodies[1].lower() and rows[0]["text"].split("\n")[1][:40] in bodies[1]
    assert "lettre d'information" not in bodies[4].lower()
    # what else goes is the dateline Wikinews repeats ("4 janvier 2016 ."); every other sentence stays
    for i, r in enumerate(rows):
        kept = set(bodies[i + 1].split("\n"))
        gone = [part for part in re.split(r"(?<=[.!?])\s+|\n+", r["text"]) if part.strip() and part not in kept]
        assert all(re.match(r"\d{1,2}(er)? \w+ \d{4}\b", part) for part in gone), gone
    # the same sentence in fewer articles than the floor is content, not boilerplate
    keys = modelstore.find_boilerplate(fresh_db, ids[:12])  # four copies of the note
    assert "n'engagent que leur auteur" in stripped(fresh_db, ids[:12], keys)[1].lower()


def test_an_outlets_disclaimer_is_not_a_discovered_topic(fresh_db):
    for i, r in enumerate(winer(400)):
        opinion = i % 3 == 0  # a third of the articles carry the outlet's disclaimer
        fx.add_article(fresh_db, i + 1, day=None, outlet="Tribune" if opinion else "Wikinews", lang="fr",
                       title=r["title"], body=r["text"] + ("\n" + NOTE if opinion else ""))
    stage.run(fresh_db)
    terms = {t for (t,) in fresh_db.execute("SELECT key FROM topic_terms WHERE rank <= 5").fetchall()}
    assert not terms & {"abonner", "lettre", "information", "opinion", "auteur", "engager"}, terms
    params = json.loads(fresh_db.execute("SELECT params FROM topic_models").fetchone()[0])
    assert params["boilerplate_sentences"] >= 2


def test_stripping_keeps_rows_and_missing_bodies():
    rows = pa.table({"article_id": [1, 2, 3, 4], "title": ["a", "b", "c", "d"],
                     "body": [None, "Un deux trois. Quatre cinq six sept.", "Un deux trois.", ""]})
    bodies = rows.select(["article_id", "body"]).append_column("outlet", pa.array(["x"] * 4))
    keys = boilerplate.find([bodies], {"boilerplate_min_articles": 2, "boilerplate_min_share": 0})
    assert len(keys) == 1
    assert boilerplate.strip(rows, keys).column("body").to_pylist() == [None, "Quatre cinq six sept.", "", ""]
    assert boilerplate.strip(rows, []) is rows
