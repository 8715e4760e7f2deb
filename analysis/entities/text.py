"""Text folding and surface-form normalisation shared by the matcher, the NER path and the eval.

``fold`` maps text to a matching key: lower case, Latin accents removed, apostrophes and dashes
unified, Arabic letter variants unified (أ/إ/آ -> ا, ى -> ي, ة -> ه), Arabic diacritics and
tatweel removed, whitespace runs collapsed. ``fold_with_map`` does the same but also returns a
way back to offsets in the original text, because mentions are stored with original offsets.
"""

from __future__ import annotations

import bisect
import re
from functools import cache

import numpy as np

from analysis import chars, textfold

_ARABIC_LETTERS = textfold.arabic_letters(persian=True)
_SPACES = "\u00a0\u2007\u202f\u2009\u200a\u2002\u2003\u2004\u2005\u2006\u2008\u205f\u3000\t"
_APOSTROPHES = "\u2019\u2018\u02bc\u00b4`\u2032"
_DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2212"
# Removed before matching: Arabic harakat, superscript alef, tatweel, zero-width marks.
_ZERO_WIDTH = "".join(chr(c) for c in range(0x200B, 0x2010)) + "\u00ad"
_MARK_CHARS = tuple(textfold.HARAKAT + textfold.TATWEEL + _ZERO_WIDTH)
_REMOVABLE = f"[{''.join(_MARK_CHARS)}]"
_REMOVE_RES = {  # (has double spaces, has marks) -> pattern; the single-purpose ones scan faster
    (True, True): re.compile(f"{_REMOVABLE}+| {{2,}}"),
    (True, False): re.compile("  +"),
    (False, True): re.compile(f"{_REMOVABLE}+"),
}


def _build_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for code in range(0x20, 0x2B0):
        ch = chr(code)
        low = textfold.fold_case(ch)
        if len(low) != 1:
            low = ch
        low = textfold.latin_base(low)
        if low != ch:
            table[code] = low
    # Greek-free, Latin-only table; 1:1 so offsets survive the fast path.
    table.update({ord(c): " " for c in _SPACES})
    table.update({ord(c): "'" for c in _APOSTROPHES})
    table.update({ord(c): " " for c in _DASHES})
    table.update({ord(k): v for k, v in _ARABIC_LETTERS.items()})
    table.update({ord(k): v for k, v in textfold.ARABIC_INDIC_DIGITS.items()})
    return table


FOLD_TABLE = _build_table()
# Fast path: str.lower() runs in C, then each distinct character that lower() leaves unfolded
# (accented letters, odd spaces and dashes, Arabic variants) is replaced with str.replace, also
# in C: a handful of passes over the text instead of a Python call per character.
_AFTER_LOWER = {chr(k): v for k, v in FOLD_TABLE.items() if chr(k) == chr(k).lower() and chr(k) != v}
_AFTER_LOWER_KEYS = frozenset(_AFTER_LOWER)


def _fold_chars(text: str) -> str:
    if len(text) >= TABLE_FROM:
        return _fold_chars_table(text)
    return _fold_chars_str(text)


def _fold_chars_str(text: str) -> str:
    low = text.lower()
    if len(low) != len(text):  # e.g. "İ" lowers to two characters: keep offsets 1:1
        return text.translate(FOLD_TABLE)
    for ch in _AFTER_LOWER_KEYS.intersection(low):
        low = low.replace(ch, _AFTER_LOWER[ch])
    return low


# Texts this long are folded through a table of every UTF-16 code unit (``_fold_units``): the
# set intersection above walks the text in Python objects, while the table does lower() and
# every replacement at once in NumPy. Short texts (titles, headlines) stay on the str path,
# cheaper than NumPy's per-call cost.
TABLE_FROM = 300


