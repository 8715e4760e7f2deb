# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 01 — Overview: what was collected, when, in which language
#
# Volume of articles per day or week by outlet and language, a coverage heatmap that makes
# gaps in the collection visible, and the newest ticker headlines. Articles are dated by
# their own dateline; ticker headlines and pages by crawl time (UTC).
#
# Run it against another database or window with papermill, e.g.
# `papermill 01-overview.ipynb out.ipynb -p DB ../data/other.duckdb -p PERIOD day -p START 2016-11-01`.

# %%
# %matplotlib inline
import os
from pathlib import Path

import pandas as pd

import analysis
from analysis import plots, trends, volume

# %% tags=["parameters"]
DB = None  # database file; default: $PRESSWATCH_DB or data/presswatch.duckdb of this repository
PERIOD = "week"  # bucket for the volume charts: day, week or month
START = None  # first day (YYYY-MM-DD) or None for the start of the data
END = None  # last day or None for the end of the data
MONTHS = 12  # with START and END both None: the last MONTHS months of the data (0: all of it)
OUTLET = None  # one outlet as written in articles.outlet, or None for all

# %%
ROOT = Path.cwd() if (Path.cwd() / "analysis").is_dir() else Path.cwd().parent
con = analysis.connect(DB or os.environ.get("PRESSWATCH_DB") or ROOT / "data" / "presswatch.duckdb", read_only=True)
if START is None and END is None and MONTHS:  # the latest data, not the span from the oldest stray date
    START, END = trends.latest_window(con, months=MONTHS)
outlets = [OUTLET] if OUTLET else None
bounds = volume.data_bounds(con)
pd.Series(bounds, name="value").to_frame()

# %% [markdown]
# ## Volume per period by language and by outlet

# %%
vol = volume.article_volume(con, freq=PERIOD, start=START, end=END, outlets=outlets)
vol.groupby("lang", dropna=False)[["n_placements", "n_stories"]].sum()

# %%
plots.volume_chart(vol, by="lang", freq=PERIOD)

# %%
plots.volume_chart(vol, by="outlet", freq=PERIOD)

# %% [markdown]
# ## Coverage: which outlet, which week
# A white cell is a week without any article from that outlet (a gap in the collection, or a
# silent outlet). The second heatmap shows the collection itself: pages crawled per site.

# %%
plots.coverage_heatmap(volume.coverage(con, freq="week", start=START, end=END, outlets=outlets), freq="week")

# %%
crawls = volume.coverage(con, freq="week", start=START, end=END, basis="crawled")
plots.coverage_heatmap(crawls, freq="week", what="Pages crawled per site and edition") if len(crawls) else "no crawled pages"

# %% [markdown]
# ## The newest ticker headlines

# %%
volume.ticker_headlines(con, start=START, end=END, order="newest", limit=20)[
    ["first_seen", "last_seen", "hours", "lang", "text"]]

# %%
con.close()
