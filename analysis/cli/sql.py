"""`presswatch sql`, `schema`, `export` and `import`: thin wrappers over ``analysis.query``."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import click

from analysis.cli.common import UserError, db_option, db_options, friendly, open_db
from analysis.errors import InvalidArgument


@click.command()
@click.argument("query", required=False)
@click.option("-f", "--file", "sql_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Read the SQL from this file ('-' or no QUERY: from stdin).")
@click.option("-p", "--param", "params", multiple=True, metavar="NAME[:TYPE]=VALUE",
              help="Bind $NAME to VALUE (a string; TYPE int, float, bool or date converts it). Repeatable.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "jsonl", "markdown", "parquet"]),
              default="table", show_default=True, help="Output format.")
@click.option("-o", "--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the result to this file instead of stdout (required for parquet).")
@click.option("--write", is_flag=True, help="Open the database for writing and allow any statement (and scripts).")
@click.option("--timeout", "query_timeout", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Stop the query after this many seconds (`presswatch --timeout … sql` is the wait for a busy file).")
@click.option("--max-rows", type=click.IntRange(min=0), default=100, show_default=True,
              help="Rows shown by --format table (0 = all); other formats write every row.")
@click.option("--max-width", type=click.IntRange(min=1), default=40, show_default=True,
              help="Widest column of --format table, in characters.")
@db_option
@click.pass_context
@friendly
def sql(ctx, query, sql_file, params, fmt, out, write, query_timeout, max_rows, max_width):
    """Run SQL against the database: read-only unless --write; values bound with --param.

    \b
      presswatch sql "SELECT outlet, count(*) AS n FROM articles GROUP BY ALL ORDER BY n DESC"
      presswatch sql 'FROM article_overview WHERE outlet = $o' --param "o=L'opinion" --format csv
      presswatch sql --file query.sql --format parquet --out result.parquet
    """
    from analysis.query import output
    from analysis.query.guard import sandbox
    from analysis.query.query import TIMEOUT_HINT, OutsideDatabase, ParameterMismatch, QueryTimeout, parse_params, run_sql

    text = _read_sql(query, sql_file)
    try:
        bound = parse_params(params)
    except InvalidArgument as exc:
        raise click.BadParameter(str(exc), param_hint="--param") from None
    if fmt == "parquet" and not out:
        raise click.UsageError("--format parquet needs --out FILE")
    if out:
        db_path = Path(ctx.find_root().obj["db"])
        inputs = [db_path, db_path.with_name(db_path.name + ".wal"), *([sql_file] if sql_file else [])]
        output.refuse_overwriting(out, inputs)
    with open_db(ctx, read_only=not write, cap_memory=True) as con:
        if not write:
            sandbox(con)
        limit = max_rows if fmt == "table" and max_rows > 0 else None
        try:
            result = run_sql(con, text, params=bound, write=write, timeout=query_timeout, max_rows=limit)
        except OutsideDatabase as exc:
            raise UserError(f"{exc}; --write lifts this") from None
        except QueryTimeout:
            raise UserError(f"query stopped after {query_timeout:g} s (--timeout); {TIMEOUT_HINT}") from None
        except ParameterMismatch as exc:
            raise UserError(_parameter_message(exc)) from None
    if result.table is None:
        click.echo(f"ok: {result.statement.verb} ({result.seconds:.2f} s)", err=True)
        return
    if fmt == "parquet":
        output.write_parquet(result.table, out)
        click.echo(f"wrote {len(result.table)} rows to {out}", err=True)
        return
    handle = out.open("w", encoding="utf-8", newline="") if out else sys.stdout
    try:
        if fmt == "table":
            width = None if out or not sys.stdout.isatty() else shutil.get_terminal_size().columns
            handle.write(output.render_table(result.table, max_width=max_width, total_width=width,
                                             truncated=result.truncated) + "\n")
        else:
            output.TEXT_WRITERS[fmt](result.table, handle)
    finally:
        if out:
            handle.close()
    if out:
        click.echo(f"wrote {len(result.table)} rows to {out}", err=True)


def _parameter_message(exc) -> str:
    if exc.missing:
        return (f"the query uses {', '.join('$' + m for m in exc.missing)}; give "
                + " ".join(f"--param {m}=VALUE" for m in exc.missing))
    hint = f" (it uses {', '.join('$' + u for u in exc.used)})" if exc.used else ""
    return f"--param {', '.join(exc.unused)} is not used by the query{hint}"


def _read_sql(query: str | None, sql_file: Path | None) -> str:
    if query and sql_file:
        raise click.UsageError("give the SQL either as an argument or with --file, not both")
    if sql_file:
        return sql_file.read_text(encoding="utf-8")
    if query and query != "-":
        return query
    stdin = sys.stdin
    if stdin.isatty():
        raise click.UsageError('no SQL given: pass a query ("SELECT …"), --file FILE, or pipe it on stdin')
    return stdin.read()


@click.command()
@click.argument("names", nargs=-1)
@click.option("--markdown", is_flag=True, help="Print Markdown (the README's schema section) instead of text.")
@click.option("--update-readme", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Regenerate the schema section of this README from the packaged schema (no database needed).")
@db_options
@click.pass_context
@friendly
def schema(ctx, names, markdown, update_readme):
    """Tables and views with their columns, types and comments (from DuckDB's catalog)."""
    from analysis.query import schema_doc

    if update_readme:
        changed = schema_doc.update_readme(update_readme)
        click.echo(f"{update_readme}: schema section {'updated' if changed else 'already up to date'}")
        return
    with open_db(ctx, read_only=True) as con:
        frame = schema_doc.schema_frame(con, names=list(names) or None)
    click.echo(schema_doc.render_markdown(frame) if markdown else schema_doc.render_text(frame), nl=False)


@click.command()
@click.option("--format", "fmt", type=click.Choice(["parquet", "csv"]), default="parquet", show_default=True,
              help="Parquet (large tables partitioned by year/month) or one CSV file per table.")
@click.option("-o", "--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Directory to write (must be empty or missing unless --overwrite).")
@click.option("--overwrite", is_flag=True, help="Replace this export's files in a non-empty directory.")
@db_options
@click.pass_context
@friendly
def export(ctx, fmt, out, overwrite):
    """Write every table as Parquet (large tables partitioned by year/month) or CSV, with a manifest."""
    from analysis.query.export import export_database

    with open_db(ctx, read_only=True) as con:
        summary = export_database(con, out, format=fmt, overwrite=overwrite)
    click.echo(summary.to_string(index=False))
    click.echo(f"{len(summary)} tables, {int(summary['rows'].sum())} rows written to {out}")


@click.command(name="import")
@click.argument("source", type=click.Path(exists=True, file_okay=False, path_type=Path))
@db_options
@click.pass_context
@friendly
def import_cmd(ctx, source):
    """Load a `presswatch export` directory into a new (empty) database given with --db."""
    from analysis.query.export import import_export, read_manifest

    read_manifest(source)  # before creating the database: a wrong directory leaves nothing behind
    with open_db(ctx, read_only=False) as con:
        summary = import_export(con, source)
    click.echo(summary.to_string(index=False))
