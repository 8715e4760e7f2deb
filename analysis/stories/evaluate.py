"""Measure story detection on the labelled set (``labelled``): pairwise precision/recall.

``presswatch eval stories`` and tests/test_stories_quality.py call ``evaluate``. Pairs are
counted over the whole set: a predicted pair is every two documents put in one story, a
true pair every two documents of one ground-truth group.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import polars as pl

from analysis import db as dbmod
from analysis.errors import DataFileError
from analysis.stories import corpus, labelled
from analysis.stories.index import frame
from analysis.stories.stage import detect_stories


def insert_articles(con: duckdb.DuckDBPyConnection, frame: pl.DataFrame) -> None:
    """Insert rows (article_id, outlet, url, title, body, lang, published_date, category)
    straight into ``articles``, with the derived columns the schema requires."""
    rows = frame.select(
        "article_id", document_id=pl.col("article_id"), outlet="outlet", url="url", title="title", body="body",
        lang="lang", published_date="published_date",
        date_raw=pl.col("published_date").cast(pl.String), category="category",
        content_sha256=pl.struct("title", "body").map_elements(
            lambda r: labelled.content_sha256(r["title"], r["body"]), return_dtype=pl.String))
    con.register("_articles_in", rows.to_arrow())
    con.execute("INSERT INTO articles BY NAME SELECT * FROM _articles_in")
    con.unregister("_articles_in")


def insert_headlines(con: duckdb.DuckDBPyConnection, frame: pl.DataFrame) -> None:
    """Insert rows (headline_id, text, lang, first_seen, last_seen, n_sightings) into ``headlines``."""
    rows = frame.select("headline_id", "text", "lang", "first_seen", "last_seen",
                        pl.col("n_sightings").cast(pl.Int64))
    con.register("_headlines_in", rows.to_arrow())
    con.execute("INSERT INTO headlines BY NAME SELECT * FROM _headlines_in")
    con.unregister("_headlines_in")


def pair_counts(pred: np.ndarray, truth: np.ndarray) -> dict[str, int]:
    """Pairs predicted together, truly together, and both, from two labellings."""
    def pairs(counts: np.ndarray) -> int:
        return int((counts * (counts - 1) // 2).sum())

    frame = pl.DataFrame({"p": pred, "t": truth})
    return {"predicted": pairs(frame.group_by("p").len()["len"].to_numpy().astype(np.int64)),
            "true": pairs(frame.group_by("t").len()["len"].to_numpy().astype(np.int64)),
            "both": pairs(frame.group_by("p", "t").len()["len"].to_numpy().astype(np.int64))}


def _ratio(a: int, b: int) -> float:
    return round(a / b, 4) if b else 1.0


def evaluate_articles(con: duckdb.DuckDBPyConnection, data: pl.DataFrame) -> dict:
    """Run detection over ``data`` (a ``labelled.article_set``) loaded in ``con``; metrics."""
    stories = frame(con, "SELECT article_id, story_id FROM article_stories")
    d = data.join(stories, on="article_id", how="left").with_columns(pl.col("story_id").fill_null(-pl.col("article_id")))
    allc = pair_counts(d["story_id"].to_numpy(), d["group"].to_numpy())
    out = {"articles": d.height, "copies": int((d["origin"] == "copy").sum()),
           "precision": _ratio(allc["both"], allc["predicted"]), "recall": _ratio(allc["both"], allc["true"]),
           "true_pairs": allc["true"], "predicted_pairs": allc["predicted"]}
    # Recall of each original with its copies, per edit kind.
    story_of = dict(zip(d["article_id"].to_list(), d["story_id"].to_list()))
    copies = d.filter(pl.col("origin") == "copy").with_columns(
        same=pl.col("base_id").replace_strict(story_of, return_dtype=pl.Int64) == pl.col("story_id"))
    out["edit_recall"] = _ratio(int(copies["same"].sum()), copies.height)
    for kind in labelled.EDITS:
        sub = copies.filter(pl.col("edits").str.contains(kind))
        out[f"edit_recall_{kind}"] = _ratio(int(sub["same"].sum()), sub.height)
    # Real re-filed articles (metadata and adjudicated groups), copies left out.
    real = d.filter(pl.col("origin") == "real")
    rc = pair_counts(real["story_id"].to_numpy(), real["group"].to_numpy())
    out["real_precision"] = _ratio(rc["both"], rc["predicted"])
    out["real_recall"] = _ratio(rc["both"], rc["true"])
    out["real_true_pairs"] = rc["true"]
    # Hard negatives: distinct real articles of one section of one site within 7 days
    # (sport reports, weather and security bulletins, ...), and how many were merged.
    sect = real.filter(pl.col("category").is_not_null()).select(
        "article_id", "category", "published_date", "group", "story_id")
    near = (sect.join(sect, on="category", suffix="_b")
            .filter((pl.col("article_id") < pl.col("article_id_b")) & (pl.col("group") != pl.col("group_b"))
                    & ((pl.col("published_date") - pl.col("published_date_b")).dt.total_days().abs() <= 7)))
    out["hard_negative_pairs"] = near.height
    out["hard_negative_merged"] = int((near["story_id"] == near["story_id_b"]).sum())
    sport = near.filter(pl.col("category") == "sport")
    out["sport_negative_pairs"] = sport.height
    out["sport_negative_merged"] = int((sport["story_id"] == sport["story_id_b"]).sum())
    return out


def evaluate_headlines(con: duckdb.DuckDBPyConnection, data: pl.DataFrame) -> dict:
    """Pairwise precision/recall on the ITN pairs (``labelled.headline_pairs``)."""
    stories = dict(con.execute("SELECT headline_id, story_id FROM headline_stories").fetchall())
    pairs = labelled.headline_pairs(data).with_columns(
        predicted=pl.col("a").replace_strict(stories, default=-1) == pl.col("b").replace_strict(stories, default=-2))
    counts = {label: pairs.filter(pl.col("label") == label) for label in ("same", "different", "rewrite")}
    tp = int(counts["same"]["predicted"].sum())
    fp = int(counts["different"]["predicted"].sum())
    return {"headlines": data.height, "same_pairs": counts["same"].height,
            "different_pairs": counts["different"].height, "rewrite_pairs": counts["rewrite"].height,
            "precision": _ratio(tp, tp + fp), "recall": _ratio(tp, counts["same"].height),
            "false_merges": fp, "rewrite_recall": _ratio(int(counts["rewrite"]["predicted"].sum()),
                                                         counts["rewrite"].height)}


def evaluate(corpus_root: str | Path, *, seed: int = 7) -> dict:
    """Build the labelled sets from ``corpus_root``, detect stories in a fresh in-memory
    database, return {"articles": metrics, "headlines": metrics}."""
    root = Path(corpus_root)
    if not (root / "itn").is_dir() or not (root / "ant-jawhara").is_dir():
        raise DataFileError(f"no development corpus at {root} (expected ant-jawhara/ and itn/ there)")
    con = duckdb.connect(":memory:")
    con.execute("SET TimeZone = 'UTC'")
    dbmod.apply_schema(con)
    articles = labelled.article_set(corpus.read_articles(root), seed=seed)
    headlines = labelled.headline_set(corpus.read_itn(root))
    insert_articles(con, articles)
    insert_headlines(con, headlines)
    detect_stories(con, "articles")
    detect_stories(con, "headlines")
    return {"articles": evaluate_articles(con, articles), "headlines": evaluate_headlines(con, headlines)}
