"""Lazy package exports."""

import pytest

from analysis.lazy import lazy_exports


def test_exports_resolve_to_the_defining_module():
    import analysis.stories as stories
    from analysis.stories.queries import top_stories

    assert stories.top_stories is top_stories
    with pytest.raises(AttributeError):
        stories.no_such_name  # noqa: B018


def test_a_name_that_is_also_a_submodule_is_refused():
    with pytest.raises(ValueError, match="evaluate"):
        lazy_exports("analysis.stories", {"evaluate": "analysis.stories.evaluate"})
