"""presswatch: Maghreb press page dumps into DuckDB, and who/what was in the news.

The public API. Everything takes a DuckDB connection first (see ``connect``).
"""

from analysis.db import DatabaseBusy, DatabaseMissing, connect
from analysis.errors import PresswatchError

__all__ = ["connect", "DatabaseBusy", "DatabaseMissing", "PresswatchError"]
__version__ = "0.1.0"
