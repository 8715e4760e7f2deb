"""Fixtures for the report, plot, volume and notebook tests (import them in a test module).

- ``enriched_sample_db``: the bundled sample loaded and enriched by every registered stage,
  as `make demo` leaves it. Built once per test run and shared by the xdist workers (a file
  lock, since enrichment takes a while).
- ``hostile_db``: a copy of the loaded sample plus one page dump and one export record whose
  headline, title, outlet and URL are hostile (script tags, a javascript: URL), loaded by the
  real loader — what the escaping tests render.
"""

from __future__ import annotations

import fcntl
import importlib
import inspect
import json
import os
from pathlib import Path

import pytest

import analysis
from analysis.ingest import load
from analysis.search import rebuild_index
from tests.conftest import writable_copy

NBSP4 = "\u00a0" * 4
HOSTILE_HEADLINE = "<script>alert(1)</script> Tunis : le marché <b>ferme</b>"
HOSTILE_AR_HEADLINE = "عاجل <script>alert('ar')</script> تونس"
HOSTILE_TITLE = "<script>alert(1)</script> & «le titre»"
HOSTILE_OUTLET = "Le <i>Hostile</i> & Co"
HOSTILE_URL = "javascript:alert(3)"
HOSTILE_EXPORT_TITLE = "Lien <a href=x>piégé</a> $5 and $6"
CRAWLED_AT = "2016-12-25T23:30:00+00:00"  # the last crawl of 2016-W51 (the sample's latest complete week): newest headlines


def _page() -> str:
    ticker = NBSP4.join([HOSTILE_HEADLINE, HOSTILE_AR_HEADLINE, "Maroc : la saison des pluies commence"]) + NBSP4
    lines = [ticker, *[""] * 7, "Merci d'avoir signalé!",
             "Cette image sera automatiquement bloquée après qu'elle soit signalée par plusieurs personnes.",
             "", "", "", "Un autre article", HOSTILE_TITLE, f"Publié dans {HOSTILE_OUTLET} le 21 - 12 - 2016", "",
             "Le corps de l'article <script>alert(4)</script>, sur une ligne.", "Deuxième paragraphe.", "", "",
             "Cliquez ici pour lire l'article depuis sa source."]
    return "\n".join(lines)


def add_hostile_inputs(con, folder: Path) -> None:
    """Load a hostile page dump and a hostile export record into ``con`` with the real loader."""
    folder.mkdir(parents=True, exist_ok=True)
    page = folder / "maghress-fr-hostile.txt"
    page.write_text(_page(), encoding="utf-8")
    export = folder / "hostile.jsonl"
    record = {"id": "hostile-1", "title": HOSTILE_EXPORT_TITLE, "text": "Texte <script>alert(5)</script>.",
              "date": "2016-12-22", "url": HOSTILE_URL, "source": "Hostile Export", "lang": "fr"}
    export.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    load(con, [str(page)], crawled_at=CRAWLED_AT, workers=1)
    load(con, [str(export)], workers=1)


@pytest.fixture
def hostile_db(sample_db_path, tmp_path) -> Path:
    path = writable_copy(sample_db_path, tmp_path, name="hostile.duckdb")
    with analysis.connect(path) as con:
        add_hostile_inputs(con, tmp_path / "hostile-inputs")
    return path


def enrich_for_tests(con) -> dict:
    """Every registered enrichment stage, as `presswatch enrich` runs them, except that the
    entities stage matches its registry only (``mode="registry"``): spaCy NER would add ~40 s
    to every test run, is tested by the entities stage's own tests, and the report and
    notebooks need real mentions, not NER's extra ones."""
    from analysis import enrich

    results = {}
    for name, target in enrich.STAGES.items():
        module, func = target.split(":")
        fn = getattr(importlib.import_module(module), func)
        extra = {"mode": "registry"} if name == "entities" and "mode" in inspect.signature(fn).parameters else {}
        results[name] = fn(con, rebuild=False, progress=False, **extra)
    return results


@pytest.fixture(scope="session")
def enriched_sample_db(sample_db_path, tmp_path_factory) -> Path:
    """The sample after enrichment (``enrich_for_tests``). Open it read-only."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base  # one per run, common to the workers
    path = shared / "enriched-sample.duckdb"
    with open(shared / "enriched-sample.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            tmp = writable_copy(sample_db_path, shared, name="enriched-sample.duckdb.tmp")
            with analysis.connect(tmp) as con:
                enrich_for_tests(con)
            tmp.replace(path)
            # the search index beside it, built under the lock: xdist workers would race to build it
            con = analysis.connect(path, read_only=True)
            try:
                rebuild_index(con)
            finally:
                con.close()
    return path
