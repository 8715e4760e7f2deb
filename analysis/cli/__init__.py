"""The `presswatch` command: a thin layer over the library, and the only code that imports click.

Each command parses its options, opens the database and calls one library function; the
command groups live in one module each, their shared helpers in ``common``. Expected failures
(``analysis.errors.PresswatchError``) print one sentence and exit with status 2; any other
exception is a bug and keeps its traceback.
"""

from __future__ import annotations

import click

from analysis import db as dbmod
from analysis.cli import enrich, entities, info, load, report, search, sql, stories, topics
from analysis.cli.common import DB_HELP, DEFAULT_TIMEOUT, TIMEOUT_HELP


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", "db_path", envvar="PRESSWATCH_DB", default=dbmod.DEFAULT_DB, show_default=True, help=DB_HELP)
@click.option("--timeout", type=click.FloatRange(min=0), default=DEFAULT_TIMEOUT, show_default=True,
              help=TIMEOUT_HELP)
@click.version_option(package_name="presswatch")
@click.pass_context
def cli(ctx: click.Context, db_path: str, timeout: float) -> None:
    """presswatch: Maghreb press page dumps and article exports into DuckDB, and what was in the news."""
    ctx.obj = {"db": db_path, "timeout": timeout}


@cli.group(name="eval")
def eval_group():
    """Measure quality against annotated data; prints one JSON line."""


cli.add_command(load.load)
cli.add_command(load.unload)
cli.add_command(enrich.enrich)
cli.add_command(info.info)
cli.add_command(stories.stories)
cli.add_command(topics.topics_group)
cli.add_command(entities.entities_group)
cli.add_command(sql.sql)
cli.add_command(sql.schema)
cli.add_command(sql.export)
cli.add_command(sql.import_cmd)
cli.add_command(report.report)
cli.add_command(search.search)
eval_group.add_command(stories.eval_stories)
eval_group.add_command(topics.eval_topics)
eval_group.add_command(entities.eval_entities)
