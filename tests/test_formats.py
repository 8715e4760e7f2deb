"""TREC files and article exports, read from the real corpus files."""

from __future__ import annotations

import io
import json

import pytest

from analysis.ingest import exports, trec
from analysis.ingest.sources import Input
from analysis.ingest.worker import detect_format, parse_input


def _parse(path, mapping=None):
    stat = path.stat()
    return list(parse_input(Input(str(path), stat.st_size, stat.st_mtime_ns), mapping=mapping or {}))


def test_trec_real_file(corpus):
    path = corpus / "ant-jawhara" / "culture" / "JA-culture-21-20161116.txt"
    [doc] = _parse(path)
    a = doc.article
    assert doc.format == "trec" and doc.reject is None
    assert a.outlet == "Jawhara FM" and a.category == "culture" and a.lang == "ar"
    assert a.source_id == "JA-culture-21-20161116"
    assert a.date.date.isoformat() == "2016-11-16" and a.date.at is not None  # ISO with offset
    assert a.url.startswith("http://www.jawharafm.net/")
    assert a.body and "\n\n" not in a.body


def test_trec_empty_title_is_null_not_invented(corpus):
    [doc] = _parse(corpus / "ant-jawhara" / "localNews" / "JA-localNews-166-00000000.txt")
    assert doc.article.title is None
    assert "no_title" in doc.warnings
    assert doc.article.date.date.isoformat() == "2016-09-29"


def test_trec_several_docs_and_malformed_time(tmp_path):
    path = tmp_path / "two.txt"
    path.write_text("<DOC>\n<DOCNO>A-1</DOCNO>\n<TITLE>Un</TITLE>\n<TIME>2016-11-16T133800</TIME>\n<TEXT>\nCorps un.\n</TEXT>\n</DOC>\n"
                    "<DOC>\n<DOCNO>A-2</DOCNO>\n<TITLE>Deux</TITLE>\n<TIME>le 16 novembre</TIME>\n<TEXT>\nCorps deux.\n</TEXT>\n</DOC>\n"
                    "<DOC>\n<DOCNO>A-3</DOCNO>\n<TITLE> </TITLE>\n<TEXT>\n</TEXT>\n</DOC>\n", encoding="utf-8")
    docs = _parse(path)
    assert [d.record for d in docs] == [0, 1, 2]
    assert docs[0].article.date.local.isoformat() == "2016-11-16T13:38:00"
    assert docs[1].article.date.date is None and docs[1].article.date_raw == "le 16 novembre"
    assert "bad_date" in docs[1].warnings
    assert docs[2].reject == ("empty_record", "no title and no text")
    assert len({d.sha256 for d in docs}) == 3


def test_jsonl_winer_fields(corpus):
    docs = _parse(corpus / "winer-fr" / "winer_fr_2016_2017.jsonl")
    assert len(docs) == 964 and all(d.reject is None for d in docs)
    first = docs[0].article
    assert first.title == "France : attaque à Valence (Drôme)"
    assert first.outlet == "Wikinews (fr.wikinews.org)" and first.lang == "fr"
    assert first.source_id == "winer-fr-2016_01_01-001"
    assert first.date.date.isoformat() == "2016-01-01"


def test_csv_quoted_multiline(corpus):
    docs = _parse(corpus / "wikinews-en" / "wikinews_2019.csv")
    assert len(docs) == 171 and all(d.reject is None for d in docs)
    assert all(d.article.lang == "en" for d in docs)
    assert docs[0].article.body.startswith("Friday, January 4, 2019")
    assert docs[0].article.body.count("\n") >= 3  # paragraphs kept, blank lines dropped


def test_column_mapping_and_map_option(tmp_path):
    path = tmp_path / "odd.csv"
    path.write_text("intitule;contenu_html;quand;journal\nTitre;Le corps.;05/03/2016;Le Matin\n", encoding="utf-8")
    [doc] = _parse(path)
    assert doc.reject == ("missing_column", doc.reject[1])
    assert "--map" in doc.reject[1]
    [doc] = _parse(path, exports.parse_mapping(["intitule=title", "contenu_html=body", "quand=date"]))
    a = doc.article
    assert (a.title, a.body, a.outlet, a.date.date.isoformat()) == ("Titre", "Le corps.", "Le Matin", "2016-03-05")
    with pytest.raises(ValueError):
        exports.parse_mapping(["nocolumn"])
    with pytest.raises(ValueError):
        exports.parse_mapping(["a=nofield"])


