"""`presswatch report` on the bundled sample: files, sections, numbers checked against SQL,
hostile text escaped, idempotence, filters, busy database, and period choice."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import analysis
from analysis.cli import cli
from analysis.files import atomic_write
from analysis.report import periods
from tests.conftest import writable_copy
from tests.report_fixtures import HOSTILE_OUTLET, HOSTILE_TITLE, HOSTILE_URL

W51 = {"start": dt.date(2016, 12, 19), "end": dt.date(2016, 12, 25)}
W50 = {"start": dt.date(2016, 12, 12), "end": dt.date(2016, 12, 18)}


def run(db: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--db", str(db), "report", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def scalar(db: Path, sql: str, params=None):
    con = analysis.connect(db, read_only=True)
    try:
        return con.execute(sql, params or {}).fetchall()[0][0]
    finally:
        con.close()


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def weekly(sample_db_path, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("reports")
    run(sample_db_path, "--period", "week", "--at", "2016-W51", "--out", str(out))
    return out


def test_report_folder_holds_a_self_contained_page_markdown_and_csv(weekly):
    folder = weekly / "2016-W51"
    html = (folder / "index.html").read_text(encoding="utf-8")
    for section in ("numbers", "volume", "articles", "ticker", "coverage", "provenance"):
        assert f'<section id="{section}">' in html
    assert 'id="entities"' not in html and 'id="topics"' not in html  # the plain sample is not enriched
    assert html.count('<img src="data:image/svg+xml;base64,') == 4  # charts are inlined
    assert not re.search(r"""src=["'](?!data:)|<link|<script|url\(""", html, re.I)  # nothing to fetch: opens offline
    assert "Content-Security-Policy" in html
    for name in ("report.md", "headline_numbers.csv", "volume_by_outlet.csv", "top_articles.csv",
                 "ticker_newest.csv", "coverage.csv", "charts/volume_lang.svg"):
        assert (folder / name).stat().st_size > 0, name
    index = (weekly / "index.html").read_text(encoding="utf-8")
    assert 'href="2016-W51/index.html"' in index


def test_headline_numbers_match_sql(weekly, sample_db_path):
    numbers = {r["metric"]: r for r in _csv(weekly / "2016-W51" / "headline_numbers.csv")}
    db = sample_db_path
    expect = {
        "articles": "SELECT count(*) FROM articles WHERE published_date BETWEEN $start AND $end",
        "outlets": "SELECT count(DISTINCT outlet) FROM articles WHERE published_date BETWEEN $start AND $end",
        "pages": "SELECT count(*) FROM documents WHERE format = 'page' AND CAST(crawled_at AS DATE) BETWEEN $start AND $end",
        "headlines_seen": "SELECT count(DISTINCT headline_id) FROM sightings WHERE CAST(seen_at AS DATE) BETWEEN $start AND $end",
        "headlines_new": "SELECT count(*) FROM headlines WHERE CAST(first_seen AS DATE) BETWEEN $start AND $end",
    }
    for metric, sql in expect.items():
        assert int(numbers[metric]["value"]) == scalar(db, sql, W51), metric
        assert int(numbers[metric]["previous"]) == scalar(db, sql, W50), metric
    html = (weekly / "2016-W51" / "index.html").read_text(encoding="utf-8")
    articles = scalar(db, expect["articles"], W51)
    change = articles - scalar(db, expect["articles"], W50)
    assert f'<div class="value">{articles:,}</div>' in html
    assert f"{change:+,}".replace("-", "−") in html
    md = (weekly / "2016-W51" / "report.md").read_text(encoding="utf-8")
    assert f"| Articles published | {articles:,} |" in md


