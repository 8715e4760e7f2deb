"""The rollups stage updates only what changed: after a load, an unload, a relinked story, a
re-scored topic or a merged entity, every rollup table equals, row for row, what a rebuild
writes on the same database, and the answers equal the raw computation. Real corpus
articles and ticker pages (the bundled sample) are loaded again, re-dated or re-edited."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from analysis import enrich, rollups
from analysis.db import scalar
from analysis.entities import entity_frequencies
from analysis.ingest import load
from analysis.ingest.unload import unload
from analysis.topics import topic_frequencies
from tests.conftest import SAMPLE, writable_connection

ROLLUP_TABLES = ("rollup_days", "rollup_story_days", "rollup_periods", "headline_spans", "rollup_day_prints")
REGISTRY = {"entities": {"mode": "registry"}}
TICKER_SEPARATOR = re.compile(r"\u00a0{2,}")
SEPARATOR = "\u00a0" * 4


@pytest.fixture
def con(enriched_sample_db, tmp_path):
    """A writable copy of the enriched sample, its rollups built."""
    with writable_connection(enriched_sample_db, tmp_path) as con:
        yield con


def tables(con) -> dict[str, list]:
    """Every rollup table's rows, sorted, and the state without its build time."""
    out = {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in ROLLUP_TABLES}  # fixed names
    out["rollup_state"] = con.execute("SELECT * EXCLUDE (built_at) FROM rollup_state").fetchall()
    return out


def answers(con) -> dict[str, pd.DataFrame]:
    """A few answers that read every rollup table (tests/test_rollups.py asks them all)."""
    return {"entities": entity_frequencies(con, freq="week", by="outlet", start="2016-10-05"),
            "topics": topic_frequencies(con, freq="day", by="lang", primary_only=False),
            "totals": rollups.period_totals(con, freq="month", unit="stories"),
            "lifespans": con.execute("SELECT * FROM headline_lifespans ORDER BY headline_id").df()}


def assert_same_as_rebuild(con) -> None:
    """The tables the update wrote are those a rebuild writes, and answer as the raw tables do."""
    updated = tables(con)
    assert rollups.fresh(con)
    fast = answers(con)
    with rollups.bypassed(con):
        raw = answers(con)
    for name, frame in fast.items():
        pd.testing.assert_frame_equal(frame, raw[name], obj=name)
    assert rollups.run(con, rebuild=True, progress=False)["mode"] == "rebuild"
    rebuilt = tables(con)
    for name, rows in rebuilt.items():
        assert updated[name] == rows, name


def copies_export(con, folder: Path, *, n: int = 4, days_later: int = 2) -> Path:
    """``n`` stored articles of multi-article stories (real corpus text), run again by another
    outlet ``days_later`` days on: near copies, which the stories stage links to the stories
    they copy, on another day."""
    rows = con.execute("""
        SELECT a.title, a.body, a.published_date, a.lang FROM articles a JOIN article_stories s USING (article_id)
        WHERE a.published_date IS NOT NULL AND s.story_id IN
              (SELECT story_id FROM article_stories GROUP BY story_id HAVING count(*) > 1)
        ORDER BY a.article_id LIMIT $n""", {"n": n}).fetchall()
    assert len(rows) == n
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "copies.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for i, (title, body, day, lang) in enumerate(rows):
            record = {"id": f"copy-{i}", "title": title, "text": body, "lang": lang, "source": "Wire Copies",
                      "date": str(day + dt.timedelta(days=days_later)),
                      "url": f"https://example.org/copies/{i}"}
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


