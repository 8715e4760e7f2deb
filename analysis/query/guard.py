"""Read-only mode for ad-hoc SQL: which statements may run, and a sandboxed connection.

Three layers, each enough on its own for a different threat:

1. the database file is opened ``read_only=True``, so DuckDB itself refuses to change it;
2. ``sandbox(con)`` turns off external access (no ATTACH of other files, no COPY … TO, no
   read_csv/read_text of arbitrary files, no extension install/load) and locks the
   configuration so a query cannot turn it back on;
3. ``check_statements`` classifies the SQL with DuckDB's own parser (statement types from
   ``extract_statements``, the SELECT tree from ``json_serialize_sql``), so a refused
   statement gets a clear sentence *before* it runs instead of an engine error.

Layer 3 is an allow-list: anything it does not recognise as a read is refused.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass

import duckdb

from analysis.errors import QueryError

log = logging.getLogger(__name__)

# PRAGMAs (and their pragma_* table functions) that only report; every other one may change state.
READ_PRAGMAS = frozenset({
    "database_list", "database_size", "show_tables", "show_tables_expanded", "table_info", "show",
    "storage_info", "metadata_info", "version", "platform", "functions", "collations", "user_agent",
    "show_databases",
})
# Query-tree nodes a pure read may contain; a DML node inside a SELECT is a data-modifying CTE.
READ_NODES = frozenset({"SELECT_NODE", "SET_OPERATION_NODE", "RECURSIVE_CTE_NODE", "CTE_NODE"})

# Table functions that change state or run SQL text the guard cannot see; refused in a
# SELECT as their CALL form is.
STATE_FUNCTIONS = frozenset({
    "checkpoint", "force_checkpoint", "truncate_duckdb_logs", "enable_logging", "disable_logging",
    "enable_profiling", "disable_profiling", "add_grammar_extension", "remove_grammar_extension",
    "register_external_resource", "register_external_resource_type", "create_external_resource",
    "deregister_external_resource", "destroy_external_resource", "query", "json_execute_serialized_sql",
})

HINT = "read-only mode runs one SELECT-like statement (SELECT, WITH, FROM, DESCRIBE, SHOW, SUMMARIZE, EXPLAIN, " \
       "read-only PRAGMAs); writing needs write mode (presswatch sql --write)"


class WriteRefused(QueryError):
    """The SQL would write (or is not recognised as a pure read) outside write mode."""


@dataclass(frozen=True)
class Statement:
    sql: str
    kind: str  # DuckDB's statement type name, e.g. SELECT, INSERT
    verb: str  # the statement's first word(s) as written, for messages, e.g. "INSTALL"
    parameters: frozenset[str]


def sandbox(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """Forbid file and network access beyond the open database, and lock the settings.

    The database file stays readable: it was attached before access was turned off.
    Irreversible for this connection (that is the point)."""
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    return con


def split_statements(con: duckdb.DuckDBPyConnection, sql: str) -> list[Statement]:
    """Parse ``sql`` into statements with DuckDB's parser (raises duckdb.ParserException)."""
    parsed = con.extract_statements(sql)
    try:
        return [Statement(sql=s.query, kind=s.type.name, verb=_verb(s.query, s.type.name),
                          parameters=frozenset(s.named_parameters)) for s in parsed]
    except ValueError:
        # The parser knows a statement type the Python binding cannot name (e.g. UPDATE EXTENSIONS).
        return [Statement(sql=sql, kind="UNKNOWN", verb=_verb(sql, "UNKNOWN"), parameters=frozenset())]


def check_statements(con: duckdb.DuckDBPyConnection, sql: str, *, write: bool = False) -> list[Statement]:
    """The statements of ``sql``; in read-only mode (``write=False``) raise WriteRefused unless
    it is exactly one statement that only reads."""
    statements = split_statements(con, sql)
    if not statements:
        raise QueryError("no SQL statement given (only whitespace or comments)")
    if write:
        return statements
    if len(statements) > 1:
        kinds = ", ".join(s.verb for s in statements)
        raise WriteRefused(f"refused: {len(statements)} statements given ({kinds}); {HINT}")
    reason = why_not_read_only(con, statements[0])
    if reason:
        raise WriteRefused(f"refused: {reason}; {HINT}")
    return statements


