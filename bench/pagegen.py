"""Render real corpus articles as maghress-family page dumps, with the known variants.

Used by the tests (the parser must recover every field of thousands of generated pages),
by the benchmarks (realistic ~12 KB pages at any N) and to build ``data/sample``. Every
page comes with the fields a correct parser must return, so tests compare, not guess.

Sources (see ../shared/corpus/README.md): French articles from WiNER-fr (Wikinews),
Arabic articles from ANT (Jawhara FM); ticker headlines from WiNER-fr and English
Wikinews titles (French edition) or ANT titles and ITN Arabic blurbs (Arabic edition).
Deterministic for a given seed.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from analysis.ingest import exports, trec
from analysis.ingest.markers import EDITIONS
from analysis.ingest.page import split_ticker
from analysis.ingest.records import clean_text

NBSP = "\u00a0"
OUTLETS = {
    "fr": ["L'opinion", "Le Matin", "Libération", "Aujourd'hui le Maroc", "Médias 24", "La Presse de Tunisie",
           "El Watan", "Liberté", "Al-Ahram Hebdo", "Maroc Diplomatique"],
    "ar": ["هسبريس", "الصباح", "الشروق", "جوهرة أف أم", "المصري اليوم", "الخبر", "الأحداث المغربية"],
}
SITES = {"fr": ["maghress", "turess", "djazairess", "masress"], "ar": ["maghress", "turess", "djazairess", "masress"]}
JUNK = ["Partager sur Facebook\nTweet", "\u00a0", "Lire aussi :", "<!-- cached -->", "\t \t"]


@dataclass
class Source:
    title: str
    paragraphs: list[str]
    date: dt.date


@dataclass
class Corpus:
    articles: dict[str, list[Source]]  # lang -> articles to render
    headlines: dict[str, list[str]]  # edition lang -> ticker headline pool


@dataclass
class GeneratedPage:
    name: str
    text: str
    expected: dict  # ticker, title, related_title, outlet, date, paragraphs, edition_lang
    crawled_at: dt.datetime
    site: str
    variants: list[str] = field(default_factory=list)


def read_corpus(corpus_dir: str | Path, *, limit: int | None = None,
                since: dt.date | None = None, until: dt.date | None = None) -> Corpus:
    """Load the openly licensed corpus parts the generator draws from, oldest first
    (optionally only articles dated ``since``..``until``)."""
    root = Path(corpus_dir)
    fr: list[Source] = []
    with open(root / "winer-fr" / "winer_fr_2016_2017.jsonl", "rb") as handle:
        for record in exports.read_jsonl(handle):
            row = record.fields
            paragraphs = [clean_text(p) for p in row["text"].split("\n") if clean_text(p)]
            if row["title"].strip() and paragraphs:
                fr.append(Source(clean_text(row["title"]), paragraphs, dt.date.fromisoformat(row["date"])))
    ar: list[Source] = []
    for path in sorted((root / "ant-jawhara").rglob("*.txt")):
        for _block, article, _w, problem in trec.parse_trec(path.read_text(encoding="utf-8")):
            if problem or not article.title or not article.body or article.date.date is None:
                continue
            paragraphs = [clean_text(p) for p in article.body.split("\n") if clean_text(p)]
            ar.append(Source(clean_text(article.title), paragraphs, article.date.date))
    keep = lambda src: (since is None or src.date >= since) and (until is None or src.date <= until)  # noqa: E731
    fr = sorted(filter(keep, fr), key=lambda src: src.date)
    ar = sorted(filter(keep, ar), key=lambda src: src.date)
    with open(root / "wikinews-en" / "wikinews_2019.csv", "rb") as handle:
        en_titles = [clean_text(r.fields["title"]) for r in exports.read_csv(handle) if r.fields]
    with open(root / "itn" / "itn_blurbs_dev.jsonl", "rb") as handle:
        itn_ar = sorted({clean_text(r.fields["text"]) for r in exports.read_jsonl(handle) if r.fields and r.fields["lang"] == "ar"})
    return Corpus(
        articles={"fr": fr[:limit] if limit else fr, "ar": ar[:limit] if limit else ar},
        headlines={"fr": [s.title for s in fr] + en_titles, "ar": [s.title for s in ar] + itn_ar},
    )


def render(source: Source, *, lang: str, outlet: str, ticker: list[str], related: str | None,
           rng: random.Random, variants: list[str]) -> tuple[str, dict]:
    """One page and the fields a parser must read back from it."""
    edition = next(e for e in EDITIONS if e.lang == lang)
    sep = (" " * 4) if "plain_spaces" in variants else NBSP * 4
    items = list(ticker)
    line_items = list(items)
    if "empty_item" in variants and len(line_items) > 2:
        line_items.insert(rng.randrange(1, len(line_items)), "")  # shows as 8 separators in a row
        if rng.random() < 0.5:
            line_items.insert(rng.randrange(1, len(line_items)), "")
    expected_ticker = items
    ticker_line = sep.join(line_items) + sep
    if "truncated" in variants:
        cut = rng.randrange(len(ticker_line) // 3, len(ticker_line) - 1)
        ticker_line = ticker_line[:cut]
        expected_ticker = split_ticker(ticker_line)
    day = source.date
    if lang == "fr":
        dateline = f"Publié dans {outlet} le {day.day:02d} - {day.month:02d} - {day.year}"
    else:
        dateline = f"نشر في {outlet} يوم {day.day:02d} - {day.month:02d} - {day.year}"
    parts: list[str] = []
    if "no_ticker" not in variants:
        parts.append(ticker_line)
    if "ticker_only" in variants or "truncated" in variants:
        text = "\n".join(parts)
        expected = {"ticker": expected_ticker, "title": None, "related_title": None, "outlet": None,
                    "date": None, "paragraphs": [], "edition_lang": None}
        return _finish(text, variants), expected
    if parts:
        parts.extend([""] * 7)
    parts.extend(edition.notice)
    parts.extend([""] * 3)
    if related and "no_related" not in variants:
        parts.append(related)
    parts.append(source.title)
    parts.append(dateline)
    parts.append("")
    parts.extend(source.paragraphs)
    parts.extend(["", ""])
    parts.append(edition.footer[0])
    if "trailing_junk" in variants:
        parts.extend(["", rng.choice(JUNK)])
    text = "\n".join(parts)
    expected = {
        "ticker": [] if "no_ticker" in variants else expected_ticker,
        "title": source.title,
        "related_title": related if related and "no_related" not in variants else None,
        "outlet": outlet,
        "date": day,
        "paragraphs": source.paragraphs,
        "edition_lang": lang,
    }
    return _finish(text, variants), expected


def _finish(text: str, variants: list[str]) -> str:
    if "crlf" in variants:
        text = text.replace("\n", "\r\n")
    if "bom" in variants:
        text = "\ufeff" + text
    return text


VARIANT_RATES = {  # how often each real-world quirk is drawn
    "plain_spaces": 0.2, "empty_item": 0.2, "crlf": 0.1, "bom": 0.1, "no_related": 0.15,
    "no_ticker": 0.05, "ticker_only": 0.05, "truncated": 0.03, "trailing_junk": 0.1,
}


def generate(corpus: Corpus, n: int, *, seed: int = 0, arabic_share: float = 0.3,
             start: dt.datetime = dt.datetime(2025, 9, 1, 6, tzinfo=dt.timezone.utc),
             pages_per_day: int = 40, ticker_size: int = 48, min_body_chars: int = 0,
             date_from_crawl: bool = False) -> Iterator[GeneratedPage]:
    """``n`` pages crawled ``pages_per_day`` a day from ``start``; the ticker on a given day
    is a sliding window over the headline pool, so headlines recur across pages and days.
    ``min_body_chars`` pads short bodies with paragraphs of other articles of the same
    language (the benchmarks use it to match the ~12 KB of a real page).

    ``date_from_crawl`` dates each article 0-2 days before its page's crawl instead of with
    its source's date. The benchmarks draw a million pages from ~4,600 source articles, each
    used hundreds of times: with the source's date, every copy of one article is published
    the same day, which makes near-duplicate clusters of hundreds of same-day copies that no
    real archive holds (and that story detection must compare pairwise)."""
    rng = random.Random(seed)
    for i in range(n):
        lang = "ar" if rng.random() < arabic_share else "fr"
        source = rng.choice(corpus.articles[lang])
        while sum(map(len, source.paragraphs)) < min_body_chars:
            extra = rng.choice(corpus.articles[lang]).paragraphs
            source = Source(source.title, source.paragraphs + extra, source.date)
        crawl = start + dt.timedelta(days=i // pages_per_day, minutes=(i % pages_per_day) * (1440 // pages_per_day))
        if date_from_crawl:
            source = Source(source.title, source.paragraphs, crawl.date() - dt.timedelta(days=i % 3))
        related = rng.choice(corpus.articles[lang]).title
        pool = corpus.headlines[lang]
        offset = (i // pages_per_day) * 7 % len(pool)  # ~7 new headlines a day
        ticker = [pool[(offset + k) % len(pool)] for k in range(ticker_size)]
        if rng.random() < 0.3:  # the same headline twice in a row, as on the seed page
            k = rng.randrange(ticker_size)
            ticker.insert(k, ticker[k])
        variants = [v for v, rate in VARIANT_RATES.items() if rng.random() < rate]
        if "ticker_only" in variants or "truncated" in variants:
            variants = [v for v in variants if v not in ("no_ticker", "no_related", "trailing_junk")]
        outlet = rng.choice(OUTLETS[lang])
        site = rng.choice(SITES[lang])
        text, expected = render(source, lang=lang, outlet=outlet, ticker=ticker, related=related, rng=rng,
                                variants=variants)
        yield GeneratedPage(f"{site}-{lang}-{i:07d}.txt", text, expected, crawl, site, variants)


def write_pages(pages: Iterator[GeneratedPage], out_dir: str | Path, *, manifest: bool = True) -> int:
    """Write pages (UTF-8, as dumped) and a manifest.jsonl with their crawl times."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    count = 0
    rows = []
    for page in pages:
        (out / page.name).write_bytes(page.text.encode("utf-8"))
        rows.append({"file": page.name, "crawled_at": page.crawled_at.isoformat(), "site": page.site})
        count += 1
    if manifest:
        with open(out / "manifest.jsonl", "w", encoding="utf-8") as handle:
            for row in rows:
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    return count


