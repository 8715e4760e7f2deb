"""The house style of every chart, fonts, Arabic labels, and deterministic SVG/PNG bytes.

Arabic labels: matplotlib >= 3.11 lays text out with libraqm (shaping and bidi), so Arabic
text is passed through unchanged; older versions draw code points one by one, left to
right, so we shape (arabic-reshaper) and reorder (python-bidi) ourselves. Doing both would
reverse the text twice: ``label`` picks one.
"""

from __future__ import annotations

import functools
import io
import math
import re
from importlib import resources

import matplotlib
import matplotlib.dates as mdates
import pandas as pd
from matplotlib import font_manager, ft2font
from matplotlib.figure import Figure

# Okabe & Ito (2008), "Color Universal Design": distinguishable with every common colour-vision deficiency.
OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442", "#000000"]
OTHER = "#999999"
LANG_COLOURS = {"fr": "#0072B2", "ar": "#009E73", "en": "#E69F00", "es": "#CC79A7", None: OTHER}
LANG_NAMES = {"fr": "French", "ar": "Arabic", "en": "English", "es": "Spanish", None: "unknown"}
FONT_FAMILY = ["Noto Sans Arabic", "DejaVu Sans"]  # DejaVu (bundled with matplotlib) covers what Noto lacks

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

STYLE = {
    "font.family": FONT_FAMILY,
    "font.size": 9.5,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.labelsize": 9.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.grid.axis": "y",
    "grid.color": "#dddddd",
    "grid.linewidth": 0.6,
    "axes.prop_cycle": matplotlib.cycler(color=OKABE_ITO),
    "legend.frameon": False,
    "legend.fontsize": 8.5,
    "figure.dpi": 100,
    "figure.facecolor": "white",
    # Text from the data is never mathtext: "$5 and $6" stays as written.
    "text.parse_math": False,
    "svg.fonttype": "path",  # text drawn as outlines: the SVG needs no font in the browser
    "svg.hashsalt": "presswatch",  # stable element ids: same data, same bytes
}

_ARABIC = re.compile(r"[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF\uFB50-\uFDFF\uFE70-\uFEFF]")
MPL_SHAPES_TEXT = hasattr(ft2font, "__libraqm_version__")


def register_fonts() -> list[str]:
    """Make the shipped fonts known to matplotlib (idempotent); returns their paths."""
    folder = resources.files("analysis").joinpath("data", "fonts")
    paths = sorted(str(p) for p in folder.iterdir() if p.name.endswith(".ttf"))
    known = {f.fname for f in font_manager.fontManager.ttflist}
    for path in paths:
        if path not in known:
            font_manager.fontManager.addfont(path)
    return paths


def arabic_font_path() -> str | None:
    """Path of the font matplotlib uses for Arabic text, or None when none has the glyphs."""
    register_fonts()
    for family in FONT_FAMILY:
        path = font_manager.findfont(font_manager.FontProperties(family=family), fallback_to_default=False)
        if path and all(ord(c) in ft2font.FT2Font(path).get_charmap() for c in "ابتثجحخ"):
            return path
    return None


def label(text: object, *, width: int | None = 48) -> str:
    """A data string made safe and readable as a chart label: shortened to ``width``
    characters, Arabic shaped and ordered right to left when matplotlib cannot, and never
    taken for a hidden legend entry (matplotlib skips labels starting with "_")."""
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return "unknown"
    text = " ".join(str(text).split())
    if width and len(text) > width:
        text = text[: width - 1].rstrip() + "…"
    if _ARABIC.search(text) and not MPL_SHAPES_TEXT:
        import arabic_reshaper
        from bidi.algorithm import get_display

        text = get_display(arabic_reshaper.reshape(text))
    return "\u200b" + text if text.startswith("_") else text


def lang_name(code: object) -> str:
    return LANG_NAMES.get(code if isinstance(code, str) else None, str(code))


def styled(fn):
    """Build the whole chart inside the house style: matplotlib reads most settings when an
    axis or a text is created, not when the figure is."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        register_fonts()
        with matplotlib.rc_context(STYLE):
            return fn(*args, **kwargs)

    return wrapper


def new_figure(width: float = 8.0, height: float = 3.6) -> Figure:
    """A figure (no pyplot: nothing global, nothing to close). Call inside ``styled``."""
    return Figure(figsize=(width, height), layout="constrained")


def to_svg(fig: Figure) -> bytes:
    """The figure as SVG bytes with no date, creator or random ids: same figure, same bytes."""
    buffer = io.BytesIO()
    with matplotlib.rc_context(STYLE):
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return buffer.getvalue()


def to_png(fig: Figure, *, dpi: int = 100) -> bytes:
    """The figure as PNG bytes without the Software metadata entry."""
    buffer = io.BytesIO()
    with matplotlib.rc_context(STYLE):
        fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    return buffer.getvalue()


def date_axis(ax) -> None:
    locator = mdates.AutoDateLocator(minticks=3, maxticks=10)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def day_month(day, *, year: bool = False) -> str:
    """"4 Dec" or "4 Dec 2016", in English whatever the locale (same bytes everywhere)."""
    return f"{day.day} {MONTHS[day.month - 1]}" + (f" {day.year}" if year else "")


def span_text(days: pd.Series) -> str:
    lo, hi = pd.Timestamp(days.min()), pd.Timestamp(days.max())
    if lo == hi:
        return day_month(lo, year=True)
    if lo.year == hi.year:
        return f"{day_month(lo)} – {day_month(hi, year=True)}"
    return f"{day_month(lo, year=True)} – {day_month(hi, year=True)}"


def bar_width(freq: str) -> float:
    return {"day": 0.8, "week": 5.5, "month": 24.0}[freq]


def top_groups(frame: pd.DataFrame, group: str, value: str, *, top: int) -> pd.DataFrame:
    """Keep the ``top`` groups by total ``value``; fold the rest into "other"."""
    totals = frame.groupby(group, dropna=False)[value].sum().sort_values(ascending=False, kind="stable")
    keep = set(totals.index[:top])
    out = frame.copy()
    out[group] = [g if g in keep else "other" for g in out[group]]
    return out


def stack_wide(frame: pd.DataFrame, *, x: str, group: str, value: str) -> pd.DataFrame:
    wide = frame.pivot_table(index=x, columns=group, values=value, aggfunc="sum", fill_value=0, dropna=False)
    order = wide.sum().sort_values(ascending=False, kind="stable").index
    return wide[order].sort_index()


def group_colours(groups, *, by: str) -> list[str]:
    if by == "lang":
        return [LANG_COLOURS.get(g if isinstance(g, str) else None, OTHER) for g in groups]
    palette = iter(OKABE_ITO)
    return [OTHER if g == "other" else next(palette, OTHER) for g in groups]


def group_label(g, by: str) -> str:
    return lang_name(g) if by == "lang" else label(g, width=32)


def period_tick(p: pd.Timestamp, freq: str) -> str:
    if freq == "month":
        return f"{MONTHS[p.month - 1]} {p.year}"
    if freq == "week":
        iso = p.isocalendar()
        return f"W{iso.week:02d}\n{day_month(p)}"
    return day_month(p)


def empty_figure(fig: Figure, ax, title: str) -> Figure:
    ax.set_axis_off()
    ax.set_title(title)
    ax.text(0.5, 0.5, "no data in this period", ha="center", va="center", transform=ax.transAxes, color="#666666")
    return fig
