"""Worker processes for the CPU-bound per-document work of loading and enrichment.

The parent process owns the DuckDB connection (one writer) and hands pure functions over
chunks of documents to a pool; results come back in input order, so a parallel run writes
exactly what a serial run writes. Workers are started with "spawn" (safe with DuckDB's and
Arrow's threads), which re-imports the calling script: a script that asks for workers needs
the usual ``if __name__ == "__main__":`` guard (notebooks need nothing). Workers die with
their parent, even a parent killed with SIGKILL (see ``die_with_parent``).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from multiprocessing import get_context
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def default_workers() -> int:
    """What the CLI uses: every core this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def can_spawn() -> bool:
    """Spawned workers re-import the main script; code piped on stdin has none to import."""
    main_file = getattr(sys.modules.get("__main__"), "__file__", None)
    return main_file is None or os.path.exists(main_file)


PR_SET_PDEATHSIG = 1  # linux/prctl.h
WATCH_SECONDS = 0.5


def die_with_parent(parent: int) -> None:
    """Pool initializer: end this worker when process ``parent`` ends. A parent killed with
    SIGKILL runs no cleanup, and an orphaned worker would otherwise wait for tasks for ever
    (and keep the resource tracker alive). Linux delivers SIGKILL when the thread that
    started the worker ends, so submit work from a thread that outlives the pool (the main
    thread does); elsewhere a daemon thread polls the parent's pid."""
    if _set_parent_death_signal():
        if os.getppid() != parent:  # the parent died before the signal was armed
            os._exit(1)
        return
    threading.Thread(target=_watch_parent, args=(parent,), name="watch-parent", daemon=True).start()


def _set_parent_death_signal() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(WATCH_SECONDS)
    os._exit(1)


@contextmanager
def pool(workers: int, *, max_processes: int | None = None):
    """A process pool of ``workers`` processes (at most ``max_processes``: a caller that keeps
    one item in flight needs one, and an idle process still holds its imports), or
    None when the work should stay in this process (one worker asked, or a main script that
    spawned processes could not import)."""
    if workers <= 1 or not can_spawn():
        yield None
        return
    processes = min(workers, max_processes or workers)
    with ProcessPoolExecutor(max_workers=processes, mp_context=get_context("spawn"),
                             initializer=die_with_parent, initargs=(os.getpid(),)) as executor:
        yield executor


def ordered_map(executor, fn: Callable[[T], R], items: Iterable[T], *, window: int) -> Iterator[tuple[T, R]]:
    """(item, fn(item)) in input order, with at most ``window`` items in flight (bounded
    memory: ``items`` is consumed lazily). With ``executor=None`` everything runs here."""
    if executor is None:
        for item in items:
            yield item, fn(item)
        return
    pending: deque = deque()
    for item in items:
        pending.append((item, executor.submit(fn, item)))
        if len(pending) >= window:
            first, future = pending.popleft()
            yield first, future.result()
    while pending:
        first, future = pending.popleft()
        yield first, future.result()