SAMPLE_SINCE, SAMPLE_UNTIL = dt.date(2016, 10, 1), dt.date(2016, 12, 31)


def build_sample(corpus_dir: str | Path, out_dir: str | Path) -> dict[str, int]:
    """The bundled demo input (data/sample): a slice of every openly licensed corpus part,
    centred on Q4 2016 where ANT and WiNER-fr overlap, plus pages rendered from the same
    articles and crawled over the same quarter. Deterministic."""
    import csv
    import shutil

    root, out = Path(corpus_dir), Path(out_dir)
    counts = {}
    ant = out / "ant-jawhara"
    if ant.exists():
        shutil.rmtree(ant)
    picked = []
    for path in sorted((root / "ant-jawhara").rglob("*.txt")):
        text = path.read_text(encoding="utf-8")
        for _block, article, _w, _p in trec.parse_trec(text):
            day = article.date.date if article and article.date else None
            if day and SAMPLE_SINCE <= day <= SAMPLE_UNTIL:
                picked.append(path)
    for path in picked[::3]:
        target = ant / path.relative_to(root / "ant-jawhara")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    counts["ant-jawhara"] = len(picked[::3])
    rows = [line for line in (root / "winer-fr" / "winer_fr_2016_2017.jsonl").read_text(encoding="utf-8").splitlines()
            if SAMPLE_SINCE.isoformat() <= json.loads(line)["date"] <= SAMPLE_UNTIL.isoformat()]
    (out / "winer-fr.jsonl").write_text("\n".join(rows) + "\n", encoding="utf-8")
    counts["winer-fr"] = len(rows)
    with open(root / "wikinews-en" / "wikinews_2019.csv", encoding="utf-8", newline="") as handle:
        table = list(csv.reader(handle))
    with open(out / "wikinews-en.csv", "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows([table[0], *table[1:41]])
    counts["wikinews-en"] = 40
    itn = [line for line in (root / "itn" / "itn_blurbs_dev.jsonl").read_text(encoding="utf-8").splitlines()
           if json.loads(line)["date"].startswith("2022-10")]
    (out / "itn.jsonl").write_text("\n".join(itn[::3]) + "\n", encoding="utf-8")
    counts["itn"] = len(itn[::3])
    pages = out / "pages"
    if pages.exists():
        shutil.rmtree(pages)
    corpus = read_corpus(root, since=SAMPLE_SINCE, until=SAMPLE_UNTIL)
    start = dt.datetime.combine(SAMPLE_SINCE, dt.time(7), dt.timezone.utc)
    counts["pages"] = write_pages(generate(corpus, 276, seed=2016, start=start, pages_per_day=3), pages)
    return counts


def main(argv: list[str] | None = None) -> None:
    """python -m bench.pagegen --out DIR -n N: write generated pages and their manifest."""
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--corpus", default="../shared/corpus")
    parser.add_argument("--out", required=True)
    parser.add_argument("-n", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--since", type=dt.date.fromisoformat)
    parser.add_argument("--until", type=dt.date.fromisoformat)
    parser.add_argument("--start", type=dt.datetime.fromisoformat, help="first crawl time (default 2025-09-01T06:00Z)")
    parser.add_argument("--pages-per-day", type=int, default=40)
    parser.add_argument("--min-body-chars", type=int, default=0)
    parser.add_argument("--sample", action="store_true", help="build the bundled demo input (data/sample) instead")
    args = parser.parse_args(argv)
    if args.sample:
        print(build_sample(args.corpus, args.out))
        return
    corpus = read_corpus(args.corpus, since=args.since, until=args.until)
    options = {"seed": args.seed, "pages_per_day": args.pages_per_day, "min_body_chars": args.min_body_chars}
    if args.start:
        options["start"] = args.start if args.start.tzinfo else args.start.replace(tzinfo=dt.timezone.utc)
    count = write_pages(generate(corpus, args.n, **options), args.out)
    print(f"wrote {count} pages and manifest.jsonl to {args.out}")


if __name__ == "__main__":
    main()
