"""The CLI side of the Spark engine: `enrich --engine spark` and the `load` hook for its output."""

from __future__ import annotations

from collections.abc import Sequence

import click

from analysis.cli.common import open_db


def enrich_on_spark_cli(input_dir: str | None, out_dir: str | None, *, master: str, spacy: bool,
                        stages: Sequence[str] = (), rebuild: bool = False) -> None:
    """`presswatch enrich --engine spark`: run the job and say how to import its output."""
    from analysis.spark import enrich_on_spark

    if not input_dir:
        raise click.UsageError("--engine spark needs --input DIR: write one with "
                               "`presswatch export --format parquet --out DIR`")
    if stages or rebuild:
        raise click.UsageError("--stage and --rebuild apply to the local engine; the Spark engine enriches every "
                               "document of its --input (language, entities, taxonomy topics)")
    manifest = enrich_on_spark(input_dir, out_dir, master=master, spacy=spacy)
    counts = manifest["counts"]
    docs = counts.get("document", {})
    click.echo(f"spark ({manifest['master']}, entities: {manifest['entities_mode']}): "
               f"{docs.get('article', 0):,} articles, {docs.get('headline', 0):,} headlines, "
               f"{sum(counts.get('mention', {}).values()):,} mentions, "
               f"{sum(counts.get('topic', {}).values()):,} topic scores in {manifest['seconds']:.1f} s")
    click.echo(f"written to {manifest['out']}; import it with: presswatch load {manifest['out']}")


def import_spark_outputs(ctx: click.Context, paths: Sequence[str]) -> list[str]:
    """Import the Spark enrichment folders among ``paths``; returns the other paths (for the loader)."""
    from analysis.spark import import_enrichment, split_enrichment_outputs

    outputs, rest = split_enrichment_outputs(paths)
    if outputs:
        with open_db(ctx, read_only=False) as con:
            for path in outputs:
                counts = import_enrichment(con, path)
                click.echo(f"imported the Spark enrichment {path}: " + ", ".join(f"{k}={v:,}" for k, v in counts.items()))
    return rest
