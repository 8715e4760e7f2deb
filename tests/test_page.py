"""The page parser on the real seed page, its real-world variants, generated pages and noise."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.ingest.dates import find_dates
from analysis.ingest.page import parse_page, split_ticker, ticker_crawl_date
from bench.pagegen import generate, read_corpus

NBSP4 = "\u00a0" * 4
TITLE = "Maroc-France : Bernard Cazeneuve souligne le rôle clé du Maroc dans la lutte contre le terrorisme"


def test_seed_page_every_field(seed_text):
    page = parse_page(seed_text)
    assert page.title == TITLE
    assert page.outlet == "L'opinion"
    assert page.date.date == dt.date(2015, 2, 16)
    assert page.date_raw == "16 - 02 - 2015"
    assert page.related_title == "Hammouchi « Officier de la légion d'honneur »"
    assert page.edition_lang == "fr"
    assert page.warnings == []
    assert len(page.ticker) == 48
    assert page.ticker[0].startswith("Washington réaffirme que l'autonomie")
    assert page.ticker[-1].startswith("Buraïda, capitale saoudienne des dattes")
    assert page.ticker[26] == page.ticker[27] == "David Beckham fête ses 50 ans à Marrakech"
    assert len(set(page.ticker)) == 47
    assert len(page.paragraphs) == 12
    assert page.paragraphs[0].startswith("Le ministre français de l'Intérieur, Bernard Cazeneuve")
    assert not any("Cliquez ici" in p or "Merci d'avoir" in p or "Publié dans" in p for p in page.paragraphs)
    assert not any("\u00a0\u00a0" in h for h in page.ticker)


def _lines(text: str) -> list[str]:
    return text.split("\n")


def test_seed_crlf_bom_and_trailing_junk(seed_text):
    variant = "\ufeff" + seed_text.replace("\n", "\r\n") + "\r\n\r\nPartager sur Facebook\r\nTweet\r\n"
    page = parse_page(variant)
    reference = parse_page(seed_text)
    assert (page.title, page.outlet, page.date, page.ticker, page.paragraphs, page.related_title) == (
        reference.title, reference.outlet, reference.date, reference.ticker, reference.paragraphs, reference.related_title)
    assert page.warnings == ["text_after_footer"]


def test_seed_without_related_title(seed_text):
    lines = _lines(seed_text)
    index = lines.index(TITLE)
    page = parse_page("\n".join(lines[: index - 1] + lines[index:]))
    assert page.title == TITLE
    assert page.related_title is None
    assert len(page.ticker) == 48


def test_seed_without_ticker_starts_at_notice(seed_text):
    lines = _lines(seed_text)
    page = parse_page("\n".join(lines[8:]))
    assert lines[8] == "Merci d'avoir signalé!"
    assert page.ticker == []
    assert page.title == TITLE and page.related_title.startswith("Hammouchi")


def test_seed_without_ticker_or_notice(seed_text):
    lines = _lines(seed_text)
    page = parse_page("\n".join(lines[13:]))
    assert page.ticker == []
    assert page.title == TITLE and page.related_title.startswith("Hammouchi")


def test_ticker_only_page_keeps_headlines_and_no_article(seed_text):
    page = parse_page(_lines(seed_text)[0])
    assert len(page.ticker) == 48
    assert not page.has_article
    assert page.title is None and page.date is None and page.outlet is None


def test_truncated_dump_keeps_what_it_can(seed_text):
    cut = seed_text[:3001]
    page = parse_page(cut)
    assert page.ticker and page.ticker == split_ticker(cut)
    assert page.title is None and page.date is None
    cut_after_title = "\n".join(_lines(seed_text)[:15])  # ticker, notice, related, title, no dateline
    page = parse_page(cut_after_title)
    assert page.title is None, "without a dateline, the title line cannot be told from the related title"
    assert "no_dateline" in page.warnings
    assert len(page.ticker) == 48


def test_empty_ticker_items_from_long_gaps(seed_text):
    line = _lines(seed_text)[0]
    gappy = line.replace(NBSP4, NBSP4 * 2, 3).replace(NBSP4, NBSP4 * 3, 1)
    assert split_ticker(gappy) == split_ticker(line)
    plain = line.replace("\u00a0", " ")
    assert split_ticker(plain) == split_ticker(line)


def test_bad_dateline_date_is_null_not_guessed(seed_text):
    page = parse_page(seed_text.replace("16 - 02 - 2015", "31 - 02 - 2015"))
    assert page.date.date is None
    assert page.date_raw == "31 - 02 - 2015"
    assert "bad_date" in page.warnings
    assert page.title == TITLE


def test_arabic_page_markers():
    text = "\n".join([
        "عنوان أول" + NBSP4 + "عنوان ثان" + NBSP4,
        "", "", "شكرا على الإبلاغ!",
        "سيتم حجب هذه الصورة تلقائيا عندما يتم الإبلاغ عنها من طرف عدة أشخاص.",
        "", "عنوان مقال آخر", "عنوان المقال",
        "نشر في هسبريس يوم 05 - 03 - 2016", "", "الفقرة الأولى.", "الفقرة الثانية.", "", "",
        "انقر هنا لقراءة الخبر من مصدره.",
    ])
    page = parse_page(text)
    assert page.edition_lang == "ar"
    assert page.ticker == ["عنوان أول", "عنوان ثان"]
    assert (page.title, page.related_title, page.outlet) == ("عنوان المقال", "عنوان مقال آخر", "هسبريس")
    assert page.date.date == dt.date(2016, 3, 5)
    assert page.paragraphs == ["الفقرة الأولى.", "الفقرة الثانية."]
    assert page.warnings == []


@pytest.fixture(scope="module")
def generated(corpus):
    return list(generate(read_corpus(corpus), 3000, seed=7))


def test_generated_pages_every_field_recovered(generated):
    seen_variants = set()
    failures = []
    for g in generated:
        seen_variants.update(g.variants)
        page = parse_page(g.text)
        got = {"ticker": page.ticker, "title": page.title, "related_title": page.related_title,
               "outlet": page.outlet, "date": page.date.date if page.date else None,
               "paragraphs": page.paragraphs, "edition_lang": page.edition_lang}
        if got != g.expected:
            failures.append((g.name, g.variants, [k for k in got if got[k] != g.expected[k]]))
    assert not failures, failures[:5]
    assert seen_variants >= {"plain_spaces", "empty_item", "crlf", "bom", "no_related", "no_ticker",
                             "ticker_only", "truncated", "trailing_junk"}
    assert {g.expected["edition_lang"] for g in generated} >= {"fr", "ar"}


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab \u00a0\n\r\t-0123456789:é\ufeff"
                                              "نشر في يوم Publié dans le Merci d'avoir signalé!")), max_size=400))
def test_parser_never_raises_and_never_invents(text):
    page = parse_page(text)
    if page.date is not None and page.date.date is not None:
        assert page.date_raw is not None
    if page.title is not None:
        assert page.title in text.replace("\r", "\n").replace("\ufeff", "") or page.title.strip() in text


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=2000))
def test_parser_never_raises_on_any_unicode(text):
    parse_page(text)


# A sentence of ANT Corpus v1.1 (Jawhara FM, localNews/JA-localNews-3032-20150706.txt; Apache-2.0,
# A. Chouigui, O. Ben Khiroun, B. Elayeb, AICCSA 2017) citing a 1978 decree: as a ticker headline,
# it once dated every headline of its pages to 1978-01-26.
DECREE_1978 = ("كما اعتبر مرصد القضاء أنّ استناد الإعلان عن حالة الطوارئ إلى أحكام الأمر المؤرخ في 26 جانفي 1978 "
               "لا يتلاءم مع أحكام الدستور الجديد")


def test_crawl_day_from_the_ticker_needs_headlines_that_agree(seed_text):
    seed = [find_dates(h) for h in dict.fromkeys(parse_page(seed_text).ticker)]
    today = dt.date(2026, 12, 7)
    assert ticker_crawl_date(seed, published=dt.date(2015, 2, 16), today=today) == dt.date(2025, 9, 6)
    decree = [find_dates(DECREE_1978), (), ()]
    assert decree[0] == (dt.date(1978, 1, 26),)
    assert ticker_crawl_date(decree, published=None, today=today) is None  # one headline alone
    assert ticker_crawl_date(seed + decree, published=None, today=today) == dt.date(2025, 9, 6)
    # Two headlines agreeing on a day before the article was published, or after today.
    assert ticker_crawl_date(decree + decree, published=dt.date(2015, 7, 6), today=today) is None
    assert ticker_crawl_date(decree + decree, published=None, today=today) == dt.date(1978, 1, 26)
    future = [(dt.date(2027, 1, 1),), (dt.date(2027, 1, 1),)]
    assert ticker_crawl_date(seed + future, published=None, today=today) == dt.date(2025, 9, 6)
    # A lone later date does not beat an agreeing pair.
    assert ticker_crawl_date(seed + [(dt.date(2025, 9, 20),)], published=None, today=today) == dt.date(2025, 9, 6)
