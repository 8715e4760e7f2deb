"""Running the notebooks of ``notebooks/`` (jupytext py:percent sources) top to bottom, as
the tests and the benchmark do, with papermill-style parameters.

    nb = run_notebook("notebooks/01-overview.py", {"DB": "data/presswatch.duckdb"})

The ``.py`` file is the source; it is converted in memory, the parameters are injected after
the cell tagged ``parameters`` (papermill's convention, so ``papermill`` works on the
converted ``.ipynb`` too), and the notebook runs in a fresh kernel from the notebooks folder.
A cell that raises makes ``run_notebook`` raise (``nbclient.exceptions.CellExecutionError``).
"""

from __future__ import annotations

import os
from pathlib import Path

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def notebook_paths(folder: str | os.PathLike = NOTEBOOKS) -> list[Path]:
    return sorted(Path(folder).glob("[0-9][0-9]-*.py"))


def run_notebook(path: str | os.PathLike, parameters: dict | None = None, *, timeout: int = 300,
                 kernel: str = "python3"):
    """Execute a jupytext notebook and return the executed ``nbformat`` notebook."""
    import jupytext
    from nbclient import NotebookClient
    from papermill.parameterize import parameterize_notebook

    path = Path(path)
    nb = jupytext.read(path)
    for cell in nb.cells:  # what papermill's own loader adds before it parameterizes
        cell.metadata.setdefault("tags", [])
    nb.metadata.setdefault("papermill", {})
    if parameters:
        nb = parameterize_notebook(nb, parameters)
    NotebookClient(nb, kernel_name=kernel, timeout=timeout,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    return nb


def images(nb) -> int:
    """How many images (charts) the executed notebook displayed."""
    return sum(1 for cell in nb.cells if cell.cell_type == "code" for out in cell.get("outputs", [])
               if "image/png" in out.get("data", {}) or "image/svg+xml" in out.get("data", {}))
