"""Reading raw inputs into the database: page dumps, TREC files and article exports."""

from analysis.ingest.loader import LoadResult, load
from analysis.ingest.page import Page, parse_page, split_ticker

__all__ = ["load", "LoadResult", "parse_page", "split_ticker", "Page"]
