"""Full-text search over articles and ticker headlines, attention over time, key terms.

    from analysis.search import search, attention, keyness
    search(con, '"premier ministre" AND (maroc OR algerie) -football', limit=10)
    attention(con, ["migrants", "réfugiés"], freq="week")

The index is a tantivy index beside the database (``<database>.search/``), kept in step with
it on every call (``analysis.search.index``); the query language is in ``parser``.
Exports load lazily, so that a search from the command line does not import matplotlib.
"""

from analysis.lazy import lazy_exports

__getattr__, __all__ = lazy_exports(__name__, {
    "IndexOutOfStep": "analysis.search.index",
    "SearchQueryError": "analysis.search.parser",
    "attention": "analysis.search.timeline",
    "attention_chart": "analysis.search.chart",
    "keyness": "analysis.search.terms",
    "matching_ids": "analysis.search.matches",
    "open_index": "analysis.search.index",
    "rebuild_index": "analysis.search.index",
    "search": "analysis.search.matches",
    "update_index": "analysis.search.index",
})
