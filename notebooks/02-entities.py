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
# # 02 — Entities: who and what was in the news
#
# Top entities of a window, one entity's timeline (stories per period and share of all
# stories, by outlet), and a co-occurrence network of the top entities. Counts are stories
# (syndicated copies together) from `analysis.entities`; hollow markers are incomplete
# periods (the first or last of the data, or unusually thin): a dip there is a collection
# gap, not a quiet news week. Needs `presswatch enrich` to have run.

# %%
# %matplotlib inline
import os
from pathlib import Path

import analysis
from analysis import plots
from analysis.trends import has_rows

# %% tags=["parameters"]
DB = None  # database file; default: $PRESSWATCH_DB or data/presswatch.duckdb of this repository
PERIOD = "week"  # bucket for timelines: day, week or month
START = None  # first day (YYYY-MM-DD) or None
END = None  # last day or None
OUTLET = None  # show this outlet's timeline next to the total (as written in articles.outlet), or None
ENTITY = None  # entity to follow (name in any language, or id); default: the most named one

# %%
ROOT = Path.cwd() if (Path.cwd() / "analysis").is_dir() else Path.cwd().parent
con = analysis.connect(DB or os.environ.get("PRESSWATCH_DB") or ROOT / "data" / "presswatch.duckdb", read_only=True)
ENRICHED = has_rows(con, "mentions")
"entity mentions found" if ENRICHED else "no entity mentions in this database: run `presswatch enrich` first"

# %% [markdown]
# ## Top entities of the window

# %%
if ENRICHED:
    from analysis.entities import entity_cooccurrence, entity_frequencies, top_entities

    top = top_entities(con, start=START, end=END, top=20)
    display(plots.bar_chart(top, name="entity", value="n_documents", what="stories naming it", unit="count",
                            title="Entities named in the most stories"))
    display(top[["entity", "type", "n_documents", "n_mentions", "share", "first", "last"]])

# %% [markdown]
# ## One entity over time: stories per period and share of all stories

# %%
if ENRICHED:
    entity = ENTITY or top["entity_id"].iloc[0]
    timeline = entity_frequencies(con, freq=PERIOD, entities=[entity], start=START, end=END)
    name = timeline["entity"].iloc[0]
    display(plots.timeline_chart(timeline, group="entity", value="n_documents", freq=PERIOD,
                                 what=f"Stories naming {name}"))
    display(plots.timeline_chart(timeline, group="entity", value="share", freq=PERIOD,
                                 what=f"Share of stories naming {name}"))

# %% [markdown]
# By outlet: the entity's stories per period in the outlets that named it most (or `OUTLET`).

# %%
if ENRICHED:
    by_outlet = entity_frequencies(con, freq=PERIOD, entities=[entity], by="outlet", start=START, end=END)
    if OUTLET:
        by_outlet = by_outlet[by_outlet["group"] == OUTLET]
    display(plots.timeline_chart(by_outlet, group="group", value="n_documents", freq=PERIOD,
                                 what=f"Stories naming {name}, by outlet", top=6))

# %% [markdown]
# ## Who appears with whom: co-occurrence of the top entities
# An edge joins two entities named in the same story at least twice; its width is the number
# of such stories.

# %%
if ENRICHED:
    ids = list(top["entity_id"][:15])
    pairs = entity_cooccurrence(con, entities=ids, start=START, end=END, min_count=2, top=200)
    pairs = pairs[pairs["entity_a"].isin(ids) & pairs["entity_b"].isin(ids)]
    nodes = top[top["entity_id"].isin(ids)].rename(columns={"entity": "name", "n_documents": "weight"})
    names = dict(zip(top["entity_id"], top["entity"]))
    edges = pairs.assign(source=pairs["entity_a"].map(names), target=pairs["entity_b"].map(names),
                         weight=pairs["n_together"])
    display(plots.network_chart(nodes[["name", "weight"]], edges[["source", "target", "weight"]],
                                title="Entities named together in the same stories"))
    display(pairs[["name_a", "name_b", "n_together", "npmi"]].head(15))

# %%
con.close()
