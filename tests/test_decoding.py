"""Choosing a legacy encoding by evidence: real pages written in cp1256 and cp1252."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.ingest.decoding import Decoder, decode
from analysis.ingest.sources import Input
from analysis.ingest.worker import parse_input

ARABIC_PAGE = Path(__file__).parent / "data" / "pages" / "turess-ar-generated.txt"


def _parse(path: Path):
    stat = path.stat()
    return list(parse_input(Input(str(path), stat.st_size, stat.st_mtime_ns), mapping={}))


def test_windows_1256_arabic_page_is_read_as_arabic(tmp_path):
    text = ARABIC_PAGE.read_text(encoding="utf-8")
    path = tmp_path / "turess-ar-0001.txt"
    path.write_bytes(text.encode("cp1256"))
    [doc] = _parse(path)
    assert doc.reject is None and "decoded_cp1256" in doc.warnings
    [original] = _parse(ARABIC_PAGE)
    assert doc.article.title == original.article.title and doc.article.lang == "ar"
    assert doc.ticker_texts == original.ticker_texts and set(doc.ticker_langs) == {"ar"}


def test_windows_1252_french_page_is_still_read_as_cp1252(tmp_path, seed_text):
    path = tmp_path / "maghress-fr.txt"
    path.write_bytes(seed_text.encode("cp1252", errors="replace"))
    [doc] = _parse(path)
    assert doc.reject is None and "decoded_cp1252" in doc.warnings
    assert doc.article.title and "é" in doc.article.body and doc.article.lang == "fr"


def test_arabic_never_becomes_cp1252_mojibake():
    text = ARABIC_PAGE.read_text(encoding="utf-8")
    decoded, legacy = decode(text.encode("cp1256"))
    assert legacy == "cp1256" and decoded == text
    # The same bytes read as cp1252 look like Latin-1 capitals; that is not accepted as text.
    assert "Ç" in text.encode("cp1256").decode("cp1252", errors="replace")


@pytest.mark.parametrize("data", [
    b"Publi\x81 dans \x8d\x90 le 1 - 1 - 2015\n\x9d",  # undefined in cp1252, a few stray letters in cp1256
    b"Caf\xe9 cr\xe8me br\xfbl\xe9e \x81\x8d",  # Latin with bytes cp1252 lacks; in cp1256 two stray letters
    b"2015 - 01 - 01 \xa0\xa0 12:00",  # no letters to judge by
])
def test_unsure_bytes_are_not_decoded(data):
    assert decode(data) == (None, None)


def test_a_files_lines_share_the_encoding_one_line_decided():
    decoder = Decoder()
    assert decoder("Le président a déclaré mardi que la réforme serait votée".encode("cp1252")) == (
        "Le président a déclaré mardi que la réforme serait votée", "cp1252")
    assert decoder("é".encode("cp1252")) == ("é", "cp1252")  # too short alone, decided by the file
    assert decoder(b"plain") == ("plain", None)
