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

from analysis.errors import InvalidArgument, NotFound

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
        raise InvalidArgument(f"kind must be 'week' or 'month', not {kind!r}")

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
    try:
        period = _parse_at(kind, at)
        period.back(12)  # the report compares with earlier periods: they must exist too
    except OverflowError:
        raise InvalidArgument(f"at={at!r} is outside the calendar a report can cover (years 2 to 9998)") from None
    return period


def _parse_at(kind: str, at: str) -> Period:
    if kind not in KINDS:
        raise InvalidArgument(f"kind must be 'week' or 'month', not {kind!r}")
    text = at.strip()
    if m := re.fullmatch(r"(\d{4})-W(\d{1,2})", text, re.IGNORECASE):
        if kind != "week":
            raise InvalidArgument(f"at={at!r} is a week; use kind='week', or at='YYYY-MM' for a month")
        try:
            return Period.containing("week", dt.date.fromisocalendar(int(m[1]), int(m[2]), 1))
        except ValueError:
            raise InvalidArgument(f"at={at!r}: {m[1]} has no ISO week {int(m[2])}") from None
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})", text):
        if kind != "month":
            raise InvalidArgument(f"at={at!r} is a month; use kind='month', or at='YYYY-Www' for a week")
        if not 1 <= int(m[2]) <= 12:
            raise InvalidArgument(f"at={at!r}: there is no month {int(m[2])}")
        return Period.containing("month", dt.date(int(m[1]), int(m[2]), 1))
    try:
        return Period.containing(kind, dt.date.fromisoformat(text))
    except ValueError:
        raise InvalidArgument(f"at={at!r} is not a week (2016-W48), a month (2016-11) or a day (2016-11-30)") from None


def data_clock(con: duckdb.DuckDBPyConnection, *, basis: str = "auto") -> tuple[str, dt.date | None]:
    """(basis used, last day of the data on that clock). ``auto``: crawl times when the
    database has crawled pages, else publication dates."""
    if basis not in BASES:
        raise InvalidArgument(f"basis must be one of {', '.join(BASES)}, not {basis!r}")
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
        raise NotFound(f"the database has no {'crawled pages' if used == 'crawled' else 'dated articles'} "
                       "to pick a period from; load some first, or give at=")
    period = Period.containing(kind, last)
    return (period if last >= period.end else period.previous()), used, last


def last_data_day(con: duckdb.DuckDBPyConnection, *, start: dt.date | None = None, end: dt.date | None = None,
                  outlets: list[str] | None = None, langs: list[str] | None = None) -> dt.date | None:
    """The last day between ``start`` and ``end`` (inclusive, None: open) holding articles by
    publication date or ticker sightings by crawl time, within the report's filters. Sightings
    have no outlet, so with an outlet filter only articles count."""
    from analysis.volume import ARTICLE_FILTER, HEADLINE_FILTER  # volume imports pandas; the CLI loads this module

    window = "($start::DATE IS NULL OR {day} >= $start) AND ($end::DATE IS NULL OR {day} <= $end)"
    params = {"start": start, "end": end, "outlets": list(outlets) if outlets else None,
              "langs": list(langs) if langs else None}
    sql = f"""SELECT max(a.published_date) FROM articles a
              WHERE a.published_date IS NOT NULL AND {window.format(day="a.published_date")} AND {ARTICLE_FILTER}"""
    if not outlets:
        day = "CAST(g.seen_at AS DATE)"
        sql = f"""SELECT max(day) FROM ({sql} UNION ALL
                  SELECT max({day}) FROM sightings g JOIN headlines h USING (headline_id)
                  WHERE g.seen_at IS NOT NULL AND {window.format(day=day)} AND {HEADLINE_FILTER}) AS days(day)"""
    return con.execute(sql, params).fetchone()[0]


def latest_with_data(con: duckdb.DuckDBPyConnection, kind: str, *, basis: str = "auto",
                     outlets: list[str] | None = None, langs: list[str] | None = None) -> tuple[Period, str]:
    """The period ``--latest`` reports on and the sentence saying why: the last complete
    period (``latest_complete``) when it holds data; else the last earlier period that does;
    else, when only the unfinished period holds data, that one, said to be incomplete. A cron
    job must tell "no data arrived" from a report, so no data at all is NotFound."""
    from analysis.report.compute import chosen_sentence

    period, used, last = latest_complete(con, kind, basis=basis)
    day = last_data_day(con, end=period.end, outlets=outlets, langs=langs)
    if day is not None and day >= period.start:
        return period, chosen_sentence(period, used, last)
    scope = _scope_words(outlets, langs)
    clock = f"{BASIS_TEXT[used]}, which reach {last:%Y-%m-%d}"
    if day is not None:
        found = Period.containing(kind, day)
        return found, (f"Chosen by --latest: the last complete {kind} with data{scope}; the {kind}s after it, "
                       f"up to {period.label}, hold none ({clock}).")
    day = last_data_day(con, outlets=outlets, langs=langs)
    if day is None:
        raise NotFound(f"the database holds no dated articles or ticker headlines{scope} to report on; "
                       "load some first")
    found = Period.containing(kind, day)
    return found, (f"Chosen by --latest: {found.label} is not complete, but no complete {kind} holds data{scope} "
                   f"({clock}).")


def check_has_data(con: duckdb.DuckDBPyConnection, period: Period, *, outlets: list[str] | None = None,
                   langs: list[str] | None = None, allow_empty: bool = False, today: dt.date | None = None) -> None:
    """Refuse a period that has not begun, and (unless ``allow_empty``) one without data: an
    empty report written with success would hide that nothing arrived."""
    today = today or dt.datetime.now(dt.UTC).date()
    if period.start > today:
        raise NotFound(f"{period.label} has not begun (today is {today:%Y-%m-%d}): there is nothing to report yet")
    if allow_empty:
        return
    if last_data_day(con, start=period.start, end=period.end, outlets=outlets, langs=langs) is None:
        latest = last_data_day(con, outlets=outlets, langs=langs)
        hint = f"the latest data is of {latest:%Y-%m-%d}" if latest else "the database holds no dated data"
        raise NotFound(f"{period.label} holds no articles or ticker headlines{_scope_words(outlets, langs)} "
                       f"({hint}); pass allow_empty=True to write an empty report anyway")


def _scope_words(outlets: list[str] | None, langs: list[str] | None) -> str:
    parts = ([f"outlets {', '.join(outlets)}"] if outlets else []) + ([f"languages {', '.join(langs)}"] if langs else [])
    return f" for {' and '.join(parts)}" if parts else ""
