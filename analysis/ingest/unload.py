"""`presswatch unload LOAD_ID`: take back exactly what one load added, in one transaction.

Its documents, the articles and ticker sightings they brought (headlines no other page shows
go too), every enrichment row of those articles and headlines, its rejects and its files (so
loading the same files again reads them). A later document that repeated one of its documents
inherits that content, as when a file is superseded. A load that replaced documents of earlier
loads cannot be unloaded: what it replaced is gone, and reloading those files is the way back.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from analysis import rollups
from analysis.db import scalar, transaction
from analysis.errors import InvalidArgument, NotFound
from analysis.ingest.supersede import recount_headlines, upgrade, withdraw


@dataclass(frozen=True)
class Unloaded:
    load_id: int
    documents: int
    articles: int
    sightings: int
    files: int
    rejects: int


def unload(con: duckdb.DuckDBPyConnection, load_id: int) -> Unloaded:
    """Remove what load ``load_id`` added; returns how much went."""
    upgrade(con)
    if not scalar(con, "SELECT count(*) FROM loads WHERE load_id = ?", [load_id]):
        raise NotFound(f"there is no load {load_id}; `presswatch info` lists the recent loads")
    if scalar(con, "SELECT count(*) FROM loads WHERE load_id = ? AND status = 'running'", [load_id]):
        raise InvalidArgument(f"load {load_id} is still running (or was killed: run the same load again to finish it)")
    replaced = scalar(con, "SELECT count(*) FROM documents WHERE superseded_by = ?", [load_id])
    if replaced:
        raise InvalidArgument(f"load {load_id} replaced {replaced:,} document(s) of earlier loads; unloading it "
                              "cannot bring them back: load those files again instead")
    with transaction(con):
        rollups.invalidate(con)
        ids = [row[0] for row in con.execute("SELECT document_id FROM documents WHERE load_id = ?", [load_id]).fetchall()]
        before = con.execute("SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM sightings)").fetchall()[0]
        recount_headlines(con, withdraw(con, ids))
        after = con.execute("SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM sightings)").fetchall()[0]
        n_files = scalar(con, "SELECT count(*) FROM files WHERE load_id = ?", [load_id])
        n_rejects = scalar(con, "SELECT count(*) FROM rejects WHERE load_id = ?", [load_id])
        for table in ("rejects", "files", "documents", "loads"):  # fixed names
            con.execute(f"DELETE FROM {table} WHERE load_id = ?", [load_id])
    return Unloaded(load_id, len(ids), before[0] - after[0], before[1] - after[1], n_files, n_rejects)
