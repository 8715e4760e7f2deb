"""The `presswatch` command: a thin layer over the library.

Each command parses its options, opens the database and calls one library function.
Expected failures (busy database, bad arguments, missing files) print one sentence and
exit with status 2; tracebacks are for bugs.
"""

from __future__ import annotations

import functools
import json
import sys

import click

from analysis import db as dbmod
from analysis.workers import default_workers


class UserError(click.ClickException):
    exit_code = 2


def friendly(fn):
    """Turn the library's expected exceptions into one-line errors."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (dbmod.DatabaseBusy, dbmod.DatabaseMissing, ValueError, FileNotFoundError) as exc:
            raise UserError(str(exc)) from None
        except KeyboardInterrupt:
            click.echo("interrupted: the current batch was rolled back; re-run the same command to finish", err=True)
            sys.exit(130)

    return wrapper


def _busy_notice(elapsed: float) -> None:
    if elapsed == 0 or int(elapsed * 10) % 20 == 0:
        click.echo(f"database is busy (another process is writing it), retrying… {elapsed:.0f}s", err=True)


def open_db(ctx: click.Context, *, read_only: bool):
    obj = ctx.find_root().obj
    return dbmod.connect(obj["db"], read_only=read_only, timeout=obj["timeout"], on_wait=_busy_notice)


def _show_progress(con, progress: bool | None) -> bool:
    """Our bar when asked (default: on a terminal). Without it DuckDB's own bar goes too: it
    drew itself on stdout for every statement over 2 s (a load's checkpoints), after the
    command's own output and into the logs of scheduled runs."""
    show = sys.stderr.isatty() if progress is None else progress
    if not show:
        con.execute("SET enable_progress_bar = false")
    return show


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", "db_path", envvar="PRESSWATCH_DB", default=dbmod.DEFAULT_DB, show_default=True,
              help="DuckDB database file (or set PRESSWATCH_DB).")
@click.option("--timeout", type=float, default=30.0, show_default=True,
              help="Seconds to wait while another process holds the database.")
@click.version_option(package_name="presswatch")
@click.pass_context
def cli(ctx: click.Context, db_path: str, timeout: float) -> None:
    """presswatch: Maghreb press page dumps and article exports into DuckDB, and what was in the news."""
    ctx.obj = {"db": db_path, "timeout": timeout}


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--crawled-at", help="When the pages were crawled (ISO 8601, e.g. 2025-09-06T10:00:00Z), or 'mtime' to use file times. Dates ticker headlines.")
@click.option("--map", "mapping", multiple=True, metavar="COL=FIELD",
              help="Map an export column to an article field (title, body, date, outlet, url, lang, category). Repeatable.")
@click.option("--workers", type=int, default=None, help="Parser processes (default: number of cores).")
@click.option("--batch-size", type=int, default=2000, show_default=True, help="Documents per atomic batch.")
@click.option("--progress/--no-progress", default=None, help="Show a progress bar (default: when on a terminal).")
@click.pass_context
@friendly
def load(ctx, paths, crawled_at, mapping, workers, batch_size, progress):
    """Load page dumps and article exports (files, folders, globs; .gz and .zip too)."""
    from analysis.ingest import load as load_inputs
    from analysis.ingest.summary import render_summary
    from analysis.spark.commands import load_spark_outputs

    # Folders written by `presswatch enrich --engine spark` are imported, not parsed.
    paths = load_spark_outputs(lambda: open_db(ctx, read_only=False), paths)
    if not paths:
        return
    con = open_db(ctx, read_only=False)
    try:
        result = load_inputs(con, list(paths), crawled_at=crawled_at, mapping=list(mapping),
                             workers=workers or default_workers(), batch_size=batch_size,
                             progress=_show_progress(con, progress),
                             arguments=json.dumps(sys.argv[1:]))
    finally:
        con.close()
    click.echo(render_summary(result))