def edited_pages(folder: Path, *, n: int = 3) -> list[Path]:
    """``n`` sample page dumps whose ticker shows the same headlines in another order (a later
    crawl of the page): new sightings of headlines already on the ticker."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for source in sorted((SAMPLE / "pages").glob("*.txt"))[:n]:
        first, *rest = source.read_text(encoding="utf-8-sig").split("\n")
        items = [x for x in TICKER_SEPARATOR.split(first) if x.strip()]
        assert len(items) > 2, source.name
        target = folder / source.name.replace(".txt", "-later.txt")
        target.write_text("\n".join([SEPARATOR.join([*items[1:], items[0], ""]), *rest]), encoding="utf-8")
        out.append(target)
    return out


def load_more(con, folder: Path):
    """The copies and the re-crawled pages, as a scheduled load would bring them."""
    loaded = load(con, [str(copies_export(con, folder)), *map(str, edited_pages(folder))],
                  crawled_at="2016-12-28T09:00:00+00:00", workers=1)
    return loaded


def test_a_load_updates_only_the_days_it_touched(con, tmp_path):
    days = scalar(con, "SELECT count(*) FROM rollup_day_prints")
    n_headlines = scalar(con, "SELECT count(*) FROM headline_spans")
    newest = scalar(con, "SELECT max(article_id) FROM articles")
    load_more(con, tmp_path / "inputs")
    counts = enrich.run(con, progress=False, options=REGISTRY)["rollups"]
    # the copies joined the stories they copy, whose first articles are days earlier
    joined = scalar(con, """SELECT count(*) FROM articles a JOIN article_stories s USING (article_id)
                            JOIN articles f ON f.article_id = s.story_id
                            WHERE a.article_id > $newest AND s.story_id <= $newest
                              AND f.published_date < a.published_date""", {"newest": newest})
    assert joined > 0
    assert counts["mode"] == "update"
    assert 0 < counts["days_recomputed"] < days / 2
    assert 0 < counts["headlines_recomputed"] < n_headlines
    assert_same_as_rebuild(con)


def test_an_unload_updates_the_days_and_rebuilds_the_spans(con, tmp_path):
    before = tables(con)
    loaded = load_more(con, tmp_path / "inputs")
    enrich.run(con, progress=False, options=REGISTRY)
    unload(con, loaded.load_id)
    counts = enrich.run(con, progress=False, options=REGISTRY)["rollups"]
    assert counts["mode"] == "update" and counts["days_recomputed"] > 0
    assert counts["headlines_recomputed"] == counts["headlines"]  # sightings went: every span again
    after = tables(con)
    for name in ROLLUP_TABLES:  # back where they were (the state records the newer document ids)
        assert after[name] == before[name], name
    assert_same_as_rebuild(con)


def test_nothing_changed_recomputes_nothing(con):
    before = tables(con)
    rollups.invalidate(con)
    counts = rollups.run(con, progress=False)
    assert (counts["mode"], counts["days_recomputed"], counts["headlines_recomputed"]) == ("update", 0, 0)
    assert tables(con) == before
    assert rollups.fresh(con)


def spread_story(con) -> tuple[int, list]:
    """A story whose articles fall on several days, and its days."""
    story = scalar(con, """SELECT s.story_id FROM article_stories s JOIN articles a USING (article_id)
                           GROUP BY s.story_id HAVING count(DISTINCT a.published_date) > 1 ORDER BY s.story_id LIMIT 1""")
    days = [r[0] for r in con.execute("""SELECT DISTINCT a.published_date FROM article_stories s JOIN articles a
                                         USING (article_id) WHERE s.story_id = $s ORDER BY 1""", {"s": story}).fetchall()]
    return story, days


def test_a_relinked_story_recomputes_every_day_it_touches(con):
    story, days = spread_story(con)
    # its last article leaves it: the other days' distinct-story counts change too
    con.execute("""DELETE FROM article_stories WHERE article_id = (SELECT max(s.article_id) FROM article_stories s
                   JOIN articles a USING (article_id) WHERE s.story_id = $s AND a.published_date = $last)""",
                {"s": story, "last": days[-1]})
    rollups.invalidate(con)
    counts = rollups.run(con, progress=False)
    assert counts["mode"] == "update"
    assert len(days) <= counts["days_recomputed"] < counts["days"]
    assert_same_as_rebuild(con)


def test_rescored_topics_and_merged_entities_are_recounted(con):
    story, days = spread_story(con)
    # same table sizes: only the prints see these (a topic stage re-scoring, an identity merge)
    con.execute("""UPDATE article_topics SET is_primary = NOT is_primary WHERE article_id =
                   (SELECT min(article_id) FROM article_stories WHERE story_id = $s)""", {"s": story})
    con.execute("""UPDATE mentions SET entity_id = (SELECT min(entity_id) FROM mentions) WHERE article_id =
                   (SELECT max(article_id) FROM mentions WHERE article_id IS NOT NULL)""")
    rollups.invalidate(con)
    counts = rollups.run(con, progress=False)
    assert counts["mode"] == "update"
    assert len(days) < counts["days_recomputed"] < counts["days"] / 2
    assert_same_as_rebuild(con)


def test_many_changed_days_rebuild(con, monkeypatch):
    con.execute("UPDATE articles SET published_date = published_date + 1")  # every day moves
    rollups.invalidate(con)
    counts = rollups.run(con, progress=False)
    assert counts["mode"] == "rebuild" and counts["days_recomputed"] == counts["days"]
    moved = tables(con)
    # below the share, the same change is an update, with the same result
    con.execute("UPDATE articles SET published_date = published_date - 1")
    rollups.invalidate(con)
    monkeypatch.setattr(rollups, "REBUILD_SHARE", 1.0)
    assert rollups.run(con, progress=False)["mode"] == "update"
    assert tables(con)["rollup_days"] != moved["rollup_days"]
    assert_same_as_rebuild(con)
