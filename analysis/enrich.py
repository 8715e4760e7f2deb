"""`presswatch enrich`: run the enrichment stages over what the loaders stored.

Each stage is a plain function ``run(con, *, rebuild: bool, progress, workers) -> dict`` that
works incrementally (only articles/headlines it has not processed yet, everything with
``rebuild=True``) and returns counts for the summary. ``workers`` > 1 lets a stage run its
per-document work in that many processes (analysis.workers); the parent alone writes, in
document order, so the database ends up the same as with one. Stages register here in the
order they must run; a later stage may read what an earlier one wrote.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module

# name -> "module:function"; imported lazily so `presswatch load` never pays for spaCy.
STAGES: dict[str, str] = {
    "stories": "analysis.stories.stage:run",
    "topics": "analysis.topics.stage:run",
    "entities": "analysis.entities.stage:run",
}


def stage_names() -> list[str]:
    return list(STAGES)


def run(con, *, stages: list[str] | None = None, rebuild: bool = False, progress: bool = True,
        workers: int = 1, spacy: bool = True) -> dict[str, dict]:
    """Run the given stages (all by default) and return {stage: counts}. ``spacy=False``: the
    entities stage uses its registry alone (the fast path for large archives)."""
    chosen = stages or stage_names()
    unknown = [s for s in chosen if s not in STAGES]
    if unknown:
        raise ValueError(f"unknown enrichment stage(s): {', '.join(unknown)}; known: {', '.join(STAGES)}")
    results = {}
    for name in chosen:
        module, func = STAGES[name].split(":")
        fn: Callable = getattr(import_module(module), func)
        options = {"mode": "combined" if spacy else "registry"} if name == "entities" else {}
        results[name] = fn(con, rebuild=rebuild, progress=progress, workers=workers, **options)
    return results
