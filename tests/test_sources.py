"""Finding inputs: what cannot be walked or read is reported, the rest still loads."""

from __future__ import annotations

import gzip
import logging
import os
import zipfile

import pytest

import analysis
from analysis.ingest import load, sources
from analysis.ingest.sources import discover, read_manifests
from analysis.ingest.worker import parse_input


def _page(seed_text: str, outlet: str) -> str:
    """The seed page with its own outlet, so each copy is a new article, not a duplicate."""
    return seed_text.replace("L'opinion", outlet)


def _load(tmp_path, paths, **options):
    db = tmp_path.parent / (tmp_path.name + ".duckdb")
    con = analysis.connect(db)
    try:
        result = load(con, [str(p) for p in paths], **options)
        docs = con.execute("SELECT path, status, warnings FROM documents ORDER BY path").fetchall()
        rejects = dict(con.execute("SELECT path, reason FROM rejects").fetchall())
    finally:
        con.close()
    assert result.balanced
    return result, {path: status for path, status, _ in docs}, rejects, {p: w for p, _, w in docs}


def test_non_utf8_file_name_loads_beside_good_files(tmp_path, seed_text):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(_page(seed_text, "Le Matin"), encoding="utf-8")
    odd = os.fsdecode(str(folder).encode() + b"/caf\xe9.txt")  # a Latin-1 name on a UTF-8 system
    with open(odd, "w", encoding="utf-8") as handle:
        handle.write(_page(seed_text, "Libération"))
    _, status, rejects, warnings = _load(tmp_path, [folder])
    shown = str(folder) + "/caf\\xe9.txt"
    assert status == {str(folder / "a.txt"): "loaded", shown: "loaded"}
    assert "path_not_utf8" in warnings[shown] and not rejects
    # The printable path is what `files` keeps: a second run finds the file unchanged.
    again, *_ = _load(tmp_path, [folder])
    assert again.files_unchanged == 2 and again.counts.inputs == 0


def test_symlink_loops_and_unreadable_folders_are_rejected_and_the_rest_loads(tmp_path, seed_text, monkeypatch):
    folder = tmp_path / "in"
    (folder / "sub" / "locked").mkdir(parents=True)
    (folder / "sub" / "a.txt").write_text(_page(seed_text, "Le Matin"), encoding="utf-8")
    (folder / "z.txt").write_text(_page(seed_text, "Le Soir"), encoding="utf-8")
    os.symlink(folder, folder / "sub" / "back")  # a link to an enclosing folder
    os.symlink(folder / "self", folder / "self")  # a link to itself
    os.symlink(folder / "gone.txt", folder / "dangling.txt")
    real_scandir = os.scandir

    def scandir(path):  # chmod 000 does not stop root: refuse the folder the way the kernel would
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(sources.os, "scandir", scandir)
    result, status, rejects, _ = _load(tmp_path, [folder])
    root = str(folder) + "/"
    assert {p.replace(root, ""): r for p, r in rejects.items()} == {
        "sub/back": "symlink_loop", "self": "symlink_loop", "sub/locked": "unreadable", "dangling.txt": "not_a_file"}
    assert status[root + "sub/a.txt"] == status[root + "z.txt"] == "loaded"
    assert result.counts.inputs == 6


def test_hidden_file_named_explicitly_is_reported(tmp_path, seed_text):
    hidden = tmp_path / ".draft.txt"
    hidden.write_text(seed_text, encoding="utf-8")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    _, status, rejects, _ = _load(tmp_path, [hidden])
    assert rejects == {str(hidden): "hidden"} and status == {str(hidden): "rejected"}
    inputs, _ = discover([str(tmp_path)])  # inside a folder, hidden files are not inputs at all
    assert [i.path for i in inputs if "/." in i.path] == []


