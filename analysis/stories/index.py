"""The persisted near-duplicate index and story tables: one batch at a time.

``process_batch`` takes documents not processed yet (ids ascending), links exact copies
by fingerprint, finds candidates in LSH buckets (inside the batch, and in the stored
bands with one DuckDB join), judges them with ``detect.same_story``, merges stories, and
writes members, index rows, bands and summaries. The caller wraps it in a transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import polars as pl
import pyarrow as pa

from analysis.stories import detect
from analysis.stories.calendar import calendar_conflict


@dataclass(frozen=True)
class Source:
    """Where one kind of text lives and where its stories go (identifiers, not values)."""

    name: str
    table: str
    id: str
    text: str
    day: str  # SQL expression over alias d, a DATE
    members: str
    summary: str
    index: str
    bands: str
    summary_sql: str  # INSERT ... SELECT for the stories in temp table _affected


ARTICLES = Source(
    name="articles", table="articles", id="article_id", text="body", day="d.published_date",
    members="article_stories", summary="stories", index="article_story_index", bands="article_story_bands",
    summary_sql="""
        INSERT INTO stories
        WITH m AS (
            SELECT s.story_id, a.article_id, a.outlet,
                   coalesce(a.published_at, CAST(a.published_date AS TIMESTAMPTZ)) AS t
            FROM article_stories s JOIN articles a USING (article_id)
            WHERE s.story_id IN (SELECT story_id FROM _affected))
        SELECT story_id,
               first(article_id ORDER BY t NULLS LAST, article_id),
               first(outlet ORDER BY t NULLS LAST, article_id),
               min(t), max(t), count(*), count(DISTINCT outlet)
        FROM m GROUP BY story_id""")

HEADLINES = Source(
    name="headlines", table="headlines", id="headline_id", text="text", day="CAST(d.first_seen AS DATE)",
    members="headline_stories", summary="ticker_stories", index="headline_story_index",
    bands="headline_story_bands",
    summary_sql="""
        INSERT INTO ticker_stories
        SELECT s.story_id,
               first(h.headline_id ORDER BY h.first_seen NULLS LAST, h.headline_id),
               first(h.text ORDER BY h.first_seen NULLS LAST, h.headline_id),
               min(h.first_seen), max(h.last_seen), count(*), sum(h.n_sightings)
        FROM headline_stories s JOIN headlines h USING (headline_id)
        WHERE s.story_id IN (SELECT story_id FROM _affected)
        GROUP BY s.story_id""")

SOURCES = {s.name: s for s in (ARTICLES, HEADLINES)}


def frame(con: duckdb.DuckDBPyConnection, sql: str, params: dict | None = None) -> pl.DataFrame:
    """A query result as a polars DataFrame."""
    con.execute("SELECT 1").fetchall()  # finish a result someone else left half-read
    return con.sql(sql, params=params).pl()


def table(con: duckdb.DuckDBPyConnection, sql: str, params: dict | None = None) -> pa.Table:
    con.execute("SELECT 1").fetchall()
    return con.sql(sql, params=params).to_arrow_table()


def pending_ids(con: duckdb.DuckDBPyConnection, src: Source) -> tuple[np.ndarray, np.ndarray]:
    """Ids of the documents not processed yet, ascending, and the UTF-8 bytes of each text."""
    pending = frame(con, f"""SELECT d.{src.id} AS id, coalesce(strlen(d.{src.text}), 0) AS bytes FROM {src.table} d
                             ANTI JOIN {src.members} m ON m.{src.id} = d.{src.id} ORDER BY id""")
    return pending["id"].to_numpy(), pending["bytes"].to_numpy()


def pending_batch(con: duckdb.DuckDBPyConnection, src: Source, *, first: int, last: int) -> pl.DataFrame:
    """Unprocessed documents with ids in [first, last]: id, text, day (days since 1970, -1 undated)."""
    return frame(con, f"""
        SELECT d.{src.id} AS id, d.{src.text} AS text,
               coalesce(datediff('day', DATE '1970-01-01', {src.day}), -1) AS day
        FROM {src.table} d ANTI JOIN {src.members} m ON m.{src.id} = d.{src.id}
        WHERE d.{src.id} BETWEEN $first AND $last
        ORDER BY d.{src.id}""", {"first": int(first), "last": int(last)})


def clear(con: duckdb.DuckDBPyConnection, src: Source) -> None:
    for table in (src.members, src.summary, src.index, src.bands):
        con.execute(f"DELETE FROM {table}")


def _signature_column(sig: np.ndarray) -> pa.Array:
    n, k = sig.shape
    width = 2 * k
    offsets = pa.py_buffer((np.arange(n + 1, dtype=np.int32) * width).tobytes())
    return pa.Array.from_buffers(pa.binary(), n, [None, offsets, pa.py_buffer(sig.astype("<u2").tobytes())])


def _signatures_from(column: pa.ChunkedArray, k: int) -> np.ndarray:
    arr = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if len(arr) == 0:
        return np.zeros((0, k), np.uint16)
    arr = arr.cast(pa.binary())
    _, off, data = arr.buffers()
    offsets = np.frombuffer(off, np.int32)[arr.offset: arr.offset + len(arr) + 1]
    raw = np.frombuffer(data, np.uint8)[offsets[0]: offsets[-1]]
    return raw.view("<u2").reshape(len(arr), k).astype(np.uint16)


_PAIR_CHUNK = 100_000
# Stored documents fetched and shingled at a time for exact verification (~2,000 texts of
# 7 KB: ~15 MB of text, ~50 MB of shingle sets).
_VERIFY_CHUNK = 2_000


@dataclass
class BatchResult:
    documents: int
    exact_copies: int
    linked: int  # documents joined to a story with another document
    candidates: int


def batch_features(batch: pl.DataFrame, rule: detect.Rule) -> detect.Features:
    """``detect.features`` of a batch from ``pending_batch`` (no database: a worker can run it)."""
    return detect.features(batch["id"].to_numpy().astype(np.int64), batch["text"], batch["day"].to_numpy(), rule)


def process_batch(con: duckdb.DuckDBPyConnection, src: Source, rule: detect.Rule,
                  batch: pl.DataFrame, features: detect.Features | None = None) -> BatchResult:
    """``features``: the batch's, when already computed (``batch_features``)."""
    ids = batch["id"].to_numpy().astype(np.int64)
    f = features if features is not None else batch_features(batch, rule)
    n = ids.size

    # 1. Exact copies: same fingerprint as a stored or an earlier document of the batch.
    dup_of = np.full(n, -1, np.int64)
    idx = np.flatnonzero(f.indexable)
    fp = pl.DataFrame({"fingerprint": f.fingerprint[idx], "lid": idx, "id": ids[idx]})
    con.register("_fp", fp.to_arrow())
    known = frame(con, f"""SELECT f.lid, min(i.{src.id}) AS rep FROM _fp f
                           JOIN {src.index} i USING (fingerprint) GROUP BY f.lid""")
    con.unregister("_fp")
    dup_of[known["lid"].to_numpy()] = known["rep"].to_numpy()
    first = fp.group_by("fingerprint").agg(pl.col("id").min().alias("rep"))
    inner = fp.join(first, on="fingerprint").filter(pl.col("id") != pl.col("rep"))
    fresh = inner["lid"].to_numpy()
    fresh = fresh[dup_of[fresh] < 0]
    dup_of[fresh] = inner.filter(pl.col("lid").is_in(fresh))["rep"].to_numpy()
    reps = f.indexable & (dup_of < 0)
    rep_idx = np.flatnonzero(reps)

    # 2. Candidates: shared LSH bucket inside the batch, or with a stored document.
    keys = f.bands[rep_idx].ravel()
    owners = np.repeat(rep_idx, rule.bands)
    inside = detect.pairs_in_buckets(keys, owners)
    outside = _stored_candidates(con, src, rule, keys, owners, f.days[owners])
    old_ids = np.unique(outside["old"].to_numpy()).astype(np.int64)
    con.register("_old", pa.table({"id": old_ids}))
    old = table(con, f"""SELECT i.{src.id} AS id, n_shingles, day, calendar, signature
                         FROM {src.index} i JOIN _old o ON o.id = i.{src.id} ORDER BY id""")
    con.unregister("_old")
    pos = np.searchsorted(old["id"].to_numpy(), outside["old"].to_numpy())
    old_sig = _signatures_from(old["signature"], f.signature.shape[1])

    # 3. Judge candidate pairs: inside (local, local) then outside (local, stored).
    old_ids_of_pair = outside["old"].to_numpy().astype(np.int64)
    a = np.concatenate([inside[:, 0], outside["lid"].to_numpy().astype(np.int64)])
    b_local = np.concatenate([inside[:, 1], np.full(outside.height, -1, np.int64)])
    b_old = np.concatenate([np.full(inside.shape[0], -1, np.int64), pos])
    stored = {"sig": old_sig, "n": old["n_shingles"].to_numpy().astype(np.int64),
              "day": old["day"].to_numpy().astype(np.int64), "cal": old["calendar"].to_numpy().astype(np.uint64)}
    same, score = _judge(con, src, rule, f, a, b_local, b_old, stored, old["id"].to_numpy())
    b_ids = np.where(b_local >= 0, ids[np.maximum(b_local, 0)], 0)
    b_ids[b_local < 0] = old_ids_of_pair
    dups = np.flatnonzero(dup_of >= 0)
    edges = pl.DataFrame({
        "a": np.concatenate([ids[a[same]], ids[dups]]),
        "b": np.concatenate([b_ids[same], dup_of[dups]]),
        "sim": np.concatenate([score[same], np.ones(dups.size)]),
    })
    _merge(con, src, ids, edges)

    # 4. Index the new representatives.
    con.register("_index", pa.table({
        "id": ids[rep_idx], "fingerprint": f.fingerprint[rep_idx], "n_shingles": f.n_shingles[rep_idx].astype(np.int32),
        "day": f.days[rep_idx].astype(np.int32), "calendar": f.calendar[rep_idx],
        "signature": _signature_column(f.signature[rep_idx])}))
    con.execute(f"INSERT INTO {src.index} SELECT * FROM _index")
    con.unregister("_index")
    con.register("_bands", pa.table({"key": keys, src.id: ids[owners], "day": f.days[owners].astype(np.int32)}))
    con.execute(f"INSERT INTO {src.bands} BY NAME SELECT * FROM _bands")
    con.unregister("_bands")
    linked = np.unique(np.concatenate([edges["a"].to_numpy(), edges["b"].to_numpy()]))
    return BatchResult(documents=n, exact_copies=int(dups.size), linked=int(np.isin(ids, linked).sum()),
                       candidates=int(a.size))


