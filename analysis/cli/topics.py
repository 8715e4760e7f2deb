"""`presswatch topics top|timeline|bursts|show` and `presswatch eval topics`: thin wrappers."""

from __future__ import annotations

import datetime as dt
import json
import sys

import click

from analysis.cli.common import db_options, friendly, name_missing, open_db

FORMATS = ("table", "json", "csv")


def _common(fn):
    """Options shared by the read commands."""
    options = [
        click.option("--source", type=click.Choice(["taxonomy", "model"]), default="taxonomy", show_default=True,
                     help="Hand-made taxonomy or the discovery model's topics."),
        click.option("--documents", type=click.Choice(["articles", "headlines"]), default="articles",
                     show_default=True,
                     help="Count articles (dated by publication) or ticker headlines (dated by sighting)."),
        click.option("--unit", type=click.Choice(["stories", "placements"]), default="stories", show_default=True,
                     help="Count distinct stories (syndicated copies once) or every placement."),
        click.option("--by", type=click.Choice(["outlet", "lang"]), default=None,
                     help="One series per outlet or language."),
        click.option("--start", type=click.DateTime(["%Y-%m-%d"]), default=None, help="First day (YYYY-MM-DD)."),
        click.option("--end", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Last day (YYYY-MM-DD)."),
        click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
                     help="An aligned table, JSON lines or CSV."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def _day(value: dt.datetime | None) -> dt.date | None:
    return value.date() if value else None


def _json_default(value):
    import pandas as pd

    if isinstance(value, (dt.datetime, pd.Timestamp)) and value.time() != dt.time():
        return value.isoformat()
    if isinstance(value, (dt.date, dt.datetime, pd.Timestamp)):
        return value.isoformat()[:10]
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def _emit(frame, fmt: str, by: str | None = None) -> None:
    """Print a frame as JSON lines, CSV or an aligned table."""
    import pandas as pd  # here, not at module level: `presswatch --help` should not pay for pandas

    if fmt == "json":
        for record in frame.to_dict(orient="records"):
            click.echo(json.dumps(record, ensure_ascii=False, default=_json_default))
    elif fmt == "csv":
        click.echo(frame.to_csv(index=False), nl=False)
    elif frame.empty:
        click.echo("(no rows)")
    else:
        shown = name_missing(frame, by)
        for column in ("period", "start", "end", "peak_period"):
            if column in shown:
                shown[column] = pd.to_datetime(shown[column]).dt.strftime("%Y-%m-%d")
        for column in ("share", "peak_share", "baseline_share"):
            if column in shown:
                shown[column] = shown[column].map(lambda v: f"{v:.1%}")
        click.echo(shown.to_string(index=False))


@click.group(name="topics")
def topics_group():
    """What the press wrote about: topic ranking, timelines and bursts."""


@topics_group.command("top")
@_common
@click.option("--limit", type=click.IntRange(min=1), default=25, show_default=True, help="Topics per group.")
@db_options
@click.pass_context
@friendly
def top(ctx, source, documents, unit, by, start, end, fmt, limit):
    """Topics ranked by primary-topic documents over a date range."""
    from analysis.topics.frequencies import topic_top

    with open_db(ctx, read_only=True) as con:
        frame = topic_top(con, source=source, documents=documents, unit=unit, by=by, start=_day(start),
                          end=_day(end), limit=limit)
    _emit(frame, fmt, by)


@topics_group.command("timeline")
@click.argument("topics", nargs=-1)
@_common
@click.option("--freq", type=click.Choice(["day", "week", "month"]), default="week", show_default=True,
              help="Length of a period.")
@click.option("--any-score", is_flag=True, help="Count every stored topic of a document, not only its primary one.")
@db_options
@click.pass_context
@friendly
def timeline(ctx, topics, source, documents, unit, by, start, end, fmt, freq, any_score):
    """Documents and share per period for TOPICS (ids or labels; all topics when none given)."""
    from analysis.topics.frequencies import topic_frequencies

    with open_db(ctx, read_only=True) as con:
        frame = topic_frequencies(con, freq=freq, topics=list(topics) or None, by=by, start=_day(start),
                                  end=_day(end), source=source, unit=unit, documents=documents,
                                  primary_only=not any_score)
    _emit(frame, fmt, by)


@topics_group.command("bursts")
@click.argument("topics", nargs=-1)
@_common
@click.option("--freq", type=click.Choice(["day", "week", "month"]), default="week", show_default=True,
              help="Length of a period.")
@click.option("--method", type=click.Choice(["both", "zscore", "kleinberg"]), default="both", show_default=True,
              help="Burst detector: z-score against a trailing baseline, Kleinberg's automaton, or both.")
@click.option("--window", type=int, default=8, show_default=True, help="z-score: trailing periods in the baseline.")
@click.option("--z", "z_threshold", type=float, default=3.5, show_default=True, help="z-score threshold.")
@click.option("--s", "rate", type=float, default=2.0, show_default=True, help="Kleinberg: burst rate multiplier.")
@click.option("--gamma", type=float, default=1.0, show_default=True, help="Kleinberg: cost of entering a burst.")
@click.option("--min-documents", type=click.IntRange(min=1), default=3, show_default=True,
              help="Ignore bursts with fewer documents than this.")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True, help="Strongest bursts shown per method.")
@db_options
@click.pass_context
@friendly
def bursts_cmd(ctx, topics, source, documents, unit, by, start, end, fmt, freq, method, window, z_threshold,
               rate, gamma, min_documents, limit):
    """Periods where a topic's share rose far above its own baseline, with the articles behind them."""
    from analysis.bursts import detect_bursts
    from analysis.topics.frequencies import topic_frequencies

    methods = ("zscore", "kleinberg") if method == "both" else (method,)
    with open_db(ctx, read_only=True) as con:
        frame = topic_frequencies(con, freq=freq, topics=list(topics) or None, by=by, start=_day(start),
                                  end=_day(end), source=source, unit=unit, documents=documents)
        found = detect_bursts(frame, method=methods, window=window, z=z_threshold, s=rate, gamma=gamma,
                       min_documents=min_documents, con=con, by=by, documents=documents)
        found = found.groupby("method", sort=False).head(limit)
    if fmt != "table":
        _emit(found, fmt, by)
        return
    if found.empty:
        click.echo("no bursts found")
        return
    import pandas as pd

    for row in found.itertuples(index=False):
        group = f" [{row.group}]" if row.group is not None else ""
        click.echo(f"{row.method:9} {row.label}{group}: {pd.Timestamp(row.start):%Y-%m-%d} .. "
                   f"{pd.Timestamp(row.end):%Y-%m-%d}, peak {row.peak_share:.1%} vs {row.baseline_share:.1%} "
                   f"({row.n_documents} docs, score {row.score:.1f})")
        for item in row.articles:
            when = item.get("published_date") or item.get("first_seen") or ""
            click.echo(f"    {when}  {item.get('title') or item.get('text') or ''}"[:160])
        if row.entities:
            click.echo("    entities: " + ", ".join(f"{e['entity']} ({e['n_articles']})" for e in row.entities))


@topics_group.command("models")
@db_options
@click.pass_context
@friendly
def models(ctx):
    """The discovery model of each language: parameters, and each topic's top terms."""
    with open_db(ctx, read_only=True) as con:
        rows = con.execute("""SELECT model_id, lang, method, n_topics, n_documents, n_fitted, n_terms, params,
                                     fitted_at FROM topic_models ORDER BY lang""").fetchall()
        terms = con.execute("""SELECT t.lang, t.topic_id, string_agg(tt.term, ', ' ORDER BY tt.rank)
                               FROM topics t JOIN topic_terms tt USING (topic_id)
                               WHERE tt.rank <= 10 GROUP BY ALL ORDER BY t.lang, t.topic_id""").fetchall()
    if not rows:
        click.echo("no discovery model yet: run `presswatch enrich`")
        return
    for model_id, lang, method, k, n, fitted, n_terms, params, fitted_at in rows:
        click.echo(f"{model_id}: {lang}, {method}, {k} topics, fitted on {fitted}/{n} articles, "
                   f"{n_terms} terms, {fitted_at:%Y-%m-%d %H:%M} UTC; params {params}")
        for tl, topic_id, words in terms:
            if tl == lang:
                click.echo(f"  {topic_id}: {words}")


@click.command("topics")
@click.option("--gold", "gold", multiple=True, required=True,
              help="Gold files, folders or globs with a category (TREC <CAT> or a category column). Repeatable.")
@click.option("--categories", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Category map (default: analysis/data/topics/categories.yaml).")
@click.option("--discovery", is_flag=True, help="Also fit the discovery model on the gold articles and report purity.")
@friendly
def eval_topics(gold, categories, discovery):
    """Primary topic vs the gold categories: macro_f1, per_category, coverage (one JSON line)."""
    from analysis.topics.evaluate import as_json_line, evaluate

    result = evaluate(list(gold), categories=categories, discovery=discovery)
    click.echo(as_json_line(result))
    sys.stdout.flush()
