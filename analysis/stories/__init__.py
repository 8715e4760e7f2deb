"""Stories: near-duplicate and syndicated articles and re-edited ticker headlines,
counted once. See docs/stories.md and ``detect`` for what a story is.

Exports load lazily so that importing the CLI does not import numpy/scipy. (A lazy export
must not share its name with a submodule: importing the submodule would replace it; the
evaluation lives in ``analysis.stories.evaluate``.)
"""

from analysis.lazy import lazy_exports

__getattr__, __all__ = lazy_exports(__name__, {
    "detect_stories": "analysis.stories.stage",
    "run": "analysis.stories.stage",
    "top_stories": "analysis.stories.queries",
    "story_placements": "analysis.stories.queries",
    "story_timeline": "analysis.stories.queries",
})
