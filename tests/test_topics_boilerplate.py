"""Discovery models fit the articles' text, not the sentences an outlet repeats in many of them."""

from __future__ import annotations

import json

import topics_fixtures as fx

from analysis.topics import discovery as disc
from analysis.topics import stage

NOTE = ("Les opinions exprimées dans cette tribune n'engagent que leur auteur. "
        "Abonnez-vous à notre lettre d'information pour recevoir chaque matin l'essentiel de l'actualité.")


def winer(n: int) -> list[dict]:
    with open(fx.CORPUS / "winer-fr" / "winer_fr_2016_2017.jsonl", encoding="utf-8") as handle:
        return [json.loads(line) for _, line in zip(range(n), handle)]


def test_sentences_one_outlet_repeats_are_boilerplate():
    rows = winer(200)
    articles = [("Tribune", r["text"] + "\n" + NOTE) if i % 3 == 0 else ("Wikinews", r["text"])
                for i, r in enumerate(rows)]
    keys = disc.boilerplate_keys(articles)
    stripped = disc.strip_boilerplate(articles[0][1], keys)
    assert "n'engagent que leur auteur" not in stripped and rows[0]["text"].split("\n")[1][:40] in stripped
    # the same sentence in fewer articles than the floor is content, not boilerplate
    assert not disc.boilerplate_keys(articles[:9])
    assert disc.strip_boilerplate(rows[1]["text"], keys).split() == rows[1]["text"].split()


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
