"""Shared fixtures: the real corpus beside the repository, fresh databases, loaded databases."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import analysis
from analysis.ingest import load

# Fixture modules shared by several test files (their fixtures are found without imports).
pytest_plugins = ["tests.sql_fixtures", "tests.report_fixtures"]

ROOT = Path(__file__).resolve().parents[1]
# Resolved as the loader resolves its arguments: stored paths then start with this one even
# where ../shared is a symbolic link.
CORPUS = (ROOT.parent / "shared" / "corpus").resolve()
SEED_PAGE = CORPUS / "pages" / "maghress-fr-0001.txt"
SAMPLE = ROOT / "data" / "sample" / "inputs"
DATA = Path(__file__).resolve().parent / "data"


def pytest_configure(config):
    if not CORPUS.is_dir():
        raise pytest.UsageError(f"the shared corpus is missing: expected {CORPUS} (clone the repository beside ../shared)")


@pytest.fixture(scope="session")
def corpus() -> Path:
    return CORPUS


@pytest.fixture(scope="session")
def seed_text() -> str:
    return SEED_PAGE.read_text(encoding="utf-8")


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "test.duckdb"


@pytest.fixture
def fresh_db(db_path):
    con = analysis.connect(db_path)
    yield con
    con.close()


@pytest.fixture(scope="session")
def corpus_db_path(tmp_path_factory) -> Path:
    """The whole shared corpus loaded once (read it with analysis.connect(path, read_only=True))."""
    path = tmp_path_factory.mktemp("corpus") / "corpus.duckdb"
    con = analysis.connect(path)
    load(con, [str(CORPUS)], workers=1)
    con.close()
    return path


@pytest.fixture(scope="session")
def sample_db_path(tmp_path_factory) -> Path:
    """The bundled sample (data/sample) loaded once, as `make demo` does."""
    path = tmp_path_factory.mktemp("sample") / "sample.duckdb"
    con = analysis.connect(path)
    load(con, [str(SAMPLE)], workers=1)
    con.close()
    return path


@pytest.fixture
def sample_copy(tmp_path) -> Path:
    """A writable copy of data/sample."""
    target = tmp_path / "sample"
    shutil.copytree(SAMPLE, target)
    return target
