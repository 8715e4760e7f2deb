"""Boilerplate sentences, left out of the text a discovery model is fitted on.

A sentence is an outlet's boilerplate when it repeats in at least ``boilerplate_min_articles``
and ``boilerplate_min_share`` of that outlet's articles in the fit sample: fitted on, a
disclaimer or a newsletter call becomes a "topic" of its own. Sentences are compared with case,
spacing and numbers ignored; one under three words is too short to call boilerplate.

Splitting, normalising and hashing every sentence of the sample is string work that Polars
does a whole batch at a time in native code; a key is a Polars hash, so keys are compared
only within one fit (same library, same seed).
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl
import pyarrow as pa
import pyarrow.compute

from analysis.topics import discovery as disc

# A cut after . ! ? ؟ followed by space, and at every line break (Rust's regex has no
# look-behind: the punctuation is captured and put back before the cut mark).
_CUT = r"([.!?؟])\s+|\n+"
_MARK = "\x01"


def sentences(bodies: pa.Table) -> pl.LazyFrame:
    """(article_id, outlet, part, key) for each sentence of each body of ``bodies``
    (article_id, outlet, body), in body order; ``key`` is null for a sentence under three
    words, and a null body gives one null part."""
    norm = (pl.col("part").str.to_lowercase().str.replace_all(r"\d+", "0")
            .str.replace_all(r"\s+", " ").str.strip_chars(" "))
    return (pl.from_arrow(bodies).lazy()
            .with_columns(part=pl.col("body").str.replace_all(_CUT, "${1}" + _MARK).str.split(_MARK))
            .explode("part")
            .with_columns(norm=norm)
            .with_columns(key=pl.when(pl.col("norm").str.count_matches(" ", literal=True) >= 2)
                          .then(pl.col("norm").hash(seed=0)))
            .select("article_id", "outlet", "part", "key"))


def find(batches: Iterable[pa.Table], options: dict | None = None) -> list[int]:
    """Keys of the boilerplate sentences of the articles in ``batches`` (Arrow tables of
    article_id, outlet, body; each article in one batch)."""
    opts = {**disc.DEFAULTS, **(options or {})}
    counts, outlets = [], []
    for batch in batches:
        outlets.append(pl.from_arrow(batch.select(["outlet"])).group_by("outlet").len())
        counts.append(sentences(batch).filter(pl.col("key").is_not_null())
                      .select("outlet", "key", "article_id").unique()
                      .group_by("outlet", "key").len().collect())
    if not counts:
        return []
    per_outlet = pl.concat(outlets).group_by("outlet").agg(pl.col("len").sum().alias("articles"))
    repeated = pl.concat(counts).group_by("outlet", "key").agg(pl.col("len").sum())
    floor = pl.max_horizontal(pl.lit(opts["boilerplate_min_articles"]),
                              opts["boilerplate_min_share"] * pl.col("articles"))
    found = repeated.join(per_outlet, on="outlet", nulls_equal=True).filter(pl.col("len") >= floor)
    return sorted(found["key"].unique().to_list())


def strip(rows: pa.Table, keys: Iterable[int]) -> pa.Table:
    """``rows`` (article_id, title, body, …; one row per article) with the sentences whose key
    is in ``keys`` taken out of each body (the kept ones joined by line breaks; nothing but
    boilerplate gives '')."""
    keys = pl.Series("key", list(keys), dtype=pl.UInt64)
    if keys.is_empty():
        return rows
    bodies = rows.select(["article_id", "body"]).append_column("outlet", pa.nulls(rows.num_rows, pa.string()))
    # group_by keeps the rows' order (maintain_order) and each group's sentences in body order
    kept = (sentences(bodies)
            .group_by("article_id", maintain_order=True)
            .agg(pl.col("part").filter(pl.col("key").is_null() | ~pl.col("key").is_in(keys.implode()))
                 .str.join("\n").alias("body"))
            .collect())
    body = pl.from_arrow(rows.column("body")).is_null().to_arrow()
    stripped = pa.compute.if_else(body, pa.scalar(None, pa.large_string()), kept.to_arrow().column("body"))
    return rows.set_column(rows.schema.get_field_index("body"), "body", stripped)
