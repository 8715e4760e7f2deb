"""What every command module shares: the error mapping, opening the database, progress,
and the ``--db``/``--timeout`` options accepted after a command's name."""

from __future__ import annotations

import errno
import functools
import sys

import click

from analysis import db as dbmod
from analysis.errors import PresswatchError

DEFAULT_TIMEOUT = 30.0


class UserError(click.ClickException):
    exit_code = 2


def friendly(fn):
    """Turn the library's expected exceptions (``PresswatchError``) into a one-line error with
    exit status 2; Ctrl-C says what happened and exits 130."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except PresswatchError as exc:
            raise UserError(str(exc).strip()) from None
        except Exception as exc:  # a full disk is the machine's state, not a bug of ours
            if not disk_full(exc):
                raise
            raise UserError("the disk is full (no space left on device): the current batch was rolled back; "
                            "free some space and run the same command again") from None
        except KeyboardInterrupt:
            click.echo("interrupted: the current batch was rolled back; re-run the same command to finish", err=True)
            sys.exit(130)

    return wrapper


def disk_full(exc: BaseException) -> bool:
    """An OSError ENOSPC, or DuckDB's report of one (its IOException carries only the text)."""
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return True
    return "No space left on device" in str(exc)


def busy_notices(every: float = 2.0):
    """A callback for ``connect(on_wait=…)`` that says "busy, retrying" at the first wait and
    then every ``every`` seconds, however slowly the retries come."""
    last = [None]

    def notice(elapsed: float) -> None:
        if last[0] is None or elapsed - last[0] >= every:
            last[0] = elapsed
            click.echo(f"database is busy (another process is writing it), retrying… {elapsed:.0f}s", err=True)

    return notice


def open_db(ctx: click.Context, *, read_only: bool, cap_memory: bool = False):
    """The database for this command. ``cap_memory`` bounds the whole process's memory until
    the command ends (db.process_memory_cap), for ad-hoc SQL that DuckDB's own limit does not
    fully cover; commands with fixed queries rely on DuckDB's limit, since numerical libraries
    reserve address space that such a cap would refuse."""
    obj = ctx.find_root().obj
    if cap_memory:
        ctx.with_resource(dbmod.process_memory_cap())
    return dbmod.connect(obj["db"], read_only=read_only, timeout=obj["timeout"], on_wait=busy_notices())


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


MISSING_GROUP = {"outlet": "unknown outlet", "lang": "unknown language"}


def name_missing(frame, by: str | None = None):
    """A copy for a printed table where a missing outlet (and a missing ``group`` of ``by``)
    reads as words: pandas would print NaN or None."""
    shown = frame.copy()
    columns = [("outlet", "outlet")] + ([("group", by)] if by in MISSING_GROUP else [])
    for column, kind in columns:
        if column in shown:
            shown[column] = shown[column].astype(object).where(shown[column].notna(), MISSING_GROUP[kind])
    return shown
