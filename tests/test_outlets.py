"""The outlets table: one publisher is one outlet, whatever script or code the input wrote."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

import analysis
from analysis.cli import cli
from analysis.errors import DataFileError
from analysis.ingest import load
from analysis.ingest.outlets import canonical_outlet, outlet_key, read_outlets
from tests.conftest import CORPUS, SAMPLE

ANT = CORPUS / "ant-jawhara"
ANT_FILES = [ANT / "sport" / "JA-sport-1003-20160720.txt", ANT / "sport" / "JA-sport-1009-20151004.txt"]
NOTICE = "شكرا على الإبلاغ!\nسيتم حجب هذه الصورة تلقائيا عندما يتم الإبلاغ عنها من طرف عدة أشخاص."
FOOTER = "انقر هنا لقراءة الخبر من مصدره."


def _ant_text(path: Path) -> tuple[str, str]:
    """Title and body of an ANT article (ANT v1.1, Apache-2.0; texts from Jawhara FM)."""
    raw = path.read_text(encoding="utf-8")
    title = re.search(r"<TITLE>(.*?)</TITLE>", raw, re.S)[1].strip()
    body = re.search(r"<TEXT>(.*?)</TEXT>", raw, re.S)[1].strip()
    return title, body


def _arabic_page(outlet: str, source: Path) -> str:
    """A page in the layout of ../shared/LAYOUT.md whose dateline names ``outlet``."""
    title, body = _ant_text(source)
    return (f"خبر أول    خبر ثان    \n\n\n{NOTICE}\n\n\nعنوان مقال آخر\n{title}\n"
            f"نشر في {outlet} يوم 01 - 12 - 2016\n\n{body}\n\n\n{FOOTER}")


def _outlets(con) -> list[tuple]:
    return con.execute("SELECT outlet, outlet_raw, count(*) FROM articles GROUP BY ALL ORDER BY ALL").fetchall()


def test_trec_src_and_arabic_dateline_are_one_outlet(tmp_path, fresh_db):
    for path in ANT_FILES:
        shutil.copy(path, tmp_path / path.name)
    (tmp_path / "page-ar.txt").write_text(_arabic_page("جوهرة أف أم", ANT / "sport" / "JA-sport-1039-20160217.txt"),
                                          encoding="utf-8")
    result = load(fresh_db, [str(tmp_path)], workers=1)
    assert result.counts.articles == 3
    assert fresh_db.execute("SELECT DISTINCT outlet FROM articles").fetchall() == [("Jawhara FM",)]
    assert _outlets(fresh_db) == [("Jawhara FM", "Jawhara FM", 2), ("Jawhara FM", "جوهرة أف أم", 1)]
    # the outlets table, stored by the load, gives the article's outlet a country and language
    assert fresh_db.execute("SELECT DISTINCT o.outlet_id, o.country, o.lang FROM articles a "
                            "JOIN outlets o ON a.outlet = o.name").fetchall() == [("jawhara-fm", "TN", "ar")]


@pytest.mark.parametrize("written", ["Jawhara FM", "jawharafm", "JAWHARA-FM", "جوهرة أف أم", "جوهرة اف ام",
                                     "جوهرة  أف  أم.", "jawharafm.net"])
def test_spellings_of_jawhara_fold_to_one_name(written):
    assert canonical_outlet(written) == "Jawhara FM"


def test_codes_and_accents_get_the_display_name():
    assert canonical_outlet("skynews") == "Sky News Arabia"
    assert canonical_outlet("alarabia") == "Al Arabiya"
    assert canonical_outlet("Medias 24") == "Médias 24"
    assert canonical_outlet("L'Opinion") == "L'opinion"
    assert canonical_outlet("Hespress") == "هسبريس"
    assert canonical_outlet("El Khabar") == canonical_outlet("الخبر") == "الخبر"
    assert outlet_key("Médias 24") == outlet_key("medias24")


def test_unknown_outlet_is_kept_as_written(tmp_path, fresh_db):
    export = tmp_path / "export.jsonl"
    export.write_text('{"title": "Un titre", "text": "Un texte assez long.", "outlet": "Radio Inconnue"}\n'
                      '{"title": "Un autre", "text": "Encore un texte.", "outlet": "  "}\n', encoding="utf-8")
    load(fresh_db, [str(export)], workers=1)
    assert _outlets(fresh_db) == [("Radio Inconnue", "Radio Inconnue", 1), (None, None, 1)]
    assert canonical_outlet(None) is None and canonical_outlet("") is None


def test_outlet_option_fills_an_export_without_an_outlet_column(tmp_path):
    # wikinews-en.csv has url, date, title, text: no outlet column.
    db = tmp_path / "cli.duckdb"
    run = CliRunner().invoke(cli, ["--db", str(db), "load", "--no-progress", "--workers", "1",
                                   "--outlet", "Wikinews (en)", str(SAMPLE / "wikinews-en.csv")])
    assert run.exit_code == 0, run.output
    con = analysis.connect(db, read_only=True)
    try:
        assert _outlets(con) == [("Wikinews (en)", "Wikinews (en)", 40)]
    finally:
        con.close()


def test_outlet_option_does_not_override_a_written_outlet(tmp_path, fresh_db):
    stripped = tmp_path / "no-src.txt"
    stripped.write_text(re.sub(r"<SRC>.*?</SRC>\n", "", ANT_FILES[0].read_text(encoding="utf-8")), encoding="utf-8")
    shutil.copy(ANT_FILES[1], tmp_path / ANT_FILES[1].name)
    load(fresh_db, [str(tmp_path)], workers=1, outlet="جوهرة اف ام")
    assert _outlets(fresh_db) == [("Jawhara FM", "Jawhara FM", 1), ("Jawhara FM", "جوهرة اف ام", 1)]


def test_every_sample_dateline_outlet_is_in_the_table():
    names = {o.name for o in read_outlets()}
    written = set()
    for page in (SAMPLE / "pages").glob("*.txt"):
        m = re.search(r"^(?:Publié dans (.+) le|نشر في (.+) يوم) \d", page.read_text(encoding="utf-8"), re.M)
        if m:
            written.add(m[1] or m[2])
    assert len(written) >= 15
    assert {w for w in written if canonical_outlet(w) not in names} == set()


def test_shipped_table_is_well_formed():
    outlets = read_outlets()
    assert len({o.outlet_id for o in outlets}) == len(outlets) >= 30
    assert {o.country for o in outlets} >= {"MA", "DZ", "TN", "EG"}


@pytest.mark.parametrize("text, where", [
    ("- {id: a, name: Alpha}\n- {id: b, name: Beta, aliases: [ALPHA]}\n", "entry 2 (b)"),
    ("- {id: a, name: Alpha}\n- {id: a, name: Gamma}\n", "entry 2"),
    ("- {id: a, name: Alpha}\n- {id: B!, name: Beta}\n", "entry 2"),
    ("- {id: a, name: Alpha, website: x}\n", "entry 1"),
    ("- [a, b]\n", "entry 1"),
    ("{id: a}\n", "expected a list"),
])
def test_malformed_table_names_the_file_and_entry(tmp_path, text, where):
    path = tmp_path / "my-outlets.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataFileError, match=re.escape(where)) as info:
        read_outlets(path)
    assert "my-outlets.yaml" in str(info.value)


def test_cli_tables_say_unknown_outlet_not_nan(tmp_path):
    db = tmp_path / "cli.duckdb"
    runner = CliRunner()
    loaded = runner.invoke(cli, ["--db", str(db), "load", "--no-progress", "--workers", "1",
                                 str(SAMPLE / "wikinews-en.csv"), str(ANT_FILES[0])])
    assert loaded.exit_code == 0, loaded.output
    run = runner.invoke(cli, ["--db", str(db), "search", "--freq", "month", "--by", "outlet", "the"])
    assert run.exit_code == 0, run.output
    assert "unknown outlet" in run.output and "Jawhara FM" in run.output
    assert not re.search(r"\b(NaN|None|nan)\b", run.output)
