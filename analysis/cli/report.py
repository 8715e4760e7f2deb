"""`presswatch report`: write the report of a week or month (what a cron job calls)."""

from __future__ import annotations

import click

from analysis.cli.common import UserError, db_options, friendly, open_db
from analysis.errors import NotFound
from analysis.report.periods import BASES, KINDS


@click.command()
@click.option("--period", "kind", type=click.Choice(KINDS), default="week", show_default=True,
              help="Report on an ISO week or a calendar month.")
@click.option("--at", help="Which one: 2016-W48 (week), 2016-11 (month), or any day in it (2016-11-30).")
@click.option("--latest", is_flag=True, help="The last complete period holding data (what a cron job wants).")
@click.option("--allow-empty", is_flag=True,
              help="Write the report of a past period even when it holds no data (otherwise exit 2, so a cron job "
                   "can tell 'no data arrived' from success).")
@click.option("--basis", type=click.Choice(BASES), default="auto", show_default=True,
              help="Clock for --latest: page crawl times, article publication dates, or crawl times when there are any.")
@click.option("--outlet", "outlets", multiple=True, help="Only these outlets (repeatable; as written in articles.outlet).")
@click.option("--lang", "langs", multiple=True, type=click.Choice(["fr", "ar", "en", "es"]),
              help="Only these languages (repeatable).")
@click.option("--out", default="reports", show_default=True, type=click.Path(file_okay=False),
              help="Folder of the reports; each goes to <out>/<period>/index.html.")
@click.option("--searches", type=click.Path(dir_okay=False, exists=True),
              help="YAML file of saved searches to track (default: the packaged analysis/data/searches.yaml).")
@db_options
@click.pass_context
@friendly
def report(ctx, kind, at, latest, allow_empty, basis, outlets, langs, out, searches):
    """Write one report: <out>/<period>/index.html (self-contained), report.md, CSV tables, and <out>/index.html."""
    from analysis.report.write import write_report

    with open_db(ctx, read_only=True) as con:
        try:
            written = write_report(con, out, kind=kind, at=at, latest=latest, basis=basis,
                                   outlets=list(outlets), langs=list(langs), allow_empty=allow_empty,
                                   searches=searches)
        except NotFound as exc:  # the library names its argument; the user typed the flag
            raise UserError(str(exc).replace("allow_empty=True", "--allow-empty")) from None
    state = f"{len(written.changed)} file(s) changed" if written.changed else "unchanged"
    click.echo(f"report {written.period.label}: {written.folder / 'index.html'} ({state})")
