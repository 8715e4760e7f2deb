"""`presswatch load`: page dumps, article exports and Spark enrichment folders into the database."""

from __future__ import annotations

import json
import sys

import click

from analysis.cli.common import db_options, friendly, open_db, show_progress
from analysis.cli.spark import import_spark_outputs
from analysis.workers import default_workers


@click.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--crawled-at", help="When the pages were crawled (ISO 8601, e.g. 2025-09-06T10:00:00Z), "
                                   "or 'mtime' to use file times. Dates ticker headlines.")
@click.option("--map", "mapping", multiple=True, metavar="COL=FIELD",
              help="Map an export column to an article field (title, body, date, outlet, url, lang, category). Repeatable.")
@click.option("--outlet", metavar="NAME", default=None,
              help="Outlet of records that name none (an export without an outlet column, TREC without <SRC>, "
                   "a page without a dateline outlet).")
@click.option("--workers", type=click.IntRange(min=1), default=None, help="Parser processes (default: number of cores).")
@click.option("--batch-size", type=click.IntRange(min=1), default=2000, show_default=True,
              help="Documents per atomic batch.")
@click.option("--exclude", "exclude", multiple=True, metavar="GLOB",
              help="Skip files whose name or path below the argument matches GLOB (e.g. '*.bak'). Repeatable.")
@click.option("--progress/--no-progress", default=None, help="Show a progress bar (default: when on a terminal).")
@db_options
@click.pass_context
@friendly
def load(ctx, paths, crawled_at, mapping, outlet, workers, batch_size, exclude, progress):
    """Load page dumps and article exports (files, folders, globs; .gz and .zip too)."""
    from analysis.ingest import load as load_inputs
    from analysis.ingest.summary import render_summary

    paths = import_spark_outputs(ctx, paths)
    if not paths:
        return
    with open_db(ctx, read_only=False) as con:
        result = load_inputs(con, list(paths), crawled_at=crawled_at, mapping=list(mapping), exclude=list(exclude),
                             outlet=outlet, workers=workers or default_workers(), batch_size=batch_size,
                             progress=show_progress(con, progress), arguments=json.dumps(sys.argv[1:]))
        from analysis.search import update_index  # a search index beside the database follows it

        update_index(con, progress=show_progress(con, progress))
    click.echo(render_summary(result))


@click.command()
@click.argument("load_id", type=int)
@db_options
@click.pass_context
@friendly
def unload(ctx, load_id):
    """Take back exactly what one load added (its documents, articles, sightings, enrichment rows), in one transaction."""
    from analysis.ingest.unload import unload as unload_load
    from analysis.search import update_index

    with open_db(ctx, read_only=False) as con:
        gone = unload_load(con, load_id)
        update_index(con, progress=False)
    click.echo(f"unloaded load {gone.load_id}: {gone.documents:,} documents, {gone.articles:,} articles, "
               f"{gone.sightings:,} ticker sightings, {gone.rejects:,} rejects, {gone.files:,} files "
               "(loading them again reads them)")
