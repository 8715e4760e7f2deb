"""Full-text search over articles and ticker headlines, attention over time, key terms.

    from analysis.search import search, attention, keyness
    search(con, '"premier ministre" AND (maroc OR algerie) -football', limit=10)
    attention(con, ["migrants", "réfugiés"], freq="week")

The index is a tantivy index beside the database (``<database>.search/``), kept in step with
it on every call (``analysis.search.index``); the query language is in ``parser``.
"""

from analysis.search.chart import attention_chart
from analysis.search.index import IndexOutOfStep, open_index, rebuild_index, update_index
from analysis.search.matches import matching_ids, search
from analysis.search.parser import SearchQueryError
from analysis.search.terms import keyness
from analysis.search.timeline import attention

__all__ = [
           "IndexOutOfStep",
           "SearchQueryError",
           "attention",
           "attention_chart",
           "keyness",
           "matching_ids",
           "open_index",
           "rebuild_index",
           "search",
           "update_index",
]
