"""Key terms: the words over-represented in a period or in a query's matches against a baseline.

The statistic is Dunning's log-likelihood G² on document frequencies: for each word, the 2×2
table (target, baseline) × (documents containing the word, documents without it), so a word
repeated fifty times in one article counts once. ``log_ratio`` (log2 of the ratio of the two
document shares, a zero count taken as 0.5) gives the size of the difference; G² its
reliability. Counts come from the search index's term dictionary, per language, stop words
(those of the topics stage) removed.
"""

from __future__ import annotations

import datetime as dt
import math

import duckdb
import pandas as pd
import tantivy

from analysis.errors import InvalidArgument
from analysis.search import parser
from analysis.search.index import open_index
from analysis.search.matches import parse_query
from analysis.topics import text as topic_text
from analysis.trends import as_date

COLUMNS = ["lang", "rank", "term", "n_target", "n_baseline", "target_documents", "baseline_documents",
           "share_target", "share_baseline", "log_ratio", "g2"]


def g2(a: int, b: int, n_a: int, n_b: int) -> float:
    """Log-likelihood G² of a word in ``a`` of ``n_a`` target documents and ``b`` of ``n_b``
    baseline documents (the 2×2 contingency table of documents with and without it)."""
    total = n_a + n_b
    with_word = a + b
    cells = [(a, n_a * with_word / total), (n_a - a, n_a * (total - with_word) / total),
             (b, n_b * with_word / total), (n_b - b, n_b * (total - with_word) / total)]
    return 2.0 * sum(o * math.log(o / e) for o, e in cells if o > 0)


def log_ratio(a: int, b: int, n_a: int, n_b: int) -> float:
    """log2 of (share of target documents with the word) / (share of baseline documents)."""
    return math.log2(((a or 0.5) / n_a) / ((b or 0.5) / n_b))


def _is_stop(term: str, lang: str) -> bool:
    if len(term) < 2 or term.isdigit():
        return True
    keys = topic_text.keys(term, lang)
    stops = topic_text.stop_keys(lang)
    return not keys or all(k in stops for k in keys)


def keyness(con: duckdb.DuckDBPyConnection, *, query: str | None = None, start: dt.date | str | None = None,
            end: dt.date | str | None = None, baseline_start: dt.date | str | None = None,
            baseline_end: dt.date | str | None = None, lang: str | None = None, headlines: bool = False,
            top: int = 20, min_documents: int = 3) -> pd.DataFrame:
    """The ``top`` words most over-represented in the target against the baseline, per language.

    Target: the documents matching ``query`` (all when None) dated ``start``..``end``.
    Baseline: the other documents dated ``baseline_start``..``baseline_end`` (the whole
    archive when both are None). Words of article bodies, or of headlines with
    ``headlines=True``, in at least ``min_documents`` target documents.

    Columns: ``lang``, ``rank`` (1 = highest G² in the language), ``term`` (folded),
    ``n_target``/``n_baseline`` (documents containing it), ``target_documents``/
    ``baseline_documents`` (documents of each side in the language), ``share_target``,
    ``share_baseline``, ``log_ratio``, ``g2`` (see the module docstring). Only words more
    frequent in the target than in the baseline are listed.
    """
    if lang is not None and lang not in parser.LANGS:
        raise InvalidArgument(f"lang must be one of {', '.join(parser.LANGS)} or None, not {lang!r}")
    if top < 1 or min_documents < 1:
        raise InvalidArgument("top and min_documents must be at least 1")
    idx = open_index(con)
    schema, searcher = idx.schema, idx.searcher()
    Occur, Query = tantivy.Occur, tantivy.Query
    kind = Query.term_query(schema, "kind", "headline" if headlines else "article")
    target = [(Occur.Must, kind)]
    if query is not None:
        target.append((Occur.Must, parser.to_tantivy(parse_query(query), schema)))
    if start is not None or end is not None:
        target.append((Occur.Must, parser.date_query(schema, as_date(start), as_date(end))))
    target_q = Query.boolean_query(target)
    baseline = [(Occur.Must, kind), (Occur.MustNot, target_q)]
    if baseline_start is not None or baseline_end is not None:
        baseline.append((Occur.Must, parser.date_query(schema, as_date(baseline_start), as_date(baseline_end))))
    baseline_q = Query.boolean_query(baseline)
    field = "title" if headlines else "body"
    frames = []
    for code in [lang] if lang else parser.LANGS:
        in_lang = Query.term_query(schema, "lang", code)
        t_q = Query.boolean_query([(Occur.Must, target_q), (Occur.Must, in_lang)])
        b_q = Query.boolean_query([(Occur.Must, baseline_q), (Occur.Must, in_lang)])
        n_t = searcher.search(t_q, 1, count=True).count
        n_b = searcher.search(b_q, 1, count=True).count
        if n_t == 0 or n_b == 0:
            continue
        in_target = [(t, n) for t, n in searcher.terms_with_prefix(field, "", filter_query=t_q)
                     if n >= min_documents]
        in_baseline = dict(searcher.terms_with_prefix(field, "", filter_query=b_q))
        rows = []
        for term, a in in_target:
            b = in_baseline.get(term, 0)
            if a / n_t <= b / n_b or _is_stop(term, code):
                continue
            rows.append((code, term, a, b, n_t, n_b, a / n_t, b / n_b, log_ratio(a, b, n_t, n_b), g2(a, b, n_t, n_b)))
        rows.sort(key=lambda r: (-r[-1], r[1]))
        frames += [(r[0], rank, *r[1:]) for rank, r in enumerate(rows[:top], 1)]
    return pd.DataFrame.from_records(frames, columns=COLUMNS)
