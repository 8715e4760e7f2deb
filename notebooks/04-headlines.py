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
# # 04 — Ticker headlines: how long they stay, in which language
#
# A headline's life on the ticker runs from the first to the last crawl that showed it (crawl
# times, UTC). With a few crawls a day that is a coarse clock: a headline seen once has a
# life of 0 hours. Headlines already there at the first crawl of the database, or still there
# at the last one, are *censored*: they may have stayed longer than we saw.

# %%
# %matplotlib inline
import os
from pathlib import Path

import analysis
from analysis import plots, trends, volume

# %% tags=["parameters"]
DB = None  # database file; default: $PRESSWATCH_DB or data/presswatch.duckdb of this repository
PERIOD = "day"  # bucket for the language mix: day, week or month
START = None  # first day (YYYY-MM-DD) or None
END = None  # last day or None
MONTHS = 12  # with START and END both None: the last MONTHS months of the data (0: all of it)
OUTLET = None  # ticker headlines have no outlet: kept for a uniform papermill interface, unused here

# %%
ROOT = Path.cwd() if (Path.cwd() / "analysis").is_dir() else Path.cwd().parent
con = analysis.connect(DB or os.environ.get("PRESSWATCH_DB") or ROOT / "data" / "presswatch.duckdb", read_only=True)
if START is None and END is None and MONTHS:  # the latest data, not the span from the oldest stray date
    START, END = trends.latest_window(con, months=MONTHS, source="headlines")
lives = volume.headline_lifespans(con, start=START, end=END)
lives.groupby("lang", dropna=False)["hours"].describe()

# %%
plots.lifespan_chart(lives)

# %% [markdown]
# Censored lives are a lower bound; the share of them says how much to trust the tail.

# %%
lives["censored"].mean()

# %% [markdown]
# ## The longest-lived headlines of the window

# %%
volume.ticker_headlines(con, start=START, end=END, order="longest", limit=15)[
    ["first_seen", "last_seen", "hours", "censored", "n_sightings", "lang", "text"]]

# %% [markdown]
# ## Language mix of the ticker over time (share of ticker slots)

# %%
mix = volume.ticker_language_mix(con, freq=PERIOD, start=START, end=END)
plots.share_chart(mix, group="lang", value="share", freq=PERIOD)

# %%
con.close()
