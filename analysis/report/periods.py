"""Report periods: ISO weeks and calendar months, parsing ``--at``, and which period is the
last complete one of the data (``--latest``).

A period is *complete* when the data reaches its last day. Which data: the collection clock
of the database, by default the crawl time of the pages (what a daily cron job advances);
a database holding only article exports has no crawl times, so its clock is the
publication date of the articles. The clock is of the data, never of today's calendar, so a
report of an archive is the same whenever it is made.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import duckdb

KINDS = ("week", "month")
MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
               "November", "December"]  # not strftime: the locale must not change the report's bytes
BASES = ("auto", "crawled", "published")
BASIS_TEXT = {
    "crawled": "the crawl time of the pages (UTC)",
    "published": "the publication date of the articles",
}


def day_month(day: dt.date, *, year: bool = False) -> str:
    return f"{day.day} {MONTH_NAMES[day.month - 1][:3]}" + (f" {day.year}" if year else "")


@dataclass(frozen=True)
class Period:
    kind: str
    start: dt.date
    end: dt.date  # inclusive

    @classmethod
    def containing(cls, kind: str, day: dt.date) -> Period:
        if kind == "week":
            start = day - dt.timedelta(days=day.weekday())
            return cls(kind, start, start + dt.timedelta(days=6))
        if kind == "month":
            start = day.replace(day=1)
            nxt = (start + dt.timedelta(days=32)).replace(day=1)
            return cls(kind, start, nxt - dt.timedelta(days=1))
        raise ValueError(f"period must be 'week' or 'month', not {kind!r}")

    @property
    def label(self) -> str:
        """2016-W48 or 2016-11: what --at takes and the report folder name."""
        if self.kind == "week":
            year, week, _ = self.start.isocalendar()
            return f"{year}-W{week:02d}"
        return f"{self.start:%Y-%m}"

    @property
    def title(self) -> str:
        """week 48 of 2016 (28 Nov – 4 Dec 2016) or November 2016."""
        if self.kind == "month":
            return f"{MONTH_NAMES[self.start.month - 1]} {self.start.year}"
        year, week, _ = self.start.isocalendar()
        a, b = self.start, self.end
        first = day_month(a, year=a.year != b.year)
        return f"week {week} of {year} ({first} – {day_month(b, year=True)})"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        return Period.containing(self.kind, self.start - dt.timedelta(days=1))

    def back(self, n: int) -> Period:
        """The period ``n`` periods before this one."""
        period = self
        for _ in range(n):
            period = period.previous()
        return period


def parse_at(kind: str, at: str) -> Period:
    """``2016-W48`` for a week, ``2016-11`` for a month, or any day ``2016-11-30`` (the period containing it)."""
    if kind not in KINDS:
        raise ValueError(f"period must be 'week' or 'month', not {kind!r}")
    text = at.strip()
    if m := re.fullmatch(r"(\d{4})-W(\d{1,2})", text, re.IGNORECASE):
        if kind != "week":
            raise ValueError(f"--at {at} is a week; use --period week, or --at YYYY-MM for a month")
        try:
            return Period.containing("week", dt.date.fromisocalendar(int(m[1]), int(m[2]), 1))
        except ValueError:
            raise ValueError(f"--at {at}: {m[1]} has no ISO week {int(m[2])}") from None
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})", text):
        if kind != "month":
            raise ValueError(f"--at {at} is a month; use --period month, or --at YYYY-Www for a week")
        if not 1 <= int(m[2]) <= 12:
            raise ValueError(f"--at {at}: there is no month {int(m[2])}")
        return Period.containing("month", dt.date(int(m[1]), int(m[2]), 1))
    try:
        return Period.containing(kind, dt.date.fromisoformat(text))
    except ValueError:
        raise ValueError(f"--at {at!r} is not a week (2016-W48), a month (2016-11) or a day (2016-11-30)") from None


def data_clock(con: duckdb.DuckDBPyConnection, *, basis: str = "auto") -> tuple[str, dt.date | None]:
    """(basis used, last day of the data on that clock). ``auto``: crawl times when the
    database has crawled pages, else publication dates."""
    if basis not in BASES:
        raise ValueError(f"basis must be one of {', '.join(BASES)}, not {basis!r}")
    if basis in ("auto", "crawled"):
        rows = con.execute("""SELECT max(CAST(crawled_at AS DATE)) FROM documents
                              WHERE status IN ('loaded', 'duplicate') AND crawled_at IS NOT NULL""").fetchall()
        if rows[0][0] is not None or basis == "crawled":
            return "crawled", rows[0][0]
    rows = con.execute("SELECT max(published_date) FROM articles").fetchall()
    return "published", rows[0][0]


def latest_complete(con: duckdb.DuckDBPyConnection, kind: str, *, basis: str = "auto") -> tuple[Period, str, dt.date]:
    """The last period whose last day the data reaches: (period, basis used, last day)."""
    used, last = data_clock(con, basis=basis)
    if last is None:
        raise ValueError(f"the database has no {'crawled pages' if used == 'crawled' else 'dated articles'} "
                         "to pick a period from; run `presswatch load` first, or give --at")
    period = Period.containing(kind, last)
    return (period if last >= period.end else period.previous()), used, last
