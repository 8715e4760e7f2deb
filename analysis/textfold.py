"""Text folding: the one definition of which characters count as the same, for every key.

Three keys are built from these tables, each for its purpose:

- ``analysis.entities.text.fold``: registry and alias matching, with offsets back to the
  original text (case, Latin accents, Arabic letter forms and Persian letters, harakat,
  tatweel, odd spaces, dashes and apostrophes);
- ``analysis.topics.text``: taxonomy keywords (case, Arabic letter forms and Persian letters,
  harakat, tatweel; French, English and Spanish words then go to a lemmatiser);
- ``analysis.stories.text.fold``: shingles for near-duplicate detection (Latin accents,
  Arabic letter forms and hamza seats, harakat, tatweel, Arabic-Indic digits; ASCII case is
  left to its tokeniser). Its signatures are stored, so what it folds must not change.

The functions fold one string; the stages build faster tables from the same constants.
"""

from __future__ import annotations

import re
import unicodedata

# Arabic short vowels and other diacritics (fathatan .. sukun) and the superscript alef.
HARAKAT = "".join(chr(c) for c in range(0x064B, 0x0653)) + "\u0670"
TATWEEL = "\u0640"
# Spellings of one letter that writers mix freely: alef with hamza or madda, alef wasla,
# alef maqsura, ta marbuta (the usual Arabic IR normalisation).
ARABIC_LETTER_FORMS = {"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه"}
# Persian keheh and farsi yeh, which some keyboards type for Arabic kaf and ya.
PERSIAN_LETTERS = {"ک": "ك", "ی": "ي"}
# Hamza on a waw or ya seat, read as the bare letter.
HAMZA_SEATS = {"ؤ": "و", "ئ": "ي"}
ARABIC_INDIC_DIGITS = {chr(0x0660 + i): str(i) for i in range(10)} | {chr(0x06F0 + i): str(i) for i in range(10)}

_ARABIC_MARKS = re.compile(f"[{HARAKAT}{TATWEEL}]")


def fold_case(text: str) -> str:
    """Lower case (Unicode rules)."""
    return text.lower()


def latin_base(ch: str) -> str:
    """A Latin letter without its accents ("é" -> "e", "Ç" -> "C"); other characters unchanged."""
    base = unicodedata.normalize("NFD", ch)
    if len(base) > 1 and all(unicodedata.combining(c) for c in base[1:]):
        return base[0]
    return ch


def strip_latin_accents(text: str) -> str:
    """Every letter of ``text`` through ``latin_base``."""
    return "".join(latin_base(c) for c in text) if not text.isascii() else text


def remove_harakat(text: str) -> str:
    return text.translate({ord(c): None for c in HARAKAT})


def remove_tatweel(text: str) -> str:
    return text.replace(TATWEEL, "")


def fold_arabic(text: str, *, persian: bool = True, hamza_seats: bool = False) -> str:
    """Harakat and tatweel removed, letter forms unified (``ARABIC_LETTER_FORMS``, plus
    ``PERSIAN_LETTERS`` and ``HAMZA_SEATS`` when asked). Most press text has no diacritics,
    so the removal is skipped when there is none."""
    if _ARABIC_MARKS.search(text):
        text = _ARABIC_MARKS.sub("", text)
    for old, new in arabic_letters(persian=persian, hamza_seats=hamza_seats).items():
        text = text.replace(old, new)
    return text


def arabic_letters(*, persian: bool = True, hamza_seats: bool = False) -> dict[str, str]:
    """The letter-form mapping ``fold_arabic`` applies."""
    return ARABIC_LETTER_FORMS | (PERSIAN_LETTERS if persian else {}) | (HAMZA_SEATS if hamza_seats else {})
