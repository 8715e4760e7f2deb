"""TREC files and article exports, read from the real corpus files."""

from __future__ import annotations

import io
import json

import pytest

from analysis.ingest import exports, jsonfiles, records, trec
from analysis.ingest.records import FileProblem
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


def test_deeply_nested_json_is_one_bad_record(tmp_path):
    deep = b"[" * 100_000 + b"]" * 100_000
    good = json.dumps({"title": "Bon", "text": "Texte."}).encode()
    (tmp_path / "deep.jsonl").write_bytes(good + b"\n" + b'{"title": ' + deep + b"}\n" + good.replace(b"Bon", b"Bis") + b"\n")
    docs = _parse(tmp_path / "deep.jsonl")
    assert [d.reject[0] if d.reject else None for d in docs] == [None, "bad_json", None]
    (tmp_path / "deep.json").write_bytes(b"[" + good + b", " + deep + b", {\"title\": " + deep + b"}, " + good + b"]")
    docs = _parse(tmp_path / "deep.json")
    assert [d.reject[0] if d.reject else None for d in docs] == [None, "bad_json", "bad_json", None]


@pytest.mark.parametrize("offset", ["+99:00", "+2400", "-24:00", "+05:75"])
def test_a_date_with_an_impossible_utc_offset_is_an_unreadable_date(tmp_path, offset):
    path = tmp_path / "dates.jsonl"
    path.write_text(json.dumps({"title": "Un", "text": "x", "date": f"2016-01-02T10:00:00{offset}"}) + "\n"
                    + json.dumps({"title": "Deux", "text": "y", "date": "2016-01-03T10:00:00+23:59"}) + "\n", encoding="utf-8")
    first, second = _parse(path)
    assert first.reject is None and first.article.date.date is None and "bad_date" in first.warnings
    assert second.article.date.at.utcoffset().total_seconds() == 23 * 3600 + 59 * 60


def _damage_row_group(path, group):
    import pyarrow.parquet as pq

    meta = pq.ParquetFile(path).metadata
    column = meta.row_group(group).column(1)  # the text column's data pages
    data = bytearray(path.read_bytes())
    start = min(o for o in (column.dictionary_page_offset, column.data_page_offset) if o is not None)
    data[start:start + column.total_compressed_size] = b"\xff" * column.total_compressed_size
    path.write_bytes(bytes(data))


def test_parquet_damaged_row_group_keeps_the_readable_ones(tmp_path, corpus):
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [json.loads(line) for line in (corpus / "winer-fr" / "winer_fr_2016_2017.jsonl").open(encoding="utf-8")][:300]
    path = tmp_path / "winer.parquet"
    pq.write_table(pa.Table.from_pylist([{k: r[k] for k in ("title", "text", "date")} for r in rows]), path,
                   row_group_size=100)
    _damage_row_group(path, 1)
    docs = _parse(path)
    good = [d for d in docs if d.reject is None]
    assert [d.record for d in good] == list(range(100)) + list(range(200, 300))
    assert [d.article.title for d in good[100:103]] == [r["title"] for r in rows[200:203]]
    [bad] = [d for d in docs if d.reject]
    assert bad.reject[0] == "bad_parquet" and bad.record == 100 and "row group 1" in bad.reject[1]


