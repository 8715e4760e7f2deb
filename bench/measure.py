"""Run one command and print what it cost, as one JSON line: `python bench/measure.py CMD ...`.

Fields: ``s`` (wall seconds), ``cpu`` (user + system seconds of the command and its children),
``rss`` (peak resident MB of its largest process: the kernel's high-water mark, exact),
``tree_rss`` (peak resident MB of the command and all its descendants together, sampled
every SAMPLE_EVERY seconds from /proc: what the machine must hold while the parent and its
worker processes run at once; a floor, since a peak between two samples is missed; None where
there is no /proc), ``rc``, its stdout (the last OUT_CHARS characters) and the tail of its
stderr. A fresh process per command, so the high-water marks are this command's. Standard library only: it runs as a
script, in the caller's working directory. A sample reads every /proc/<pid>/stat (a few ms).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import threading
import time

SAMPLE_EVERY = 0.25
# stdout carries the command's own JSON lines, which callers parse: kept whole up to this size
OUT_CHARS = 1_000_000
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def descendants(root: int) -> list[int]:
    """Process ``root`` and all its descendants, from the parent links in /proc (Linux)."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", encoding="ascii", errors="replace") as f:
                parent = int(f.read().rsplit(")", 1)[1].split()[1])  # the name may hold spaces
        except (OSError, IndexError, ValueError):
            continue  # gone meanwhile
        children.setdefault(parent, []).append(int(entry.name))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, ()))
    return out


def tree_rss_mb(root: int) -> float | None:
    """Resident memory of process ``root`` and all its descendants, in MB (Linux /proc)."""
    if not os.path.isdir("/proc"):
        return None
    total = 0
    for pid in descendants(root):
        try:
            with open(f"/proc/{pid}/statm", encoding="ascii") as f:
                total += int(f.read().split()[1]) * _PAGE
        except (OSError, IndexError, ValueError):
            continue
    return total / 2**20


def main(args: list[str]) -> None:
    start = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak: list[float | None] = [0.0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(SAMPLE_EVERY):
            now = tree_rss_mb(proc.pid)
            peak[0] = None if now is None else max(peak[0] or 0.0, now)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    largest = usage.ru_maxrss / 1024
    tree = None if peak[0] is None else max(peak[0], largest)
    print(json.dumps({"s": seconds, "cpu": usage.ru_utime + usage.ru_stime, "rss": largest, "tree_rss": tree,
                      "rc": proc.returncode, "out": out[-OUT_CHARS:], "err": err[-2000:]}))


if __name__ == "__main__":
    main(sys.argv[1:])
