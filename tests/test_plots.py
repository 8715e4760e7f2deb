"""Charts: the house style, Arabic labels, determinism, and every chart on real sample frames."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

import analysis
from analysis import plots, volume

WINDOW = {"start": "2016-11-28", "end": "2016-12-04"}  # 2016-W48, inside the sample's Q4 2016
ARABIC = "الجزائر تونس المغرب"


@pytest.fixture(scope="module")
def con(sample_db_path):
    con = analysis.connect(sample_db_path, read_only=True)
    yield con
    con.close()


def _pixels(text: str) -> np.ndarray:
    @plots.styled
    def draw():
        fig = Figure(figsize=(4, 0.6), dpi=100)
        fig.text(0.02, 0.3, text, fontsize=16, family="DejaVu Sans")  # presentation forms = its GSUB forms
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        return 1 - np.asarray(canvas.buffer_rgba())[..., 0].astype(float) / 255

    return draw()


def test_an_arabic_capable_font_ships_with_the_package():
    path = plots.arabic_font_path()
    if path is None:  # only if the shipped font and matplotlib's DejaVu Sans were both removed
        pytest.skip("no font with Arabic glyphs can be found: Arabic chart labels would be boxes")
    assert "NotoSansArabic" in path, f"the shipped Noto Sans Arabic should be used, got {path}"


def test_arabic_label_is_shaped_and_right_to_left():
    """The label must look like the text shaped (contextual letter forms) and laid out right to
    left. Reference: arabic-reshaper + python-bidi's visual string drawn left to right as is
    (LRO…PDF stops a bidi-aware renderer from reordering it again)."""
    import arabic_reshaper
    from bidi.algorithm import get_display

    visual = get_display(arabic_reshaper.reshape(ARABIC))
    reference = _pixels("\u202d" + visual + "\u202c" if plots.MPL_SHAPES_TEXT else visual)
    ours = _pixels(plots.label(ARABIC))
    wrong = _pixels(ARABIC[::-1])  # unshaped letters in reversed order: what a naive renderer shows
    assert reference.sum() > 50, "the reference rendering is blank: no Arabic glyphs in the font"
    assert np.abs(ours - reference).mean() < 0.2 * np.abs(wrong - reference).mean()


def test_label_keeps_data_text_inert():
    assert plots.label("_hidden") == "\u200b_hidden"  # matplotlib would drop a legend label starting with _
    assert plots.label("a" * 60, width=10) == "a" * 9 + "…"
    assert plots.label(None) == "unknown" and plots.label(float("nan")) == "unknown"
    fig = plots.bar_chart(pd.DataFrame({"n": ["$5 and $6", "x_1^2"], "v": [2, 1]}), name="n", value="v",
                          what="stories", unit="count", title="dollars")
    plots.to_svg(fig)  # mathtext would fail or garble "$5 and $6"; it is off for data text
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["$5 and $6", "x_1^2"]


def test_volume_chart_is_titled_labelled_and_keeps_the_legend_outside(con):
    frame = volume.article_volume(con, freq="day", **WINDOW)
    fig = plots.volume_chart(frame, by="lang", freq="day")
    ax = fig.axes[0]
    assert "28 Nov – 4 Dec 2016" in ax.get_title(loc="left") and "language" in ax.get_title(loc="left")
    assert "per day" in ax.get_ylabel() and "UTC" in ax.get_xlabel()
    FigureCanvasAgg(fig).draw()
    legend = ax.get_legend()
    assert legend.get_window_extent().x0 >= ax.get_window_extent().x1  # beside the data, not over it
    assert {t.get_text() for t in legend.get_texts()} == {plots.lang_name(x) for x in frame["lang"].unique()}
    heights = sum(p.get_height() for p in ax.patches)
    assert heights == frame["n_stories"].sum()
    colours = {to_hex(p.get_facecolor()).upper() for p in ax.patches}
    assert colours <= {c.upper() for c in plots.LANG_COLOURS.values()}  # Okabe–Ito, one colour per language


def test_svg_is_deterministic_and_carries_no_date(con):
    frame = volume.article_volume(con, freq="day", **WINDOW)
    first = plots.to_svg(plots.volume_chart(frame, by="outlet", freq="day"))
    second = plots.to_svg(plots.volume_chart(frame, by="outlet", freq="day"))
    assert first == second
    assert b"<dc:date>" not in first and b"Matplotlib v" not in first


def test_coverage_heatmap_shows_every_cell_and_leaves_gaps_white(con):
    frame = volume.coverage(con, freq="week", start="2016-10-01", end="2016-12-31")
    fig = plots.coverage_heatmap(frame, freq="week", top=40)
    mesh = fig.axes[0].collections[0]
    values = mesh.get_array()
    n_groups, n_periods = frame["group"].nunique(), frame["period"].nunique()
    assert values.size == n_groups * n_periods
    assert int(np.ma.getmaskarray(values).sum()) == int((frame["n"] == 0).sum())  # zeros are masked (white)
    assert fig.axes[0].get_title(loc="left").startswith("Articles per outlet and week")


def test_share_and_lifespan_and_timeline_charts_on_the_ticker(con):
    mix = volume.ticker_language_mix(con, freq="day", **WINDOW)
    fig = plots.share_chart(mix, group="lang", value="share")
    stacks = fig.axes[0].collections
    assert len(stacks) == mix["lang"].nunique()
    lives = volume.headline_lifespans(con, **WINDOW)
    fig = plots.lifespan_chart(lives)
    assert sum(p.get_height() for p in fig.axes[0].patches if p.get_height()) > 0
    assert "hours" in fig.axes[0].get_xlabel()
    weekly = volume.article_volume(con, freq="week", start="2016-10-01", end="2016-12-31")
    series = weekly.groupby(["period", "lang"], as_index=False)["n_stories"].sum()
    series["incomplete"] = series["period"] == series["period"].min()
    fig = plots.timeline_chart(series, group="lang", value="n_stories", what="Articles")
    hollow = [line for line in fig.axes[0].lines if line.get_markerfacecolor() == "white"]
    assert sum(len(line.get_xdata()) for line in hollow) == int(series["incomplete"].sum())


def test_every_chart_copes_with_an_empty_frame():
    empty = pd.DataFrame({"period": pd.Series(dtype="datetime64[ns]"), "lang": [], "outlet": [], "group": [],
                          "n": [], "n_stories": [], "share": [], "hours": [], "first_seen": [], "topic": []})
    figures = [plots.volume_chart(empty), plots.coverage_heatmap(empty), plots.share_chart(empty),
               plots.timeline_chart(empty, group="topic"), plots.lifespan_chart(empty),
               plots.small_multiples(empty, group="topic"),
               plots.network_chart(pd.DataFrame({"name": [], "weight": []}), pd.DataFrame({"weight": []}), title="t"),
               plots.burst_chart(empty, empty)]
    for fig in figures:
        assert "no data" in fig.axes[0].get_title(loc="left") or fig.texts or fig.axes[0].texts
        plots.to_svg(fig)
