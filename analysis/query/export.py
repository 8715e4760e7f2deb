"""Export every table for other tools (Spark, pandas, another DuckDB) and import it back.

Layout of an export directory::

    manifest.json                      format, versions, per table: path, rows, columns, partitioning;
                                       and every file written (what --overwrite may replace)
    articles/year=2016/month=10/*.parquet   large tables, Hive-partitioned by year/month
    articles/year=__HIVE_DEFAULT_PARTITION__/…   rows without a date (Spark's NULL partition)
    headlines.parquet                  the other tables, one file each (or <table>.csv)

Partition columns live only in the directory names (Hive convention): Spark, pyarrow and
DuckDB (``hive_partitioning=true``) turn them back into ``year``/``month`` columns.
Table and column names come from DuckDB's catalog (an allow-list); paths are bound parameters.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import shutil
from pathlib import Path

import duckdb
import pandas as pd

import analysis
from analysis.db import memory_cap, scalar, transaction
from analysis.errors import DataFileError, InvalidArgument

log = logging.getLogger(__name__)

FORMATS = ("parquet", "csv")
# Large tables and the column whose date partitions them (Parquet only).
PARTITIONS = {"articles": "published_date", "sightings": "seen_at"}
PARTITION_COLUMNS = ("year", "month")
MANIFEST = "manifest.json"
# A partitioned write keeps a buffer per open partition, which grows with the archive
# under DuckDB's default limit (see docs/scale.md).
EXPORT_MEMORY = "512MB"


# Bookkeeping of the database itself (which schema version it has), not data: every
# database writes its own on open, so it is neither exported nor imported.
INTERNAL_TABLES = ("schema_state",)


def table_columns(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[str, str]]]:
    """{table: [(column, type), …]} for every data table of the open database, in catalog order."""
    rows = con.execute("""
        SELECT c.table_name, c.column_name, c.data_type
        FROM duckdb_columns() c JOIN duckdb_tables() t
          ON t.database_name = c.database_name AND t.schema_name = c.schema_name AND t.table_name = c.table_name
        WHERE t.database_name = current_database() AND t.schema_name = 'main' AND NOT t.internal AND NOT t.temporary
        ORDER BY t.table_oid, c.column_index""").fetchall()
    tables: dict[str, list[tuple[str, str]]] = {}
    for table, column, dtype in rows:
        if table not in INTERNAL_TABLES:
            tables.setdefault(table, []).append((column, dtype))
    return tables


def export_database(con: duckdb.DuckDBPyConnection, out: str | Path, *, format: str = "parquet",
                    overwrite: bool = False) -> pd.DataFrame:
    """Write every table of ``con`` under ``out`` and a manifest.json describing them.

    Returns one row per table: ``table``, ``rows``, ``path`` (relative to ``out``),
    ``partitioned`` (bool). ``out`` must be empty or missing unless ``overwrite``; then the
    files an earlier export listed in its manifest are replaced and nothing else is touched
    (a file of another origin where this export would write is an ``InvalidArgument``)."""
    if format not in FORMATS:
        raise InvalidArgument(f"export format must be parquet or csv, not {format!r}")
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise InvalidArgument(f"{out} is not a directory; exports write a directory of files")
    if out.exists() and any(out.iterdir()):
        if not overwrite:
            raise InvalidArgument(f"{out} is not empty; choose a new directory or pass overwrite=True")
        _remove_previous_export(out)
    tables = table_columns(con)
    in_the_way = [str(out / name) for table in tables for name in _targets(table, format) if (out / name).exists()]
    if in_the_way:
        raise InvalidArgument(f"{', '.join(in_the_way)} would be overwritten but no earlier export in {out} wrote it; "
                              "move it away or choose another directory")
    out.mkdir(parents=True, exist_ok=True)
    entries, summary, files = [], [], []
    with memory_cap(con, EXPORT_MEMORY):
        for table, columns in tables.items():
            entry, written = _export_table(con, table, columns, out, format)
            entries.append(entry)
            files += written
            summary.append({"table": table, "rows": entry["rows"], "path": entry["path"],
                            "partitioned": bool(entry["partition_by"])})
    manifest = {"format": format, "exported_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                "presswatch": analysis.__version__, "duckdb": duckdb.__version__, "tables": entries,
                "files": sorted(files)}
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    log.info("exported %d tables to %s", len(entries), out)
    return pd.DataFrame(summary, columns=["table", "rows", "path", "partitioned"])


def _targets(table: str, format: str) -> list[str]:
    """The paths under ``out`` that exporting ``table`` writes directly (partitioned tables
    write fresh files below their directory)."""
    return [] if format == "parquet" and table in PARTITIONS else [f"{table}.{format}"]


def _remove_previous_export(out: Path) -> None:
    """Delete the files the manifest of an earlier export in ``out`` lists, then the folders
    they leave empty: a user's own files there stay."""
    manifest_path = out / MANIFEST
    if not manifest_path.is_file():
        return
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        listed = manifest["files"]
    except (ValueError, KeyError, TypeError):
        raise InvalidArgument(f"{manifest_path} does not list the files of an earlier export; "
                              "choose a new directory") from None
    root = out.resolve()
    folders = set()
    for name in listed:
        path = (out / name)
        if root not in path.resolve().parents or not path.is_file():
            continue  # never outside the export, never a folder
        path.unlink()
        folders.update(p for p in path.parents if root in p.resolve().parents)
    for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
    manifest_path.unlink()


