"""The CLI side of the Spark engine: `enrich --engine spark` and the `load` hook for its output."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import click

from analysis.spark.output import import_enrichment, is_enrichment_output


def enrich_spark(input_dir: str | None, out_dir: str | None, *, master: str, spacy: bool,
                 stages: Sequence[str] = (), rebuild: bool = False) -> dict:
    """`presswatch enrich --engine spark`: run the job and say how to import its output."""
    from analysis.spark import enrich_on_spark

    if not input_dir:
        raise ValueError("--engine spark needs --input DIR: write one with `presswatch export --format parquet --out DIR`")
    if stages or rebuild:
        raise ValueError("--stage and --rebuild apply to the local engine; the Spark engine enriches every document "
                         "of its --input (language, entities, taxonomy topics)")
    out = out_dir or input_dir.rstrip("/") + "-enriched"
    manifest = enrich_on_spark(input_dir, out, master=master, spacy=spacy)
    counts = manifest["counts"]
    docs = counts.get("document", {})
    click.echo(f"spark ({manifest['master']}, entities: {manifest['entities_mode']}): "
               f"{docs.get('article', 0):,} articles, {docs.get('headline', 0):,} headlines, "
               f"{sum(counts.get('mention', {}).values()):,} mentions, "
               f"{sum(counts.get('topic', {}).values()):,} topic scores in {manifest['seconds']:.1f} s")
    click.echo(f"written to {out}; import it with: presswatch load {out}")
    return manifest


def load_spark_outputs(open_writable: Callable, paths: Sequence[str]) -> list[str]:
    """Import the Spark enrichment folders among ``paths``; returns the other paths (for the loader)."""
    outputs = [p for p in paths if is_enrichment_output(p)]
    if not outputs:
        return list(paths)
    con = open_writable()
    try:
        for path in outputs:
            counts = import_enrichment(con, path)
            click.echo(f"imported the Spark enrichment {path}: " + ", ".join(f"{k}={v:,}" for k, v in counts.items()))
    finally:
        con.close()
    return [p for p in paths if p not in outputs]
