"""A database with the shapes that mislead charts and counts: a two-year gap, and one language
that stops mid-month while the other goes on. The texts are real corpus articles (Wikinews
2019, CC BY 2.5; Jawhara FM from the ANT corpus, Apache-2.0); only their dates are chosen.

    import analysis; from tests import trends_fixtures
    con = analysis.connect("/tmp/gaps.duckdb"); trends_fixtures.gapped(con)
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import re
from pathlib import Path

from tests.topics_fixtures import add_article

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
ENGLISH_SPANS = [(dt.date(2016, 10, 1), dt.date(2016, 12, 31)), (dt.date(2019, 1, 1), dt.date(2019, 3, 31))]
ARABIC_SPAN = (dt.date(2016, 10, 1), dt.date(2016, 11, 20))  # stops mid-November; English goes on
GAP = (dt.date(2017, 1, 1), dt.date(2018, 12, 31))  # no article at all


def english_texts(n: int) -> list[tuple[str, str]]:
    """``n`` (title, text) pairs, the file's 171 articles repeated when more are asked for."""
    with open(CORPUS / "wikinews-en" / "wikinews_2019.csv", encoding="utf-8", newline="") as f:
        rows = [(r["title"], r["text"]) for r in csv.DictReader(f)]
    return list(itertools.islice(itertools.cycle(rows), n))


def arabic_texts(n: int) -> list[tuple[str, str]]:
    out = []
    for path in sorted((CORPUS / "ant-jawhara" / "sport").glob("*.txt"))[:n]:
        text = path.read_text(encoding="utf-8")
        title = re.search(r"<TITLE>(.*?)</TITLE>", text, re.S)
        body = re.search(r"<TEXT>(.*?)</TEXT>", text, re.S)
        out.append(((title.group(1) if title else path.stem).strip(), (body.group(1) if body else text).strip()))
    return out


def days(lo: dt.date, hi: dt.date) -> list[dt.date]:
    return [lo + dt.timedelta(days=i) for i in range((hi - lo).days + 1)]


def gapped(con) -> None:
    """One English article a day over ENGLISH_SPANS, one Arabic article a day over ARABIC_SPAN."""
    english = [d for lo, hi in ENGLISH_SPANS for d in days(lo, hi)]
    arabic = days(*ARABIC_SPAN)
    article_id = 0
    for (title, body), day in zip(english_texts(len(english)), english):
        article_id += 1
        add_article(con, article_id, day=day, outlet="Wikinews", lang="en", title=title, body=body)
    for (title, body), day in zip(arabic_texts(len(arabic)), arabic):
        article_id += 1
        add_article(con, article_id, day=day, outlet="Jawhara FM", lang="ar", title=title, body=body)
