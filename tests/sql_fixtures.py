"""Fixtures for the SQL, schema and export tests (import them into a test module)."""

from __future__ import annotations

from pathlib import Path

import pytest

import analysis
from analysis import enrich
from tests.conftest import writable_copy


@pytest.fixture
def writable_sample(sample_db_path, tmp_path) -> Path:
    """A private, writable copy of the loaded sample database."""
    return writable_copy(sample_db_path, tmp_path)


@pytest.fixture(scope="session")
def stories_sample_path(sample_db_path, tmp_path_factory) -> Path:
    """The sample with the stories stage run: every story table filled (UBIGINT, BLOB columns)."""
    target = writable_copy(sample_db_path, tmp_path_factory.mktemp("stories-sample"))
    con = analysis.connect(target)
    try:
        enrich.run(con, stages=["stories"], progress=False)
    finally:
        con.close()
    return target
