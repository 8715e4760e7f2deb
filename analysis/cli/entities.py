"""CLI: `presswatch entities top|show|timeline|merges|unmerge` and `presswatch eval entities`."""

from __future__ import annotations

import json

import click

from analysis.cli.common import db_options, friendly, name_missing, open_db

UNITS = click.Choice(["stories", "placements"])
SOURCES = click.Choice(["articles", "headlines"])
TYPES = click.Choice(["PER", "ORG", "LOC", "EVENT", "MISC"])


def _window(f):
    f = click.option("--start", help="First day (YYYY-MM-DD).")(f)
    f = click.option("--end", help="Last day (YYYY-MM-DD).")(f)
    f = click.option("--unit", type=UNITS, default="stories", show_default=True, help="Count stories or every placement.")(f)
    f = click.option("--source", type=SOURCES, default="articles", show_default=True, help="Articles or ticker headlines.")(f)
    return f


def _table(df, by: str | None = None) -> str:
    return name_missing(df, by).to_string(index=False) if len(df) else "(nothing found)"


@click.group(name="entities")
def entities_group():
    """Who and what is in the news: top entities, one entity, an entity over time."""


@entities_group.command("top")
@_window
@click.option("--top", "top", type=int, default=20, show_default=True, help="How many entities.")
@click.option("--type", "types", type=TYPES, multiple=True, help="Only this type (repeatable).")
@click.option("--lang", "langs", type=click.Choice(["fr", "ar", "en", "es"]), multiple=True,
              help="Only documents in this language (repeatable).")
@click.option("--by", type=click.Choice(["lang", "outlet"]), default=None, help="The top entities of each language or outlet.")
@db_options
@click.pass_context
@friendly
def top_cmd(ctx, start, end, unit, source, top, types, langs, by):
    """The entities named in the most documents."""
    from analysis.entities.frequencies import top_entities

    with open_db(ctx, read_only=True) as con:
        df = top_entities(con, start=start, end=end, top=top, unit=unit, source=source, types=list(types) or None,
                          langs=list(langs) or None, by=by)
    df["share"] = df["share"].map("{:.1%}".format)
    click.echo(_table(df, by))


@entities_group.command("show")
@click.argument("name")
@db_options
@click.pass_context
@friendly
def show_cmd(ctx, name):
    """One entity: its names in every language, counts, and who it is named with."""
    from analysis.entities.frequencies import describe_entity, entity_cooccurrence

    with open_db(ctx, read_only=True) as con:
        info = describe_entity(con, name)
        pairs = entity_cooccurrence(con, entities=[info["entity_id"]], min_count=1, top=10)
    click.echo(f"{info['name']}  [{info['entity_id']}, {info['type']}, {info['source']}"
               + (f", {info['wikidata_id']}" if info["wikidata_id"] else "") + "]")
    for lang, names in info["aliases"].items():
        click.echo(f"  {lang}: " + " | ".join(names))
    if info["merged"]:
        click.echo("  merged across scripts: " + ", ".join(info["merged"]))
    click.echo(f"  {info['n_articles']} articles, {info['n_headlines']} headlines, {info['n_mentions']} mentions"
               + (f", {info['first']} .. {info['last']}" if info["first"] else ""))
    if len(pairs):
        click.echo("  named with:")
        for r in pairs.itertuples():
            other = r.name_b if r.entity_a == info["entity_id"] else r.name_a
            click.echo(f"    {other}  ({r.n_together} together, PMI {r.pmi:.2f})")


@entities_group.command("merges")
@db_options
@click.pass_context
@friendly
def merges_cmd(ctx):
    """Learned entities merged across scripts (or refused), with the evidence."""
    from analysis.entities.identity import identity_merges

    with open_db(ctx, read_only=True) as con:
        df = identity_merges(con)
    click.echo(_table(df[["from_id", "into_id", "evidence", "status", "n_mentions", "detail"]]))


@entities_group.command("unmerge")
@click.argument("entity_id")
@db_options
@click.pass_context
@friendly
def unmerge_cmd(ctx, entity_id):
    """Undo a merge across scripts: ENTITY_ID (ner:…) gets its mentions back, for good."""
    from analysis.entities.identity import unmerge

    with open_db(ctx, read_only=False) as con:
        unmerge(con, entity_id)
    click.echo(f"{entity_id} is its own entity again; later runs will not merge it")


@entities_group.command("timeline")
@click.argument("name")
@click.option("--freq", type=click.Choice(["day", "week", "month"]), default="month", show_default=True,
              help="Length of a period.")
@click.option("--by", type=click.Choice(["outlet", "lang"]), default=None, help="One series per outlet or language.")
@_window
@db_options
@click.pass_context
@friendly
def timeline_cmd(ctx, name, freq, by, start, end, unit, source):
    """How often an entity was in the news, period by period (* = incomplete period)."""
    from analysis.entities.frequencies import entity_frequencies

    with open_db(ctx, read_only=True) as con:
        df = entity_frequencies(con, freq=freq, entities=[name], by=by, start=start, end=end, unit=unit, source=source)
    if by is None:
        df = df.drop(columns=["group"])
    df["share"] = df["share"].map("{:.1%}".format)
    df["incomplete"] = df["incomplete"].map({True: "*", False: ""})
    click.echo(_table(df.drop(columns=["entity_id", "type", "label", "n_total"]), by))


@click.command("entities")
@click.option("--gold", required=True, type=click.Path(dir_okay=False), help="WiNER-format JSONL file.")
@click.option("--limit", type=int, default=None, help="Only the first N articles.")
@click.option("--pipeline", "pipelines", type=click.Choice(["registry", "ner", "spacy", "combined"]), multiple=True,
              help="Pipelines to score: the registry, the statistical recogniser alone (ner; spacy is an alias), "
                   "both (combined). Default: registry, ner, combined.")
@click.option("--french-ner", type=click.Choice(["crf", "spacy"]), default="crf", show_default=True,
              help="French recogniser scored by the ner and combined pipelines.")
@click.option("--registry", "registry_dir", type=click.Path(file_okay=False), default=None,
              help="Registry folder (default: the packaged analysis/data/entities).")
@friendly
def eval_entities(gold, limit, pipelines, french_ner, registry_dir):
    """Document-level p/r/f1 of PER, LOC and ORG per pipeline, as one JSON line."""
    from analysis.entities.evaluate import DEFAULT_MODES, evaluate_file

    result = evaluate_file(gold, limit=limit, modes=tuple(pipelines) or DEFAULT_MODES,
                           registry_dir=registry_dir, french_ner=french_ner)
    click.echo(json.dumps(result, ensure_ascii=False))