def _stored_candidates(con: duckdb.DuckDBPyConnection, src: Source, rule: detect.Rule, keys: np.ndarray,
                       owners: np.ndarray, days: np.ndarray) -> pl.DataFrame:
    """(lid, old): stored documents sharing a band key with batch document ``lid``.

    Only stored documents inside the rule's time window can be linked (detect.same_story), so
    the others are dropped here; otherwise every batch would fetch every old copy of a
    recurring text. Dated keys read only the stored bands of the batch's days ± the window, a
    filter on the bands' own day that runs before the join, so the work per batch does not
    grow with the archive; undated documents (day -1) are compared
    with every stored one, and every stored undated one with the batch, as the rule says."""
    dated = days >= 0
    join = f"SELECT DISTINCT k.lid, b.{src.id} AS old FROM _keys k JOIN {src.bands} b USING (key)"
    queries = []
    if dated.any():
        queries.append((dated, join + """ WHERE (b.day < 0 OR b.day BETWEEN $lo AND $hi)
                                            AND (b.day < 0 OR abs(b.day - k.day) <= $window)""",
                        {"lo": int(days[dated].min()) - rule.window_days,
                         "hi": int(days[dated].max()) + rule.window_days, "window": rule.window_days}))
    if not dated.all():
        queries.append((~dated, join, None))
    parts = []
    for sel, sql, params in queries:
        con.register("_keys", pa.table({"key": keys[sel], "lid": owners[sel], "day": days[sel]}))
        try:
            parts.append(frame(con, sql, params))
        finally:
            con.unregister("_keys")
    if not parts:
        return pl.DataFrame(schema={"lid": pl.Int64, "old": pl.Int64})
    return pl.concat(parts, how="vertical_relaxed")


