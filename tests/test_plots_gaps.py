"""Charts never draw across periods without data: lines break (NaN), stacked areas stop, the
gap is hatched, and date ticks stay few enough to read. Real articles, a two-year gap."""

from __future__ import annotations

import itertools

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

import analysis
from analysis import plots, trends
from tests import trends_fixtures as fx

GAP_LO, GAP_HI = pd.Timestamp(fx.GAP[0]), pd.Timestamp(fx.GAP[1])


@pytest.fixture(scope="module")
def monthly(tmp_path_factory):
    con = analysis.connect(tmp_path_factory.mktemp("gaps") / "gaps.duckdb")
    fx.gapped(con)
    frame = trends.period_totals(con, freq="month", by="lang", unit="placements")
    con.close()
    frame["share"] = frame["n_documents"] / frame.groupby("period")["n_documents"].transform("sum")
    return frame


def xy(line) -> tuple[pd.DatetimeIndex, np.ndarray]:
    x = line.get_xdata()
    x = pd.DatetimeIndex(mdates.num2date(x) if np.issubdtype(np.asarray(x).dtype, np.number) else x).tz_localize(None)
    return x, np.asarray(line.get_ydata(), dtype=float)


def test_a_line_holds_nan_where_there_is_no_data(monthly):
    assert not ((monthly["period"] >= GAP_LO) & (monthly["period"] <= GAP_HI)).any()  # the gap is real
    fig = plots.timeline_chart(monthly, group="group", value="n_documents", freq="month", what="Articles")
    english = fig.axes[0].lines[0]
    assert english.get_label() == "en"
    x, y = xy(english)
    inside = (x >= GAP_LO) & (x <= GAP_HI)
    assert inside.sum() == 24  # every month of 2017 and 2018 is on the axis ...
    assert np.isnan(y[inside]).all()  # ... with no value: not 0, not interpolated
    assert not np.isnan(y[~inside]).any()
    # the hatched "no data" span covers the gap; a zero would be a point on the line instead
    assert "no data" in [t.get_text() for t in fig.axes[0].get_legend().get_texts()]


def test_the_stacked_share_chart_does_not_fill_the_gap(monthly):
    fig = plots.share_chart(monthly, x="period", group="group", value="share", by="lang", freq="month")
    ax = fig.axes[0]
    paths = [p for c in ax.collections for p in c.get_paths()]
    assert paths
    mid = mdates.date2num(pd.Timestamp("2018-01-01"))
    covered = mdates.date2num(pd.Timestamp("2016-11-01"))
    assert not any(p.contains_point((mid, y)) for p in paths for y in (0.05, 0.5, 0.95))
    assert any(p.contains_point((covered, 0.5)) for p in paths)  # a covered month is filled


def tick_texts(fig) -> list[list]:
    FigureCanvasAgg(fig).draw()
    return [[t for t in ax.get_xticklabels() if t.get_text() and t.get_visible()] for ax in fig.axes if ax.get_visible()]


def overlaps(labels) -> bool:
    boxes = [t.get_window_extent() for t in labels]
    return any(a.overlaps(b) for a, b in itertools.combinations(boxes, 2))


def test_date_ticks_stay_few_and_never_overprint(monthly):
    frame = monthly.rename(columns={"group": "lang"})
    for fig, most in ((plots.small_multiples(frame, group="lang", value="share", freq="month"), 4),
                      (plots.timeline_chart(frame, group="lang", value="share", freq="month"), 8)):
        for labels in tick_texts(fig):
            assert 2 <= len(labels) <= most
            assert not overlaps(labels)


def test_the_share_chart_marks_incomplete_periods(monthly):
    frame = monthly.assign(incomplete=monthly["period"] == pd.Timestamp("2016-11-01"))
    fig = plots.share_chart(frame, x="period", group="group", value="share", by="lang", freq="month")
    (marks,) = [line for line in fig.axes[0].lines if line.get_label().startswith("incomplete month")]
    assert list(xy(marks)[0]) == [pd.Timestamp("2016-11-01")]