@cli.command()
@click.option("--stage", "stages", multiple=True, help="Run only this stage (repeatable).")
@click.option("--rebuild", is_flag=True, help="Recompute everything instead of only what is new.")
@click.option("--progress/--no-progress", default=None)
@click.option("--engine", type=click.Choice(["local", "spark"]), default="local", show_default=True,
              help="local: enrich the database in this process. spark: enrich an exported database on Apache Spark "
                   "(language, entities, taxonomy topics) into Parquet that `presswatch load` imports; see docs/scale.md.")
@click.option("--master", default="local[*]", show_default=True, help="With --engine spark: local[2], spark://HOST:7077, yarn, …")
@click.option("--input", "input_dir", help="With --engine spark: a `presswatch export --format parquet` directory (or URI).")
@click.option("--out", "out_dir", help="With --engine spark: where to write the enrichment (default: <input>-enriched).")
@click.option("--spacy/--no-spacy", default=None,
              help="spaCy NER on French text besides the entity registry (slow: ~8 articles/s per core). "
                   "Default: on with the local engine, off with Spark (where NER entities are resolved per partition).")
@click.option("--workers", type=int, default=None, help="Local engine: processes for the per-document work (default: number of cores).")
@click.pass_context
@friendly
def enrich(ctx, stages, rebuild, progress, engine, master, input_dir, out_dir, spacy, workers):
    """Enrich loaded articles and headlines (entities, topics, stories): only what is new, or all with --rebuild."""
    if engine == "spark":
        from analysis.spark.commands import enrich_spark

        enrich_spark(input_dir, out_dir, master=master, spacy=bool(spacy), stages=stages, rebuild=rebuild)
        return
    from analysis import enrich as enrich_mod

    con = open_db(ctx, read_only=False)
    try:
        results = enrich_mod.run(con, stages=list(stages) or None, rebuild=rebuild,
                                 progress=_show_progress(con, progress),
                                 workers=workers or default_workers(), spacy=spacy is not False)
    finally:
        con.close()
    if not results:
        click.echo("no enrichment stages are installed")
    for name, counts in results.items():
        click.echo(f"{name}: " + ", ".join(f"{k}={v}" for k, v in counts.items()))


@cli.command()
@click.pass_context
@friendly
def info(ctx):
    """What the database holds: documents, articles and headlines by language, recent loads."""
    from analysis.info import database_summary

    con = open_db(ctx, read_only=True)
    try:
        frames = database_summary(con)
    finally:
        con.close()
    for name, frame in frames.items():
        click.echo(f"\n{name}")
        click.echo(frame.to_string(index=False) if len(frame) else "  (none)")


@cli.group(name="eval")
def eval_group():
    """Measure quality against annotated data; prints one JSON line."""


# Stage command groups register themselves below (one line each).
cli.add_command(__import__("analysis.stories.commands", fromlist=["stories"]).stories)
eval_group.add_command(__import__("analysis.stories.commands", fromlist=["eval_stories"]).eval_stories)
cli.add_command(__import__("analysis.topics.commands", fromlist=["topics_group"]).topics_group)
eval_group.add_command(__import__("analysis.topics.commands", fromlist=["eval_topics"]).eval_topics)
cli.add_command(__import__("analysis.entities.commands", fromlist=["entities_group"]).entities_group)
eval_group.add_command(__import__("analysis.entities.commands", fromlist=["eval_entities"]).eval_entities)
cli.add_command(__import__("analysis.sqlcli.commands", fromlist=["sql"]).sql)
cli.add_command(__import__("analysis.sqlcli.commands", fromlist=["schema"]).schema)
cli.add_command(__import__("analysis.sqlcli.commands", fromlist=["export"]).export)
cli.add_command(__import__("analysis.sqlcli.commands", fromlist=["import_cmd"]).import_cmd)
cli.add_command(__import__("analysis.report.commands", fromlist=["report"]).report)

cli.add_command(__import__("analysis.search.commands", fromlist=["search"]).search)
