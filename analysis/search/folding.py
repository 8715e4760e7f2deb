"""Folding a whole column of texts for the index, with the same words as folding each one.

The index needs only the words of a folded text, so ``fold_column`` and
``analysis.entities.text.fold_with_map`` must give the same index tokens, not the same string
(runs of spaces are left as they are). Polars replaces characters over a whole batch in one
native pass; its table is derived by folding every character with ``fold_with_map`` itself,
so the folding rules keep one definition. Texts holding a character that does not fold on its
own (one whose lower case is several characters, the capital sigma whose lower case depends on
its neighbours, any character beyond the BMP) go through ``fold_with_map`` one by one.
"""

from __future__ import annotations

from functools import cache

import polars as pl
import pyarrow as pa

from analysis.entities.text import fold_with_map

# Lowered according to the letters around it (final sigma).
_IN_CONTEXT = "\u03a3"


@cache
def _tables() -> tuple[list[str], list[str], str]:
    """(characters, what each folds to, a regex class of the characters that do not fold on
    their own), built once per process from the fold itself."""
    keys, values, special = [], [], [_IN_CONTEXT]
    for code in range(0x10000):
        ch = chr(code)
        if 0xD800 <= code < 0xE000 or ch == _IN_CONTEXT:
            continue
        if len(ch.lower()) != 1:
            special.append(ch)
            continue
        folded = fold_with_map(ch)[0]
        if folded != ch:
            keys.append(ch)
            values.append(folded)
    pattern = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in special) + "\\x{10000}-\\x{10ffff}]"
    return keys, values, pattern


def fold_column(texts: pa.Array | pa.ChunkedArray | list[str | None]) -> list[str]:
    """Each text folded for the index (None -> ""): the words ``fold_with_map`` gives."""
    keys, values, pattern = _tables()
    series = pl.Series(texts, dtype=pl.String).fill_null("")
    folded = series.str.replace_many(keys, values).to_list()
    for i in series.str.contains(pattern).arg_true().to_list():
        folded[i] = fold_with_map(series[i])[0]
    return folded
