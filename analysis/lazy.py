"""Lazy package exports, so that importing the CLI does not import pandas, spaCy or matplotlib.

    __getattr__, __all__ = lazy_exports(__name__, {"top_stories": "analysis.stories.queries"})

An exported name must not be the name of a submodule of the package: importing that
submodule would bind the module over the lazily exported function.
"""

from __future__ import annotations

from importlib import import_module
from importlib.util import find_spec


def lazy_exports(package: str, exports: dict[str, str]):
    """(__getattr__, __all__) for a package whose ``exports`` map names to defining modules."""
    clashes = [name for name in exports if find_spec(f"{package}.{name}") is not None]
    if clashes:
        raise ValueError(f"{package}: lazy exports named like a submodule: {', '.join(clashes)}")

    def __getattr__(name: str):
        if name in exports:
            return getattr(import_module(exports[name]), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__, list(exports)
