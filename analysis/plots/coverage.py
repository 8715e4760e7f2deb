"""Charts of volume and the collection: articles per period, coverage, shares, ticker lives."""

from __future__ import annotations

import math

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

from analysis.plots.style import (
    LANG_COLOURS,
    OTHER,
    bar_width,
    date_axis,
    empty_figure,
    gap_spans,
    group_colours,
    group_label,
    label,
    lang_name,
    new_figure,
    period_grid,
    period_tick,
    runs,
    shade_gaps,
    span_text,
    stack_wide,
    styled,
    top_groups,
)


@styled
def volume_chart(frame: pd.DataFrame, *, by: str = "lang", value: str = "n_stories", freq: str = "day",
                 top: int = 7, what: str = "Articles", title: str | None = None, span=None) -> Figure:
    """Stacked bars of ``value`` per period, one colour per ``by`` group (lang or outlet).

    ``frame``: the tidy output of ``analysis.volume.article_volume`` (period, outlet, lang,
    n_placements, n_stories, ...). ``span`` (first day, last day) fixes the date axis, so
    days without any article show as gaps instead of vanishing.
    """
    fig = new_figure()
    ax = fig.add_subplot()
    if frame.empty:
        return empty_figure(fig, ax, title or f"{what} per {freq}: no data")
    data = top_groups(frame, by, value, top=top) if by == "outlet" else frame
    wide = stack_wide(data.assign(**{by: data[by].astype(object)}), x="period", group=by, value=value)
    bottom = np.zeros(len(wide))
    x = pd.to_datetime(wide.index)
    for colour, column in zip(group_colours(wide.columns, by=by), wide.columns):
        ax.bar(x, wide[column].to_numpy(), bar_width(freq), bottom=bottom, color=colour,
               label=group_label(column, by), align="edge" if freq != "day" else "center")
        bottom += wide[column].to_numpy()
    unit = "stories" if value == "n_stories" else "placements"
    ax.set_title(title or f"{what} per {freq} by {'language' if by == 'lang' else 'outlet'}, {span_text(frame['period'])}")
    ax.set_ylabel(f"{what.lower()} ({unit} per {freq})")
    ax.set_xlabel(f"{'publication' if what == 'Articles' else ''} date (UTC)".strip())
    ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    _fix_span(ax, span, freq)
    date_axis(ax)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), title="language" if by == "lang" else "outlet")
    return fig


@styled
def coverage_heatmap(frame: pd.DataFrame, *, value: str = "n", freq: str = "week", top: int = 20,
                     what: str = "Articles per outlet", title: str | None = None) -> Figure:
    """Group × period heatmap that makes collection gaps visible (empty cells are white and
    outlined, so a zero never looks like a small count).

    ``frame``: ``analysis.volume.coverage`` (period, group, n), zeros included.
    """
    groups = frame.groupby("group", dropna=False)[value].sum().sort_values(ascending=False, kind="stable").index[:top]
    data = frame[frame["group"].isin(groups)]
    wide = data.pivot_table(index="group", columns="period", values=value, aggfunc="sum", fill_value=0, dropna=False)
    wide = wide.reindex(index=list(groups))
    height = 1.4 + 0.28 * max(len(wide), 1)
    fig = new_figure(8.0, min(height, 9.0))
    ax = fig.add_subplot()
    if frame.empty or wide.empty:
        return empty_figure(fig, ax, title or f"{what}: no data")
    values = wide.to_numpy(dtype=float)
    masked = np.ma.masked_equal(values, 0)
    cmap = ListedColormap(matplotlib.colormaps["cividis"].reversed()(np.linspace(0.08, 1, 256))).with_extremes(bad="white")
    mesh = ax.pcolormesh(masked, cmap=cmap, edgecolors="#e0e0e0", linewidth=0.5)
    ax.set_yticks(np.arange(len(wide)) + 0.5, [label(g, width=30) for g in wide.index])
    ax.invert_yaxis()
    periods = pd.to_datetime(wide.columns)
    step = max(1, math.ceil(len(periods) / 9))  # at most 9 two-line labels: they must not overlap
    ax.set_xticks(np.arange(0, len(periods), step) + 0.5, [period_tick(p, freq) for p in periods[::step]])
    ax.grid(False)
    ax.set_xlabel(f"{freq} starting (UTC)")
    ax.set_title(title or f"{what} and {freq}, {span_text(frame['period'])} (white: none)")
    fig.colorbar(mesh, ax=ax, label=f"count per {freq}", shrink=0.8, pad=0.01)
    return fig


