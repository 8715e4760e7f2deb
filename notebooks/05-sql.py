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
# # 05 — Querying the database ad hoc
#
# The database is a DuckDB file. Open it read-only (a load can then still wait for it, and
# you cannot damage it), then use SQL strings with bound parameters, the relation API, or the
# `%sql` magic (jupysql). Every table and column documents itself: see `duckdb_columns()`.
#
# **Values are parameters, never formatted into the SQL text**: `$name` with a dict (or `?`
# with a list). Jupysql's `{{variable}}` templating pastes text into the query — do not use it
# with values.

# %%
import os
from pathlib import Path

import analysis

# %% tags=["parameters"]
DB = None  # database file; default: $PRESSWATCH_DB or data/presswatch.duckdb of this repository
PERIOD = "week"  # day, week or month
START = "2016-10-01"  # first day
END = "2016-12-31"  # last day
OUTLET = "Jawhara FM"  # an outlet as written in articles.outlet

# %%
ROOT = Path.cwd() if (Path.cwd() / "analysis").is_dir() else Path.cwd().parent
con = analysis.connect(DB or os.environ.get("PRESSWATCH_DB") or ROOT / "data" / "presswatch.duckdb", read_only=True)

# %% [markdown]
# ## What is in there: tables and their documented columns

# %%
con.execute("""SELECT table_name, column_name, data_type, comment FROM duckdb_columns()
               WHERE schema_name = 'main' AND table_name IN ('articles', 'headlines', 'sightings')
               ORDER BY table_name, column_index""").df()

# %% [markdown]
# ## SQL with bound parameters

# %%
con.execute("""
    SELECT CAST(date_trunc($freq, published_date) AS DATE) AS period, count(*) AS articles
    FROM articles
    WHERE outlet = $outlet AND published_date BETWEEN $start AND $end
    GROUP BY ALL ORDER BY period""", {"freq": PERIOD, "outlet": OUTLET, "start": START, "end": END}).df()

# %% [markdown]
# ## The relation API: build a query step by step, then fetch it as pandas or Polars

# %%
rel = (con.table("articles")
       .filter("published_date IS NOT NULL")
       .aggregate("lang, count(*) AS articles, min(published_date) AS first, max(published_date) AS last", "lang")
       .order("articles DESC"))
rel.pl()

# %% [markdown]
# The ticker: which headlines were on it longest (crawl-time dating).

# %%
(con.table("headlines")
 .project("text, lang, n_sightings, round(epoch(last_seen - first_seen) / 3600) AS hours")
 .order("hours DESC, n_sightings DESC")
 .limit(10)
 .df())

# %% [markdown]
# ## The `%sql` magic (jupysql) on the same connection

# %%
# %load_ext sql
# %config SqlMagic.displaycon = False
# %config SqlMagic.autopandas = True
# %sql con --alias presswatch

# %%
# %%sql
SELECT coalesce(outlet, '(unknown)') AS outlet, lang, count(*) AS articles
FROM articles GROUP BY ALL ORDER BY articles DESC LIMIT 10

# %% [markdown]
# Keep the result in Python: `_` holds the last cell's DataFrame.

# %%
top_outlets = _
top_outlets.head(3)

# %%
con.close()