def test_volume_table_and_top_articles_match_sql(weekly, sample_db_path):
    table = _csv(weekly / "2016-W51" / "volume_by_outlet.csv")
    jawhara = next(r for r in table if r["outlet"] == "Jawhara FM")
    assert int(jawhara["n_placements"]) == scalar(
        sample_db_path, "SELECT count(*) FROM articles WHERE outlet = 'Jawhara FM' AND published_date BETWEEN $start AND $end", W51)
    top = _csv(weekly / "2016-W51" / "top_articles.csv")
    assert len(top) == 20 and all("2016-12-19" <= r["published_date"] <= "2016-12-25" for r in top)
    html = (weekly / "2016-W51" / "index.html").read_text(encoding="utf-8")
    first = top[0]
    assert first["title"].replace("'", "&#39;") in html


def test_arabic_text_is_marked_right_to_left(weekly):
    html = (weekly / "2016-W51" / "index.html").read_text(encoding="utf-8")
    arabic_cells = re.findall(r'<td class="t" dir="auto" lang="ar">([^<]+)</td>', html)
    assert arabic_cells and all(re.search("[\u0600-\u06ff]", c) for c in arabic_cells)
    assert not re.search(r'lang="(?!ar")[a-z]*">[\u0600-\u06ff]', html)  # no Arabic text labelled as another language


def test_second_run_is_byte_identical(weekly, sample_db_path, tmp_path):
    before = snapshot(weekly / "2016-W51")
    mtimes = {p: p.stat().st_mtime_ns for p in (weekly / "2016-W51").rglob("*") if p.is_file()}
    assert "unchanged" in run(sample_db_path, "--at", "2016-W51", "--out", str(weekly))
    assert snapshot(weekly / "2016-W51") == before
    assert {p: p.stat().st_mtime_ns for p in mtimes} == mtimes  # not even rewritten
    run(sample_db_path, "--at", "2016-W51", "--out", str(tmp_path))  # a fresh folder, a fresh process state
    assert snapshot(tmp_path / "2016-W51") == before


def test_hostile_text_is_shown_as_text(hostile_db, tmp_path):
    # filtered to the two hostile outlets so their articles lead the top-articles table
    run(hostile_db, "--at", "2016-W51", "--outlet", HOSTILE_OUTLET, "--outlet", "Hostile Export", "--out", str(tmp_path))
    (folder,) = [p for p in tmp_path.iterdir() if p.is_dir() and p.name.startswith("2016-W51")]
    html = (folder / "index.html").read_text(encoding="utf-8")
    assert "<script" not in html.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Tunis : le marché &lt;b&gt;ferme&lt;/b&gt;" in html  # ticker headline
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; «le titre»" in html  # article title
    assert "Le &lt;i&gt;Hostile&lt;/i&gt; &amp; Co" in html  # outlet
    assert "Lien &lt;a href=x&gt;piégé&lt;/a&gt; $5 and $6" in html and HOSTILE_URL not in html  # no javascript: link
    assert "<a href=x>" not in html and "<i>Hostile" not in html and "<b>ferme" not in html
    md = (folder / "report.md").read_text(encoding="utf-8")
    assert "<script" not in md and "&lt;script&gt;alert" in md and HOSTILE_URL not in md
    csv = (folder / "top_articles.csv").read_text(encoding="utf-8")
    assert HOSTILE_TITLE in csv  # CSV keeps the data as it is


def test_latest_picks_the_last_complete_period_of_the_data(sample_db_path):
    con = analysis.connect(sample_db_path, read_only=True)
    try:
        week, basis, last = periods.latest_complete(con, "week")
        month, _, _ = periods.latest_complete(con, "month")
        published, pbasis, plast = periods.latest_complete(con, "week", basis="published")
    finally:
        con.close()
    # crawls run to Saturday 2016-12-31 23:00: that ISO week is not over, December is
    assert (basis, last, week.label, month.label) == ("crawled", dt.date(2016, 12, 31), "2016-W51", "2016-12")
    # the article dates reach Monday 2022-10-31 (ITN blurbs): its week has only begun
    assert (pbasis, plast, published.label) == ("published", dt.date(2022, 10, 31), "2022-W43")


