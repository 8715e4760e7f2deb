"""Run ad-hoc SQL: bound named parameters, a read-only guard, a timeout, Arrow results.

``run_sql(con, "SELECT … WHERE outlet = $outlet", params={"outlet": "L'opinion"})`` returns
the result as a pyarrow Table (types kept for Parquet, rendered by ``output``). Values are
always bound by DuckDB, never formatted into the SQL text.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from analysis.errors import InvalidArgument, QueryError
from analysis.query.guard import Statement, check_statements

log = logging.getLogger(__name__)

PARAM_TYPES = {
    "str": str,
    "int": int,
    "float": float,
    "bool": lambda v: _parse_bool(v),
    "date": dt.date.fromisoformat,
}


TIMEOUT_HINT = "narrow it (WHERE, LIMIT) or give it more time"


class QueryTimeout(QueryError):
    """The query ran longer than its timeout and was interrupted."""


class ParameterMismatch(InvalidArgument):
    """``$name`` parameters of the SQL without a value (``missing``), or values the SQL does
    not use (``unused``)."""

    def __init__(self, message: str, *, missing: list[str], unused: list[str], used: list[str]) -> None:
        super().__init__(message)
        self.missing, self.unused, self.used = missing, unused, used


class OutsideDatabase(QueryError):
    """A read-only (sandboxed) query tried to read a file or load an extension."""


@dataclass
class QueryResult:
    table: pa.Table | None  # None for a statement without a result (e.g. CREATE with --write)
    truncated: bool  # more rows exist than were fetched (max_rows)
    statement: Statement  # the statement whose result this is (the last one)
    seconds: float


def parse_params(items: Iterable[str]) -> dict[str, object]:
    """``["outlet=L'opinion", "n:int=5"]`` -> ``{"outlet": "L'opinion", "n": 5}``.

    A value is a string unless the name carries a type (``:int``, ``:float``, ``:bool``,
    ``:date``); the SQL can also cast (``$n::INTEGER``)."""
    params: dict[str, object] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep:
            raise InvalidArgument(f"parameter {item!r} needs the form NAME=VALUE (or NAME:int=VALUE)")
        name, _, kind = key.strip().partition(":")
        kind = kind or "str"
        if not name.isidentifier():
            raise InvalidArgument(f"parameter name {name!r} is not a valid parameter name (letters, digits, _)")
        if kind not in PARAM_TYPES:
            raise InvalidArgument(f"parameter {name}: unknown type {kind!r}; use one of {', '.join(PARAM_TYPES)}")
        try:
            params[name] = PARAM_TYPES[kind](raw)
        except ValueError:
            raise InvalidArgument(f"parameter {name}: {raw!r} is not a valid {kind}") from None
    return params


def run_sql(con: duckdb.DuckDBPyConnection, sql: str, *, params: dict[str, object] | None = None,
            write: bool = False, timeout: float | None = None, max_rows: int | None = None) -> QueryResult:
    """Run ``sql`` and return the result of its last statement.

    Without ``write`` the SQL must be a single statement that only reads (else
    ``guard.WriteRefused``). ``params`` are bound as ``$name``; a name the SQL does not use,
    or a ``$name`` without a value, is an ``InvalidArgument``. ``timeout`` (seconds) interrupts
    the query (``QueryTimeout``). ``max_rows`` stops fetching after that many rows
    (``truncated``). DuckDB's errors (syntax, unknown column…) become ``QueryError`` with
    DuckDB's message and position; a sandboxed read of another file ``OutsideDatabase``.
    """
    params = dict(params or {})
    try:
        return _run(con, sql, params=params, write=write, timeout=timeout, max_rows=max_rows)
    except duckdb.OutOfMemoryException as exc:
        first = str(exc).strip().splitlines()[0]
        raise QueryError(f"the query needs more memory than presswatch allows ({first}); narrow it, or raise "
                         "the limit with PRESSWATCH_MEMORY_LIMIT (e.g. 4GB)") from None
    except duckdb.PermissionException as exc:
        raise OutsideDatabase(f"{str(exc).strip()}\n(read-only mode reads only the database: no other files, "
                              "no extensions)") from None
    except duckdb.Error as exc:
        raise QueryError(str(exc).strip()) from None


def _run(con: duckdb.DuckDBPyConnection, sql: str, *, params: dict[str, object], write: bool,
         timeout: float | None, max_rows: int | None) -> QueryResult:
    statements = check_statements(con, sql, write=write)
    _check_parameters(statements, params)
    fired = threading.Event()

    def stop() -> None:
        fired.set()
        con.interrupt()

    timer = threading.Timer(timeout, stop) if timeout else None
    start = time.perf_counter()
    if timer:
        timer.daemon = True
        timer.start()
    try:
        for statement in statements[:-1]:
            con.execute(statement.sql, _bound(statement, params)).fetchall()
        last = statements[-1]
        try:
            relation = con.sql(last.sql, params=_bound(last, params))
        except (duckdb.ParserException, duckdb.BinderException, duckdb.CatalogException):
            # These fail while binding, before anything runs. The relation API drops DuckDB's
            # "LINE 1: … ^^^" position; binding once more through execute() reports it.
            con.execute(last.sql, _bound(last, params))
            raise
        table, truncated = _fetch(relation, max_rows) if relation is not None else (None, False)
    except duckdb.InterruptException:
        if fired.is_set():
            raise QueryTimeout(f"query stopped after {timeout:g} s (its timeout); {TIMEOUT_HINT}") from None
        raise
    finally:
        if timer:
            timer.cancel()
    return QueryResult(table=table, truncated=truncated, statement=last, seconds=time.perf_counter() - start)


def _fetch(relation: duckdb.DuckDBPyRelation, max_rows: int | None) -> tuple[pa.Table, bool]:
    if max_rows is None:
        return relation.to_arrow_table(), False
    reader = relation.to_arrow_reader(min(max(max_rows + 1, 1), 10_000))
    batches, n = [], 0
    try:
        for batch in reader:
            batches.append(batch)
            n += batch.num_rows
            if n > max_rows:
                break
    finally:
        reader.close()  # an open reader blocks the next statement on this connection
    table = pa.Table.from_batches(batches, schema=reader.schema)
    return table.slice(0, max_rows), n > max_rows


def _bound(statement: Statement, params: dict[str, object]) -> dict[str, object] | None:
    return {name: params[name] for name in statement.parameters} or None


def _check_parameters(statements: list[Statement], params: dict[str, object]) -> None:
    used = set().union(*(s.parameters for s in statements))
    missing, unused = sorted(used - params.keys()), sorted(params.keys() - used)
    details = {"missing": missing, "unused": unused, "used": sorted(used)}
    if missing:
        raise ParameterMismatch(f"the query uses {', '.join('$' + m for m in missing)}; give a value for each "
                                "in params", **details)
    if unused:
        hint = f" (it uses {', '.join('$' + u for u in sorted(used))})" if used else ""
        raise ParameterMismatch(f"parameter {', '.join(unused)} is not used by the query{hint}", **details)


def _parse_bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("true", "t", "yes", "1"):
        return True
    if lowered in ("false", "f", "no", "0"):
        return False
    raise ValueError(value)
