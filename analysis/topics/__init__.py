"""Topics: a multilingual taxonomy scorer, per-language discovery models, topics over time, bursts.

    from analysis.topics import topic_frequencies, bursts
    frame = topic_frequencies(con, freq="week", by="lang")
    found = bursts(frame, con=con)
"""

from analysis.topics.bursts import bursts, kleinberg_states
from analysis.topics.evaluate import evaluate
from analysis.topics.frequencies import topic_frequencies, topic_top
from analysis.topics.taxonomy import load_taxonomy, score_text

__all__ = ["bursts", "kleinberg_states", "evaluate", "topic_frequencies", "topic_top", "load_taxonomy", "score_text"]