@cache
def _fold_units() -> tuple[np.ndarray, np.ndarray]:
    """(code unit -> folded code unit, code units the table cannot fold): what ``_fold_chars_str``
    does to each character on its own. Not foldable alone: surrogates (characters beyond the
    BMP), characters whose lower case is not one character ("İ"), and capital sigma, whose lower
    case depends on its neighbours (final "ς")."""
    table = np.arange(0x10000, dtype=np.uint16)
    special = np.zeros(0x10000, dtype=bool)
    special[0xD800:0xE000] = True
    special[0x03A3] = True
    for code in range(0x10000):
        if special[code]:
            continue
        low = chr(code).lower()
        if len(low) != 1 or ord(low) > 0xFFFF:
            special[code] = True
            continue
        table[code] = ord(_AFTER_LOWER.get(low, low))
    return table, special


def _fold_chars_table(text: str) -> str:
    table, special = _fold_units()
    units = np.frombuffer(text.encode("utf-16-le", "surrogatepass"), dtype=np.uint16)
    if special[units].any():
        return _fold_chars_str(text)
    return table[units].tobytes().decode("utf-16-le")


class OffsetMap:
    """Maps offsets in folded text back to the original text (only needed when folding removed characters)."""

    __slots__ = ("_folded", "_shift")

    def __init__(self, folded_positions: list[int], shifts: list[int]) -> None:
        self._folded = folded_positions
        self._shift = shifts

    def start(self, i: int) -> int:
        k = bisect.bisect_right(self._folded, i) - 1
        return i + (self._shift[k] if k >= 0 else 0)

    def end(self, i: int) -> int:
        return self.start(i - 1) + 1 if i > 0 else 0


def fold_with_map(text: str) -> tuple[str, OffsetMap | None]:
    """Fold ``text``; the map is None when folded offsets equal original offsets."""
    s = _fold_chars(text)
    # Substring tests run at memchr speed; most texts need no removal at all.
    has_spaces = "  " in s
    has_marks = any(c in s for c in _MARK_CHARS)
    if not has_spaces and not has_marks:
        return s, None
    if len(s) >= TABLE_FROM:
        return _remove_with_table(s)
    return _remove_with_regex(s, has_spaces, has_marks)


def _remove_with_regex(s: str, has_spaces: bool, has_marks: bool) -> tuple[str, OffsetMap]:
    pieces: list[str] = []
    folded_positions: list[int] = []
    shifts: list[int] = []
    last = removed = out = 0
    for m in _REMOVE_RES[has_spaces, has_marks].finditer(s):
        chunk = s[last:m.start()]
        pieces.append(chunk)
        out += len(chunk)
        keep = " " if m.group()[0] == " " else ""
        pieces.append(keep)
        out += len(keep)
        removed += len(m.group()) - len(keep)
        folded_positions.append(out)
        shifts.append(removed)
        last = m.end()
    pieces.append(s[last:])
    return "".join(pieces), OffsetMap(folded_positions, shifts)


# The code points ``_REMOVABLE`` removes, for ``_remove_with_table``.
_MARK_UNITS = np.zeros(0x10000, dtype=bool)
_MARK_UNITS[[ord(c) for c in _MARK_CHARS]] = True


def _remove_with_table(s: str) -> tuple[str, OffsetMap]:
    """``_remove_with_regex`` in NumPy, for long texts, where the regex alternation scanning
    every character costs more. A character goes when it is a mark, or a space right after a space
    (what ``marks+`` and ``" {2,}"`` -> ``" "`` leave, scanning left to right). The map gets one
    entry per run of removed characters where the regex wrote one per match: adjacent matches
    (spaces then marks) make one run, whose single entry maps every offset the same way."""
    points = chars.code_points(s)
    space = points == 32
    drop = _MARK_UNITS[np.minimum(points, 0xFFFF)]
    drop[1:] |= space[1:] & space[:-1]
    removed = np.flatnonzero(drop)
    folded = points[~drop].tobytes().decode("utf-32-le", "surrogatepass")
    breaks = np.flatnonzero(removed[1:] != removed[:-1] + 1)
    starts = removed[np.concatenate(([0], breaks + 1))]
    ends = removed[np.concatenate((breaks, [removed.size - 1]))]
    total = np.cumsum(drop)
    # folded offset where each run was cut out, and the characters removed up to its end
    return folded, OffsetMap((starts - total[starts] + 1).tolist(), total[ends].tolist())


