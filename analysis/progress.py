"""One progress bar for every long job (load, enrichment stages), always on stderr.

Stdout carries the command's result (a summary, a table, JSON lines), so a bar there would
end up inside redirected output and scheduled runs' logs.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


class Bar:
    """A transient rich bar; ``advance`` moves it, ``note`` updates its extra counter."""

    def __init__(self, progress, task) -> None:
        self._progress = progress
        self._task = task

    def advance(self, n: int = 1, **fields) -> None:
        if self._progress is not None:
            self._progress.update(self._task, advance=n, **fields)

    def note(self, **fields) -> None:
        if self._progress is not None:
            self._progress.update(self._task, **fields)


@contextmanager
def progress_bar(label: str, total: int, *, enabled: bool, unit: str = "", counter: str | None = None
                 ) -> Iterator[Bar]:
    """A bar of ``total`` steps labelled ``label`` while the block runs, or a silent one when
    ``enabled`` is false or there is nothing to do. ``counter`` names an extra figure shown
    beside the bar (e.g. "documents"), set with ``bar.advance(n, extra=…)`` or ``bar.note``."""
    if not enabled or total <= 0:
        yield Bar(None, None)
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    columns = [TextColumn(label), BarColumn(), MofNCompleteColumn()]
    if unit:
        columns.append(TextColumn(unit))
    if counter:
        columns.append(TextColumn("{task.fields[extra]:,} " + counter))
    columns.append(TimeRemainingColumn())
    progress = Progress(*columns, transient=True, console=Console(stderr=True))
    task = progress.add_task(label, total=total, extra=0)
    progress.start()
    try:
        yield Bar(progress, task)
    finally:
        progress.stop()