def test_bad_records_rejected_rest_loaded(tmp_path):
    path = tmp_path / "mixed.jsonl"
    good = json.dumps({"title": "Bon", "text": "Texte.", "date": "2016-01-02"})
    path.write_bytes(b"\n".join([good.encode(), b'{"title": "tronqu', b"[1, 2]", b"",
                                 json.dumps({"title": "", "text": ""}).encode(),
                                 json.dumps({"title": "Caf\xe9", "text": "x"}).encode("utf-8").replace(b"\\u00e9", b"\xe9")]))
    docs = _parse(path)
    assert [d.record for d in docs] == [0, 1, 2, 3, 4]  # records are counted, blank lines are not
    assert docs[0].reject is None
    assert docs[1].reject[0] == "bad_json" and docs[2].reject[0] == "bad_json"
    assert docs[3].reject == ("empty_record", "no title and no text")
    assert docs[4].article.title == "Café" and "decoded_cp1252" in docs[4].warnings


def test_csv_missing_column_row(tmp_path):
    path = tmp_path / "short.csv"
    path.write_text('title,text,date\n"A","B","2016-01-01"\n"C","D"\n"E","F\nG","2016-01-03"\n', encoding="utf-8")
    docs = _parse(path)
    assert [d.reject[0] if d.reject else None for d in docs] == [None, "missing_column", None]
    assert docs[2].article.body == "F\nG"


def test_parquet_export(tmp_path):
    import datetime as dt

    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "a.parquet"
    pq.write_table(pa.table({"title": ["Un", "Deux"], "body": ["x", "y"],
                             "published": [dt.datetime(2020, 1, 2, 3, 4, tzinfo=dt.timezone.utc), None]}), path)
    docs = _parse(path)
    assert [d.format for d in docs] == ["parquet", "parquet"]
    assert docs[0].article.date.at is not None and docs[0].article.date.date.isoformat() == "2020-01-02"
    assert docs[1].article.date is None and "no_date" in docs[1].warnings


def test_parquet_export_is_read_without_keeping_row_groups(tmp_path, monkeypatch, corpus):
    # With pyarrow's default pre_buffer every row group read stays in memory until the file
    # is closed: a million-article export (2.9 GB) peaked at 3.7 GB. Real corpus articles,
    # written in several row groups, read through a spy that records how the file is opened.
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [json.loads(line) for line in (corpus / "winer-fr" / "winer_fr_2016_2017.jsonl").open(encoding="utf-8")]
    path = tmp_path / "winer.parquet"
    pq.write_table(pa.Table.from_pylist([{k: r[k] for k in ("id", "title", "text", "date", "url")} for r in rows]),
                   path, row_group_size=100)
    opened = []

    class Spy(pq.ParquetFile):
        def __init__(self, source, **options):
            opened.append(options)
            super().__init__(source, **options)

    monkeypatch.setattr(pq, "ParquetFile", Spy)
    docs = _parse(path)
    assert opened == [{"pre_buffer": False}]
    assert len(docs) == len(rows) and [d.article.title for d in docs[:3]] == [r["title"] for r in rows[:3]]
    assert all(d.reject is None for d in docs)


@pytest.mark.parametrize("name, head, expected", [
    ("x.txt", b"Headline\xc2\xa0\xc2\xa0", "page"), ("x.txt", b"<DOC>\n<DOCNO>", "trec"),
    ("x.jsonl", b"{}", "jsonl"), ("x.csv", b"a,b", "csv"), ("x.bin", b"PAR1\x00", "parquet"),
    ("x.pdf", b"%PDF-1.4\x00\x01", None), ("x.docx", b"PK\x03\x04", None), ("noext", b"text", "page"),
])
def test_detect_format(name, head, expected):
    assert detect_format(name, head) == expected


def test_read_jsonl_array(tmp_path):
    stream = io.BufferedReader(io.BytesIO(b'[{"title": "a", "text": "b"}, 3]'))
    records = list(exports.read_jsonl(stream))
    assert records[0].fields == {"title": "a", "text": "b"} and records[1].problem[0] == "bad_json"


def test_trec_parser_yields_blocks():
    blocks = list(trec.parse_trec("<DOC><TITLE>t</TITLE><TEXT>b</TEXT></DOC>"))
    assert blocks[0][1].title == "t"
