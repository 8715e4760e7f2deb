"""The fixed strings of the maghress page family, one row per site-edition language.

To support another edition, add an entry to ``EDITIONS``: the parser tries every entry and
keeps the one whose strings it finds. Strings are compared after ``fold_marker`` (whitespace
collapsed, curly quotes straightened, case folded), so small rendering differences between
dump tools do not matter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Separators used between digits in a dateline: "16 - 02 - 2015"; some tools drop spaces.
_DMY = r"(?P<day>[0-9٠-٩]{1,2})\s*[-/.]\s*(?P<month>[0-9٠-٩]{1,2})\s*[-/.]\s*(?P<year>[0-9٠-٩]{4})"


@dataclass(frozen=True)
class Edition:
    lang: str
    notice: tuple[str, ...]  # image-report widget lines (dropped)
    dateline: re.Pattern  # groups: outlet, day, month, year
    footer: tuple[str, ...]  # "read at the source" link text (dropped, ends the body)


EDITIONS: tuple[Edition, ...] = (
    Edition(
        lang="fr",
        notice=(
            "Merci d'avoir signalé!",
            "Cette image sera automatiquement bloquée après qu'elle soit signalée par plusieurs personnes.",
        ),
        dateline=re.compile(r"^\s*Publié\s+dans\s+(?P<outlet>.+?)\s+le\s+" + _DMY + r"\s*$", re.IGNORECASE),
        footer=("Cliquez ici pour lire l'article depuis sa source.",),
    ),
    Edition(
        lang="ar",
        notice=(
            "شكرا على الإبلاغ!",
            "سيتم حجب هذه الصورة تلقائيا عندما يتم الإبلاغ عنها من طرف عدة أشخاص.",
        ),
        dateline=re.compile(r"^\s*نشر\s+في\s+(?P<outlet>.+?)\s+يوم\s+" + _DMY + r"\s*$"),
        footer=("انقر هنا لقراءة الخبر من مصدره.",),
    ),
)

_QUOTES = (("’", "'"), ("‘", "'"), ("`", "'"), ("´", "'"))


def fold_marker(line: str) -> str:
    """Normalise a line for comparison with the fixed strings."""
    folded = " ".join(line.split()).casefold()
    for curly, straight in _QUOTES:
        if curly in folded:
            folded = folded.replace(curly, straight)
    return folded


NOTICE_LINES: dict[str, str] = {fold_marker(s): e.lang for e in EDITIONS for s in e.notice}
FOOTER_LINES: dict[str, str] = {fold_marker(s): e.lang for e in EDITIONS for s in e.footer}
# Cheap filters that let the parser skip most lines without folding them: a longer line
# cannot be a fixed string, however generously spaced, and every fixed string starts with
# one of a few letters.
MARKER_MAX_LEN = 2 * max(map(len, (*NOTICE_LINES, *FOOTER_LINES))) + 20
MARKER_FIRST_CHARS = frozenset(s[0] for s in (*NOTICE_LINES, *FOOTER_LINES))
