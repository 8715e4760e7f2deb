"""`presswatch stories top|show` and `presswatch eval stories`: thin wrappers that call
``analysis.stories.queries`` / ``evaluate`` and render what they return."""

from __future__ import annotations

import json
from pathlib import Path

import click

from analysis.cli.common import db_options, friendly, open_db
from analysis.errors import NotFound

SOURCE = click.option("--source", type=click.Choice(["articles", "headlines"]), default="articles",
                      show_default=True, help="Article stories, or ticker headline stories.")


@click.group(name="stories")
def stories() -> None:
    """Stories: syndicated copies and re-edited headlines counted once."""


@stories.command()
@SOURCE
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True, help="How many stories.")
@click.option("--start", help="First day (YYYY-MM-DD) of the story's first placement.")
@click.option("--end", help="Last day (YYYY-MM-DD) of the story's first placement.")
@click.option("--min-placements", type=click.IntRange(min=1), default=2, show_default=True,
              help="Only stories with at least this many placements (headlines: re-edits).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line instead of a table.")
@db_options
@click.pass_context
@friendly
def top(ctx, source, limit, start, end, min_placements, as_json):
    """The stories with the most placements (articles) or ticker sightings (headlines)."""
    from analysis.stories.queries import top_stories

    with open_db(ctx, read_only=True) as con:
        frame = top_stories(con, source=source, limit=limit, start=start, end=end, min_placements=min_placements)
    counted = "placements" if source == "articles" else "ticker sightings"
    _render(frame.drop(columns=["last_seen"]), as_json=as_json, dates_only=True,
            title=f"Top {source} stories (one row per story; counts are {counted})")


@stories.command()
@click.argument("story_id", type=int)
@SOURCE
@click.option("--json", "as_json", is_flag=True, help="JSON lines: placements, then the timeline.")
@db_options
@click.pass_context
@friendly
def show(ctx, story_id, source, as_json):
    """One story: its placements (outlets, dates, similarity) and its timeline."""
    from analysis.stories.queries import story_placements, story_timeline

    with open_db(ctx, read_only=True) as con:
        placements = story_placements(con, story_id, source=source)
        timeline = story_timeline(con, story_id, source=source)
    if placements.empty:
        raise NotFound(f"no {source} story {story_id}; list some with `presswatch stories top --source {source}`")
    if source == "articles":
        first = placements.iloc[0]
        head = (f"Story {story_id}: {len(placements)} placement(s) in {placements['outlet'].nunique()} outlet(s); "
                f"first: {first['outlet'] if isinstance(first['outlet'], str) else 'unknown outlet'}"
                + (f" — {first['title']}" if isinstance(first["title"], str) else ""))
    else:
        head = f"Headline story {story_id}: {len(placements)} version(s) — {placements['text'].iloc[0]}"
    _render(placements, as_json=as_json, title=head)
    _render(timeline, as_json=as_json, title="Timeline", bars=not as_json)


_HEADERS = {"story_id": "story", "first_seen": "first seen", "last_seen": "last seen", "n_placements": "placements",
            "n_outlets": "outlets", "first_outlet": "first outlet", "n_headlines": "versions",
            "n_sightings": "sightings", "article_id": "article", "headline_id": "headline"}
_WIDE = {"title", "text", "url"}


def _render(frame, *, as_json: bool, title: str, bars: bool = False, dates_only: bool = False) -> None:
    if as_json:
        for record in frame.to_dict(orient="records"):
            click.echo(json.dumps(record, default=str, ensure_ascii=False))
        return
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=escape(title), title_justify="left")
    for column in frame.columns:
        wide = column in _WIDE
        table.add_column(_HEADERS.get(column, column), overflow="fold", no_wrap=not wide, ratio=1 if wide else None)
    count = next((c for c in ("n_placements", "n_sightings") if c in frame.columns), None)
    if bars and count:
        table.add_column("")
    for record in frame.itertuples(index=False):
        cells = ["" if _missing(v) else escape(_fmt(v, dates_only=dates_only)) for v in record]
        if bars and count:
            cells.append("█" * min(60, int(getattr(record, count))))
        table.add_row(*cells)
    Console().print(table)


def _missing(value) -> bool:
    try:
        return value is None or value != value
    except (TypeError, ValueError):
        return False


def _fmt(value, *, dates_only: bool = False) -> str:
    if isinstance(value, float):
        return f"{value:.2f}"
    if hasattr(value, "strftime") and hasattr(value, "hour"):
        midnight = (value.hour, value.minute, value.second) == (0, 0, 0)
        return value.strftime("%Y-%m-%d" if midnight or dates_only else "%Y-%m-%d %H:%M")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    text = str(value)
    return text if len(text) <= 90 else text[:89] + "…"


@click.command(name="stories")
@click.option("--corpus", "corpus_root", type=click.Path(file_okay=False, path_type=Path),
              default=Path("../shared/corpus"), show_default=True, help="Development corpus folder.")
@click.option("--seed", type=int, default=7, show_default=True, help="Seed of the generated edits.")
@friendly
def eval_stories(corpus_root, seed):
    """Story detection precision/recall on the labelled set (one JSON line)."""
    from analysis.stories.evaluate import evaluate

    click.echo(json.dumps(evaluate(corpus_root, seed=seed)))
