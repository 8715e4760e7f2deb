"""The writer's inner pieces, checked against their plain definitions on generated pages
built from the real corpus (articles and headlines of ../shared/corpus)."""

from __future__ import annotations

import datetime as dt
import random
import unicodedata

import duckdb
import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import analysis
from analysis.ingest import loader, worker
from analysis.ingest.batch import DocBatch
from analysis.ingest.known import KnownKeys, Prefixes, prefix
from analysis.ingest.records import clean_text
from analysis.ingest.sources import discover
from analysis.ingest.store import _ticker_slots
from bench.pagegen import generate, read_corpus, write_pages


@pytest.fixture(scope="module")
def inputs(corpus, tmp_path_factory):
    """300 generated pages on disk."""
    folder = tmp_path_factory.mktemp("pages")
    write_pages(generate(read_corpus(corpus), 300, seed=5), folder, manifest=False)
    found, _ = discover([str(folder)])
    assert len(found) == 300
    return found


@pytest.fixture(scope="module")
def chunks(inputs):
    """Parsed chunks of 64 generated pages, as the loader's workers return them."""
    parts = [inputs[i:i + loader.CHUNK] for i in range(0, len(inputs), loader.CHUNK)]
    return [(chunk, loader._parse_chunk(chunk, {}, {})) for chunk in parts]


def _per_file(chunks) -> list[DocBatch]:
    return [part for _, parts in loader._chunks_done(chunks, {}, {}, 2000) for part in parts]


def test_one_file_slices_concatenate_to_the_rows_they_came_from(chunks):
    parts = _per_file(chunks)
    assert len(parts) == 300 and all(len(p) == 1 for p in parts)
    expected = pa.concat_tables([p.rows() for p in parts])
    merged = DocBatch.concat(parts)
    assert merged.keys == [k for p in parts for k in p.keys]
    assert merged.rows().equals(expected)
    # Adjacent slices of one parsed chunk become one piece again: one chunk per parsed chunk.
    assert merged.rows().column("body").num_chunks == len(chunks)
    # Out of order and with gaps, each document still gets its own row.
    shuffled = [parts[5], parts[3], parts[4], parts[10], parts[200], parts[0], parts[1], parts[66]]
    mixed = DocBatch.concat(shuffled)
    assert mixed.rows().equals(pa.concat_tables([p.rows() for p in shuffled]))
    for key, sha in zip(mixed.keys, mixed.rows().column("content_sha256").to_pylist()):
        assert sha == key.content_sha256


def test_inputs_are_released_as_they_are_parsed(inputs):
    # The loader hands its inputs over in a deque and keeps no list of them (a million
    # Input tuples are ~285 MB): each chunk leaves the deque when it is sent to be parsed.
    queue = loader._chunked(inputs)
    assert [i for chunk in queue for i in chunk] == inputs and len(queue) == 5
    seen, left = [], []
    for inp, parts in loader._parse_all(queue, {}, {}, 1, 2000):
        seen.append(inp)
        left.append(len(queue))
        assert [k.path for part in parts for k in part.keys] == [inp.path]
    assert seen == inputs and not queue
    # In-process (one worker), a chunk is taken just before its first input comes back.
    assert left[0] == 4 and left[loader.CHUNK] == 3 and left[-1] == 0


def test_ticker_slots_are_the_tickers_unnested(chunks):
    batch = DocBatch.concat(_per_file(chunks))
    heavy = batch.rows()
    n = heavy.num_rows
    seen = [dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(hours=i) if i % 7 else None for i in range(n)]
    tickers = heavy.select(["ids", "texts", "langs"]).take(pa.array(range(n - 1, -1, -1)))  # taken, as the writer does
    tickers = tickers.append_column("document_id", pa.array(range(1000, 1000 + n), pa.int64()))
    tickers = tickers.append_column("seen_at", pa.array(seen, pa.timestamp("us", tz="UTC")))
    tickers = tickers.append_column("seen_source", pa.array(["inferred" if s else "unknown" for s in seen]))
    slots = _ticker_slots(tickers)
    con = duckdb.connect()
    con.register("_tickers", tickers)
    expected = con.execute("""
        SELECT document_id, unnest(ids) AS headline_id, unnest(texts) AS text, unnest(langs) AS lang,
               unnest(generate_series(1, len(ids))) AS position, seen_at, seen_source
        FROM _tickers ORDER BY document_id, position""").fetchall()
    got = con.execute("SELECT * FROM slots ORDER BY document_id, position").fetchall()
    assert len(got) == sum(len(ids) for ids in tickers.column("ids").to_pylist()) > 10 * n
    assert got == expected
    assert slots.schema.field("position").type == pa.int32()


