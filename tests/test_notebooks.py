"""Every notebook runs top to bottom on the enriched sample, in a fresh kernel, and shows
its charts. A cell that raises fails the test (nbclient's CellExecutionError)."""

from __future__ import annotations

import pytest

from bench.notebooks import images, notebook_paths, run_notebook

# charts each notebook must display on the sample (Q4 2016, where its parts overlap)
EXPECTED_IMAGES = {"01-overview": 4, "02-entities": 5, "03-topics": 5, "04-headlines": 2, "05-sql": 0}
Q4 = {"START": "2016-10-01", "END": "2016-12-31"}


def test_every_notebook_is_covered():
    assert {p.stem for p in notebook_paths()} == set(EXPECTED_IMAGES)


@pytest.mark.parametrize("name", sorted(EXPECTED_IMAGES))
def test_notebook_runs_top_to_bottom(name, enriched_sample_db):
    (path,) = [p for p in notebook_paths() if p.stem == name]
    # run_notebook raises on the first failing cell, with its traceback
    nb = run_notebook(path, {"DB": str(enriched_sample_db), **Q4}, timeout=240)
    assert images(nb) >= EXPECTED_IMAGES[name]
    source = "\n".join(cell.source for cell in nb.cells)
    assert "read_only=True" in source  # notebooks never write the database


def test_notebook_sources_carry_no_outputs():
    for path in notebook_paths():
        text = path.read_text(encoding="utf-8")
        assert '"outputs"' not in text and "execution_count" not in text, path.name
        assert 'tags=["parameters"]' in text, f"{path.name} needs a papermill parameters cell"