def _judge(con: duckdb.DuckDBPyConnection, src: Source, rule: detect.Rule, f: detect.Features,
           a: np.ndarray, b_local: np.ndarray, b_old: np.ndarray, stored: dict, stored_ids: np.ndarray
           ) -> tuple[np.ndarray, np.ndarray]:
    """Verdicts for pairs (batch row ``a``, batch row ``b_local`` or stored row ``b_old``).

    MinHash estimates decide clear cases; pairs near a threshold are judged on their exact
    shingle sets, recomputed from the stored text for stored documents.
    """
    local = b_local >= 0
    bl, bo = np.maximum(b_local, 0), np.maximum(b_old, 0)

    def pick(batch_values, stored_values):
        if stored_values.shape[0] == 0:
            return batch_values[bl]
        return np.where(local.reshape((-1,) + (1,) * (batch_values.ndim - 1)), batch_values[bl], stored_values[bo])

    n_a, n_b = f.n_shingles[a], pick(f.n_shingles, stored["n"])
    j, contain = np.empty(a.size), np.empty(a.size)
    for lo in range(0, a.size, _PAIR_CHUNK):  # gathered signatures take 512 bytes a pair
        part = slice(lo, lo + _PAIR_CHUNK)
        sig_b = np.where(local[part, None], f.signature[bl[part]],
                         stored["sig"][bo[part]] if stored["sig"].shape[0] else 0)
        j[part], contain[part] = detect.estimate(f.signature[a[part]], sig_b, n_a[part], n_b[part])
    day_a, day_b = f.days[a], pick(f.days, stored["day"])
    cal_a, cal_b = f.calendar[a], pick(f.calendar, stored["cal"])
    # Pairs the time window or the calendar rejects whatever their similarity need no check.
    decided, _ = detect.same_story(rule, np.ones_like(j), np.ones_like(j), n_a, n_b, day_a, day_b, cal_a, cal_b)
    decided &= ~(calendar_conflict(cal_a, cal_b) & (j < rule.near_copy - detect.EXACT_MARGIN))
    check = np.flatnonzero(detect.uncertain(rule, j, contain) & decided)
    if check.size:
        n_a, n_b = n_a.copy(), n_b.copy()
        mine: dict[int, np.ndarray] = {}

        def own(i: int) -> np.ndarray:
            if i not in mine:
                mine[i] = f.shingle_set(i)
            return mine[i]

        def verify(pairs: np.ndarray, theirs) -> None:
            for p in pairs:
                sa, sb = own(int(a[p])), theirs(p)
                j[p], contain[p] = detect.exact(sa, sb)
                n_a[p], n_b[p] = sa.size, sb.size

        verify(check[local[check]], lambda p: own(int(bl[p])))
        # Stored ends: their texts are fetched and shingled again, a slice of documents at a
        # time, so memory stays bounded however many stored copies a batch is compared with.
        stored_pairs = check[~local[check]]
        other = stored_ids[bo[stored_pairs]] if stored_ids.size else np.zeros(0, np.int64)
        need = np.unique(other)
        for lo in range(0, need.size, _VERIFY_CHUNK):
            part = need[lo: lo + _VERIFY_CHUNK]
            con.register("_need", pa.table({"id": part}))
            got = frame(con, f"SELECT d.{src.id} AS id, d.{src.text} AS text FROM {src.table} d "
                             f"JOIN _need n ON n.id = d.{src.id} ORDER BY id")
            con.unregister("_need")
            sets = dict(zip(got["id"].to_list(), detect.shingle_sets(got["text"], rule)))
            verify(stored_pairs[np.isin(other, part)], lambda p: sets[int(stored_ids[bo[p]])])
    return detect.same_story(rule, j, contain, n_a, n_b, day_a, day_b, cal_a, cal_b)