def test_every_whitespace_character_but_the_space_is_unprintable():
    """What clean_text's shortcut relies on, for this Python's Unicode tables."""
    spaces = [chr(c) for c in range(0x110000) if chr(c).isspace()]
    assert len(spaces) > 20
    assert [c for c in spaces if c.isprintable()] == [" "]


def _split_and_join(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def test_clean_text_of_real_bodies_and_titles(chunks):
    texts = [t for _, (batch, _) in chunks for column in ("body", "title") for t in batch.heavy.column(column).to_pylist() if t]
    texts += [t for _, (batch, _) in chunks for ticker in batch.heavy.column("texts").to_pylist() for t in ticker]
    assert len(texts) > 1000
    assert [clean_text(t) for t in texts] == [_split_and_join(t) for t in texts]
    body = next(t for t in texts if "\n" in t)
    for edited in (body + " ", " " + body, body.replace("\n", " \n", 1), body.replace(" ", "\u00a0", 1),
                   body.replace(" ", "\t", 1), body.replace("\n", "\u2028", 1), body + "\u200b"):
        assert clean_text(edited) == _split_and_join(edited)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(list(" \n\t\r\u00a0\u2028\u202f\u200b\u3000\x1cab\u0301é\u064eم")), max_size=40))
def test_clean_text_is_split_and_join(text):
    assert clean_text(text) == _split_and_join(text)



