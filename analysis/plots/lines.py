"""Charts of things over time: timelines with incomplete periods, small multiples, top-N bars,
co-occurrence networks and bursts."""

from __future__ import annotations

import math

import matplotlib
import pandas as pd
from matplotlib.figure import Figure

from analysis.plots.style import (
    OKABE_ITO,
    OTHER,
    date_axis,
    empty_figure,
    gap_spans,
    label,
    new_figure,
    period_grid,
    shade_gaps,
    span_text,
    styled,
)


def on_grid(part: pd.DataFrame, grid: pd.DatetimeIndex, columns: list[str]) -> pd.DataFrame:
    """``part``'s ``columns`` indexed by every period of ``grid``: NaN where the group had no
    document, so a line breaks there instead of sliding to zero."""
    data = part.assign(period=pd.to_datetime(part["period"])).drop_duplicates("period").set_index("period")
    return data[columns].reindex(grid)


@styled
def timeline_chart(frame: pd.DataFrame, *, group: str, value: str = "n_documents", freq: str = "week",
                   what: str = "Mentions", top: int = 6, title: str | None = None) -> Figure:
    """Lines per group over time; periods flagged ``incomplete`` (partly collected) are drawn
    as hollow markers, so a collection gap does not read as a drop in the news. A group's line
    breaks on periods without its documents; periods without any document are hatched.

    ``frame``: the shared trends shape (period, ``group``, ``value``, incomplete).
    """
    fig = new_figure()
    ax = fig.add_subplot()
    if frame.empty:
        return empty_figure(fig, ax, title or f"{what}: no data")
    grid = period_grid(frame["period"], freq)
    totals = frame.groupby(group)[value].sum().sort_values(ascending=False, kind="stable")
    for colour, key in zip(OKABE_ITO, totals.index[:top]):
        part = on_grid(frame[frame[group] == key], grid, [value, *(["incomplete"] if "incomplete" in frame else [])])
        y = part[value].to_numpy(dtype=float)
        ax.plot(grid, y, color=colour, linewidth=1.8, label=label(key, width=30))
        bad = part["incomplete"].fillna(False).to_numpy(dtype=bool) if "incomplete" in part else grid.isna()
        ax.plot(grid[bad], y[bad], linestyle="none", marker="o", markerfacecolor="white", markeredgecolor=colour)
        ax.plot(grid[~bad], y[~bad], linestyle="none", marker="o", markersize=3.5, color=colour)
    shade_gaps(ax, gap_spans(frame["period"], grid))
    if value == "share":
        ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
        ax.set_ylabel(f"share of the {freq}'s stories (%)")
    else:
        ax.set_ylabel(f"{what.lower()} per {freq}")
    ax.set_xlabel(f"{freq} starting (UTC); hollow marker: incomplete {freq}; hatched: no data")
    ax.set_title(title or f"{what} per {freq}, {span_text(frame['period'])}")
    date_axis(ax)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return fig


@styled
def small_multiples(frame: pd.DataFrame, *, group: str, value: str = "share", freq: str = "week",
                    what: str = "Topic share", top: int = 9, title: str | None = None) -> Figure:
    """One small panel per group (same y scale), for comparing shapes rather than sizes."""
    totals = frame.groupby(group)[value].sum().sort_values(ascending=False, kind="stable")
    keys = list(totals.index[:top])
    cols = 3
    rows = max(1, math.ceil(len(keys) / cols))
    fig = new_figure(8.0, 1.2 + 1.6 * rows)
    if not keys:
        return empty_figure(fig, fig.add_subplot(), title or f"{what}: no data")
    axes = fig.subplots(rows, cols, sharex=True, sharey=True, squeeze=False)
    grid = period_grid(frame["period"], freq)
    gaps = gap_spans(frame["period"], grid)
    for ax, key in zip(axes.flat, keys):
        part = on_grid(frame[frame[group] == key], grid, [value])
        ax.plot(grid, part[value].to_numpy(dtype=float), color=OKABE_ITO[0], linewidth=1.4)
        shade_gaps(ax, gaps)
        ax.set_title(label(key, width=24), fontsize=9)
        date_axis(ax, maxticks=3)  # a third of the width: more labels would overprint
        if value == "share":
            ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0, decimals=0))
    for ax in list(axes.flat)[len(keys):]:
        ax.set_visible(False)
    fig.suptitle(title or f"{what} per {freq}, {span_text(frame['period'])}", x=0.01, ha="left", fontweight="bold")
    fig.supylabel(f"share of the {freq}'s stories" if value == "share" else f"per {freq}", fontsize=9)
    return fig


