"""The maghress-family page parser (see ../shared/LAYOUT.md).

A page dump is, in order: a ticker line of headlines, the image-report notice, a related
article's title, the article title, the dateline ``Publié dans <outlet> le DD - MM - YYYY``,
the body (one paragraph per line) and a footer. Any part may be missing. The parser anchors
on the fixed strings of ``markers.EDITIONS`` and the dateline, never invents a title or a
date, and lists what it could not read in ``Page.warnings``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from analysis.ingest.dates import ParsedDate, parse_date
from analysis.ingest.markers import (
    EDITIONS,
    FOOTER_LINES,
    MARKER_FIRST_CHARS,
    MARKER_MAX_LEN,
    NOTICE_LINES,
    fold_marker,
)

PARSER_VERSION = "page/1"
# A crawl day read from the ticker needs this many headlines dating it or the day before:
# one headline's date is as likely an anniversary or a scheduled event as today's news.
AGREEING_HEADLINES = 2

# Ticker items are separated by runs of two or more spaces or no-break spaces (U+00A0; a
# few dump tools write U+202F or U+2007). An empty item shows up as a longer run.
_SEPARATOR_CHARS = ("\u00a0", "\u202f", "\u2007", "\t")
_HAS_NBSP_RUN = re.compile(r"[\u00a0\u202f\u2007]{2,}")
_TRAILING_SEP = re.compile(r"[ \u00a0\u202f\u2007\t]{2,}$")


@dataclass
class Page:
    ticker: list[str] = field(default_factory=list)
    edition_lang: str | None = None
    related_title: str | None = None
    title: str | None = None
    outlet: str | None = None
    date_raw: str | None = None
    date: ParsedDate | None = None
    paragraphs: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def has_article(self) -> bool:
        return self.outlet is not None or self.title is not None or bool(self.paragraphs)

    @property
    def body(self) -> str:
        return "\n".join(self.paragraphs)


def split_ticker(line: str) -> list[str]:
    """Headlines of a ticker line, in order, empty items dropped.

    Equivalent to splitting on runs of two or more separator characters, with str methods
    because a regex split is the costliest step of parsing a page."""
    for char in _SEPARATOR_CHARS:
        if char in line:
            line = line.replace(char, " ")
    return [item.strip() for item in line.split("  ") if item and not item.isspace()]


def _looks_like_ticker(line: str, items: list[str]) -> bool:
    """Several items joined by separator runs, a no-break-space run, or a trailing run."""
    if not items:
        return False
    return bool(_HAS_NBSP_RUN.search(line)) or len(items) >= 3 or bool(_TRAILING_SEP.search(line))


def _normalise(text: str) -> list[str]:
    text = text.lstrip("\ufeff")
    if "\r" in text:  # each test is a fraction of the work it saves on most pages
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if "\u200b" in text or "\ufeff" in text:
        lines = [line.rstrip("\u200b\ufeff") for line in lines]
    return lines


def _find_dateline(lines: list[str]) -> tuple[int, re.Match, str] | None:
    for i, line in enumerate(lines):
        if len(line) > 400:  # a dateline is short; skip the ticker and long paragraphs fast
            continue
        for edition in EDITIONS:
            if m := edition.dateline.match(line.replace("\u00a0", " ")):
                return i, m, edition.lang
    return None


def parse_page(text: str) -> Page:
    """Parse one page dump. Never raises on text input; see ``Page.warnings``."""
    page = Page()
    lines = _normalise(text)
    kinds = [None] * len(lines)  # notice / footer / dateline / ticker
    for i, line in enumerate(lines):
        if len(line) > MARKER_MAX_LEN or line.lstrip()[:1].casefold() not in MARKER_FIRST_CHARS:
            continue
        folded = fold_marker(line)
        if folded in NOTICE_LINES:
            kinds[i] = "notice"
            page.edition_lang = page.edition_lang or NOTICE_LINES[folded]
        elif folded in FOOTER_LINES:
            kinds[i] = "footer"
            page.edition_lang = page.edition_lang or FOOTER_LINES[folded]

    found = _find_dateline(lines)
    notice_at = [i for i, k in enumerate(kinds) if k == "notice"]
    footer_at = next((i for i, k in enumerate(kinds) if k == "footer" and (not found or i > found[0])), None)

    # Ticker: the first non-empty line, when it comes before the notice, or (no notice)
    # when it is shaped like a ticker and is not part of the title block.
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is not None and kinds[first] is None and (found is None or first < found[0]):
        before_notice = bool(notice_at) and first < notice_at[0]
        title_block = found is not None and _block_above(lines, kinds, found[0])[0] <= first
        items = split_ticker(lines[first])
        if before_notice or (not title_block and _looks_like_ticker(lines[first], items)):
            page.ticker = items
            kinds[first] = "ticker"

    if found is None:
        rest = [i for i, line in enumerate(lines) if line.strip() and kinds[i] is None]
        if rest:
            page.warnings.append("no_dateline")
        elif not page.ticker and not notice_at:
            page.warnings.append("empty_page" if not any(line.strip() for line in lines) else "no_content")
        return page

    at, m, lang = found
    page.edition_lang = page.edition_lang or lang
    page.outlet = m["outlet"].strip()
    digits = str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789")
    page.date_raw = f"{m['day']} - {m['month']} - {m['year']}".translate(digits)
    page.date = parse_date(page.date_raw)
    if page.date.date is None:
        page.warnings.append("bad_date")

    start, block = _block_above(lines, kinds, at)
    if block:
        page.title = block[-1]
        if len(block) >= 2:
            page.related_title = block[-2]
        if len(block) > 2:
            page.warnings.append("extra_lines_above_title")
    else:
        page.warnings.append("no_title")

    end = footer_at if footer_at is not None else len(lines)
    page.paragraphs = [line.strip() for line in lines[at + 1 : end] if line.strip()]
    if footer_at is None:
        page.warnings.append("no_footer")
    elif any(line.strip() for line in lines[footer_at + 1 :]):
        page.warnings.append("text_after_footer")
    if not page.paragraphs:
        page.warnings.append("no_body")
    return page


def _block_above(lines: list[str], kinds: list, at: int) -> tuple[int, list[str]]:
    """The contiguous non-empty, unmarked lines directly above line ``at`` (title block)."""
    i = at - 1
    while i >= 0 and lines[i].strip() and kinds[i] is None:
        i -= 1
    return i + 1, [line.strip() for line in lines[i + 1 : at]]


def ticker_crawl_date(headline_dates: Iterable[tuple[dt.date, ...]], *, published: dt.date | None,
                      today: dt.date) -> dt.date | None:
    """The crawl day the ticker's own dates agree on, or None: the latest day that at least
    AGREEING_HEADLINES distinct headlines date (that day or the day before), ignoring dates
    before the page's article was published or after ``today``. ``headline_dates``: the
    dates written in each distinct headline."""
    plausible = [{d for d in dates if d <= today and (published is None or d >= published)}
                 for dates in headline_dates]
    one_day = dt.timedelta(days=1)
    for day in sorted(set().union(*plausible), reverse=True):
        if sum(1 for dates in plausible if day in dates or day - one_day in dates) >= AGREEING_HEADLINES:
            return day
    return None