def _merge(con: duckdb.DuckDBPyConnection, src: Source, ids: np.ndarray, edges: pl.DataFrame) -> None:
    """Give the batch's documents their stories, merging stored stories they connect."""
    new = set(ids.tolist())
    old_ends = np.unique(edges.filter(~pl.col("b").is_in(ids))["b"].to_numpy()).astype(np.int64)
    con.register("_ends", pa.table({"id": old_ends}))
    old_story = frame(con, f"""SELECT m.{src.id} AS b, m.story_id FROM {src.members} m
                               JOIN _ends e ON e.id = m.{src.id}""")
    con.unregister("_ends")
    graph = edges.join(old_story, on="b", how="left").with_columns(
        node_b=pl.coalesce("story_id", "b"))
    old_stories = np.unique(old_story["story_id"].to_numpy()).astype(np.int64)
    nodes = np.concatenate([ids, old_stories])
    pairs = graph.select("a", "node_b").to_numpy().astype(np.int64)
    story = detect.components(nodes, pairs)
    new_story = story[: ids.size]
    remap = pl.DataFrame({"old": old_stories, "new": story[ids.size:]}).filter(pl.col("old") != pl.col("new"))

    # Best evidence per document, both ends of every edge.
    best = (pl.concat([edges.select(id="a", sim="sim"), edges.select(id="b", sim="sim")])
            .group_by("id").agg(pl.col("sim").max()))
    mine = pl.DataFrame({"id": ids, "story_id": new_story}).join(best, on="id", how="left")
    stored_best = best.filter(~pl.col("id").is_in(list(new)))

    con.register("_remap", remap.to_arrow())
    con.register("_best", stored_best.to_arrow())
    con.register("_mine", mine.to_arrow())
    con.execute(f"""UPDATE {src.members} SET story_id = r.new FROM _remap r
                    WHERE {src.members}.story_id = r.old""")
    con.execute(f"""UPDATE {src.members} SET similarity = b.sim FROM _best b
                    WHERE {src.members}.{src.id} = b.id
                      AND ({src.members}.similarity IS NULL OR {src.members}.similarity < b.sim)""")
    con.execute(f"INSERT INTO {src.members} SELECT id, story_id, sim FROM _mine")
    con.execute("CREATE OR REPLACE TEMP TABLE _affected AS SELECT DISTINCT story_id FROM _mine "
                "UNION SELECT new FROM _remap")
    con.execute(f"""DELETE FROM {src.summary} WHERE story_id IN (SELECT story_id FROM _affected)
                    OR story_id IN (SELECT old FROM _remap)""")
    con.execute(src.summary_sql)
    con.execute("DROP TABLE _affected")
    for name in ("_remap", "_best", "_mine"):
        con.unregister(name)
