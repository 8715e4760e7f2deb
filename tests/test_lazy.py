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


def test_importing_the_enrichment_and_report_packages_loads_no_pandas():
    import subprocess
    import sys

    code = ("import sys, analysis.topics, analysis.entities, analysis.report, analysis.stories; "
            "print('pandas' in sys.modules, 'matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_searching_loads_no_matplotlib():
    import subprocess
    import sys

    code = ("import sys; from analysis.search import search, attention, keyness, open_index; "
            "import analysis.cli.search; print('matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False"]
    from analysis.search import attention_chart
    from analysis.search.chart import attention_chart as defined

    assert attention_chart is defined