def test_latest_report_says_which_clock_chose_it(sample_db_path, tmp_path):
    output = run(sample_db_path, "--period", "month", "--latest", "--out", str(tmp_path))
    assert "report 2016-12:" in output
    html = (tmp_path / "2016-12" / "index.html").read_text(encoding="utf-8")
    assert "last complete month of the crawl time of the pages (UTC), which reach 2016-12-31" in html
    assert "counted by their <strong>publication date</strong>" in html
    run(sample_db_path, "--at", "2016-W48", "--out", str(tmp_path))
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert index.index("2016-12/index.html") < index.index("2016-W48/index.html")  # newest first, all listed


def test_language_filter(sample_db_path, tmp_path):
    run(sample_db_path, "--at", "2016-W51", "--lang", "ar", "--out", str(tmp_path))
    (folder,) = [p for p in tmp_path.iterdir() if p.is_dir()]
    assert folder.name.startswith("2016-W51_lang-ar_")
    table = _csv(folder / "volume_by_outlet.csv")
    assert {r["lang"] for r in table} == {"ar"}
    numbers = {r["metric"]: int(r["value"]) for r in _csv(folder / "headline_numbers.csv")}
    assert numbers["articles"] == scalar(
        sample_db_path, "SELECT count(*) FROM articles WHERE lang = 'ar' AND published_date BETWEEN $start AND $end", W51)
    assert numbers["headlines_seen"] == scalar(sample_db_path, """
        SELECT count(DISTINCT g.headline_id) FROM sightings g JOIN headlines h USING (headline_id)
        WHERE h.lang = 'ar' AND CAST(g.seen_at AS DATE) BETWEEN $start AND $end""", W51)


@pytest.mark.parametrize("args, message", [
    (["--period", "week", "--at", "2016-11"], "is a month"),
    (["--period", "month", "--at", "2016-W48"], "is a week"),
    (["--at", "2016-W60"], "has no ISO week 60"),
    ([], "latest=True"),
    (["--at", "2016-W48", "--latest"], "either at= or latest=True"),
])
def test_bad_period_arguments_fail_in_one_sentence(sample_db_path, tmp_path, args, message):
    result = CliRunner().invoke(cli, ["--db", str(sample_db_path), "report", *args, "--out", str(tmp_path)])
    assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output


def test_busy_database_waits_then_says_so(sample_db_path, tmp_path):
    db = writable_copy(sample_db_path, tmp_path)
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time, duckdb; con = duckdb.connect(sys.argv[1]); print('locked', flush=True); time.sleep(60)"),
        str(db)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        started = time.monotonic()
        result = subprocess.run([sys.executable, "-c", "from analysis.cli import cli; cli()", "--db", str(db), "--timeout", "2", "report",
                                 "--latest", "--out", str(tmp_path / "out")], capture_output=True, text=True, timeout=120)
        waited = time.monotonic() - started
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == 2
    assert "is busy" in result.stderr and "retrying" in result.stderr and "Traceback" not in result.stderr
    assert waited >= 2
    assert not (tmp_path / "out").exists()


def test_atomic_write_replaces_whole_files_and_skips_identical_ones(tmp_path):
    path = tmp_path / "a" / "index.html"
    assert atomic_write(path, b"one")
    assert not atomic_write(path, b"one")
    assert atomic_write(path, b"two") and path.read_bytes() == b"two"
    assert [p.name for p in path.parent.iterdir()] == ["index.html"]  # no temporary file left behind


def test_periods_parse_and_label():
    assert periods.parse_at("week", "2020-W53").start == dt.date(2020, 12, 28)
    assert periods.parse_at("week", "2021-01-01").label == "2020-W53"  # ISO year, not calendar year
    assert periods.parse_at("month", "2016-02").end == dt.date(2016, 2, 29)
    p = periods.parse_at("week", "2016-W01")
    assert (p.previous().label, p.back(3).label, p.title) == ("2015-W53", "2015-W51", "week 1 of 2016 (4 Jan – 10 Jan 2016)")