@styled
def bar_chart(frame: pd.DataFrame, *, name: str, value: str, what: str, unit: str,
              title: str, top: int = 15) -> Figure:
    """Horizontal bars, largest on top (top entities, outlets)."""
    data = frame.sort_values(value, ascending=False, kind="stable").head(top)
    fig = new_figure(8.0, 1.2 + 0.3 * max(len(data), 1))
    ax = fig.add_subplot()
    if data.empty:
        return empty_figure(fig, ax, f"{title}: no data")
    ax.barh([label(n, width=36) for n in data[name]], data[value], color=OKABE_ITO[0])
    ax.invert_yaxis()
    ax.grid(axis="x")
    ax.grid(axis="y", visible=False)
    ax.set_xlabel(f"{what} ({unit})")
    ax.set_title(title)
    return fig


@styled
def network_chart(nodes: pd.DataFrame, edges: pd.DataFrame, *, title: str) -> Figure:
    """Co-occurrence network on a circle: ``nodes`` (name, weight), ``edges`` (source,
    target, weight). Node size ~ weight, line width ~ edge weight. A circle keeps every
    label readable and the layout deterministic."""
    fig = new_figure(7.0, 7.0)
    ax = fig.add_subplot()
    ax.set_axis_off()
    if nodes.empty:
        return empty_figure(fig, ax, f"{title}: no data")
    names = list(nodes["name"])
    angle = {n: 2 * math.pi * i / len(names) for i, n in enumerate(names)}
    pos = {n: (math.cos(a), math.sin(a)) for n, a in angle.items()}
    top_weight = float(edges["weight"].max()) if len(edges) else 1.0
    for row in edges.itertuples(index=False):
        if row.source in pos and row.target in pos:
            (x0, y0), (x1, y1) = pos[row.source], pos[row.target]
            ax.plot([x0, x1], [y0, y1], color=OKABE_ITO[4], alpha=0.7, linewidth=0.5 + 4 * row.weight / top_weight)
    sizes = nodes["weight"].to_numpy(dtype=float)
    ax.scatter([pos[n][0] for n in names], [pos[n][1] for n in names], s=40 + 400 * sizes / max(sizes.max(), 1),
               color=OKABE_ITO[0], zorder=3)
    for n in names:
        x, y = pos[n]
        ax.annotate(label(n, width=24), (x, y), xytext=(x * 1.12, y * 1.12), ha="left" if x >= 0 else "right",
                    va="center", fontsize=8)
    ax.set_xlim(-1.7, 1.7)
    ax.set_ylim(-1.3, 1.3)
    ax.set_title(title)
    return fig


@styled
def burst_chart(frame: pd.DataFrame, found: pd.DataFrame, *, what: str = "Topic", freq: str = "week",
                title: str | None = None) -> Figure:
    """One series' share per period with its bursts shaded and annotated with the title of
    their first driving article.

    ``frame``: one series of a frequency frame (period, share, incomplete); ``found``: its
    rows of ``analysis.bursts`` (start, end, method, articles).
    """
    fig = new_figure(8.0, 3.8)
    ax = fig.add_subplot()
    if frame.empty:
        return empty_figure(fig, ax, title or f"{what}: no data")
    data = frame.sort_values("period")
    x = period_grid(data["period"], freq)
    ax.plot(x, on_grid(data, x, ["share"])["share"].to_numpy(dtype=float), color=OKABE_ITO[0], linewidth=1.8,
            marker="o", markersize=3)
    shade_gaps(ax, gap_spans(data["period"], x))
    step = pd.Timedelta(days={"day": 1, "week": 7, "month": 30}[freq])
    top = float(data["share"].max() or 1.0)
    for i, b in enumerate(found.drop_duplicates(["start", "end"]).itertuples(index=False)):
        lo, hi = pd.Timestamp(b.start), pd.Timestamp(b.end) + step
        ax.axvspan(lo, hi, color=OKABE_ITO[1], alpha=0.25, linewidth=0)
        titles = [a.get("title") or a.get("text") for a in (b.articles or []) if a.get("title") or a.get("text")]
        if titles:
            right_half = lo > x.min() + (x.max() - x.min()) / 2  # write towards the middle, inside the axes
            ax.annotate(label(titles[0], width=40), (lo, top * (0.95 - 0.12 * (i % 3))), fontsize=7.5,
                        xytext=(-3 if right_half else 3, 0), textcoords="offset points", va="top",
                        ha="right" if right_half else "left",
                        bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "edgecolor": OTHER, "alpha": 0.9})
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.set_ylabel(f"share of the {freq}'s stories (%)")
    ax.set_xlabel(f"{freq} starting (UTC); shaded: burst")
    ax.set_title(title or f"{what} per {freq} and its bursts, {span_text(data['period'])}")
    date_axis(ax)
    return fig
