"""The chart of an ``attention`` frame: one line per query (and group), from analysis.plots.lines."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from analysis.errors import InvalidArgument
from analysis.plots.lines import timeline_chart


def attention_chart(frame: pd.DataFrame, *, value: str = "share", freq: str = "week",
                    title: str | None = None) -> Figure:
    """Lines of ``value`` ("share" or "n_documents") per query over time, one per query and
    group when the frame was grouped; incomplete periods drawn hollow. Writes no file."""
    if value not in ("share", "n_documents"):
        raise InvalidArgument(f"value must be 'share' or 'n_documents', not {value!r}")
    series = frame.assign(series=frame["query"].astype(str))
    grouped = series["group"].notna()
    series.loc[grouped, "series"] = (series.loc[grouped, "query"].astype(str) + " · "
                                     + series.loc[grouped, "group"].astype(str))
    return timeline_chart(series, group="series", value=value, freq=freq, what="Matching stories",
                          title=title)
