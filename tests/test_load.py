"""Loading the real corpus, messy inputs, incremental re-loads, crashes and concurrency."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import analysis
from analysis.db import scalar
from analysis.errors import InvalidArgument
from analysis.ingest import loader
from analysis.ingest.records import clean_text
from analysis.ingest.sources import read_manifests
from bench.pagegen import generate, read_corpus, write_pages
from tests.conftest import load_into

PRESSWATCH = [sys.executable, "-m", "analysis"]


def rows(con, sql, params=None):
    return con.execute(sql, params or []).fetchall()


@pytest.fixture(scope="module")
def corpus_con(corpus_db_path):
    con = analysis.connect(corpus_db_path, read_only=True)
    yield con
    con.close()


def test_corpus_counts_match_readme(corpus_con, corpus):
    by_part = dict(rows(corpus_con, """
        SELECT split_part(replace(path, ?, ''), '/', 2) AS part, count(*) FROM documents GROUP BY ALL""",
                        [str(corpus)]))
    assert by_part["ant-jawhara"] == 3681
    assert by_part["winer-fr"] == 964 and by_part["wikinews-en"] == 171 and by_part["itn"] == 519
    assert by_part["pages"] == 1
    status = dict(rows(corpus_con, "SELECT status, count(*) FROM documents GROUP BY ALL"))
    [(n_inputs, loaded, dup, rej)] = rows(corpus_con, "SELECT n_inputs, n_loaded, n_duplicates, n_rejected FROM loads")
    assert n_inputs == loaded + dup + rej == sum(status.values())
    assert (loaded, dup, rej) == (status["loaded"], status["duplicate"], status["rejected"])
    assert scalar(corpus_con, "SELECT count(*) FROM articles") == loaded  # every loaded document has one article
    assert rows(corpus_con, "SELECT count(*) FROM articles WHERE published_date IS NULL") == [(0,)]


def test_only_non_data_files_rejected(corpus_con):
    rejected = rows(corpus_con, "SELECT path, reason FROM rejects ORDER BY path")
    assert rejected and all("/LICENSES/" in p or p.endswith("/README.md") for p, _ in rejected)
    assert {r for _, r in rejected} <= {"not_a_page", "unknown_format"}


def test_messy_real_records(corpus_con):
    # Empty TITLE: kept with a NULL title, never invented.
    empty = rows(corpus_con, """SELECT a.title, d.warnings FROM articles a JOIN documents d USING (document_id)
                                WHERE d.path LIKE '%JA-localNews-16_-00000000.txt' OR d.path LIKE '%JA-localNews-169-00000000.txt'""")
    assert len(empty) == 4 and all(t is None and "no_title" in w for t, w in empty)
    # Duplicate URLs: the second file is a duplicate of the first, nothing stored twice.
    for a, b in [("culture/JA-culture-43-20161229.txt", "technology/JA-technology-6-20161229.txt"),
                 ("localNews/JA-localNews-218-18012017.txt", "politic/JA-politic-22-20161227.txt")]:
        [(status_a, status_b, points)] = rows(corpus_con, """
            SELECT x.status, y.status, y.duplicate_of = x.document_id FROM documents x, documents y
            WHERE x.path LIKE '%' || ? AND y.path LIKE '%' || ?""", [a, b])
        assert (status_a, status_b, points) == ("loaded", "duplicate", True)
    assert rows(corpus_con, "SELECT count(*) FROM (SELECT url_key FROM articles WHERE url_key IS NOT NULL "
                            "GROUP BY 1 HAVING count(*) > 1)") == [(0,)]
    # ISO times with offset keep the instant; DD/MM/YYYY keeps only the day.
    [(at, local)] = rows(corpus_con, "SELECT published_at, published_local FROM articles WHERE source_id = 'JA-culture-21-20161116'")
    assert at == dt.datetime(2016, 11, 16, 12, 38, tzinfo=at.tzinfo) and local == dt.datetime(2016, 11, 16, 13, 38)


def test_itn_reedited_blurbs_stored_once(corpus_con, corpus):
    texts = [json.loads(line)["text"] for line in (corpus / "itn" / "itn_blurbs_dev.jsonl").open(encoding="utf-8")]
    distinct = len({clean_text(t) for t in texts})  # exact copies once; case edits are near-duplicates (stories)
    assert scalar(corpus_con, "SELECT count(*) FROM documents WHERE path LIKE '%itn_blurbs%' AND status = 'loaded'") == distinct


def test_seed_page_loaded(corpus_con):
    [(title, outlet, day, related, body, lang)] = rows(corpus_con, """
        SELECT title, outlet, published_date, related_title, body, lang FROM articles a JOIN documents d USING (document_id)
        WHERE d.format = 'page'""")
    assert title.startswith("Maroc-France : Bernard Cazeneuve") and outlet == "L'opinion" and lang == "fr"
    assert day == dt.date(2015, 2, 16) and related.startswith("Hammouchi")
    assert body.count("\n") == 11 and "Cliquez ici" not in body
    sightings = rows(corpus_con, "SELECT position, headline_id, seen_at, seen_source FROM sightings ORDER BY position")
    assert [s[0] for s in sightings] == list(range(1, 49))
    assert len({s[1] for s in sightings}) == 47
    assert {s[3] for s in sightings} == {"inferred"}
    assert {s[2].date() for s in sightings} == {dt.date(2025, 9, 6)}, "dated by the ticker's own latest date, not 2015"
    [(n, first)] = rows(corpus_con, "SELECT n_sightings, first_seen FROM headlines WHERE text LIKE 'David Beckham%'")
    assert n == 2 and first.date() == dt.date(2025, 9, 6)
    langs = dict(rows(corpus_con, "SELECT lang, count(*) FROM headlines GROUP BY ALL"))
    assert langs == {"fr": 43, "en": 3, "es": 1}


def test_reload_is_idempotent_and_incremental(tmp_path, sample_copy, monkeypatch):
    # Stored files are compared STAT_BATCH inputs at a time: make that several batches here.
    monkeypatch.setattr(loader, "STAT_BATCH", 97)
    db = tmp_path / "inc.duckdb"
    first = load_into(db, [sample_copy])
    assert first.counts.inputs > 900 and first.balanced
    second = load_into(db, [sample_copy])
    assert second.counts.inputs == 0 and second.files_unchanged == first.files_found
    # One new file in a big folder: only that file is read.
    new = sample_copy / "pages" / "maghress-fr-new.txt"
    original = sorted((sample_copy / "pages").glob("*-fr-*.txt"))[0]
    new.write_text(original.read_text(encoding="utf-8").replace("\n", "\r\n"), encoding="utf-8")
    third = load_into(db, [sample_copy])
    assert (third.counts.inputs, third.files_unchanged) == (1, first.files_found)
    assert third.counts.loaded == 1 and third.counts.articles == 0, "same article, same outlet: stored once"
    # A touched but identical file is read again and recognised as a duplicate.
    os.utime(new, ns=(time.time_ns(), time.time_ns() + 10**9))
    fourth = load_into(db, [sample_copy])
    assert (fourth.counts.inputs, fourth.counts.duplicates) == (1, 1)
    con = analysis.connect(db, read_only=True)
    assert scalar(con, "SELECT count(*) FROM files") == first.files_found + 1
    assert rows(con, "SELECT sum(n_inputs) = sum(n_loaded + n_duplicates + n_rejected) FROM loads") == [(True,)]
    con.close()


def test_nothing_lost_on_bad_inputs(tmp_path, seed_text):
    src = tmp_path / "in"
    src.mkdir()
    (src / "empty.txt").write_bytes(b"")
    (src / "blank.txt").write_bytes(b"\n  \n")
    (src / "binary.dat").write_bytes(b"\x00\x01\x02PNG" * 100)
    (src / "report.pdf").write_bytes(b"%PDF-1.4 \x00 stuff")
    (src / "cp1252.txt").write_bytes(seed_text.encode("cp1252", errors="replace"))
    (src / "neither.txt").write_bytes(b"Publi\x81 dans \x8d\x90 le 1 - 1 - 2015\n\x9d")
    (src / "notes.txt").write_text("just some notes\nnothing to see", encoding="utf-8")
    (src / "truncated.jsonl").write_text('{"title": "ok", "text": "fine"}\n{"title": "cut', encoding="utf-8")
    with open(src / "huge.jsonl", "wb") as handle:
        handle.write(b'{"title": "big", "text": "' + b"x" * (50 * 1024 * 1024) + b'"}\n')
        handle.write(b'{"title": "small", "text": "after the big one"}\n')
    (src / "short.csv").write_text('title,text\n"a","b"\n"c"\n', encoding="utf-8")
    (src / "page.txt.gz").write_bytes(gzip.compress(seed_text.replace("L'opinion", "Le Matin").encode("utf-8")))
    (src / "broken.zip").write_bytes(b"PK\x03\x04 not really")
    with zipfile.ZipFile(src / "pages.zip", "w") as archive:
        archive.writestr("a/page1.txt", seed_text.replace("L'opinion", "Libération"))
        archive.writestr("a/page2.txt.gz", gzip.compress(seed_text.encode("utf-8")))
        archive.writestr("a/readme.md", "# nothing")
    result = load_into(tmp_path / "bad.duckdb", [src])
    c = result.counts
    assert result.balanced and c.inputs == 18  # 13 files, 3 zip members, 2 two-record exports
    con = analysis.connect(tmp_path / "bad.duckdb", read_only=True)
    reasons = dict(rows(con, "SELECT replace(path, ?, ''), reason FROM rejects", [str(src) + "/"]))
    assert reasons == {
        "empty.txt": "empty_file", "blank.txt": "empty_file", "binary.dat": "binary", "report.pdf": "binary",
        "neither.txt": "encoding", "notes.txt": "not_a_page", "truncated.jsonl": "bad_json",
        "huge.jsonl": "too_large", "short.csv": "missing_column", "broken.zip": "bad_archive",
        "pages.zip!a/readme.md": "unknown_format",
    }
    loaded = dict(rows(con, "SELECT replace(path, ?, '') || '#' || record, status FROM documents "
                            "WHERE status <> 'rejected'", [str(src) + "/"]))
    assert loaded == {"cp1252.txt#0": "loaded", "truncated.jsonl#0": "loaded", "huge.jsonl#1": "loaded",
                      "short.csv#0": "loaded", "page.txt.gz#0": "loaded", "pages.zip!a/page1.txt#0": "loaded",
                      "pages.zip!a/page2.txt.gz#0": "loaded"}
    # page2 is the seed page as is: its article repeats the cp1252 copy, so only its ticker is new.
    [(warnings,)] = rows(con, "SELECT warnings FROM documents WHERE path LIKE '%page2.txt.gz'")
    assert any(w.startswith("article_duplicate_of:") for w in warnings)
    assert scalar(con, "SELECT count(*) FROM articles") == 6
    [(warnings,)] = rows(con, "SELECT warnings FROM documents WHERE path LIKE '%cp1252.txt'")
    assert "decoded_cp1252" in warnings
    assert scalar(con, "SELECT count(*) FROM rejects WHERE detail IS NULL OR detail = ''") == 0
    con.close()


def test_crawl_time_sources(tmp_path, seed_text):
    src = tmp_path / "pages"
    src.mkdir()
    (src / "a.txt").write_text(seed_text, encoding="utf-8")
    (src / "b.txt").write_text(seed_text.replace("L'opinion", "Le Matin"), encoding="utf-8")
    (src / "manifest.jsonl").write_text(json.dumps({"file": "a.txt", "crawled_at": "2025-09-07T08:30:00+01:00",
                                                    "url": "https://www.turess.com/fr/x/1"}) + "\n", encoding="utf-8")
    result = load_into(tmp_path / "c.duckdb", [src])
    assert result.counts.inputs == 2 and result.manifests == 1
    con = analysis.connect(tmp_path / "c.duckdb", read_only=True)
    got = rows(con, """SELECT d.path, min(s.seen_at), min(s.seen_source), d.site FROM sightings s JOIN documents d USING (document_id)
                       GROUP BY ALL ORDER BY 1""")
    con.close()
    assert got[0][1] == dt.datetime(2025, 9, 7, 7, 30, tzinfo=got[0][1].tzinfo) and got[0][2:] == ("manifest", "turess")
    assert got[1][1].date() == dt.date(2025, 9, 6) and got[1][2] == "inferred"
    load_into(tmp_path / "d.duckdb", [src / "b.txt"], crawled_at="2025-09-10")
    con = analysis.connect(tmp_path / "d.duckdb", read_only=True)
    assert rows(con, "SELECT DISTINCT seen_source, seen_at::DATE, crawled_at::DATE FROM sightings JOIN documents USING (document_id)") == [
        ("option", dt.date(2025, 9, 10), dt.date(2025, 9, 10))]
    con.close()
    with pytest.raises(InvalidArgument, match="crawled_at 'last tuesday'"):
        load_into(tmp_path / "e.duckdb", [src], crawled_at="last tuesday")
    with pytest.raises(InvalidArgument, match="^batch_size must be at least 1$"):
        load_into(tmp_path / "e.duckdb", [src], batch_size=0)


def test_manifest_entries_are_keyed_by_the_callers_paths(tmp_path):
    (tmp_path / "manifest.csv").write_text("file,crawled_at,site\na.txt,2025-09-07T08:30:00Z,turess\n"
                                           "b.txt,2025-09-08T08:30:00Z,turess\npages.zip!p1.txt,2025-09-09,\n"
                                           "gone.txt,2025-09-10,\n", encoding="utf-8")
    wanted = [os.path.join(str(tmp_path), name) for name in ("a.txt", "b.txt", "pages.zip")]
    entries = read_manifests([tmp_path / "manifest.csv"], wanted=wanted)
    assert sorted(entries) == sorted([wanted[0], wanted[1], wanted[2] + "!p1.txt"])
    # The same string objects as the caller's (a million paths are not held twice).
    assert {id(key) for key in entries} >= {id(wanted[0]), id(wanted[1])}
    assert entries[wanted[1]] == ("2025-09-08T08:30:00Z", None, "turess")
    assert len(read_manifests([tmp_path / "manifest.csv"])) == 4


@given(st.datetimes(min_value=dt.datetime(1800, 1, 1), max_value=dt.datetime(2199, 12, 31)),
       st.sampled_from(["Z", "+00:00", "+01:00", "-05:30", "+14:00"]))
def test_manifest_instants_read_fast_mean_what_parse_date_reads(moment, offset):
    # Manifests give one whole-second ISO instant per page, which the writer process reads
    # with datetime.fromisoformat; every other form goes through parse_date.
    from analysis.ingest.dates import parse_date
    from analysis.ingest.loader import parse_crawled_at

    text = moment.replace(microsecond=0).isoformat() + offset
    fast = parse_crawled_at(text)
    assert fast == parse_date(text).at.astimezone(dt.timezone.utc) and fast.tzinfo == dt.timezone.utc
    assert parse_crawled_at(text.replace("T", " ")) == fast  # the slow path, same instant
    with pytest.raises(InvalidArgument, match="crawled_at"):
        parse_crawled_at(text[:5] + "13" + text[7:])  # month 13: refused by both paths


def test_missing_path_is_a_clear_error(tmp_path):
    result = subprocess.run([*PRESSWATCH, "--db", str(tmp_path / "x.duckdb"), "load", str(tmp_path / "nope*.txt")],
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert "no such file" in result.stderr and "Traceback" not in result.stderr


@pytest.fixture(scope="module")
def many_pages(corpus, tmp_path_factory):
    folder = tmp_path_factory.mktemp("many")
    write_pages(generate(read_corpus(corpus), 2500, seed=11), folder)
    return folder


def _table_fingerprint(db):
    con = analysis.connect(db, read_only=True)
    out = {
        "documents": rows(con, "SELECT path, record, sha256, status FROM documents ORDER BY path, record"),
        "articles": rows(con, "SELECT d.path, a.title, a.published_date, a.content_sha256 "
                              "FROM articles a JOIN documents d USING (document_id) ORDER BY 1"),
        "sightings": rows(con, "SELECT d.path, s.position, s.headline_id, s.seen_at "
                               "FROM sightings s JOIN documents d USING (document_id) ORDER BY 1, 2"),
        "headlines": rows(con, "SELECT headline_id, text, lang, first_seen, last_seen, n_sightings FROM headlines ORDER BY 1"),
    }
    con.close()
    return out


def _wait_for_commits(db: Path, *, wal_bytes: int, timeout: float = 180) -> None:
    """Until the writer has committed a few batches (its WAL grew, or it checkpointed)."""
    wal = Path(str(db) + ".wal")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (wal.exists() and wal.stat().st_size > wal_bytes) or (db.exists() and db.stat().st_size > 4 * wal_bytes):
            return
        time.sleep(0.02)
    raise AssertionError("the load committed nothing in time")


def test_kill_during_load_then_rerun_finishes(tmp_path, many_pages):
    db = tmp_path / "kill.duckdb"
    process = subprocess.Popen([*PRESSWATCH, "--db", str(db), "load", str(many_pages), "--workers", "1",
                                "--batch-size", "100", "--no-progress"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _wait_for_commits(db, wal_bytes=1_500_000)
    process.kill()  # SIGKILL: no cleanup code runs
    process.wait()
    assert process.returncode == -9, "the load finished before it could be killed; use more pages"
    con = analysis.connect(db, read_only=True)
    partial = scalar(con, "SELECT count(*) FROM documents")
    assert 0 < partial < 2500 and partial % 100 == 0, partial
    assert rows(con, "SELECT status FROM loads") == [("running",)]
    assert rows(con, """SELECT count(*) FROM documents d WHERE status = 'loaded'
                        AND n_headlines <> (SELECT count(*) FROM sightings s WHERE s.document_id = d.document_id)""") == [(0,)]
    con.close()
    rerun = subprocess.run([*PRESSWATCH, "--db", str(db), "load", str(many_pages), "--no-progress"], capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    clean = tmp_path / "clean.duckdb"
    load_into(clean, [many_pages])
    assert _table_fingerprint(db) == _table_fingerprint(clean)
    con = analysis.connect(db, read_only=True)
    assert rows(con, "SELECT status FROM loads ORDER BY load_id") == [("interrupted",), ("complete",)]
    con.close()


def test_parallel_load_equals_serial_load(tmp_path, many_pages):
    parallel = tmp_path / "parallel.duckdb"
    done = subprocess.run([*PRESSWATCH, "--db", str(parallel), "load", str(many_pages), "--workers", "2",
                           "--batch-size", "300", "--no-progress"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    serial = tmp_path / "serial.duckdb"
    load_into(serial, [many_pages])
    assert _table_fingerprint(parallel) == _table_fingerprint(serial)


def test_kill_during_export_resumes_after_last_committed_record(tmp_path, corpus):
    rows_in = [json.loads(line) for line in (corpus / "winer-fr" / "winer_fr_2016_2017.jsonl").open(encoding="utf-8")]
    export = tmp_path / "big.jsonl"
    with export.open("w", encoding="utf-8") as handle:
        for i in range(12):  # 11,568 distinct records
            for row in rows_in:
                handle.write(json.dumps({"title": f"{row['title']} ({i})", "text": row["text"], "date": row["date"],
                                         "url": f"{row['url']}?copy={i}", "source": row["source"]}) + "\n")
    db = tmp_path / "kill-export.duckdb"
    process = subprocess.Popen([*PRESSWATCH, "--db", str(db), "load", str(export), "--batch-size", "500", "--no-progress"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _wait_for_commits(db, wal_bytes=2_500_000)
    process.kill()
    process.wait()
    assert process.returncode == -9, "the load finished before it could be killed"
    con = analysis.connect(db, read_only=True)
    partial = scalar(con, "SELECT count(*) FROM documents")
    con.close()
    assert 0 < partial < 11_568 and partial % 500 == 0, partial
    rerun = subprocess.run([*PRESSWATCH, "--db", str(db), "load", str(export), "--no-progress"], capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{11_568 - partial:,} documents read" in rerun.stdout, rerun.stdout
    con = analysis.connect(db, read_only=True)
    assert rows(con, "SELECT count(*), count(DISTINCT record), min(record), max(record) FROM documents WHERE status = 'loaded'") == [
        (11_568, 11_568, 0, 11_567)]
    assert rows(con, "SELECT n_records FROM files") == [(11_568,)]
    con.close()


def test_second_writer_gets_busy_message(tmp_path, seed_text):
    db = tmp_path / "busy.duckdb"
    page = tmp_path / "p.txt"
    page.write_text(seed_text, encoding="utf-8")
    holder = analysis.connect(db)
    try:
        result = subprocess.run([*PRESSWATCH, "--db", str(db), "--timeout", "1", "load", str(page)],
                                capture_output=True, text=True)
    finally:
        holder.close()
    assert result.returncode == 2
    assert "busy" in result.stderr and "Traceback" not in result.stderr
    # A writer that waits long enough succeeds once the lock is released.
    holder = analysis.connect(db)
    process = subprocess.Popen([*PRESSWATCH, "--db", str(db), "--timeout", "60", "load", str(page)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first_line = process.stderr.readline()  # blocks until the writer reports it is waiting
    finally:
        holder.close()
    out, err = process.communicate(timeout=120)
    assert "busy" in first_line and "retrying" in first_line
    assert process.returncode == 0, err
    assert "1 loaded" in out


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from([".txt", ".jsonl", ".csv", ".bin", ".txt.gz", ""]),
                          st.binary(max_size=300) | st.text(max_size=300).map(lambda t: t.encode("utf-8"))),
                min_size=1, max_size=8))
@example(files=[(".csv", b"\r\x00")])  # found by this test: the CSV header's error escaped the reader
def test_every_input_is_accounted_for(tmp_path_factory, files):
    folder = tmp_path_factory.mktemp("random")
    for i, (suffix, data) in enumerate(files):
        (folder / f"f{i}{suffix}").write_bytes(gzip.compress(data) if suffix.endswith(".gz") else data)
    db = folder / "db.duckdb"
    result = load_into(db, [folder / f"f{i}{suffix}" for i, (suffix, _) in enumerate(files)])
    assert result.balanced
    con = analysis.connect(db, read_only=True)
    try:
        paths = {row[0] for row in rows(con, "SELECT path FROM documents")}
        assert paths == {str(folder / f"f{i}{suffix}") for i, (suffix, _) in enumerate(files)}
        assert scalar(con, "SELECT count(*) FROM documents") == result.counts.inputs
        assert scalar(con, "SELECT count(*) FROM documents WHERE status = 'rejected'") == scalar(con, "SELECT count(*) FROM rejects")
    finally:
        con.close()


@pytest.mark.parametrize("flag, shown", [("--no-progress", False), ("--progress", True)])
def test_no_progress_also_silences_duckdbs_own_bar(tmp_path, monkeypatch, flag, shown):
    # DuckDB draws a bar on stdout for any statement over 2 s (a load's checkpoints do), which
    # ended up in the output of runs that asked for no progress.
    from click.testing import CliRunner

    import analysis.cli.enrich
    import analysis.cli.load
    import analysis.enrich
    import analysis.ingest
    from analysis.cli import cli
    from analysis.ingest.loader import LoadResult

    seen = {}

    def fake_load(con, paths, *, progress, **kwargs):
        seen["load"] = (progress, scalar(con, "SELECT current_setting('enable_progress_bar')"))
        return LoadResult(1)

    def fake_enrich(con, *, progress, **kwargs):
        seen["enrich"] = (progress, scalar(con, "SELECT current_setting('enable_progress_bar')"))
        return {}

    def open_with_bar(ctx, *, read_only):  # DuckDB's default outside pytest, which turns it off
        con = real_open(ctx, read_only=read_only)
        con.execute("SET enable_progress_bar = true")
        return con

    real_open = analysis.cli.load.open_db
    monkeypatch.setattr(analysis.cli.load, "open_db", open_with_bar)
    monkeypatch.setattr(analysis.cli.enrich, "open_db", open_with_bar)
    monkeypatch.setattr(analysis.ingest, "load", fake_load)
    monkeypatch.setattr(analysis.enrich, "run", fake_enrich)
    db = str(tmp_path / "p.duckdb")
    page = tmp_path / "page.txt"
    page.write_text("x", encoding="utf-8")
    for args in (["load", str(page), flag], ["enrich", flag]):
        result = CliRunner().invoke(cli, ["--db", db, *args])
        assert result.exit_code == 0, result.output
    assert seen == {"load": (shown, shown), "enrich": (shown, shown)}


def test_unreadable_file_is_read_again_once_readable(tmp_path, seed_text, monkeypatch):
    import builtins

    open = builtins.open
    folder = tmp_path / "in"
    folder.mkdir()
    page = folder / "a.txt"
    page.write_text(seed_text, encoding="utf-8")
    page.chmod(0)
    if os.geteuid() == 0:  # root reads any file: refuse it as the kernel refuses anyone else
        def refusing_open(path, *args, **kwargs):
            if str(path) == str(page):
                raise PermissionError(13, "Permission denied", str(path))
            return open(path, *args, **kwargs)
        monkeypatch.setattr("builtins.open", refusing_open)
    first = load_into(tmp_path / "u.duckdb", [folder])
    assert first.counts.reasons == {"unreadable": 1}
    again = load_into(tmp_path / "u.duckdb", [folder])  # still unreadable: tried again, not "unchanged"
    assert again.files_unchanged == 0 and again.counts.reasons == {"unreadable": 1}

    page.chmod(0o644)
    monkeypatch.undo()
    fixed = load_into(tmp_path / "u.duckdb", [folder])
    assert fixed.files_unchanged == 0 and fixed.counts.loaded == 1 and fixed.counts.superseded == 1
    assert load_into(tmp_path / "u.duckdb", [folder]).files_unchanged == 1
    con = analysis.connect(tmp_path / "u.duckdb", read_only=True)
    assert rows(con, "SELECT status, load_id FROM documents ORDER BY document_id") == [
        ("superseded", 1), ("superseded", 2), ("loaded", 3)]
    assert rows(con, "SELECT retry FROM files") == [(False,)]
    assert rows(con, "SELECT count(*) FROM sightings") == [(48,)]
    con.close()


def test_one_dated_headline_does_not_date_a_page(tmp_path):
    from tests.test_page import DECREE_1978

    nbsp4 = "\u00a0" * 4
    # Ticker-only Arabic pages (a crawler cut them short): one headline cites a 1978 decree.
    ticker = nbsp4.join(["قضاة يدعون إلى رفع حالة الطوارئ في تونس", DECREE_1978, "أيام قرطاج السينمائية : البرنامج"])
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("a.txt", "b.txt"):
        (folder / name).write_text(ticker + nbsp4 + ("\n" if name == "a.txt" else ""), encoding="utf-8")
    result = load_into(tmp_path / "t.duckdb", [folder])
    assert result.counts.loaded == 2 and result.counts.warnings.get("crawl_time_unknown") == 2
    con = analysis.connect(tmp_path / "t.duckdb", read_only=True)
    assert rows(con, "SELECT DISTINCT seen_source, seen_at FROM sightings") == [("unknown", None)]
    assert rows(con, "SELECT count(*) FROM headlines WHERE first_seen IS NOT NULL") == [(0,)]
    # What a report counts: pages loaded, and how many of them have no known crawl time.
    assert rows(con, """SELECT count(*), count(*) FILTER (WHERE crawl_source = 'unknown'),
                               count(*) FILTER (WHERE list_contains(warnings, 'crawl_time_unknown'))
                        FROM documents WHERE format = 'page' AND status IN ('loaded', 'duplicate')""") == [(2, 2, 2)]
    con.close()


def test_kill_while_changed_pages_are_read_again_then_rerun_finishes(tmp_path, many_pages):
    import shutil

    folder = tmp_path / "pages"
    shutil.copytree(many_pages, folder)
    db, clean = tmp_path / "kill.duckdb", tmp_path / "clean.duckdb"
    for target in (db, clean):
        load_into(target, [folder])
    for page in folder.glob("*.txt"):  # every page completed by its crawler since
        with page.open("a", encoding="utf-8") as handle:
            handle.write("\nPartager sur Facebook")
        os.utime(page, ns=(page.stat().st_mtime_ns + 10**9,) * 2)
    load_into(clean, [folder])
    process = subprocess.Popen([*PRESSWATCH, "--db", str(db), "load", str(folder), "--workers", "1",
                                "--batch-size", "100", "--no-progress"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _wait_for_commits(db, wal_bytes=1_500_000)
    process.kill()
    process.wait()
    assert process.returncode == -9, "the load finished before it could be killed; use more pages"
    rerun = subprocess.run([*PRESSWATCH, "--db", str(db), "load", str(folder), "--no-progress"], capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    assert _table_fingerprint(db) == _table_fingerprint(clean)  # superseded versions included
