"""Every real date format we read, and the ones we refuse to guess."""

from __future__ import annotations

import datetime as dt

import pytest

from analysis.ingest.dates import find_dates, parse_date

D = dt.date
T = dt.datetime


@pytest.mark.parametrize("raw, day, local, offset_hours", [
    ("16 - 02 - 2015", D(2015, 2, 16), None, None),  # maghress dateline
    ("29/09/2016", D(2016, 9, 29), None, None),  # ANT TIME
    ("2016-11-16T13:38:00+01:00", D(2016, 11, 16), T(2016, 11, 16, 13, 38), 1),  # ANT ISO with offset
    ("2016-11-16T133800", D(2016, 11, 16), T(2016, 11, 16, 13, 38), None),  # malformed ANT form
    ("2016-11-16T133800+0100", D(2016, 11, 16), T(2016, 11, 16, 13, 38), 1),
    ("2022-09-03T05:47:36Z", D(2022, 9, 3), T(2022, 9, 3, 5, 47, 36), 0),
    ("Thu, 05 Apr 2018 23:33:00 +0200", D(2018, 4, 5), T(2018, 4, 5, 23, 33), 2),  # RFC 822
    ("05 Avril 2018 23:33", D(2018, 4, 5), T(2018, 4, 5, 23, 33), None),  # French month names
    ("1er janvier 2016, 14h30", D(2016, 1, 1), T(2016, 1, 1, 14, 30), None),  # WiNER dateline
    ("vendredi 5 septembre 2025", D(2025, 9, 5), None, None),
    ("Friday, January 4, 2019", D(2019, 1, 4), None, None),  # Wikinews dateline
    ("5 de mayo de 2024", D(2024, 5, 5), None, None),
    ("12 مارس 2020", D(2020, 3, 12), None, None),
    ("3 جويلية 2016", D(2016, 7, 3), None, None),  # Tunisian month name
    ("٠٥ - ٠٣ - ٢٠١٦", D(2016, 3, 5), None, None),  # Arabic-Indic digits
    ("2019-01-04", D(2019, 1, 4), None, None),
])
def test_reads(raw, day, local, offset_hours):
    parsed = parse_date(raw)
    assert parsed.date == day
    assert parsed.local == local
    if offset_hours is None:
        assert parsed.at is None
    else:
        assert parsed.at.utcoffset() == dt.timedelta(hours=offset_hours)


@pytest.mark.parametrize("raw", ["31/02/2016", "2016-13-01", "hello", "", "00000000", "20160101", "12/2016",
                                 "Publié le 5 mai", "05 Avril", "le 5 mai 2016 à Paris selon X", "1/2/3"])
def test_refuses_to_guess(raw):
    assert parse_date(raw).date is None


def test_find_dates_in_ticker_headlines():
    text = "Les prévisions du vendredi 5 septembre 2025 | Températures prévues pour le samedi 06 septembre 2025"
    assert max(find_dates(text)) == D(2025, 9, 6)
    assert find_dates("Eliminatoires Mondial 2026 : Le Maroc bat le Niger") == ()
    assert find_dates("Accidents de route: 7,9 MMDH versés en 2024") == ()
