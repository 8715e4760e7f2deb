"""Key terms: the words over-represented in a period or in a query's matches against a baseline.

The statistic is Dunning's log-likelihood G² on document frequencies: for each word, the 2×2
table (target, baseline) × (documents containing the word, documents without it), so a word
repeated fifty times in one article counts once. ``log_ratio`` (log2 of the ratio of the two
document shares, a zero count taken as 0.5) gives the size of the difference; G² its
reliability. Counts come from the search index's term dictionary, per language, stop words
(those of the topics stage) removed.

Two-word phrases (``ngram=2``) are pairs of words written next to each other, neither a stop
word, with no punctuation or line break between them, found in (a sample of) the target's
texts; a phrase's documents are then those a quoted search for it finds, counted in the index
for target and baseline alike, so the same statistic applies.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter
from functools import lru_cache
from itertools import islice

import duckdb
import numpy as np
import pandas as pd
import tantivy

from analysis.entities.text import fold
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


# Target texts read for candidate phrases, and candidates counted in the index, per language.
PHRASE_SAMPLE = 2000
PHRASE_CANDIDATES = 150
# Phrases stop at anything but letters, digits and plain spaces (folded text: one space between words).
_SPAN_BREAK = re.compile(r"[^\w ]|_")


@lru_cache(maxsize=200_000)
def _is_stop(term: str, lang: str) -> bool:
    if len(term) < 2 or term.isdigit():
        return True
    keys = topic_text.keys(term, lang)
    stops = topic_text.stop_keys(lang)
    return not keys or all(k in stops for k in keys)


def keyness(con: duckdb.DuckDBPyConnection, *, query: str | None = None, start: dt.date | str | None = None,
            end: dt.date | str | None = None, baseline_start: dt.date | str | None = None,
            baseline_end: dt.date | str | None = None, lang: str | None = None, headlines: bool = False,
            top: int = 20, min_documents: int = 3, ngram: int = 1) -> pd.DataFrame:
    """The ``top`` words (``ngram=1``) or two-word phrases (``ngram=2``) most over-represented
    in the target against the baseline, per language.

    Target: the documents matching ``query`` (all when None) dated ``start``..``end``.
    Baseline: the other documents dated ``baseline_start``..``baseline_end`` (the whole
    archive when both are None). Words of article bodies, or of headlines with
    ``headlines=True``, in at least ``min_documents`` target documents.

    Columns: ``lang``, ``rank`` (1 = highest G² in the language), ``term`` (folded),
    ``n_target``/``n_baseline`` (documents containing it), ``target_documents``/
    ``baseline_documents`` (documents of each side in the language), ``share_target``,
    ``share_baseline``, ``log_ratio``, ``g2`` (see the module docstring). Only words more
    frequent in the target than in the baseline are listed. A phrase's ``term`` is its two
    folded words with a space between.
    """
    if lang is not None and lang not in parser.LANGS:
        raise InvalidArgument(f"lang must be one of {', '.join(parser.LANGS)} or None, not {lang!r}")
    if top < 1 or min_documents < 1:
        raise InvalidArgument("top and min_documents must be at least 1")
    if ngram not in (1, 2):
        raise InvalidArgument(f"ngram must be 1 (words) or 2 (two-word phrases), not {ngram!r}")
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
        if ngram == 1:
            in_target = [(t, n) for t, n in searcher.terms_with_prefix(field, "", filter_query=t_q) if n >= min_documents]
            in_baseline = dict(searcher.terms_with_prefix(field, "", filter_query=b_q))
        else:
            in_target, in_baseline = _phrase_counts(con, idx, t_q, b_q, n_t, code, headlines=headlines,
                                                    min_documents=min_documents)
        rows = []
        for term, a in in_target:
            b = in_baseline.get(term, 0)
            if a / n_t <= b / n_b:
                continue
            rows.append((code, term, a, b, n_t, n_b, a / n_t, b / n_b, log_ratio(a, b, n_t, n_b), g2(a, b, n_t, n_b)))
        rows.sort(key=lambda r: (-r[-1], r[1]))
        # stop words are skipped from the top down: testing one costs a lemmatizer look-up
        words = (r for r in rows if not _is_stop(r[1], code)) if ngram == 1 else iter(rows)
        frames += [(r[0], rank, *r[1:]) for rank, r in enumerate(islice(words, top), 1)]
    return pd.DataFrame.from_records(frames, columns=COLUMNS)


def phrases(text: str, lang: str) -> set[str]:
    """The two-word phrases of a text: neighbouring words of one stretch without punctuation
    or line break, neither a stop word (folded, as ``"w1 w2"``)."""
    found = set()
    for span in _SPAN_BREAK.split(fold(text)):
        previous = None
        for word in span.split():  # a stretch holds only letters, digits and spaces: its words are the index's
            if _is_stop(word, lang):
                previous = None
                continue
            if previous is not None:
                found.add(f"{previous} {word}")
            previous = word
    return found


def _phrase_counts(con, idx, target_q, baseline_q, n_target: int, lang: str, *, headlines: bool,
                   min_documents: int) -> tuple[list[tuple[str, int]], dict[str, int]]:
    """Candidate phrases from (a sample of) the target's texts, then the target and baseline
    documents of each as the index counts a quoted search."""
    searcher, schema = idx.searcher(), idx.schema
    hits = searcher.search(target_q, n_target, count=False, order_by_field="id").hits
    ids = np.array([key for key, _ in hits], dtype=np.int64)
    if len(ids) > PHRASE_SAMPLE:
        ids = np.sort(np.random.default_rng(0).choice(ids, PHRASE_SAMPLE, replace=False))
    sql = ("SELECT text FROM headlines WHERE headline_id IN (SELECT unnest($ids))" if headlines
           else "SELECT body FROM articles WHERE article_id IN (SELECT unnest($ids))")
    seen: Counter[str] = Counter()
    for (text,) in con.execute(sql, {"ids": ids.tolist()}).fetchall():
        seen.update(phrases(text or "", lang))
    # in the sample, a phrase of min_documents target documents is expected in this many
    floor = max(2, math.ceil(min_documents * len(ids) / n_target)) if len(ids) < n_target else min_documents
    field = "title" if headlines else "body"
    in_target, in_baseline = [], {}
    for phrase, _ in seen.most_common(PHRASE_CANDIDATES):
        if seen[phrase] < floor:
            break
        quoted = tantivy.Query.phrase_query(schema, field, phrase.split(" "))
        a = searcher.search(tantivy.Query.boolean_query([(tantivy.Occur.Must, target_q),
                                                         (tantivy.Occur.Must, quoted)]), 1, count=True).count
        if a >= min_documents:
            in_target.append((phrase, a))
            in_baseline[phrase] = searcher.search(tantivy.Query.boolean_query(
                [(tantivy.Occur.Must, baseline_q), (tantivy.Occur.Must, quoted)]), 1, count=True).count
    return in_target, in_baseline
