"""A load never stops on one bad input: random poison mixed among real pages and exports."""

from __future__ import annotations

import gzip
import json
import os
import zipfile

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import analysis
from analysis.ingest import load

DEEP = b"[" * 50_000 + b"]" * 50_000


def _page(seed: str, i: int) -> bytes:
    return seed.replace("L'opinion", f"Outlet {i}").encode("utf-8")


def _records(rows: list[str], i: int) -> list[str]:
    return rows[3 * i:3 * i + 3]


def poison(kind: str, folder, i: int, seed: str, rows: list[str]) -> None:
    """Write one bad input of the given kind as folder/p{i}…"""
    base = folder / f"p{i}"
    if kind == "corrupt_gzip":
        data = bytearray(gzip.compress(_page(seed, 1000 + i), mtime=0))
        data[10] ^= 0xFF
        base.with_suffix(".txt.gz").write_bytes(bytes(data))
    elif kind == "truncated_gzip_export":
        base.with_suffix(".jsonl.gz").write_bytes(gzip.compress("\n".join(rows[:50]).encode())[:-300])
    elif kind == "bad_crc_zip":
        path = base.with_suffix(".zip")
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("x.txt", _page(seed, 2000 + i))
        data = bytearray(path.read_bytes())
        data[data.rfind(b"PK\x01\x02") + 16] ^= 0xFF
        path.write_bytes(bytes(data))
    elif kind == "deep_jsonl":
        base.with_suffix(".jsonl").write_bytes(b'{"title": ' + DEEP + b"}\n")
    elif kind == "deep_json_array":
        base.with_suffix(".json").write_bytes(b"[" + DEEP + b"]")
    elif kind == "bad_offset":
        record = json.loads(rows[500 + i])
        record["date"] = "2016-05-01T10:00:00+99:00"
        base.with_suffix(".jsonl").write_text(json.dumps(record), encoding="utf-8")
    elif kind == "non_utf8_name":
        with open(os.fsdecode(bytes(base) + b"\xe9.txt"), "wb") as handle:
            handle.write(_page(seed, 3000 + i))
    elif kind == "symlink_loop":
        os.symlink(folder, base)
    elif kind == "random_bytes":
        base.with_suffix(".txt").write_bytes(os.urandom(200) + b"\x00")
    elif kind == "bad_manifest":
        (folder / f"m{i}").mkdir()
        (folder / f"m{i}" / "manifest.csv").write_text("name\nx.txt\n")
    elif kind == "binary_export":
        base.with_suffix(".parquet").write_bytes(b"PAR1" + os.urandom(300) + b"PAR1")


KINDS = ["corrupt_gzip", "truncated_gzip_export", "bad_crc_zip", "deep_jsonl", "deep_json_array", "bad_offset",
         "non_utf8_name", "symlink_loop", "random_bytes", "bad_manifest", "binary_export"]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(good_pages=st.integers(0, 3), good_exports=st.integers(0, 2), bad=st.lists(st.sampled_from(KINDS), min_size=1, max_size=6))
def test_every_good_file_loads_and_every_input_is_accounted_for(tmp_path_factory, seed_text, corpus, good_pages,
                                                                good_exports, bad):
    rows = (corpus / "winer-fr" / "winer_fr_2016_2017.jsonl").read_text(encoding="utf-8").splitlines()
    folder = tmp_path_factory.mktemp("mixed")
    good = []
    for i in range(good_pages):
        (folder / f"g{i}.txt").write_bytes(_page(seed_text, i))
        good.append((str(folder / f"g{i}.txt"), 1))
    for i in range(good_exports):
        (folder / f"e{i}.jsonl").write_text("\n".join(_records(rows, i)) + "\n", encoding="utf-8")
        good.append((str(folder / f"e{i}.jsonl"), 3))
    for i, kind in enumerate(bad):
        poison(kind, folder, i, seed_text, rows)
    db = folder.parent / (folder.name + ".duckdb")
    con = analysis.connect(db)
    try:
        first = load(con, [str(folder)])
        c = first.counts
        assert c.inputs == c.loaded + c.duplicates + c.rejected
        loaded = con.execute("SELECT path, count(*) FROM documents WHERE status = 'loaded' GROUP BY path").fetchall()
        assert set(good) <= set(loaded)
        assert con.execute("SELECT count(*) FROM documents").fetchone()[0] == c.inputs
        # Every input is a `files` row, and a second run finds each of them unchanged.
        assert con.execute("SELECT count(*) FROM files").fetchone()[0] == first.files_found
        again = load(con, [str(folder)])
        assert again.counts.inputs == 0 and again.files_unchanged == first.files_found
    finally:
        con.close()
