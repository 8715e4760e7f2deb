"""Folding a whole column of texts for the index, with the same words as folding each one.

The index needs only the words of a folded text, so ``fold_column`` gives the words of
``analysis.entities.text.fold_with_map`` (runs of letters and digits: tantivy's simple
tokenizer), each character between them turned into a space: the index then splits on
whitespace, which costs its indexing threads less than finding letters in Arabic text.
Polars replaces characters over a whole batch in one native pass; its table is derived by
folding every character with ``fold_with_map`` and asking the simple tokenizer whether it is
part of a word, so the folding and word rules keep one definition. Texts holding a character
that does not fold on its own (one whose lower case is several characters, the capital sigma
whose lower case depends on its neighbours, any character beyond the BMP) go through
``fold_with_map`` and the tokenizer one by one.
"""

from __future__ import annotations

from functools import cache

import polars as pl
import pyarrow as pa
import tantivy

from analysis.entities.text import fold_with_map

# Lowered according to the letters around it (final sigma).
_IN_CONTEXT = "\u03a3"
# What tantivy's whitespace tokenizer splits on (Rust's is_ascii_whitespace: not \x0b).
_SPLITS_ON = frozenset(" \t\n\x0c\r")


@cache
def _words() -> tantivy.TextAnalyzer:
    """A word is a run of letters and digits (Rust's ``char::is_alphanumeric``)."""
    return tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple()).build()


def _spaced(folded: str) -> str:
    """Every character of folded text that is not part of a word as a space."""
    words = _words()
    return "".join(c if c in _SPLITS_ON or words.analyze(c) else " " for c in folded)


@cache
def _tables() -> tuple[list[str], list[str], list[str]]:
    """(characters, what each folds to with non-word characters as spaces, the characters of
    the BMP that do not fold on their own), built once per process from the fold itself."""
    keys, values, special = [], [], [_IN_CONTEXT]
    for code in range(0x10000):
        ch = chr(code)
        if 0xD800 <= code < 0xE000 or ch == _IN_CONTEXT:
            continue
        if len(ch.lower()) != 1:
            special.append(ch)
            continue
        folded = _spaced(fold_with_map(ch)[0])
        if folded != ch:
            keys.append(ch)
            values.append(folded)
    return keys, values, special


def fold_column(texts: pa.Array | pa.ChunkedArray | list[str | None]) -> list[str]:
    """Each text folded for the index (None -> ""): the words ``fold_with_map`` gives, with
    only whitespace between them."""
    keys, values, special = _tables()
    series = pl.Series(texts, dtype=pl.String).fill_null("")
    folded = series.str.replace_many(keys, values).to_list()
    # literal searches, cheaper than a regex class: in UTF-8 only a character beyond the BMP
    # starts with one of these bytes
    utf8 = series.cast(pl.Binary)
    alone = pl.select(pl.any_horizontal(series.str.contains_any(special),
                                        *(utf8.bin.contains(bytes([lead])) for lead in range(0xF0, 0xF5))))
    for i in alone.to_series().arg_true().to_list():
        folded[i] = " ".join(_words().analyze(fold_with_map(series[i])[0]))
    return folded
