"""`presswatch search QUERY…`: ranked matches, attention over time with --freq, or key terms
with --terms; a thin wrapper."""

from __future__ import annotations

import datetime as dt
import json
import time

import click

from analysis.cli.common import db_options, friendly, name_missing, open_db, show_progress

FORMATS = ("table", "csv", "json")


def _json_default(value):
    import pandas as pd

    if isinstance(value, (dt.datetime, pd.Timestamp)):
        return value.isoformat()[:10] if value.time() == dt.time() and value.tzinfo is None else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def _records(frame) -> list[dict]:
    import pandas as pd

    return [{k: (None if not isinstance(v, (list, tuple)) and pd.isna(v) else v) for k, v in r.items()}
            for r in frame.to_dict(orient="records")]


def _emit_data(frame, fmt: str) -> bool:
    """JSON lines or CSV; False when the caller is to draw its table."""
    if fmt == "json":
        for record in _records(frame):
            click.echo(json.dumps(record, ensure_ascii=False, default=_json_default))
    elif fmt == "csv":
        click.echo(frame.to_csv(index=False), nl=False)
    return fmt != "table"


def _emit_matches(frame, fmt: str) -> None:
    if _emit_data(frame, fmt):
        return
    if frame.empty:
        click.echo("(no matches)")
    else:
        date = "published_date" if "published_date" in frame else "first_seen"
        for r in _records(frame):
            when = r[date].strftime("%Y-%m-%d") if r[date] is not None else "undated"
            where = r.get("outlet") or ""
            head = f"{r['rank']:>3}. {when}  {where}  [{r['lang'] or '?'}]  score {r['score']:.2f}"
            if "query" in r:
                head += f"  ({r['query']})"
            click.echo(head)
            if date == "published_date":
                click.echo(f"     {r['title'] or '(no title)'}")
            click.echo(f"     {r['snippet']}\n")


def _emit_attention(frame, fmt: str, by: str | None = None) -> None:
    frame = frame.drop(columns="label")  # the query again
    if _emit_data(frame, fmt):
        return
    if frame.empty:
        click.echo("(no rows)")
    else:
        shown = name_missing(frame, by)
        shown["period"] = shown["period"].dt.strftime("%Y-%m-%d")
        shown["share"] = shown["share"].map(lambda v: f"{v:.1%}")
        if shown["group"].isna().all():
            shown = shown.drop(columns="group")
        click.echo(shown.to_string(index=False))


def _emit_terms(frame, fmt: str) -> None:
    if frame["query"].isna().all():
        frame = frame.drop(columns="query")
    if _emit_data(frame, fmt):
        return
    if frame.empty:
        click.echo("(no terms)")
        return
    shown = frame[[c for c in ("query", "lang", "rank", "term", "n_target", "n_baseline", "log_ratio", "g2") if c in frame]]
    click.echo(shown.to_string(index=False, float_format=lambda v: f"{v:.2f}"))


def _check_modes(queries, *, freq, terms, window, rebuild_index, baseline) -> None:
    """One output per call: matches, attention (--freq) or key terms (--terms)."""
    if freq and terms:
        raise click.UsageError("--freq and --terms print different things: give one of them")
    if baseline and not terms:
        raise click.UsageError("--baseline-start, --baseline-end and --lang go with --terms")
    if terms and not queries and not window:
        raise click.UsageError("--terms needs a query or a period: give a query, --start or --end")
    if not queries and not terms and not rebuild_index:
        raise click.UsageError("give a query, e.g. presswatch search '\"premier ministre\" AND maroc'")


@click.command()
@click.argument("queries", nargs=-1)
@click.option("--headlines", is_flag=True, help="Search the ticker headlines instead of the articles.")
@click.option("--freq", type=click.Choice(["day", "week", "month"]), default=None,
              help="Print attention over time (matching stories per period, their share) instead of the matches.")
@click.option("--by", type=click.Choice(["outlet", "lang"]), default=None, help="With --freq: one series per outlet or language.")
@click.option("--unit", type=click.Choice(["stories", "placements"]), default="stories", show_default=True,
              help="With --freq: count distinct stories (syndicated copies once) or every placement.")
@click.option("--start", type=click.DateTime(["%Y-%m-%d"]), default=None, help="First day (YYYY-MM-DD).")
@click.option("--end", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Last day (YYYY-MM-DD).")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True,
              help="Matches per query (with --terms: terms per language).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
              help="table for reading; csv, or json: one object per line.")
@click.option("--terms", type=click.Choice(["words", "phrases"]), default=None,
              help="Print the key words or two-word phrases of the query's matches (or of --start..--end) "
                   "against the rest of the archive, per language, instead of the matches.")
@click.option("--baseline-start", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="With --terms: compare with the documents from this day only (YYYY-MM-DD).")
@click.option("--baseline-end", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="With --terms: compare with the documents up to this day only (YYYY-MM-DD).")
@click.option("--lang", type=click.Choice(["fr", "en", "es", "ar"]), default=None,
              help="With --terms: one language only.")
@click.option("--rebuild-index", is_flag=True, help="Rebuild the search index from the database (then run the queries, if any).")
@db_options
@click.pass_context
@friendly
def search(ctx, queries, headlines, freq, by, unit, start, end, limit, fmt, terms, baseline_start, baseline_end, lang,
           rebuild_index):
    """Search articles (or --headlines) with AND / OR / NOT, "phrases", (groups), prefix*,
    title: outlet: lang: and date:[2016-01-01 TO 2016-03-31].

    The index lives beside the database (DB.search/) and follows it: new articles are indexed
    on the next search. Several queries give one attention series each with --freq. With
    --terms, the words (or phrases) most over-represented in a query's matches or in a period
    (log-likelihood G², stop words removed); no query: the period given by --start/--end.
    """
    import pandas as pd

    from analysis.search import attention, keyness
    from analysis.search import rebuild_index as rebuild
    from analysis.search import search as run_search

    _check_modes(queries, freq=freq, terms=terms, window=start or end, rebuild_index=rebuild_index,
                 baseline=baseline_start or baseline_end or lang)
    with open_db(ctx, read_only=True) as con:
        if rebuild_index:
            started = time.monotonic()
            idx = rebuild(con, progress=show_progress(con, None))
            searcher = idx.searcher()
            click.echo(f"search index {idx.path}: {searcher.num_docs:,} articles and headlines indexed "
                       f"in {time.monotonic() - started:.1f} s", err=True)
        window = {"start": start.date() if start else None, "end": end.date() if end else None}
        if terms:
            baseline = {"baseline_start": baseline_start.date() if baseline_start else None,
                        "baseline_end": baseline_end.date() if baseline_end else None}
            frames = [keyness(con, query=q, headlines=headlines, lang=lang, top=limit, ngram=2 if terms == "phrases" else 1,
                              **window, **baseline).assign(query=q) for q in queries or [None]]
            _emit_terms(pd.concat(frames, ignore_index=True), fmt)
            return
        if not queries:
            return
        if freq:
            _emit_attention(attention(con, list(queries), freq=freq, by=by, unit=unit, headlines=headlines,
                                      **window), fmt, by)
            return
        frames = [run_search(con, q, limit=limit, headlines=headlines, **window) for q in queries]
        if len(queries) > 1:
            frames = [f.assign(query=q) for f, q in zip(frames, queries)]
        _emit_matches(pd.concat(frames, ignore_index=True), fmt)