def why_not_read_only(con: duckdb.DuckDBPyConnection, statement: Statement) -> str | None:
    """None when the statement only reads, else a short reason."""
    kind, text = statement.kind, statement.sql
    if kind == "SELECT":
        return _select_writes(con, text)
    if kind == "EXPLAIN":
        inner = _after_explain(text)
        if inner is None:
            return "an EXPLAIN whose statement could not be read"
        inner_statements = split_statements(con, inner)
        if len(inner_statements) != 1:
            return "an EXPLAIN of more than one statement"
        reason = why_not_read_only(con, inner_statements[0])
        return f"EXPLAIN of {reason}" if reason else None
    words = _tokens(text)
    if kind == "PRAGMA" and len(words) >= 2 and words[0] == "pragma":
        return None if words[1] in READ_PRAGMAS and "=" not in words[2:3] else f"PRAGMA {words[1]} may change state"
    if kind == "CALL" and len(words) >= 2 and words[0] == "call":
        name = words[1]
        if name.startswith("duckdb_") or name.removeprefix("pragma_") in READ_PRAGMAS:
            return None
        return f"CALL {name} is not a known read-only function"
    if kind == "MULTI":
        return f"{statement.verb} runs several statements internally (for PIVOT, list the values: ON col IN (…))"
    if kind == "UNKNOWN":
        return f"{statement.verb} is not a statement read-only mode knows"
    return f"{statement.verb} writes or changes state"


def _select_writes(con: duckdb.DuckDBPyConnection, text: str) -> str | None:
    """A SELECT can still hide a write: ``WITH d AS (DELETE … RETURNING *) SELECT …``."""
    rows = con.execute("SELECT json_serialize_sql(?::VARCHAR)", [text]).fetchall()
    tree = json.loads(rows[0][0])
    if tree.get("error"):
        # Some SELECT forms cannot be serialised; the read-only file still refuses any write.
        log.debug("json_serialize_sql could not read %r: %s", text, tree.get("error_message"))
        return None
    nodes = _node_types(tree) - READ_NODES
    if nodes:
        verbs = ", ".join(sorted(n.removesuffix("_QUERY_NODE").removesuffix("_NODE") for n in nodes))
        return f"the SELECT hides a write ({verbs}) in a WITH clause or subquery"
    changing = sorted(name for name in _table_functions(tree)
                      if name in STATE_FUNCTIONS or (name.startswith("pragma_")
                                                     and name.removeprefix("pragma_") not in READ_PRAGMAS))
    if changing:
        return f"{', '.join(changing)}() may change state"
    return None


def _objects(tree) -> Iterator[dict]:
    """Every JSON object in a serialized query tree."""
    if isinstance(tree, dict):
        yield tree
        for value in tree.values():
            yield from _objects(value)
    elif isinstance(tree, list):
        for value in tree:
            yield from _objects(value)


def _node_types(tree) -> set[str]:
    return {o["type"] for o in _objects(tree) if isinstance(o.get("type"), str) and o["type"].endswith("_NODE")}


def _table_functions(tree) -> set[str]:
    """Lower-cased names of the table functions a serialized query reads from."""
    return {str(o["function"].get("function_name", "")).lower() for o in _objects(tree)
            if o.get("type") == "TABLE_FUNCTION" and isinstance(o.get("function"), dict)}


def _token_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, type) of each non-comment token, from DuckDB's tokenizer."""
    tokens = duckdb.tokenize(text)
    spans = []
    for i, (start, kind) in enumerate(tokens):
        end = tokens[i + 1][0] if i + 1 < len(tokens) else len(text)
        if kind != duckdb.token_type.comment:
            spans.append((start, end, kind))
    return spans


def _tokens(text: str) -> list[str]:
    """Lower-cased token texts, comments skipped."""
    return [text[s:e].strip().lower() for s, e, _ in _token_spans(text)]


def _verb(text: str, kind: str) -> str:
    words = _tokens(text)
    if not words:
        return kind
    if words[0] == "with":
        return f"{kind} (after a WITH clause)"
    if kind == "UNKNOWN":
        return " ".join(w.upper() for w in words[:2])
    two_word = {"create", "drop", "alter", "export", "import", "force", "copy", "comment"}
    if words[0] in two_word and len(words) > 1:
        # CREATE OR REPLACE VIEW -> "CREATE VIEW"; COPY t TO -> "COPY"
        rest = [w for w in words[1:4] if w not in ("or", "replace", "temp", "temporary", "unique")]
        if words[0] == "copy":
            return "COPY … FROM DATABASE" if rest[:1] == ["from"] else "COPY"
        return f"{words[0].upper()} {rest[0].upper()}" if rest else words[0].upper()
    return words[0].upper()


def _after_explain(text: str) -> str | None:
    """The statement an EXPLAIN [ANALYZE | (options)] wraps."""
    spans = _token_spans(text)
    if not spans or text[spans[0][0]:spans[0][1]].strip().lower() != "explain":
        return None
    i = 1
    if i < len(spans) and text[spans[i][0]:spans[i][1]].strip().lower() == "analyze":
        i += 1
    elif i < len(spans) and text[spans[i][0]:spans[i][1]].strip() == "(":
        depth = 0
        while i < len(spans):
            token = text[spans[i][0]:spans[i][1]].strip()
            depth += token.count("(") - token.count(")")
            i += 1
            if depth <= 0:
                break
    return text[spans[i][0]:] if i < len(spans) else None