def test_exclude_patterns_match_names_and_paths_below_the_argument(tmp_path):
    for name in ("a.txt", "a.txt.bak", "notes/n.txt", "notes/deep/m.txt", "keep/notes.txt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    inputs, _ = discover([str(tmp_path)], exclude=["*.bak", "notes/*"])
    assert [os.path.relpath(i.path, tmp_path) for i in inputs] == ["a.txt", "keep/notes.txt"]
    inputs, _ = discover([str(tmp_path / "*.txt*")], exclude=["*.bak"])  # a glob's own matches too
    assert [os.path.relpath(i.path, tmp_path) for i in inputs] == ["a.txt"]


def test_manifest_rows_that_cannot_be_read_are_skipped_with_a_warning(tmp_path, seed_text, caplog):
    (tmp_path / "a.txt").write_text(_page(seed_text, "Le Matin"), encoding="utf-8")
    (tmp_path / "b.txt").write_text(_page(seed_text, "Le Soir"), encoding="utf-8")
    (tmp_path / "c.txt").write_text(_page(seed_text, "La Presse"), encoding="utf-8")
    (tmp_path / "manifest.jsonl").write_text(
        '{"file": "a.txt", "crawled_at": "2025-09-06T10:00:00Z"}\n'
        '{"file": "b.txt", "crawled_at": "2025-09-06T10:00:00+99:00"}\n'
        '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\n'
        '{"file": "c.txt", "crawled_at": "demain"}\n', encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        result, status, rejects, _ = _load(tmp_path, [tmp_path])
    assert "3 row(s) skipped" in caplog.text and "manifest.jsonl" in caplog.text
    assert set(status.values()) == {"loaded"} and not rejects and result.manifests == 1
    con = analysis.connect(tmp_path.parent / (tmp_path.name + ".duckdb"), read_only=True)
    crawled = dict(con.execute("SELECT path, crawled_at::VARCHAR FROM documents").fetchall())
    con.close()
    assert crawled[str(tmp_path / "a.txt")].startswith("2025-09-06")
    assert crawled[str(tmp_path / "b.txt")] is None or not crawled[str(tmp_path / "b.txt")].startswith("2025-09-06 1")


def test_manifest_without_file_column_is_a_reject_naming_it(tmp_path, seed_text):
    (tmp_path / "a.txt").write_text(seed_text, encoding="utf-8")
    (tmp_path / "manifest.csv").write_text("name,crawled_at\na.txt,2025-09-06T10:00:00Z\n", encoding="utf-8")
    _, status, rejects, _ = _load(tmp_path, [tmp_path])
    assert rejects == {str(tmp_path / "manifest.csv"): "bad_manifest"}
    assert status[str(tmp_path / "a.txt")] == "loaded"
    con = analysis.connect(tmp_path.parent / (tmp_path.name + ".duckdb"), read_only=True)
    [(detail,)] = con.execute("SELECT detail FROM rejects").fetchall()
    con.close()
    assert "manifest.csv" in detail and "'file' column" in detail and "crawled" not in detail.split("column")[0]
    with pytest.raises(analysis.errors.DataFileError, match="manifest.csv"):
        read_manifests([tmp_path / "manifest.csv"])


def test_manifest_tsv_is_a_manifest_not_an_export(tmp_path, seed_text):
    (tmp_path / "a.txt").write_text(seed_text, encoding="utf-8")
    (tmp_path / "manifest.tsv").write_text("file\tcrawled_at\tname\na.txt\t2025-09-06T10:00:00Z\ta.txt\n", encoding="utf-8")
    inputs, manifests = discover([str(tmp_path)])
    assert [i.name for i in inputs] == ["a.txt"] and [m.name for m in manifests] == ["manifest.tsv"]
    assert read_manifests(manifests)[str(tmp_path / "a.txt")].crawled_at == "2025-09-06T10:00:00Z"


def _parse(path):
    [inp], _ = discover([str(path)])
    return list(parse_input(inp, mapping={}))


def test_corrupt_gzip_streams_are_rejected_one_by_one(tmp_path, seed_text):
    good = gzip.compress(seed_text.encode("utf-8"), mtime=0)
    flipped = bytearray(good)
    flipped[10] ^= 0xFF  # the first deflate block's header: zlib.error
    (tmp_path / "deflate.txt.gz").write_bytes(bytes(flipped))
    bad_crc = bytearray(good)
    bad_crc[-8] ^= 0xFF  # the CRC in the trailer
    (tmp_path / "crc.txt.gz").write_bytes(bytes(bad_crc))
    lines = "".join(f'{{"title": "t{i}", "text": "{i * 7919 % 104729} {i ** 3}"}}\n' for i in range(20000))
    (tmp_path / "export.jsonl.gz").write_bytes(gzip.compress(lines.encode())[:-2000])  # cut short
    for name in ("deflate.txt.gz", "crc.txt.gz"):
        [doc] = _parse(tmp_path / name)
        assert doc.reject[0] == "unreadable", name
    docs = _parse(tmp_path / "export.jsonl.gz")
    assert docs[-1].reject[0] == "unreadable" and all(d.reject is None for d in docs[:-1]) and len(docs) > 100


def test_corrupt_zip_members_are_rejected_and_the_others_read(tmp_path, seed_text):
    path = tmp_path / "pages.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.txt", _page(seed_text, "Le Matin"))
        archive.writestr("b.txt", _page(seed_text, "Le Soir"))
        archive.writestr("c.txt", _page(seed_text, "La Presse"))
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        a = archive.getinfo("a.txt")
    data[a.header_offset + 30 + len("a.txt") + a.compress_size // 2] ^= 0xFF  # a's deflate stream
    central = data.rfind(b"PK\x01\x02", 0, data.rfind(b"b.txt"))  # b's entry in the central directory
    data[central + 16] ^= 0xFF  # the CRC zipfile checks b's bytes against
    path.write_bytes(bytes(data))
    docs = {d.path.rsplit("!", 1)[1]: d for d in _parse(path)}
    assert docs["a.txt"].reject[0] == docs["b.txt"].reject[0] == "unreadable"
    assert "CRC" in docs["b.txt"].reject[1]
    assert docs["c.txt"].reject is None and docs["c.txt"].article.outlet == "La Presse"


def test_zip_members_sharing_a_name_are_each_read_once(tmp_path, seed_text):
    path = tmp_path / "pages.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("p.txt", _page(seed_text, "Le Matin"))
        with pytest.warns(UserWarning, match="Duplicate name"):
            archive.writestr("p.txt", _page(seed_text, "Le Soir"))
        archive.writestr(".hidden.txt", seed_text)
        archive.writestr("__MACOSX/._p.txt", b"\x00\x05\x16\x07")
    docs = _parse(path)
    assert [d.path.rsplit("!", 1)[1] for d in docs] == [".hidden.txt", "__MACOSX/._p.txt", "p.txt", "p.txt (2)"]
    assert [d.reject[0] if d.reject else None for d in docs] == ["hidden", "hidden", None, None]
    assert [d.article.outlet for d in docs[2:]] == ["Le Matin", "Le Soir"]
    assert "duplicate_member_name" in docs[3].warnings


def test_a_zip_is_opened_once_for_all_its_members(tmp_path, seed_text, monkeypatch):
    path = tmp_path / "pages.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for i in range(50):
            archive.writestr(f"p{i:02d}.txt", _page(seed_text, f"Outlet {i}"))
    opened = []
    real = zipfile.ZipFile

    class Spy(real):
        def __init__(self, *args, **kwargs):
            opened.append(args[0])
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(sources.zipfile, "ZipFile", Spy)
    docs = _parse(path)
    assert len(docs) == 50 and all(d.reject is None for d in docs)
    assert len(opened) == 1
