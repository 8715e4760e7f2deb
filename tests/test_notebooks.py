"""Every notebook runs top to bottom on the enriched sample, in a fresh kernel, and shows
its charts; and on an empty and a ticker-only database without failing. A cell that raises
fails the test (nbclient's CellExecutionError)."""

from __future__ import annotations

import contextlib
import dataclasses
import sys
from pathlib import Path

import pytest

import analysis
from bench.notebooks import NOTEBOOKS, images, notebook_paths, run_notebook
from tests.conftest import CORPUS

# charts each notebook must display on the sample (Q4 2016, where its parts overlap; 02 draws
# one top list per language there: French and Arabic)
EXPECTED_IMAGES = {"01-overview": 4, "02-entities": 7, "03-topics": 5, "04-headlines": 2, "05-sql": 0, "06-search": 2}
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


# ---- Every database `presswatch load` can produce --------------------------------------------
# The fast path: the notebooks' cells run in one in-process IPython shell (no kernel to start),
# each notebook on a fresh namespace; a cell that raises fails the test.

def ticker_only_db(folder: Path) -> Path:
    """Pages holding only their ticker line (real headlines of the corpus, drawn by
    bench.pagegen), loaded and enriched: headlines and their mentions/topics, no article."""
    from analysis import enrich
    from analysis.ingest import load
    from bench.pagegen import generate, read_corpus, write_pages

    pages = [dataclasses.replace(p, text=p.text.split("\n", 1)[0])
             for p in generate(read_corpus(CORPUS, limit=40), 12, seed=3, pages_per_day=4)]
    write_pages(pages, folder / "pages")
    path = folder / "ticker.duckdb"
    con = analysis.connect(path)
    load(con, [str(folder / "pages")], workers=1)
    enrich.run(con, stages=["entities", "topics"], progress=False, options={"entities": {"mode": "registry"}})
    con.close()
    return path


def run_in_shell(shell, path: Path, parameters: dict) -> None:
    import jupytext
    from papermill.parameterize import parameterize_notebook

    nb = jupytext.read(path)
    for cell in nb.cells:
        cell.metadata.setdefault("tags", [])
    nb.metadata.setdefault("papermill", {})
    nb = parameterize_notebook(nb, parameters)
    shell.reset(new_session=False)
    shell.user_module.__spec__ = None  # what a kernel's __main__ has (pyspark, under jupysql, looks)
    shell.user_module.__file__ = str(path)
    for cell in nb.cells:
        if cell.cell_type == "code":
            result = shell.run_cell(cell.source)
            assert result.success, f"{path.name} failed in:\n{cell.source}\n{result.error_in_exec!r}"


@contextlib.contextmanager
def ipython_shell():
    """An in-process IPython shell. It installs its namespace as ``sys.modules["__main__"]``
    and does not put the old one back; multiprocessing's spawn re-runs ``__main__.__file__`` in
    every worker, so a later test's workers would run a notebook. Restored on exit."""
    from IPython.core.interactiveshell import InteractiveShell

    class Shell(InteractiveShell):
        def enable_gui(self, gui=None):  # `%matplotlib inline` asks for one; figures are only built here
            pass

    main = sys.modules["__main__"]
    try:
        yield Shell.instance()
    finally:
        Shell.clear_instance()
        sys.modules["__main__"] = main


def test_every_notebook_runs_on_an_empty_and_a_ticker_only_database(tmp_path, monkeypatch):
    empty = tmp_path / "empty.duckdb"
    analysis.connect(empty).close()
    ticker = ticker_only_db(tmp_path)
    con = analysis.connect(ticker, read_only=True)
    counts = con.execute("""SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM headlines),
                                   (SELECT count(*) FROM mentions)""").fetchone()
    con.close()
    assert counts[0] == 0 and counts[1] > 0 and counts[2] > 0  # the shape that broke notebook 02
    monkeypatch.chdir(NOTEBOOKS)
    with ipython_shell() as shell:
        for db in (empty, ticker):
            for path in notebook_paths():
                run_in_shell(shell, path, {"DB": str(db)})


def test_entities_notebook_lists_each_language(enriched_sample_db, monkeypatch):
    """With its default window (the sample's last 12 months, where all three languages have
    articles), notebook 02 shows a top list for French, Arabic and English articles, each
    naming registry entities in its own language."""
    (path,) = [p for p in notebook_paths() if p.stem == "02-entities"]
    monkeypatch.chdir(NOTEBOOKS)
    with ipython_shell() as shell:
        run_in_shell(shell, path, {"DB": str(enriched_sample_db)})
        shown = shell.user_ns["per_lang"]
    assert {"fr", "ar", "en"} <= set(shown)
    names = {lang: set(frame["entity"]) for lang, frame in shown.items()}
    assert any(any("\u0600" <= c <= "\u06ff" for c in n) for n in names["ar"])
    assert "United States" in names["en"] and "États-Unis" not in names["en"]
