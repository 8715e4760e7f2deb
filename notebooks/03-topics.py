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
# # 03 — Topics over time and their bursts
#
# Share of stories by main topic (the reviewed taxonomy of `analysis/data/topics`) as a
# stacked area and as small multiples, then the bursts found by `analysis.bursts`
# (z-score against the topic's own baseline, and Kleinberg's two-state model), each shown
# with the headline of its driving article. Needs `presswatch enrich` to have run.

# %%
# %matplotlib inline
import os
from pathlib import Path

import analysis
from analysis import plots
from analysis.trends import has_rows

# %% tags=["parameters"]
DB = None  # database file; default: $PRESSWATCH_DB or data/presswatch.duckdb of this repository
PERIOD = "week"  # day, week or month
START = None  # first day (YYYY-MM-DD) or None
END = None  # last day or None
OUTLET = None  # only this outlet (as written in articles.outlet), or None for all

# %%
ROOT = Path.cwd() if (Path.cwd() / "analysis").is_dir() else Path.cwd().parent
con = analysis.connect(DB or os.environ.get("PRESSWATCH_DB") or ROOT / "data" / "presswatch.duckdb", read_only=True)
ENRICHED = has_rows(con, "article_topics")
"topics found" if ENRICHED else "no topics in this database: run `presswatch enrich` first"

# %%
if ENRICHED:
    from analysis.bursts import detect_bursts
    from analysis.topics import topic_frequencies

    shares = topic_frequencies(con, freq=PERIOD, start=START, end=END, by="outlet" if OUTLET else None)
    if OUTLET:
        shares = shares[shares["group"] == OUTLET].assign(group=None)
    top = shares.groupby("label")["n_documents"].sum().sort_values(ascending=False).index[:7]
    shown = shares[shares["label"].isin(top)]
    display(plots.share_chart(shown.rename(columns={"label": "topic_label"}), group="topic_label", value="share",
                              by="topic", freq=PERIOD, what="Share of stories by main topic"))

# %%
if ENRICHED:
    display(plots.small_multiples(shares, group="label", value="share", freq=PERIOD, what="Share of stories", top=9))

# %% [markdown]
# ## Bursts: when a topic rose far above its own baseline

# %%
if ENRICHED:
    found = detect_bursts(shares, con=con)
    display(found[["label", "method", "start", "end", "peak_share", "baseline_share", "score"]].head(15))

# %% [markdown]
# The strongest bursts, annotated with their driving article.

# %%
if ENRICHED:
    for topic in found["key"].drop_duplicates()[:3]:
        series = shares[shares["topic"] == topic]
        display(plots.burst_chart(series, found[found["key"] == topic], freq=PERIOD,
                                  what=series["label"].iloc[0]))

# %%
con.close()
