"""Reading the date formats real sources use, without ever guessing.

``parse_date`` returns a ``ParsedDate``: the calendar date as printed, the wall-clock time
when one is given, and an aware instant only when the source gave a UTC offset. Anything it
cannot read gives ``date=None`` with the raw string kept by the caller.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
from dataclasses import dataclass

_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")

MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    [
        # fr, en, es, ar (Levant/Tunisia and Egypt/Gulf), common abbreviations
        "janvier january enero jan janv ene جانفي يناير كانون_الثاني",
        "février fevrier february febrero feb fév fev févr fevr فيفري فبراير شباط",
        "mars march marzo mar مارس آذار",
        "avril april abril apr avr abr أفريل ابريل أبريل إبريل نيسان",
        "mai may mayo ماي مايو أيار",
        "juin june junio jun جوان يونيو يونيه حزيران",
        "juillet july julio jul juil جويلية يوليو يوليه تموز",
        "août aout august agosto aug أوت اوت أغسطس اغسطس آب",
        "septembre september septiembre setiembre sep sept سبتمبر أيلول",
        "octobre october octubre oct أكتوبر اكتوبر تشرين_الأول",
        "novembre november noviembre nov نوفمبر تشرين_الثاني",
        "décembre decembre december diciembre dec déc dic ديسمبر دجنبر كانون_الأول",
    ],
    start=1,
):
    for _name in _names.split():
        MONTHS[_name.replace("_", " ")] = _number
MONTHS.update({"يونيوز": 6, "غشت": 8, "شتنبر": 9, "نونبر": 11})  # Moroccan month names

_MONTH_RE = "|".join(sorted((re.escape(m) for m in MONTHS), key=len, reverse=True))
_TIME = r"(?:[ ,T]*(?:à\s*)?(?P<H>\d{1,2})[:hH](?P<M>\d{2})(?::(?P<S>\d{2}))?)?"

_NUMERIC = re.compile(r"^(?P<d>\d{1,2})\s*([-/.])\s*(?P<m>\d{1,2})\s*\2\s*(?P<y>\d{4})" + _TIME + r"$")
_ISO = re.compile(
    r"^(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})"
    r"(?:[T ](?P<H>\d{2}):?(?P<M>\d{2})(?::?(?P<S>\d{2})(?:[.,]\d+)?)?)?"
    r"\s*(?P<tz>Z|[+-]\d{2}:?\d{2})?$"
)
_WORDS = re.compile(
    r"(?:^|(?<=\s)|(?<=,))(?P<d>\d{1,2})(?:er|e|º|st|nd|rd|th)?\s+(?:de\s+)?(?P<mon>" + _MONTH_RE
    + r")\.?,?\s+(?:de\s+|del\s+)?(?P<y>\d{4})",
    re.IGNORECASE,
)
_WORDS_EN = re.compile(r"(?P<mon>" + _MONTH_RE + r")\.?\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>\d{4})", re.IGNORECASE)
_TIME_AFTER = re.compile(r"^[\s,]*(?:à\s*|at\s*|a las\s*)?(?P<H>\d{1,2})[:hH](?P<M>\d{2})(?::(?P<S>\d{2}))?\b")


@dataclass(frozen=True)
class ParsedDate:
    date: dt.date | None
    local: dt.datetime | None = None  # wall-clock time as printed (naive)
    at: dt.datetime | None = None  # aware instant, only when an offset was given


NO_DATE = ParsedDate(None)


def _make(y: int, m: int, d: int, hh=None, mm=None, ss=None, tz: str | None = None) -> ParsedDate:
    if not 1800 <= y <= 2200:
        return NO_DATE
    try:
        day = dt.date(y, m, d)
    except ValueError:
        return NO_DATE
    if hh is None:
        return ParsedDate(day)
    try:
        local = dt.datetime(y, m, d, int(hh), int(mm), int(ss or 0))
    except ValueError:
        return ParsedDate(day)
    at = None
    if tz:
        if tz == "Z":
            offset = dt.timedelta(0)
        else:
            sign = -1 if tz[0] == "-" else 1
            digits = tz[1:].replace(":", "")
            hours, minutes = int(digits[:2]), int(digits[2:])
            if hours >= 24 or minutes >= 60:  # no such offset (Python refuses them): not a date we can read
                return NO_DATE
            offset = sign * dt.timedelta(hours=hours, minutes=minutes)
        at = local.replace(tzinfo=dt.timezone(offset))
    return ParsedDate(day, local, at)


def parse_date(raw: object) -> ParsedDate:
    """Parse one date string; ``NO_DATE`` when it is not a date we can read for certain."""
    if raw is None:
        return NO_DATE
    if isinstance(raw, dt.datetime):
        return ParsedDate(raw.date(), raw.replace(tzinfo=None), raw if raw.tzinfo else None)
    if isinstance(raw, dt.date):
        return ParsedDate(raw)
    text = " ".join(str(raw).translate(_DIGITS).split())
    if not text:
        return NO_DATE
    if m := _ISO.match(text):
        return _make(int(m["y"]), int(m["m"]), int(m["d"]), m["H"], m["M"], m["S"], m["tz"])
    if m := _NUMERIC.match(text):
        return _make(int(m["y"]), int(m["m"]), int(m["d"]), m["H"], m["M"], m["S"])
    if re.match(r"^(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{4}\s+\d{2}:\d{2}", text):
        try:
            stamp = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError):
            stamp = None
        if stamp is not None:
            has_zone = stamp.tzinfo is not None and not text.rstrip().endswith("-0000")
            return ParsedDate(stamp.date(), stamp.replace(tzinfo=None), stamp if has_zone else None)
    return _parse_words(text, whole=True)


def _parse_words(text: str, *, whole: bool) -> ParsedDate:
    """'05 Avril 2018 23:33', 'vendredi 5 septembre 2025', 'January 4, 2019', '5 de mayo de 2024'."""
    for pattern in (_WORDS, _WORDS_EN):
        m = pattern.search(text)
        if not m:
            continue
        month = MONTHS.get(m["mon"].casefold()) or MONTHS.get(m["mon"])
        if month is None:
            continue
        rest = text[m.end():]
        t = _TIME_AFTER.match(rest)
        if whole:
            # The whole string must be the date (weekday before it and a time after it allowed).
            before = text[: m.start()].strip(" ,")
            after = rest[t.end():] if t else rest
            if len(before.split()) > 1 or after.strip(" ,.") not in ("", "GMT", "UTC"):
                return NO_DATE
        hh, mm, ss = (t["H"], t["M"], t["S"]) if t else (None, None, None)
        return _make(int(m["y"]), month, int(m["d"]), hh, mm, ss)
    return NO_DATE


_NUMERIC_ANY = re.compile(r"(?<!\d)(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?!\d)")
_ISO_ANY = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")


_YEAR = re.compile(r"(?<!\d)(?:1[89]|2[01])\d\d(?!\d)")


def find_dates(text: str) -> tuple[dt.date, ...]:
    """Every explicit full date (day, month and year) written in free text."""
    text = text.translate(_DIGITS)
    if not _YEAR.search(text):  # no year, no full date; skips the costly month patterns
        return ()
    found = []
    for pattern in (_WORDS, _WORDS_EN):
        for m in pattern.finditer(text):
            month = MONTHS.get(m["mon"].casefold()) or MONTHS.get(m["mon"])
            if month and (d := _make(int(m["y"]), month, int(m["d"])).date):
                found.append(d)
    for m in _NUMERIC_ANY.finditer(text):
        if d := _make(int(m[3]), int(m[2]), int(m[1])).date:
            found.append(d)
    for m in _ISO_ANY.finditer(text):
        if d := _make(int(m[1]), int(m[2]), int(m[3])).date:
            found.append(d)
    return tuple(found)
