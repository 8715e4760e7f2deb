"""The `presswatch` command: a thin layer over the library, and the only code that imports click.

Each command parses its options, opens the database and calls one library function.
Expected failures (``analysis.errors.PresswatchError``) print one sentence and exit with
status 2; any other exception is a bug and keeps its traceback.
"""

from __future__ import annotations

import functools
import sys

import click

from analysis import db as dbmod
from analysis.errors import PresswatchError

DEFAULT_TIMEOUT = 30.0


class UserError(click.ClickException):
    exit_code = 2


def friendly(fn=None, *, also: tuple[type[BaseException], ...] = ()):
    """Turn the library's expected exceptions (``PresswatchError``, plus ``also``) into a
    one-line error with exit status 2; Ctrl-C says what happened and exits 130."""
    if fn is None:
        return functools.partial(friendly, also=also)
    expected = (PresswatchError, *also)

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except expected as exc:
            raise UserError(str(exc).strip()) from None
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


def show_progress(con, progress: bool | None) -> bool:
    """Our bar when asked (default: on a terminal). Without it DuckDB's own bar goes too, so
    that nothing but the command's result reaches stdout."""
    show = sys.stderr.isatty() if progress is None else progress
    if not show:
        con.execute("SET enable_progress_bar = false")
    return show


def _into_root(key: str):
    """A callback storing an option given after the command name where `open_db` reads it."""

    def store(ctx: click.Context, param: click.Parameter, value):
        if value is not None:
            ctx.find_root().obj[key] = value
        return value

    return store


DB_HELP = "DuckDB database file (or set PRESSWATCH_DB)."
TIMEOUT_HELP = "Seconds to wait while another process holds the database."


def db_option(fn):
    """``--db`` accepted after the command name as well as before it."""
    return click.option("--db", "db_path", default=None, expose_value=False, callback=_into_root("db"),
                        help=DB_HELP)(fn)


def db_options(fn):
    """``--db`` and ``--timeout`` accepted after the command name as well as before it."""
    fn = click.option("--timeout", "wait_timeout", type=click.FloatRange(min=0), default=None,
                      expose_value=False, callback=_into_root("timeout"), help=TIMEOUT_HELP)(fn)
    return db_option(fn)


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


# The command modules use the helpers above, so they are imported last.
from analysis.cli import entities, enrich, info, load, report, spark, sql, stories, topics  # noqa: E402, F401

cli.add_command(load.load)
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
eval_group.add_command(stories.eval_stories)
eval_group.add_command(topics.eval_topics)
eval_group.add_command(entities.eval_entities)
