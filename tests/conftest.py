"""Shared fixtures: the real corpus beside the repository, fresh databases, loaded databases,
and private writable copies of those for the tests that write."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb
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


def writable_copy(src: str | os.PathLike, folder: Path, *, name: str | None = None) -> Path:
    """A private copy of the database ``src`` in ``folder`` (named ``name``, else as ``src``),
    for a test that writes: the session databases are shared by every test of a worker.
    A WAL left beside ``src`` is copied with it. The search index is not: the one beside a
    session database holds whatever earlier tests built, so a copy starts without one."""
    src = Path(src)
    target = folder / (name or src.name)
    shutil.copyfile(src, target)
    wal = src.with_name(src.name + ".wal")
    if wal.exists():
        shutil.copyfile(wal, target.with_name(target.name + ".wal"))
    return target


def writable_connection(src: str | os.PathLike, folder: Path, *, name: str | None = None) -> duckdb.DuckDBPyConnection:
    """A writable connection to ``writable_copy(src, folder, name=name)``; ``with`` closes it."""
    return analysis.connect(writable_copy(src, folder, name=name))


def load_into(db: str | os.PathLike, paths, **options):
    """``load`` of ``paths`` (one worker) into the database file ``db``, closed afterwards:
    what ``load`` returns."""
    with analysis.connect(db) as con:
        return load(con, [str(p) for p in paths], workers=1, **options)


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
    load_into(path, [CORPUS])
    return path


@pytest.fixture(scope="session")
def sample_db_path(tmp_path_factory) -> Path:
    """The bundled sample (data/sample) loaded once, as `make demo` does."""
    path = tmp_path_factory.mktemp("sample") / "sample.duckdb"
    load_into(path, [SAMPLE])
    return path


@pytest.fixture
def sample_copy(tmp_path) -> Path:
    """A writable copy of data/sample."""
    target = tmp_path / "sample"
    shutil.copytree(SAMPLE, target)
    return target
