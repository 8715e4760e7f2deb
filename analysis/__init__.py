"""presswatch: Maghreb press page dumps into DuckDB, and who/what was in the news.

The public API. Everything takes a DuckDB connection first (see ``connect``).
"""

from analysis.db import DatabaseBusy, connect

__all__ = ["connect", "DatabaseBusy"]
__version__ = "0.1.0"
