"""Topics: a multilingual taxonomy scorer, per-language discovery models, topics over time.

    from analysis.topics import topic_frequencies
    from analysis.bursts import detect_bursts
    frame = topic_frequencies(con, freq="week", by="lang")
    found = detect_bursts(frame, con=con)

Exports load lazily so that importing the CLI does not import pandas.
"""

from analysis.lazy import lazy_exports

__getattr__, __all__ = lazy_exports(__name__, {
    "topic_frequencies": "analysis.topics.frequencies",
    "topic_top": "analysis.topics.frequencies",
    "resolve_topics": "analysis.topics.frequencies",
    "load_taxonomy": "analysis.topics.taxonomy",
    "score_text": "analysis.topics.taxonomy",
})