def _export_table(con, table: str, columns: list[tuple[str, str]], out: Path, format: str) -> tuple[dict, list[str]]:
    """Write one table under ``out``; its manifest entry and the files written (relative to ``out``)."""
    partition = PARTITIONS.get(table) if format == "parquet" else None
    target = out / (table if partition else f"{table}.{format}")
    relation = con.table(_quote(table))
    rows = scalar(con, f"SELECT count(*) FROM {_quote(table)}")
    if partition:
        written = _write_partitioned(con, table, partition, out) if rows else []
        target.mkdir(exist_ok=True)
    else:
        if format == "parquet":
            relation.write_parquet(str(target))
        else:
            relation.write_csv(str(target), header=True)
        written = [target.name]
    entry = {"table": table, "path": target.name, "rows": rows,
             "partition_by": list(PARTITION_COLUMNS) if partition else None, "partition_source": partition,
             "columns": [{"name": c, "type": t} for c, t in columns]}
    return entry, written


def _write_partitioned(con, table: str, partition: str, out: Path) -> list[str]:
    """Write ``table`` Hive-partitioned into a fresh folder, then move its files under
    ``out/<table>`` (where a user's own files may sit); the moved paths, relative to ``out``."""
    staging = out / f".{table}.partial"
    if staging.exists():
        shutil.rmtree(staging)
    dated = con.sql(f"SELECT *, year({_quote(partition)}) AS year, month({_quote(partition)}) AS month "
                    f"FROM {_quote(table)}")
    dated.write_parquet(str(staging), partition_by=list(PARTITION_COLUMNS))
    written = []
    for source in sorted(staging.rglob("*.parquet")):
        relative = Path(table) / source.relative_to(staging)
        if (out / relative).exists():
            raise InvalidArgument(f"{out / relative} would be overwritten but no earlier export in {out} wrote it; "
                                  "move it away or choose another directory")
        (out / relative).parent.mkdir(parents=True, exist_ok=True)
        source.replace(out / relative)
        written.append(relative.as_posix())
    shutil.rmtree(staging)
    return written


def import_export(con: duckdb.DuckDBPyConnection, source: str | Path) -> pd.DataFrame:
    """Load an export written by ``export_database`` into the (schema-ready, empty) database ``con``.

    All tables in one transaction: a failure leaves the database as it was. Tables the export
    has but this schema lacks are skipped and reported (``status = 'skipped'``).
    Returns ``table``, ``rows``, ``status`` (imported/skipped)."""
    source = Path(source)
    manifest = read_manifest(source)
    known = table_columns(con)
    non_empty = [t for t in known if scalar(con, f"SELECT count(*) FROM {_quote(t)}")]
    if non_empty:
        raise InvalidArgument(f"the database already holds rows in {', '.join(non_empty)}; import into a new database")
    results = []
    with transaction(con):
        for entry in manifest["tables"]:
            table = entry["table"]
            if table not in known:
                log.warning("export has table %s, which this schema does not define; skipped", table)
                results.append({"table": table, "rows": 0, "status": "skipped"})
                continue
            wanted = {c["name"] for c in entry["columns"]}
            columns = [c for c, _ in known[table] if c in wanted]  # catalog names only: an allow-list
            if entry["rows"]:
                _insert(con, table, columns, source / entry["path"], manifest["format"], bool(entry["partition_by"]))
            results.append({"table": table, "rows": scalar(con, f"SELECT count(*) FROM {_quote(table)}"),
                            "status": "imported"})
    return pd.DataFrame(results, columns=["table", "rows", "status"])


def read_manifest(source: str | Path) -> dict:
    """The manifest.json of an export directory (``DataFileError`` when it is not one)."""
    path = Path(source) / MANIFEST
    if not path.is_file():
        raise DataFileError(f"{source} has no {MANIFEST}; is it a `presswatch export` directory?")
    manifest = json.loads(path.read_text(encoding="utf-8"))
    if manifest.get("format") not in FORMATS or not isinstance(manifest.get("tables"), list):
        raise DataFileError(f"{path} is not a presswatch export manifest (format parquet or csv, a list of tables)")
    return manifest


def _insert(con, table: str, columns: list[str], path: Path, format: str, partitioned: bool) -> None:
    names = ", ".join(_quote(c) for c in columns)
    if format == "parquet":
        files = sorted(str(p) for p in path.rglob("*.parquet")) if partitioned else [str(path)]
        reader = "read_parquet($files, hive_partitioning = $hive)"
        params = {"files": files, "hive": partitioned}
    else:
        # every field as text, cast by the INSERT to the table's types; a quoted "" stays an empty string
        reader = "read_csv($files, header = true, all_varchar = true, allow_quoted_nulls = false, delim = ',', quote = '\"', escape = '\"')"
        params = {"files": [str(path)]}
    con.execute(f"INSERT INTO {_quote(table)} ({names}) SELECT {names} FROM {reader}", params)


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'
