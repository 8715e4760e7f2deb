"""Choosing a text encoding by evidence: UTF-8, else the legacy code page that reads as text.

Bytes that are not UTF-8 were most often written by a Windows tool: cp1252 for French,
English or Spanish, cp1256 for Arabic. Both decode almost any bytes, so the choice rests on
what the text then looks like: Arabic letters that the language check calls Arabic for
cp1256; Latin letters with few accented ones and no undefined bytes for cp1252 (Arabic read
as cp1252 is almost all accented capitals: "ÇáÚÑÈíÉ"). When neither or both read as text,
the caller rejects the bytes rather than store a guess.
"""

from __future__ import annotations

import re

from analysis.ingest.langs import detect

SAMPLE_CHARS = 20_000  # enough letters to judge a page; a longer text costs more, tells nothing new
MIN_ARABIC_SHARE = 0.5  # of the letters, for cp1256
MAX_ACCENTED_SHARE = 0.25  # of the Latin letters, for cp1252 (French runs ~3 %)
_ARABIC = re.compile(r"[\u0621-\u064a\u0671-\u06d3]")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u00ff\u0152\u0153\u0160\u0161\u0178\u017d\u017e]")
_ACCENTED = re.compile(r"[\u00c0-\u00ff\u0152\u0153\u0160\u0161\u0178\u017d\u017e]")


def reads_as_arabic(text: str) -> bool:
    sample = text[:SAMPLE_CHARS]
    if "\ufffd" in sample:
        return False
    arabic, latin = len(_ARABIC.findall(sample)), len(_LATIN.findall(sample))
    return arabic > 0 and arabic >= MIN_ARABIC_SHARE * (arabic + latin) and detect(sample) == "ar"


def reads_as_latin(text: str) -> bool:
    sample = text[:SAMPLE_CHARS]
    if "\ufffd" in sample or any("\x80" <= c <= "\x9f" for c in sample):
        return False
    latin = len(_LATIN.findall(sample))
    return latin > 0 and len(_ACCENTED.findall(sample)) <= MAX_ACCENTED_SHARE * latin and detect(sample) in ("fr", "en", "es")


LEGACY = {"cp1256": reads_as_arabic, "cp1252": reads_as_latin}


def decode(data: bytes) -> tuple[str | None, str | None]:
    """(text, legacy encoding used or None for UTF-8); (None, None) when the bytes are not
    UTF-8 and the evidence does not point to exactly one legacy code page."""
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError:
        pass
    readings = [(text, name) for name, plausible in LEGACY.items()
                if plausible(text := data.decode(name, errors="replace"))]
    return readings[0] if len(readings) == 1 else (None, None)


class Decoder:
    """Decodes the lines of one file. A short line holds little evidence, so once one line
    has decided the legacy code page, the file's other non-UTF-8 lines use it (one file,
    one encoding)."""

    def __init__(self) -> None:
        self.legacy: str | None = None

    def __call__(self, data: bytes) -> tuple[str | None, str | None]:
        if self.legacy is None:
            text, self.legacy = decode(data)
            return text, self.legacy
        try:
            return data.decode("utf-8"), None
        except UnicodeDecodeError:
            return data.decode(self.legacy, errors="replace"), self.legacy
