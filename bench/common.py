"""Helpers shared by the benchmark scripts: timing, peak memory, JSON lines, cached inputs."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
CACHE = Path(os.environ.get("PRESSWATCH_BENCH_DIR", "/tmp/presswatch-bench"))
# The generator's settings for every benchmark input (bench.pagegen.generate); RECIPE names
# them in the cache, so inputs made with older settings are not reused. v2: articles dated by
# their crawl (date_from_crawl), not by their source.
RECIPE = "v2"
GENERATE = {"min_body_chars": 5000, "pages_per_day": 200, "date_from_crawl": True}


def emit(**fields) -> dict:
    """Print one measurement as a JSON line (rounded for reading)."""
    out = {k: (round(v, 3) if isinstance(v, float) else v) for k, v in fields.items()}
    print(json.dumps(out, ensure_ascii=False), flush=True)
    return out


def measured(args: list[str], **kwargs) -> dict:
    """Run a command in a fresh process (bench/measure.py) and return what it printed: ``s``,
    ``cpu``, ``rss`` (largest process), ``tree_rss`` (all processes together), ``rc``, ``out``,
    ``err``. A fresh wrapper per call, so the RSS high-water mark is this command's alone
    (RUSAGE_CHILDREN only ever grows within one process). A failing command raises."""
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "measure.py"), *args], capture_output=True,
                          text=True, check=True, **kwargs)
    info = json.loads(done.stdout)
    if info["rc"] != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{info['err']}")
    return info


def run_measured(args: list[str], **kwargs) -> tuple[float, float, subprocess.CompletedProcess]:
    """Run a command in a fresh process; (seconds, peak RSS in MB of its largest process, result)."""
    info = measured(args, **kwargs)
    return info["s"], info["rss"], subprocess.CompletedProcess(args, info["rc"], info["out"], info["err"])


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.iterdir() if p.is_file())


def self_peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timer():
    start = time.perf_counter()
    return lambda: time.perf_counter() - start
