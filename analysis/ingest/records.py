"""What every parser produces, and the keys that recognise the same thing twice."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from analysis.ingest.dates import ParsedDate
from analysis.ingest.langs import detect
from analysis.ingest.outlets import canonical_outlet

# The most one record (a line, a CSV row, an array element, a .json document) may hold; a
# larger one is rejected as too_large without ever being held whole. A long article is
# ~100 KB: 10 MB is something else, and the cap keeps a load's memory bounded by it.
MAX_RECORD_BYTES = 10 * 1024 * 1024


_TRACKING = re.compile(r"^(utm_[a-z]+|fbclid|gclid|xtor|at_medium|at_campaign)$", re.IGNORECASE)


@dataclass
class Article:
    title: str | None
    body: str
    outlet: str | None = None
    url: str | None = None
    lang: str | None = None
    date_raw: str | None = None
    date: ParsedDate | None = None
    category: str | None = None
    related_title: str | None = None
    source_id: str | None = None
    outlet_raw: str | None = None  # the outlet as the input wrote it; ``outlet`` is canonical once sealed

    def seal(self) -> "Article":
        """Detect the language (unless the source gave it), name the outlet as the outlets table
        does and compute the dedup keys, once, in the worker process; the cached values travel
        with the pickled article."""
        if self.outlet_raw is None and self.outlet is not None:
            self.outlet_raw = self.outlet if self.outlet.strip() else None
            self.outlet = canonical_outlet(self.outlet)
        if self.lang is None:
            self.lang = detect(((self.title or "") + "\n" + self.body).strip())
        _ = self.url_key, self.content_sha256
        return self

    @cached_property
    def url_key(self) -> str | None:
        return url_key(self.url)

    @cached_property
    def content_sha256(self) -> str:
        # The outlet (canonical, whatever script the input wrote it in) is part of the key: the
        # same dispatch run by two outlets is two placements (grouped later into one story),
        # the same outlet filing it twice is one.
        parts = (clean_text(self.outlet or ""), clean_text(self.title or ""), clean_text(self.body))
        return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()


class FileProblem(Exception):
    """The whole file cannot be read as this format (reason, detail)."""

    def __init__(self, reason: str, detail: str):
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


@dataclass
class Record:
    index: int
    raw: bytes  # what the record's content hash is computed from
    fields: dict | None = None
    problem: tuple[str, str] | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass
class Parsed:
    """One document as the parsers saw it (before deduplication against the database)."""

    path: str
    record: int
    sha256: str
    bytes: int
    format: str
    parser_version: str
    article: Article | None = None
    # Ticker items in order, as three parallel lists (they become list columns in DuckDB).
    ticker_ids: list[int] = field(default_factory=list)
    ticker_texts: list[str] = field(default_factory=list)
    ticker_langs: list[str | None] = field(default_factory=list)
    ticker_date: dt.date | None = None  # latest full date written in the ticker (for inferred crawl dates)
    warnings: list[str] = field(default_factory=list)
    edition_lang: str | None = None
    reject: tuple[str, str] | None = None  # (reason, detail)


def clean_text(text: str) -> str:
    """NFC, every whitespace run (no-break spaces included) collapsed to one space."""
    if not unicodedata.is_normalized("NFC", text):  # rare; the check is much cheaper than normalising
        text = unicodedata.normalize("NFC", text)
    # Most texts are clean already but for line breaks (a page body is one paragraph a
    # line): then replacing the breaks gives what split-and-join gives, far cheaper on the
    # hot path of parsing a page. ``isprintable`` is false for every whitespace character
    # other than the ASCII space (they are all Unicode "Other" or "Separator").
    flat = text.replace("\n", " ")
    if flat.isprintable() and "  " not in flat and flat[:1] != " " and flat[-1:] != " ":
        return flat
    return " ".join(text.split())


def headline_key(text: str) -> str:
    return unicodedata.normalize("NFKC", clean_text(text)).casefold()


def headline_id(text: str) -> int:
    """Stable signed 64-bit id of a normalised headline (same id in every database)."""
    digest = hashlib.blake2b(headline_key(text).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def url_key(url: str | None) -> str | None:
    """The same URL written differently maps to one key: decoded, lower-case scheme and
    host, no tracking parameters, no fragment, no repeated or trailing slashes."""
    if not url or not url.strip():
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    path = re.sub(r"/{2,}", "/", unquote(parts.path)).rstrip("/") or "/"
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)))
    host = (parts.hostname or "").lower().removeprefix("www.")
    scheme = "http" if parts.scheme.lower() in ("http", "https") else parts.scheme.lower()
    return urlunsplit((scheme, host, path, query, ""))


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