@pytest.mark.parametrize("size", [0, 1, 65535, 65536, 65537, 3 * 65536 + 5])
@pytest.mark.parametrize("limit", [1, 65536, 65537, 200_001])
def test_read_upto_reads_what_read_reads(tmp_path, size, limit):
    data = bytes(range(256)) * (size // 256) + bytes(size % 256)
    path = tmp_path / "f.bin"
    path.write_bytes(data)
    with path.open("rb") as stream:
        assert worker.read_upto(stream, limit) == data[:limit]


def test_an_oversized_page_is_read_up_to_the_limit_and_rejected(tmp_path, monkeypatch, seed_text):
    monkeypatch.setattr(worker, "READ_LIMIT", 150_000)
    monkeypatch.setattr(worker, "MAX_PAGE_BYTES", 100_000)
    page = tmp_path / "maghress-fr-big.txt"
    page.write_text(seed_text * (400_000 // len(seed_text) + 1), encoding="utf-8")
    [doc] = worker.parse_input(discover([str(page)])[0][0], mapping={})
    assert doc.reject[0] == "too_large" and doc.reject[1].startswith("150,001 bytes")
    assert doc.bytes == 150_001
    page.write_text(seed_text, encoding="utf-8")
    [doc] = worker.parse_input(discover([str(page)])[0][0], mapping={})
    assert doc.reject is None and doc.bytes == len(seed_text.encode("utf-8")) and doc.article.title


def test_a_chunk_whose_file_vanished_is_still_parsed_and_the_file_reported(tmp_path, seed_text):
    for name in ("a.txt", "b.txt", "c.jsonl"):
        (tmp_path / name).write_text(seed_text if name != "c.jsonl" else '{"title": "t", "text": "x"}\n', encoding="utf-8")
    inputs, _ = discover([str(tmp_path)])
    (tmp_path / "a.txt").unlink()  # gone between discovery and parsing
    batch, sizes = loader._parse_chunk(inputs, {}, {})
    assert sizes == [1, 1, None]  # the export is streamed by the parent, not parsed here
    assert [k.reject[0] if k.reject else None for k in batch.keys] == ["unreadable", None]


def test_prefixes_say_maybe_for_every_added_key_and_few_others():
    rng = random.Random(3)
    keys = ["%064x" % rng.getrandbits(256) for _ in range(6000)]
    stored = Prefixes(np.array([prefix(k) for k in keys[:1000]], dtype=np.uint64))
    for i in range(1000, 5000, 250):  # added batch by batch, merged now and then
        stored.add(keys[i:i + 250])
    assert len(stored.sorted) > 1000 and stored.n_recent < len(stored.sorted) / 8 + 250
    assert stored.maybe(keys[:5000]) == keys[:5000]
    assert stored.maybe(keys[5000:]) == []  # 1,000 new keys: a 64-bit collision is not expected
    odd = ["not-a-digest", "", "٣" * 64, "+" + keys[0][1:], keys[5000][:15]]
    assert stored.maybe(odd + [keys[1]]) == odd + [keys[1]]
    twin = keys[5001][:16] + "0" * 48  # same first 64 bits as a key that is not stored: asked about
    stored.add([twin])
    assert stored.maybe([keys[5001], keys[5002]]) == [keys[5001]]


def test_known_keys_hold_every_stored_key(tmp_path, corpus_db_path):
    con = duckdb.connect(str(corpus_db_path), read_only=True)
    known = KnownKeys(con)
    for column, sql in (("sha256", "SELECT sha256 FROM documents WHERE status <> 'rejected'"),
                        ("content_sha256", "SELECT content_sha256 FROM articles")):
        stored = [row[0] for row in con.execute(sql).fetchall()]
        assert len(stored) > 1000 and known.maybe(column, stored) == stored
        assert known.maybe(column, ["%064x" % i for i in range(100)]) == []
    con.close()


def test_a_column_of_odd_keys_is_looked_up_whole(fresh_db):
    fresh_db.execute("""INSERT INTO documents (document_id, path, sha256, bytes, format, parser_version, load_id, status)
                        VALUES (1, 'x', ?, 1, 'page', 'p', 1, 'loaded')""", ["z" * 64])
    known = KnownKeys(fresh_db)
    assert known.columns["sha256"] is None and known.columns["content_sha256"] is not None
    assert known.maybe("sha256", ["a" * 64]) == ["a" * 64]
    assert known.maybe("content_sha256", ["a" * 64]) == []


def test_duplicates_across_batches_are_found_with_the_filter(tmp_path, corpus, monkeypatch):
    folder = tmp_path / "pages"
    write_pages(generate(read_corpus(corpus), 400, seed=8), folder, manifest=False)
    pages = sorted(folder.iterdir())
    for i, page in enumerate(pages[:60]):  # exact copies, named to sort after the originals
        (folder / f"zz-copy-{i:03d}.txt").write_bytes(page.read_bytes())
    for i, page in enumerate(pages[60:90]):  # the same article under another page: its ticker edited
        lines = page.read_text(encoding="utf-8").split("\n")
        (folder / f"zz-edit-{i:03d}.txt").write_text("\n".join(["Autre titre  Encore un titre  Et un autre"] + lines[1:]),
                                                     encoding="utf-8")

    monkeypatch.setattr(loader, "KNOWN_KEYS_AFTER", 2)  # the filter from the third batch of 50 on

    def load_counts(db, known_class):
        monkeypatch.setattr(loader, "KnownKeys", known_class)
        con = analysis.connect(db)
        result = loader.load(con, [str(folder)], batch_size=50)
        table = con.execute("SELECT path, status, duplicate_of, warnings FROM documents ORDER BY path").fetchall()
        con.close()
        return result.counts, table

    class AskEverything(KnownKeys):
        def maybe(self, column, keys):
            return keys

    filtered, filtered_rows = load_counts(tmp_path / "filtered.duckdb", KnownKeys)
    plain, plain_rows = load_counts(tmp_path / "plain.duckdb", AskEverything)
    assert filtered_rows == plain_rows
    assert (filtered.loaded, filtered.duplicates, filtered.articles) == (plain.loaded, plain.duplicates, plain.articles)
    assert filtered.duplicates >= 60
    assert sum("article_duplicate_of" in str(w) for *_, w in filtered_rows) >= 30


def test_a_batch_holds_a_bounded_number_of_bytes_whatever_its_document_count(inputs, corpus, tmp_path, monkeypatch):
    """Real export records (English Wikinews CSV) and generated pages, loaded with a batch size
    far above their count: each transaction still holds about BATCH_BYTES of documents."""
    held: list[int] = []
    largest: list[int] = [0]
    write = loader.write_batch

    def recording(con, batch, *args, **kwargs):
        held.append(sum(k.bytes for k in batch.keys))
        largest[0] = max([largest[0], *(k.bytes for k in batch.keys)])
        return write(con, batch, *args, **kwargs)

    cap = 96 * 1024
    monkeypatch.setattr(loader, "BATCH_BYTES", cap)
    monkeypatch.setattr(loader, "CHUNK_BYTES", cap // 4)
    monkeypatch.setattr(loader, "write_batch", recording)
    export = corpus / "wikinews-en" / "wikinews_2019.csv"
    con = analysis.connect(tmp_path / "b.duckdb")
    result = loader.load(con, [str(export), *(i.path for i in inputs[:100])], batch_size=100_000, workers=1)
    con.close()
    assert result.balanced and result.counts.inputs == 171 + 100
    assert sum(held) > 8 * cap and max(held) < cap + largest[0]  # cut after the document that crossed the cap
    # The chunks sent to workers are cut by bytes too.
    largest_page = max(i.bytes for i in inputs)
    assert all(sum(i.bytes for i in chunk) <= cap // 4 + largest_page for chunk in loader._chunked(inputs))