@styled
def share_chart(frame: pd.DataFrame, *, x: str = "period", group: str = "lang", value: str = "share",
                what: str = "Ticker headlines by language", freq: str = "day", by: str = "lang",
                title: str | None = None, span=None) -> Figure:
    """Stacked area of shares (0–1) per period: language mix of the ticker, topic shares.
    Areas are stacked only over periods with data (``freq`` says which periods exist);
    periods without any document are hatched; with an ``incomplete`` column, incomplete periods
    get a hollow triangle on top. ``span`` (first day, last day) fixes the date axis."""
    fig = new_figure()
    ax = fig.add_subplot()
    if frame.empty:
        return empty_figure(fig, ax, title or f"{what}: no data")
    wide = stack_wide(frame, x=x, group=group, value=value)
    wide.index = pd.to_datetime(wide.index)
    grid = period_grid(wide.index, freq)
    wide = wide.reindex(grid)  # periods without data: NaN rows, where no area is drawn
    colours = group_colours(wide.columns, by=by)
    for i, run in enumerate(runs(wide.notna().all(axis=1))):
        part = wide.iloc[run]
        xs = part.index
        if len(part) == 1:  # one covered period alone: a thin band, so it is not invisible
            part = pd.concat([part, part])
            xs = pd.DatetimeIndex([xs[0], xs[0] + pd.Timedelta(days=_width_days(freq))])
        ax.stackplot(xs, *[part[c].to_numpy() for c in wide.columns], colors=colours,
                     labels=[group_label(c, by) for c in wide.columns] if i == 0 else ())
    shade_gaps(ax, gap_spans(frame[x], grid))
    if "incomplete" in frame:  # a thin or partial period's shares rest on few documents: say which
        bad = pd.to_datetime(frame.loc[frame["incomplete"].fillna(False).astype(bool), x].drop_duplicates())
        if len(bad):
            ax.plot(bad, [1.0] * len(bad), transform=ax.get_xaxis_transform(), linestyle="none", marker="v",
                    markerfacecolor="white", markeredgecolor="#333333", clip_on=False,
                    label=f"incomplete {freq} (partial or thin)")
    ax.set_ylim(0, max(1.0, float(wide.sum(axis=1).max())))
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.set_ylabel(f"share of the {freq}'s total (%)")
    ax.set_xlabel("date (UTC)")
    ax.set_title(title or f"{what}, per {freq}, {span_text(frame[x])}")
    _fix_span(ax, span, "point")
    date_axis(ax)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return fig


@styled
def lifespan_chart(frame: pd.DataFrame, *, title: str | None = None) -> Figure:
    """Histogram of how long headlines stayed on the ticker (first to last sighting, hours).

    ``frame``: ``analysis.volume.headline_lifespans`` (hours, lang, censored, first_seen, ...).
    """
    fig = new_figure()
    ax = fig.add_subplot()
    if frame.empty:
        return empty_figure(fig, ax, title or "Hours on the ticker: no data")
    hours = frame["hours"].clip(lower=0).astype(float)
    # 12-hour bins for lives of days; whole days beyond ten days (about 40 bins either way)
    unit, scale = ("hours", 1.0) if hours.max() <= 240 else ("days", 24.0)
    width = 12.0 if unit == "hours" else max(1.0, math.ceil(hours.max() / 24 / 40))
    bins = np.arange(0, hours.max() / scale + 2 * width, width)
    langs = [*sorted(frame["lang"].dropna().unique()), None]
    groups = [(g, hours[frame["lang"].eq(g) if g else frame["lang"].isna()] / scale) for g in langs]
    groups = [(g, h) for g, h in groups if len(h)]
    ax.hist([h.to_numpy() for _, h in groups], bins=bins, stacked=True,
            color=[LANG_COLOURS.get(g, OTHER) for g, _ in groups], label=[lang_name(g) for g, _ in groups])
    ax.set_xlabel(f"{unit} between first and last sighting on the ticker ({width:g}-{unit[:-1]} bins)")
    ax.set_ylabel("headlines")
    ax.set_title(title or f"How long headlines stayed on the ticker, first seen {span_text(frame['first_seen'])}")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), title="language")
    return fig


def _width_days(freq: str) -> float:
    return {"day": 0.8, "week": 5.0, "month": 20.0}.get(freq, 0.8)


def _fix_span(ax, span, freq: str) -> None:
    """Date axis from the first to the last day of ``span`` (bars centred on days, or starting
    on their period; points exactly on their day)."""
    if span is None:
        return
    lo, hi = pd.Timestamp(span[0]), pd.Timestamp(span[1])
    pad = {"day": pd.Timedelta(hours=12), "point": pd.Timedelta(0)}.get(freq)
    if pad is None:  # week/month bars start on their period: leave room for the last one
        ax.set_xlim(lo, hi + pd.Timedelta(days=1))
    else:
        ax.set_xlim(lo - pad, hi + pad)