def fold(text: str) -> str:
    """The matching key of a text (see module docstring); also strips the ends."""
    return fold_with_map(text)[0].strip()


def is_arabic(ch: str) -> bool:
    return "\u0600" <= ch <= "\u06ff" or "\u0750" <= ch <= "\u077f" or "\ufb50" <= ch <= "\ufefc"


def has_arabic(text: str) -> bool:
    return any(is_arabic(c) for c in text)


def slug(text: str) -> str:
    """A readable ASCII-ish id fragment: ``Bernard Cazeneuve`` -> ``bernard-cazeneuve``."""
    s = re.sub(r"[^\w]+", "-", fold(text).replace("'", " "), flags=re.UNICODE).strip("-_")
    return s or "x"


# --- surface normalisation for NER output and gold spans ------------------------------------

# Honorifics and titles that precede a name in French (and English) news copy. Order matters:
# longer first so "S.M. le Roi" goes before "S.M.".
_TITLES = [
    r"sa majeste(?: le roi| la reine)?", r"s\.? ?m\.? le roi", r"s\.? ?m\.?", r"s\.? ?a\.? ?r\.?(?: le prince| la princesse)?",
    r"son altesse(?: royale)?(?: le prince| la princesse)?",
    r"(?:le |la )?(?:roi|reine|prince heritier|prince|princesse|emir|cheikh|sheikh|pape|imam|ayatollah)",
    r"(?:le |la |l'|l )?(?:ex-|ancien |ancienne )?(?:president|presidente|premier ministre|premiere ministre|ministre|chef du gouvernement"
    r"|general|generale|marechal|colonel|commandant|capitaine|juge|maire|depute|deputee|senateur|senatrice|ambassadeur|ambassadrice"
    r"|secretaire general|secretaire generale|chancelier|chanceliere|gouverneur|wali|docteur|professeur|maitre|monseigneur|cardinal)",
    r"mm\.?", r"mme\.?", r"mmes\.?", r"mlle\.?", r"m\.", r"me\.?", r"mgr\.?", r"dr\.?", r"pr\.?",
    r"mr\.?", r"mrs\.?", r"ms\.?", r"sir", r"lord", r"king", r"queen", r"president", r"prime minister", r"minister",
]
_TITLE_RE = re.compile(r"^(?:(?:" + "|".join(_TITLES) + r")(?:\s+|$))+", re.IGNORECASE)
_ARTICLE_RE = re.compile(r"^(?:le|la|les|l'|l |du|des|de la|de l'|d'|de|en|au|aux|the)(?:\s+|(?<='))", re.IGNORECASE)
_POSSESSIVE_RE = re.compile(r"(?:'s|')$")
_EDGE_PUNCT = " \t\n\"'«»“”‹›()[]{},;:.!?*–—-_/\\|"


def clean_surface(surface: str, label: str) -> str:
    """A surface in its original case without what is not part of the name: surrounding
    punctuation, possessives, leading honorifics for persons (``M. Cazeneuve`` -> ``Cazeneuve``),
    leading articles for the other types (``l'Algérie`` -> ``Algérie``; a person's ``Le Pen``
    keeps its ``Le``). Returns the input trimmed when stripping would leave nothing."""
    s = " ".join(surface.split()).strip(_EDGE_PUNCT)
    s = _POSSESSIVE_RE.sub("", s).strip(_EDGE_PUNCT)
    folded, omap = fold_with_map(s)
    pattern = _TITLE_RE if label == "PER" else _ARTICLE_RE
    m = pattern.match(folded)
    if m and m.end() < len(folded):
        cut = omap.start(m.end()) if omap else m.end()
        rest = s[cut:].strip(_EDGE_PUNCT)
        if rest:
            s = rest
    return s


def normalize_surface(surface: str, label: str) -> str:
    """The key a human would accept as "the same name": ``clean_surface`` then ``fold``."""
    return fold(clean_surface(surface, label))

