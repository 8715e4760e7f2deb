"""`presswatch info`: what the database holds, in one screen."""

from __future__ import annotations

import click

from analysis.cli.common import db_options, friendly, open_db


@click.command()
@db_options
@click.pass_context
@friendly
def info(ctx):
    """What the database holds: documents, articles and headlines by language, recent loads."""
    from analysis.info import database_summary

    with open_db(ctx, read_only=True) as con:
        frames = database_summary(con)
    for name, frame in frames.items():
        click.echo(f"\n{name}")
        click.echo(frame.to_string(index=False) if len(frame) else "  (none)")
