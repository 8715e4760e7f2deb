"""The page generator and the bundled sample it builds."""

from __future__ import annotations

import filecmp

from conftest import SAMPLE

from bench.pagegen import build_sample, generate, read_corpus


def test_generation_is_deterministic(corpus):
    source = read_corpus(corpus, limit=200)
    first = [(g.name, g.text) for g in generate(source, 50, seed=3)]
    again = [(g.name, g.text) for g in generate(source, 50, seed=3)]
    other = [(g.name, g.text) for g in generate(source, 50, seed=4)]
    assert first == again and first != other


def test_pages_look_like_the_seed(corpus, seed_text):
    pages = list(generate(read_corpus(corpus), 200, seed=1, min_body_chars=5000))
    sizes = sorted(len(p.text.encode("utf-8")) for p in pages)
    median = sizes[len(sizes) // 2]
    assert 0.6 * len(seed_text.encode("utf-8")) < median < 2.0 * len(seed_text.encode("utf-8"))


def test_bundled_sample_is_rebuilt_identically(corpus, tmp_path):
    counts = build_sample(corpus, tmp_path)
    assert counts["pages"] == 276 and counts["ant-jawhara"] > 300
    comparison = filecmp.dircmp(tmp_path, SAMPLE)
    def same(c):
        return not (c.left_only or c.right_only or c.diff_files) and all(same(sub) for sub in c.subdirs.values())
    assert same(comparison), "data/sample/inputs differs from what `make sample` builds"


def test_articles_can_be_dated_by_their_crawl(corpus):
    # The benchmarks reuse each source article hundreds of times; dated by the source, all
    # copies would be published the same day (one giant near-duplicate cluster per source).
    source = read_corpus(corpus)
    kept = [g for g in generate(source, 400, seed=2, pages_per_day=50) if g.expected["title"]]
    dated = [g for g in generate(source, 400, seed=2, pages_per_day=50, date_from_crawl=True) if g.expected["title"]]
    assert [g.expected["title"] for g in kept] == [g.expected["title"] for g in dated]
    lags = {(g.crawled_at.date() - g.expected["date"]).days for g in dated}
    assert lags == {0, 1, 2}
    assert all(g.expected["date"].strftime("%d - %m - %Y") in g.text for g in dated)
    def dates_per_title(pages):
        copies: dict[str, set] = {}
        for g in pages:
            copies.setdefault(g.expected["title"], set()).add(g.expected["date"])
        return [len(days) for days in copies.values()]

    assert max(dates_per_title(kept)) == 1 and max(dates_per_title(dated)) > 1
