"""Data for the stories tests: real corpus articles and ITN blurbs written straight into
the tables (``analysis.stories.evaluate`` inserters), plus syndicated copies made from them.

Reusable by hand too::

    from tests.stories_fixtures import stories_db
    con = stories_db("/tmp/s.duckdb"); ...
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path

import polars as pl

import analysis
from analysis.stories import corpus
from analysis.stories.evaluate import insert_articles, insert_headlines

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


@lru_cache(maxsize=1)
def corpus_articles() -> pl.DataFrame:
    """Every ANT, WiNER-fr and English Wikinews article (doc_key, outlet, url, title, body,
    lang, published_date, category)."""
    return corpus.read_articles(CORPUS)


@lru_cache(maxsize=1)
def itn() -> pl.DataFrame:
    return corpus.read_itn(CORPUS)


def article(doc_key: str) -> dict:
    rows = corpus_articles().filter(pl.col("doc_key") == doc_key)
    assert rows.height == 1, f"{doc_key} not in the corpus"
    return rows.row(0, named=True)


def stories_db(path: str | Path):
    """A fresh database file with the schema (every table empty)."""
    return analysis.connect(path)


def add_articles(con, rows: list[dict] | pl.DataFrame, *, first_id: int | None = None) -> list[int]:
    """Insert articles (dicts with the corpus columns); ids continue after the largest
    stored one unless given. Returns the new ids."""
    frame = rows if isinstance(rows, pl.DataFrame) else pl.DataFrame(rows, schema=corpus_articles().schema)
    start = first_id or (con.execute("SELECT coalesce(max(article_id), 0) FROM articles").fetchall()[0][0] + 1)
    frame = frame.with_columns(article_id=pl.int_range(start, start + frame.height, dtype=pl.Int64))
    insert_articles(con, frame)
    return frame["article_id"].to_list()


def add_headlines(con, texts: list[str], *, seen: dt.datetime, lang: str = "en", first_id: int = 1) -> list[int]:
    """Insert headlines each seen once at ``seen`` (one page with them all on its ticker)."""
    ids = list(range(first_id, first_id + len(texts)))
    frame = pl.DataFrame({"headline_id": ids, "text": texts, "lang": [lang] * len(texts),
                          "first_seen": [seen] * len(texts), "last_seen": [seen] * len(texts),
                          "n_sightings": [1] * len(texts)},
                         schema_overrides={"first_seen": pl.Datetime("us", "UTC"), "last_seen": pl.Datetime("us", "UTC")})
    insert_headlines(con, frame)
    for position, hid in enumerate(ids, start=1):
        con.execute("INSERT INTO sightings VALUES (?, ?, ?, ?, 'option')", [first_id, hid, position, seen])
    return ids


def syndicated(row: dict, *, outlet: str, header: str = "", days_later: int = 0) -> dict:
    """A copy of a real article as another outlet runs it: same body under its own header."""
    return {**row, "outlet": outlet, "url": None, "doc_key": f"{row['doc_key']}@{outlet}",
            "body": header + row["body"], "published_date": row["published_date"] + dt.timedelta(days=days_later)}
