"""Charts: matplotlib functions that take the tidy frames of ``analysis.volume``, ``trends``,
entities and topics and return a Figure. They never write files (the report and the
notebooks decide where a figure goes); ``to_svg``/``to_png`` give deterministic bytes.

One style for all of them (``STYLE``): titles that say what and when, labelled axes with
units, concise date axes, legends outside the data, the Okabe–Ito colour-blind-safe palette,
and a font with Arabic glyphs (Noto Sans Arabic, shipped in ``analysis/data/fonts``).
"""

from analysis.plots.coverage import coverage_heatmap, lifespan_chart, share_chart, volume_chart
from analysis.plots.lines import bar_chart, burst_chart, network_chart, small_multiples, timeline_chart
from analysis.plots.style import (
                                  FONT_FAMILY,
                                  LANG_COLOURS,
                                  LANG_NAMES,
                                  MPL_SHAPES_TEXT,
                                  OKABE_ITO,
                                  OTHER,
                                  STYLE,
                                  arabic_font_path,
                                  label,
                                  lang_name,
                                  new_figure,
                                  register_fonts,
                                  styled,
                                  to_png,
                                  to_svg,
                                  top_groups,
)

__all__ = ["FONT_FAMILY", "LANG_COLOURS", "LANG_NAMES", "MPL_SHAPES_TEXT", "OKABE_ITO", "OTHER", "STYLE",
           "arabic_font_path", "label", "lang_name", "new_figure", "register_fonts", "styled", "to_png", "to_svg",
           "top_groups", "bar_chart", "burst_chart", "network_chart", "small_multiples", "timeline_chart",
           "coverage_heatmap", "lifespan_chart", "share_chart", "volume_chart"]