def _csv(path: Path) -> list[dict]:
    import csv

    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_csv_cells_a_spreadsheet_would_run_as_formulas_are_neutralised():
    import csv
    import io

    import pandas as pd

    from analysis.report.render import csv_bytes

    cells = ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "plain", "a=b", "", None]
    frame = pd.DataFrame({"title": cells, "n": range(len(cells))})
    read = list(csv.DictReader(io.StringIO(csv_bytes(frame).decode("utf-8"))))
    titles = [r["title"] for r in read]
    assert titles[:5] == ["'" + c for c in cells[:5]]
    assert titles[5:] == ["plain", "a=b", "", ""]
    assert [r["n"] for r in read] == [str(i) for i in range(len(cells))]  # numbers are not text: untouched


def test_a_group_stopping_mid_period_marks_the_numbers_partial_and_says_so(tmp_path):
    """Real articles on chosen dates (tests/trends_fixtures.py): Arabic stops on 2016-11-20."""
    from analysis.report.compute import report_data
    from analysis.report.periods import Period
    from analysis.report.render import change_text, render_markdown
    from tests import trends_fixtures

    con = analysis.connect(tmp_path / "gaps.duckdb")
    trends_fixtures.gapped(con)
    november = Period.containing("month", dt.date(2016, 11, 1))
    arabic = report_data(con, november, langs=["ar"])
    articles = arabic.numbers.set_index("metric").loc["articles"]
    assert (articles["value"], articles["previous"], bool(articles["partial"])) == (20, 31, True)
    assert "partial period" in change_text(articles.to_dict())
    assert arabic.partial == ["Articles of the language Arabic stop on 2016-11-20, inside 2016-11: partial period.",
                              "Articles of the outlet Jawhara FM stop on 2016-11-20, inside 2016-11: partial period."]
    # unfiltered, the month is whole; the note still says which group stopped inside it
    both = report_data(con, november)
    assert not both.numbers["partial"].any()
    assert any("Arabic stop on 2016-11-20" in note for note in both.partial)
    assert "Arabic stop on 2016-11-20" in render_markdown(both, {})
    october = report_data(con, Period.containing("month", dt.date(2016, 10, 1)), langs=["en"])
    assert not october.numbers["partial"].any() and october.partial == []
    con.close()


def test_pages_without_a_known_crawl_time_are_counted_and_said(tmp_path):
    """A page loaded without --crawled-at or a manifest has no crawl time: the report's
    provenance counts it instead of reporting "0 pages"."""
    from tests.conftest import CORPUS

    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "p.txt").write_bytes((CORPUS / "pages" / "maghress-fr-0001.txt").read_bytes())
    db = tmp_path / "db.duckdb"
    runner = CliRunner()
    assert runner.invoke(cli, ["load", "--db", str(db), "--no-progress", "--workers", "1", str(folder)]).exit_code == 0
    result = runner.invoke(cli, ["report", "--db", str(db), "--at", "2015-02-16", "--out", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    md = (tmp_path / "r" / "2015-W08" / "report.md").read_text(encoding="utf-8")
    html = (tmp_path / "r" / "2015-W08" / "index.html").read_text(encoding="utf-8")
    assert "(0 pages) and 1 more without a known crawl time" in md
    assert "1 more without a known crawl time" in html


def test_provenance_in_words_with_the_raw_parameters_folded_away(weekly):
    html = (weekly / "2016-W51" / "index.html").read_text(encoding="utf-8")
    prov = html.split('id="provenance"', 1)[1]
    words, technical = prov.split("<details", 1)
    assert "How things are counted" in words and "story" in words and "Parsers" not in words
    assert "Technical details" in technical and "Parsers" in technical and "Software" in technical
