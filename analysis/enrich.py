"""`presswatch enrich`: run the enrichment stages over what the loaders stored.

Each stage is a plain function ``run(con, *, rebuild: bool, progress, workers, **options) -> dict``
that works incrementally (only articles/headlines it has not processed yet, everything with
``rebuild=True``) and returns counts for the summary. ``workers`` > 1 lets a stage run its
per-document work in that many processes (analysis.workers); the parent alone writes, in
document order, so the database ends up the same as with one. Stages register here in the
order they must run; a later stage may read what an earlier one wrote.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib import import_module

from analysis import rollups
from analysis.errors import InvalidArgument

# name -> "module:function"; imported lazily so `presswatch load` never pays for spaCy.
STAGES: dict[str, str] = {
    "stories": "analysis.stories.stage:run",
    "topics": "analysis.topics.stage:run",
    "entities": "analysis.entities.stage:run",
    "rollups": "analysis.rollups:run",  # counts what the stages above wrote
}


def stage_names() -> list[str]:
    return list(STAGES)


def run(con, *, stages: list[str] | None = None, rebuild: bool = False, progress: bool = True,
        workers: int = 1, options: Mapping[str, Mapping] | None = None) -> dict[str, dict]:
    """Run the given stages (all by default) and return {stage: counts}. ``options`` maps a
    stage name to extra keyword arguments of its ``run`` (e.g. ``{"entities": {"mode":
    "registry"}}``: the entities stage without recognisers, the registry alone)."""
    chosen = stages or stage_names()
    options = dict(options or {})
    unknown = [s for s in [*chosen, *options] if s not in STAGES]
    if unknown:
        raise InvalidArgument(f"unknown enrichment stage(s): {', '.join(unknown)}; known: {', '.join(STAGES)}")
    if any(name != "rollups" for name in chosen):
        rollups.invalidate(con)  # a stage may relink or re-score without changing a table's size
    results = {}
    for name in chosen:
        module, func = STAGES[name].split(":")
        fn: Callable = getattr(import_module(module), func)
        results[name] = fn(con, rebuild=rebuild, progress=progress, workers=workers, **options.get(name, {}))
    return results
