"""The library's expected failures, one class per kind.

Everything presswatch raises on purpose derives from ``PresswatchError``; the CLI turns
those alone into a one-line message and exit status 2, so any other exception is a bug and
keeps its traceback. Messages are worded for a Python caller (argument names, not flags).
Each class also derives from the built-in exception a caller would expect, so existing
``except ValueError`` code keeps working.
"""

from __future__ import annotations


class PresswatchError(Exception):
    """An expected failure: bad input, a missing or busy database, nothing to show."""


class InvalidArgument(PresswatchError, ValueError):
    """An argument value the function cannot use (an unknown ``freq``, a batch size of 0)."""


class NotFound(PresswatchError, LookupError):
    """A named thing (entity, topic, story, period with data) that the database does not hold."""


class DataFileError(PresswatchError, ValueError):
    """A data file presswatch reads for its own use (registry, taxonomy, gold file, manifest)
    that is missing or malformed."""


class DatabaseBusy(PresswatchError, RuntimeError):
    """Another process holds the database file for writing."""


class DatabaseMissing(PresswatchError, FileNotFoundError):
    """A read-only open of a database that does not exist."""


class QueryError(PresswatchError, ValueError):
    """Ad-hoc SQL that cannot run: refused by the read-only guard, timed out, or invalid."""


class MissingDependency(PresswatchError, RuntimeError):
    """An optional package or program (pyspark, Java, a spaCy model) is not installed."""
