"""The report's saved searches section on the enriched sample: counts checked against
analysis.search.attention and a plain scan, the --searches option, bad files, escaping."""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import analysis
from analysis.cli import cli
from analysis.entities.text import fold
from analysis.errors import DataFileError
from analysis.report.periods import Period
from analysis.report.sections import search_section
from analysis.search import attention
from analysis.search.saved import SavedSearch, saved_searches
from tests.conftest import writable_copy

W51 = Period.containing("week", dt.date(2016, 12, 19))
HOSTILE_NAME = "<script>alert('saved')</script> *bold* | [x](javascript:alert(1))"
SEARCHES = {"searches": [{"name": HOSTILE_NAME, "query": "تونس OR tunisie"},
                         {"name": "Terrorism", "query": "terroris* OR الإرهاب OR إرهابي OR تكفيري"},
                         {"name": "Tunis in French", "query": "tunis*", "lang": "fr"}]}
WORD = re.compile(r"[^\W_]+")


@pytest.fixture(scope="module")
def con(enriched_sample_db):
    con = analysis.connect(enriched_sample_db, read_only=True)  # the index lives beside the file
    yield con
    con.close()


@pytest.fixture(scope="module")
def searches_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("searches") / "searches.yaml"
    path.write_text(yaml.safe_dump(SEARCHES, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def report(enriched_sample_db, searches_file, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("search-reports")
    args = ["--db", str(enriched_sample_db), "report", "--at", W51.label, "--out", str(out),
            "--searches", str(searches_file)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    again = CliRunner().invoke(cli, args)
    assert again.exit_code == 0 and "(unchanged)" in again.output  # byte-identical for the same data
    return out / W51.label


def read_csv(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_each_saved_search_counts_as_attention_does(con):
    searches = saved_searches()
    section = search_section(con, W51, searches)
    frame = attention(con, [s.full_query for s in searches], freq="week", start=W51.back(11).start, end=W51.end)
    frame["period"] = frame["period"].astype(str)
    assert list(section.table["name"]) == [s.name for s in searches]
    for s, row in zip(searches, section.table.to_dict("records")):
        mine = frame[frame["query"] == s.full_query].set_index("period")
        now, before = mine.loc[str(W51.start)], mine.loc[str(W51.previous().start)]
        assert (row["n_documents"], row["previous"]) == (now["n_documents"], before["n_documents"])
        assert row["share"] == pytest.approx(100 * now["share"])
        assert row["change"] == now["n_documents"] - before["n_documents"]
        assert row["trend"] == pytest.approx(list(100 * mine["share"]))
    assert section.table["n_documents"].sum() > 0  # the sample matches some default search in W51


def test_counts_and_top_stories_match_a_plain_scan(con):
    section = search_section(con, W51, [SavedSearch("Tunisia", "تونس OR tunisie")])
    rows = con.execute("""SELECT a.article_id, a.title, a.body, coalesce(s.story_id, -a.article_id)
                          FROM articles a LEFT JOIN article_stories s ON s.article_id = a.article_id
                          WHERE a.published_date BETWEEN $start AND $end""",
                       {"start": W51.start, "end": W51.end}).fetchall()
    matching = {r[0]: r[3] for r in rows
                if {"تونس", "tunisie"} & set(WORD.findall(fold(f"{r[1] or ''} {r[2] or ''}")))}
    all_stories = {r[3] for r in rows}
    (row,) = section.table.to_dict("records")
    assert row["n_documents"] == len(set(matching.values())) > 3
    assert row["share"] == pytest.approx(100 * len(set(matching.values())) / len(all_stories))
    top = section.stories
    assert list(top["rank"]) == [1, 2, 3] and set(top["article_id"]) <= set(matching)
    assert len({matching[i] for i in top["article_id"]}) == 3  # one article per story


def test_the_report_shows_the_section_escaped_in_html_markdown_and_csv(report):
    html = (report / "index.html").read_text(encoding="utf-8")
    section = html[html.index('<section id="searches">'):html.index('<section id="volume">')]
    assert "<script>alert('saved')" not in html and "&lt;script&gt;alert(" in section
    assert "javascript:" not in re.sub(r">[^<]*<", "><", section)  # only as text, never in an attribute
    assert section.count('<svg class="spark"') == 3 and '<a href="http://www.jawharafm.net/' in section
    md = (report / "report.md").read_text(encoding="utf-8")
    assert "## Saved searches" in md and "<script>" not in md
    assert r"&lt;script&gt;alert('saved')&lt;/script&gt; \*bold\* \| \[x\](javascript:alert(1))" in md
    table = read_csv(report / "saved_searches.csv")
    assert [r["name"] for r in table] == [HOSTILE_NAME, "Terrorism", "Tunis in French"]
    assert table[2]["lang"] == "fr"
    stories = read_csv(report / "saved_search_stories.csv")
    assert stories and {r["name"] for r in stories} <= {r["name"] for r in table}


def test_a_language_search_counts_that_language_only(con):
    section = search_section(con, W51, [SavedSearch("fr", "président OR رئيس", "fr"),
                                         SavedSearch("all", "président OR رئيس")])
    fr, everywhere = section.table.to_dict("records")
    assert 0 < fr["n_documents"] < everywhere["n_documents"]
    assert set(section.stories.loc[section.stories["name"] == "fr", "lang"]) == {"fr"}


def test_a_bad_query_is_one_line_naming_the_search(enriched_sample_db, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("searches:\n  - name: Sahara\n    query: 'sahara AND (maroc'\n", encoding="utf-8")
    with pytest.raises(DataFileError, match=r"saved search 'Sahara': unclosed \( at position 12"):
        saved_searches(bad)
    result = CliRunner().invoke(cli, ["--db", str(enriched_sample_db), "report", "--at", W51.label,
                                      "--out", str(tmp_path / "out"), "--searches", str(bad)])
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0 and "'Sahara'" in result.output
    assert not (tmp_path / "out").exists()  # refused before any work


@pytest.mark.parametrize("text, message", [
    ("- name: x\n", "must hold a list under 'searches:'"),
    ("searches:\n  - name: x\n", "saved search 'x' needs a query"),
    ("searches:\n  - {name: x, query: maroc, lang: de}\n", "has lang 'de'"),
    ("searches:\n  - {name: x, query: maroc}\n  - {name: x, query: tunis}\n", "two saved searches are named 'x'"),
    ("searches:\n  - {name: x, querry: maroc}\n", "unknown key(s) querry"),
])
def test_malformed_files_say_what_is_wrong(tmp_path, text, message):
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataFileError, match=re.escape(message)):
        saved_searches(path)


def test_the_packaged_default_parses():
    assert [s.name for s in saved_searches()][:2] == ["Western Sahara", "Migration"]


def test_an_outlet_filtered_report_counts_and_lists_that_outlet_only(con):
    query = [SavedSearch("Tunisia", "تونس OR tunisie")]
    outlet, everywhere = search_section(con, W51, query, outlets=["Jawhara FM"]), search_section(con, W51, query)
    assert 0 < outlet.table["n_documents"][0] < everywhere.table["n_documents"][0]
    assert set(outlet.stories["outlet"]) == {"Jawhara FM"}


def test_both_kinds_of_filter_leave_a_visible_note(con):
    from analysis.report.render import _md_section, search_views

    section = search_section(con, W51, saved_searches(), outlets=["Jawhara FM"], langs=["ar"])
    assert section.table.empty and "by outlet or by language, not both" in section.note
    assert "by outlet or by language, not both" in "\n".join(_md_section(search_views(section, W51)[0]))


def test_an_index_that_cannot_be_written_leaves_a_note_not_a_crash(con, monkeypatch):
    import analysis.search.index as index

    def refuse(*_args, **_kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(index, "open_index", refuse)
    section = search_section(con, W51, saved_searches())
    assert section.table.empty and "cannot be written (Permission denied)" in section.note


def test_a_large_archive_without_an_index_gets_a_note_not_a_long_build(sample_db_path, tmp_path, monkeypatch):
    from analysis.report import sections

    copy = writable_copy(sample_db_path, tmp_path)
    monkeypatch.setattr(sections, "INDEX_ON_DEMAND_MAX", 10)
    c = analysis.connect(copy, read_only=True)
    try:
        section = search_section(c, W51, saved_searches())
    finally:
        c.close()
    assert section.table.empty and "--rebuild-index" in section.note
    assert not list(tmp_path.glob("*.search"))  # nothing was built