def test_json_file_holding_one_document(tmp_path, corpus):
    rows = [json.loads(line) for line in (corpus / "winer-fr" / "winer_fr_2016_2017.jsonl").open(encoding="utf-8")][:3]
    (tmp_path / "array.json").write_text(json.dumps(rows, indent=2, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "object.json").write_text(json.dumps(rows[0], indent=2, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "lines.json").write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    (tmp_path / "minified.json").write_text(json.dumps(rows), encoding="utf-8")
    for name, expected in [("array.json", 3), ("object.json", 1), ("lines.json", 3), ("minified.json", 3)]:
        docs = _parse(tmp_path / name)
        assert [d.article.title for d in docs] == [r["title"] for r in rows[:expected]], name
        assert docs[0].article.body == rows[0]["text"].strip() or docs[0].article.body.startswith(rows[0]["text"][:40])


def test_json_array_elements_split_on_structure_only():
    text = b' [ {"a": "x,]}\\"[{", "b": [1, {"c": 2}]}, 3 , "s\\\\", {}]  '
    pieces = [text[i:i + 3] for i in range(0, len(text), 3)]  # elements cut across chunks
    elements = [raw for raw, _ in jsonfiles.json_array_elements(pieces, 1000)]
    assert [json.loads(e) for e in elements] == json.loads(text)
    assert [raw for raw, _ in jsonfiles.json_array_elements([b"[" + b"1" * 50 + b", 2]"], 10)] == [None, b"2"]
    with pytest.raises(FileProblem):
        list(jsonfiles.json_array_elements([b'[{"a": 1}, {"b": '], 100))


def test_an_export_without_a_text_column_is_not_loaded_as_empty_articles(tmp_path):
    path = tmp_path / "files.tsv"  # a crawl's file list: its 'name' column looks like a title
    path.write_text("name\turl\nmaghress-fr-0001.txt\thttp://x/1\nmaghress-fr-0002.txt\thttp://x/2\n", encoding="utf-8")
    docs = _parse(path)
    assert [d.reject[0] for d in docs] == ["missing_column", "missing_column"]


def _peak_bytes(parse) -> int:
    import tracemalloc

    tracemalloc.start()
    try:
        parse()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_compressed_exports_are_streamed_and_a_record_is_capped(tmp_path, monkeypatch):
    import gzip

    monkeypatch.setattr(records, "MAX_RECORD_BYTES", 1_000_000)
    huge = 60_000_000  # compresses to ~60 KB
    with gzip.open(tmp_path / "line.jsonl.gz", "wb") as handle:
        handle.write(b'{"title": "big", "text": "')
        for _ in range(huge // 1_000_000):
            handle.write(b"x" * 1_000_000)
        handle.write(b'"}\n{"title": "after", "text": "small"}\n')
    with gzip.open(tmp_path / "array.json.gz", "wb") as handle:
        handle.write(b'[{"title": "big", "text": "')
        for _ in range(huge // 1_000_000):
            handle.write(b"y" * 1_000_000)
        handle.write(b'"}, {"title": "after", "text": "small"}]')
    with gzip.open(tmp_path / "rows.csv.gz", "wb") as handle:
        handle.write(b'title,text\nbig,"')
        for _ in range(huge // 1_000_000):
            handle.write(b"z" * 1_000_000)
        handle.write(b'"\nafter,small\n')
    for name in ("line.jsonl.gz", "array.json.gz", "rows.csv.gz"):
        docs = []
        peak = _peak_bytes(lambda path=tmp_path / name, docs=docs: docs.extend(_parse(path)))
        assert [d.reject[0] if d.reject else d.article.title for d in docs] == ["too_large", "after"], name
        assert peak < 16_000_000, (name, peak)


def test_files_n_records_counts_records_not_blank_lines_after_a_resume(tmp_path, monkeypatch, corpus):
    import analysis
    from analysis.ingest import load, loader

    rows = (corpus / "winer-fr" / "winer_fr_2016_2017.jsonl").read_text(encoding="utf-8").splitlines()[:6]
    path = tmp_path / "in" / "winer.jsonl"
    path.parent.mkdir()
    path.write_text("\n\n".join(rows[:3]) + "\n\n\n" + "\n".join(rows[3:]) + "\n", encoding="utf-8")
    real, calls = loader.write_batch, []

    def dies_on_the_second_batch(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    con = analysis.connect(tmp_path / "db.duckdb")
    try:
        monkeypatch.setattr(loader, "write_batch", dies_on_the_second_batch)
        with pytest.raises(KeyboardInterrupt):
            load(con, [str(path)], batch_size=2)
        monkeypatch.setattr(loader, "write_batch", real)
        load(con, [str(path)], batch_size=2)
        assert con.execute("SELECT n_records FROM files").fetchall() == [(6,)]
        assert con.execute("SELECT count(*), count(DISTINCT record) FROM documents").fetchall() == [(6, 6)]
    finally:
        con.close()


def test_jsonl_whose_first_line_is_damaged_is_still_read_line_by_line(tmp_path, corpus):
    rows = (corpus / "winer-fr" / "winer_fr_2016_2017.jsonl").read_text(encoding="utf-8").splitlines()[:4]
    (tmp_path / "cut.jsonl").write_text(rows[0][:50] + "\n" + "\n".join(rows[1:]) + "\n", encoding="utf-8")
    docs = _parse(tmp_path / "cut.jsonl")
    assert [d.reject[0] if d.reject else None for d in docs] == ["bad_json", None, None, None]
    (tmp_path / "cut.json").write_text(json.dumps(json.loads(rows[0]), indent=1)[:-40], encoding="utf-8")
    [doc] = _parse(tmp_path / "cut.json")  # a damaged pretty-printed document: one reject, not one a line
    assert doc.reject[0] == "bad_json"


def test_parquet_inside_a_zip_or_gz_is_read_from_a_spooled_copy(tmp_path):
    import gzip
    import zipfile

    import pyarrow as pa
    import pyarrow.parquet as pq

    buffer = io.BytesIO()
    pq.write_table(pa.table({"title": ["Un", "Deux"], "text": ["x", "y"]}), buffer)
    with zipfile.ZipFile(tmp_path / "exports.zip", "w") as archive:
        archive.writestr("a.parquet", buffer.getvalue())
    (tmp_path / "b.parquet.gz").write_bytes(gzip.compress(buffer.getvalue()))
    for name in ("exports.zip", "b.parquet.gz"):
        docs = _parse(tmp_path / name)
        assert [d.article.title for d in docs] == ["Un", "Deux"], name
