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
# Top entities of a window, overall and in each language (French, Arabic, English: each read by
# its own recogniser), one entity's timeline (stories per period and share of all stories, by
# outlet), and a co-occurrence network of the top entities. Counts are stories
# (syndicated copies together) from `analysis.entities`; hollow markers are incomplete
# periods (the first or last of the data, or unusually thin): a dip there is a collection
# gap, not a quiet news week. Needs `presswatch enrich` to have run.

# %%
# %matplotlib inline
import os
from pathlib import Path

import analysis
from analysis import plots, trends
from analysis.trends import has_rows

# %% tags=["parameters"]
DB = None  # database file; default: $PRESSWATCH_DB or data/presswatch.duckdb of this repository
PERIOD = "week"  # bucket for timelines: day, week or month
START = None  # first day (YYYY-MM-DD) or None
END = None  # last day or None
MONTHS = 12  # with START and END both None: the last MONTHS months of the data (0: all of it)
OUTLET = None  # show this outlet's timeline next to the total (as written in articles.outlet), or None
ENTITY = None  # entity to follow (name in any language, or id); default: the most named one

# %%
ROOT = Path.cwd() if (Path.cwd() / "analysis").is_dir() else Path.cwd().parent
con = analysis.connect(DB or os.environ.get("PRESSWATCH_DB") or ROOT / "data" / "presswatch.duckdb", read_only=True)
if START is None and END is None and MONTHS:  # the latest data, not the span from the oldest stray date
    START, END = trends.latest_window(con, months=MONTHS)
ENRICHED = has_rows(con, "mentions")
"entity mentions found" if ENRICHED else "no entity mentions in this database: run `presswatch enrich` first"

# %% [markdown]
# ## Top entities of the window

# %%
if ENRICHED:
    from analysis.entities import entity_cooccurrence, entity_frequencies, top_entities

    top = top_entities(con, start=START, end=END, top=20)
# headline mentions alone (a ticker-only database) or an empty window leave no article entity to follow
NAMED = ENRICHED and len(top) > 0
if NAMED:
    display(plots.bar_chart(top, name="entity", value="n_documents", what="stories naming it", unit="count",
                            title="Entities named in the most stories"))
    display(top[["entity", "type", "n_documents", "n_mentions", "share", "first", "last"]])
elif ENRICHED:
    display("no entity named in the articles of this window")

# %% [markdown]
# ## Top entities in each language
# Each language's own top list (`presswatch entities top --by lang`), named in that language
# where the registry has a name for it. A language with articles elsewhere in the database but
# none naming an entity in this window says so.

# %%
if ENRICHED:
    from analysis.report.sections import NAME_COLUMNS, entity_names

    by_lang = top_entities(con, start=START, end=END, top=10, by="lang")
    article_langs = con.execute("""SELECT lang, min(published_date), max(published_date) FROM articles
                                   WHERE lang IS NOT NULL GROUP BY lang ORDER BY count(*) DESC, lang""").fetchall()
    per_lang = {}  # language -> its top list as shown
    for lang, first, last in article_langs:
        part = by_lang[by_lang["group"] == lang]
        if part.empty:
            display(f"no {plots.lang_name(lang)} article names an entity in this window "
                    f"({plots.lang_name(lang)} articles: {first} .. {last})")
            continue
        names = entity_names(con, part["entity_id"], lang if lang in NAME_COLUMNS else None)
        part = per_lang[lang] = part.assign(entity=part["entity_id"].map(names).fillna(part["entity"]))
        display(plots.bar_chart(part, name="entity", value="n_documents", what="stories naming it", unit="count",
                                title=f"Entities named in the most {plots.lang_name(lang)} stories"))
        display(part[["entity", "type", "n_documents", "share"]].reset_index(drop=True))

# %% [markdown]
# ## One entity over time: stories per period and share of all stories

# %%
if NAMED:
    entity = ENTITY or top["entity_id"].iloc[0]
    timeline = entity_frequencies(con, freq=PERIOD, entities=[entity], start=START, end=END)
    name = timeline["entity"].iloc[0] if len(timeline) else str(entity)
    display(plots.timeline_chart(timeline, group="entity", value="n_documents", freq=PERIOD,
                                 what=f"Stories naming {name}"))
    display(plots.timeline_chart(timeline, group="entity", value="share", freq=PERIOD,
                                 what=f"Share of stories naming {name}"))

# %% [markdown]
# By outlet: the entity's stories per period in the outlets that named it most (or `OUTLET`).

# %%
if NAMED:
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
if NAMED:
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
