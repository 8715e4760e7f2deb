"""The `stories` enrichment stage: `presswatch enrich --stage stories [--rebuild]`."""

from __future__ import annotations

import logging

import duckdb
import numpy as np

from analysis.db import memory_cap, scalar, transaction
from analysis.errors import InvalidArgument, PresswatchError
from analysis.progress import progress_bar
from analysis.stories import detect, index
from analysis.stories.detect import Rule
from analysis.workers import ordered_map
from analysis.workers import pool as worker_pool

log = logging.getLogger(__name__)

# Article bodies: word 3-gram shingles. On the labelled set (docs/stories.md) Jawhara FM
# articles re-published with edits resemble each other at 0.69-1.0, follow-up articles
# reusing a paragraph at 0.43-0.48, distinct reports of one section below 0.35; one
# sentence of three replaced gives (1 - 1/3) / (1 + 1/3) = 0.5.
ARTICLE_RULE = Rule(
    shingle_sizes=(3,), scheme="oph", min_shingles=8, threshold=0.5,
    containment=0.9, containment_floor=0.2, max_ratio=4.0, window_days=14, near_copy=0.9)

# Ticker headlines: word 1- and 2-grams (a headline has ~10 words; 3-grams would leave
# too few shingles and punish one changed word three times). ITN re-edits resemble each
# other at 0.7-0.9, template blurbs of different events ("X dies at the age of 82") at
# most 0.39. Blurbs stayed up to three weeks, hence the longer window.
HEADLINE_RULE = Rule(
    shingle_sizes=(1, 2), scheme="kperm", min_shingles=3, threshold=0.5,
    containment=None, containment_floor=1.0, max_ratio=1.0, window_days=21, near_copy=0.9)

RULES = {"articles": ARTICLE_RULE, "headlines": HEADLINE_RULE}
# DuckDB's buffer pool keeps every block it touched up to 80 % of RAM. Capped while the
# stage runs (then restored), low because a worker featurises beside this process and both
# must fit in 2 GB together.
DUCKDB_MEMORY = "500MB"
BATCH_SIZE = {"articles": 20_000, "headlines": 50_000}
# A batch also ends at this much text: memory follows the text (shingles, signatures of the
# batch), not the count, and the next batch is featurised in a worker meanwhile.
# Short articles still go 20,000 at a time.
BATCH_BYTES = 32_000_000


class StaleIndex(PresswatchError, ValueError):
    """The stored index was built with other settings."""


def _check_version(con: duckdb.DuckDBPyConnection, src: index.Source, rule: Rule, *, rebuild: bool) -> None:
    version = scalar(con, "SELECT version FROM story_index_meta WHERE source = ?", [src.name])
    if version == rule.version() and not rebuild:
        return
    processed = scalar(con, f"SELECT count(*) FROM {src.members}")
    if processed and not rebuild:
        raise StaleIndex(
            f"the {src.name} story index was built with other settings; "
            "run `presswatch enrich --stage stories --rebuild` to rebuild it")
    con.execute("BEGIN")
    index.clear(con, src)
    con.execute("""INSERT OR REPLACE INTO story_index_meta VALUES (?, ?, now())""", [src.name, rule.version()])
    con.execute("COMMIT")


def detect_stories(con: duckdb.DuckDBPyConnection, source: str = "articles", *, rebuild: bool = False,
                   progress: bool = False, batch_size: int | None = None, rule: Rule | None = None,
                   executor=None) -> dict:
    """Assign every unprocessed article (or headline) of ``source`` to a story.

    Incremental: new documents are compared with the stored index; ``rebuild`` clears the
    index and starts over (same result as having processed everything incrementally).
    Each batch is one transaction. Returns counts. With an ``executor``
    (analysis.workers.pool) the next batch's features are computed in a worker while this
    process judges and writes the current one.
    """
    if source not in index.SOURCES:
        raise InvalidArgument(f"source must be 'articles' or 'headlines', not {source!r}")
    src = index.SOURCES[source]
    rule = rule or RULES[source]
    size = batch_size or BATCH_SIZE[source]
    _check_version(con, src, rule, rebuild=rebuild)
    with memory_cap(con, DUCKDB_MEMORY):
        return _detect(con, src, rule, size, progress, executor)


def _detect(con: duckdb.DuckDBPyConnection, src: index.Source, rule: Rule, size: int, progress: bool,
            executor) -> dict:
    pending, sizes = index.pending_ids(con, src)
    counts = {"documents": 0, "exact_copies": 0, "linked": 0, "candidates": 0}

    def fetched():  # read lazily, between the batches' transactions: one batch ahead at most
        for chunk in batches(pending, sizes, max_docs=size, max_bytes=BATCH_BYTES):
            batch = index.pending_batch(con, src, first=chunk[0], last=chunk[-1])
            if batch.height:
                yield batch, rule

    # Featurising (folding, shingling, MinHash) needs no database; window=2 keeps the next
    # batch's in a worker while this one is judged here.
    with progress_bar(f"stories: {src.name}", int(pending.size), enabled=progress) as bar:
        for (batch, _), features in ordered_map(executor, batch_features, fetched(), window=2):
            with transaction(con):
                result = index.process_batch(con, src, rule, batch, features)
            for key in counts:
                counts[key] += getattr(result, key)
            log.info("stories %s: batch of %d, %d linked", src.name, result.documents, result.linked)
            bar.advance(result.documents)
    counts["stories"] = scalar(con, f"SELECT count(*) FROM {src.summary}")
    return counts


def batch_features(item: tuple) -> detect.Features:
    """Features of a fetched (batch, rule) (what a worker runs)."""
    return index.batch_features(*item)


def batches(ids: np.ndarray, sizes: np.ndarray, *, max_docs: int, max_bytes: int) -> list[np.ndarray]:
    """Consecutive slices of ``ids`` with at most ``max_docs`` ids and, unless one document
    alone is larger, at most ``max_bytes`` of text."""
    out, start = [], 0
    ends = np.cumsum(sizes, dtype=np.int64)
    while start < ids.size:
        before = ends[start - 1] if start else 0
        stop = int(np.searchsorted(ends, before + max_bytes, side="right"))
        stop = min(max(stop, start + 1), start + max_docs, ids.size)
        out.append(ids[start:stop])
        start = stop
    return out


def run(con: duckdb.DuckDBPyConnection, *, rebuild: bool = False, progress: bool = False, workers: int = 1) -> dict:
    """Enrichment stage entry point: article stories, then headline stories.

    With ``workers`` > 1 one worker process featurises the next batch while this process
    judges and writes the current one (one batch in flight: the judging is the longer part).

    Counts: documents processed now (``articles``, ``headlines``), how many of them joined
    a story with another document (``*_linked``), and the stories now stored in all
    (``stories``, ``ticker_stories``)."""
    with worker_pool(workers, max_processes=1) as executor:
        articles = detect_stories(con, "articles", rebuild=rebuild, progress=progress, executor=executor)
        headlines = detect_stories(con, "headlines", rebuild=rebuild, progress=progress, executor=executor)
    return {"articles": articles["documents"], "articles_linked": articles["linked"],
            "stories": articles["stories"], "headlines": headlines["documents"],
            "headlines_linked": headlines["linked"], "ticker_stories": headlines["stories"]}
