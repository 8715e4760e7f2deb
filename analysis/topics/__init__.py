"""Topics: a multilingual taxonomy scorer, per-language discovery models, topics over time, bursts.

    from analysis.topics import topic_frequencies, bursts
    frame = topic_frequencies(con, freq="week", by="lang")
    found = bursts(frame, con=con)

Exports load lazily so that importing the CLI does not import pandas, scikit-learn or simplemma.
"""

from importlib import import_module

_EXPORTS = {
    "bursts": "analysis.topics.bursts",
    "kleinberg_states": "analysis.topics.bursts",
    "evaluate": "analysis.topics.evaluate",
    "topic_frequencies": "analysis.topics.frequencies",
    "topic_top": "analysis.topics.frequencies",
    "load_taxonomy": "analysis.topics.taxonomy",
    "score_text": "analysis.topics.taxonomy",
}
__all__ = list(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'analysis.topics' has no attribute {name!r}")
