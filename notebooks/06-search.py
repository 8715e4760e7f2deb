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
# # 06 — Search: compare two queries over time, read the top stories
#
# The Media Cloud loop: write a query, see how much attention the press gave it over time,
# read the matching stories, compare with another query. Queries use AND / OR / NOT, "phrases",
# (groups), prefix `terror*`, `title:`, `outlet:`, `lang:` and `date:[2016-01-01 TO 2016-03-31]`;
# words are folded (case, accents, Arabic letter forms and harakat), so `Maroc` finds `maroc`
# and `الإرهاب` finds `الارهاب`. Attention counts stories (syndicated copies once) per period;
# hollow markers are incomplete periods. The search index lives beside the database
# (`<database>.search/`) and follows it: `presswatch load` updates it, every search checks it.

# %%
# %matplotlib inline
import os
from pathlib import Path

import analysis
from analysis.search import attention, attention_chart, keyness, search

# %% tags=["parameters"]
DB = None  # database file; default: $PRESSWATCH_DB or data/presswatch.duckdb of this repository
PERIOD = "week"  # bucket: day, week or month
START = None  # first day (YYYY-MM-DD) or None
END = None  # last day or None
OUTLET = None  # only this outlet's articles (words of its name, e.g. "opinion"), or None
QUERIES = ["tunisie OR تونس", "trump OR ترامب"]  # the two (or more) queries to compare
TOP = 10  # stories to read

# %%
if OUTLET:
    QUERIES = [f'({query}) outlet:"{OUTLET}"' for query in QUERIES]
ROOT = Path.cwd() if (Path.cwd() / "analysis").is_dir() else Path.cwd().parent
con = analysis.connect(DB or os.environ.get("PRESSWATCH_DB") or ROOT / "data" / "presswatch.duckdb", read_only=True)

# %% [markdown]
# ## Attention over time: matching stories and their share of all stories

# %%
series = attention(con, QUERIES, freq=PERIOD, start=START, end=END)
display(attention_chart(series, freq=PERIOD, title=" vs ".join(QUERIES)))
display(attention_chart(series, value="n_documents", freq=PERIOD, title="Matching stories"))
series.groupby("query")[["n_documents"]].sum()

# %% [markdown]
# ## The top stories of each query (BM25; matches between `**`)

# %%
for query in QUERIES:
    top = search(con, query, limit=TOP, start=START, end=END)
    print(f"{query}: {len(top)} shown")
    display(top[["rank", "published_date", "outlet", "lang", "title", "snippet"]])

# %% [markdown]
# ## What the matches talk about: words over-represented against the rest of the archive
#
# G² (log-likelihood) on document frequencies, per language, stop words removed; `log_ratio`
# is log2 of how much more often a word's documents match than not.

# %%
keyness(con, query=QUERIES[0], start=START, end=END, top=15)
