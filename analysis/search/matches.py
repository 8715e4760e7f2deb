"""Ranked matches of a search query, with highlighted snippets, and the ids of every match."""

from __future__ import annotations

import datetime as dt
import re
from functools import cache

import duckdb
import numpy as np
import pandas as pd
import tantivy

from analysis.entities.text import fold_with_map
from analysis.errors import InvalidArgument
from analysis.search import parser
from analysis.search.index import SearchIndex, analyzer, ids_of, open_index
from analysis.trends import as_date

ARTICLE_COLUMNS = ["rank", "article_id", "published_date", "outlet", "lang", "title", "score", "snippet"]
HEADLINE_COLUMNS = ["rank", "headline_id", "first_seen", "last_seen", "lang", "title", "score", "snippet"]
MARK = ("**", "**")
SNIPPET_CHARS = 200
_WORD_RE = re.compile(r"[^\W_]+")


@cache
def _analyzer() -> tantivy.TextAnalyzer:
    return analyzer()


def analyze(folded: str) -> list[str]:
    """Index tokens of already folded text (the index's own tokenizer)."""
    return _analyzer().analyze(folded)


def parse_query(query: str):
    """The tree of a query (raises ``SearchQueryError`` pointing at the problem)."""
    return parser.parse(query, analyze)


def compiled(idx: SearchIndex, tree, *, headlines: bool, start, end) -> tantivy.Query:
    """The tree as a tantivy query restricted to one kind of document and a date window."""
    parts = [(tantivy.Occur.Must, parser.to_tantivy(tree, idx.schema)),
             (tantivy.Occur.Must, tantivy.Query.term_query(idx.schema, "kind", "headline" if headlines else "article"))]
    low, high = as_date(start), as_date(end)
    if low or high:
        parts.append((tantivy.Occur.Must, parser.date_query(idx.schema, low, high)))
    return tantivy.Query.boolean_query(parts)


def _check_limit(limit: int) -> None:
    if not isinstance(limit, int) or limit < 1:
        raise InvalidArgument(f"limit must be a positive integer, not {limit!r}")


def search(con: duckdb.DuckDBPyConnection, query: str, *, limit: int = 20, headlines: bool = False,
           start: dt.date | str | None = None, end: dt.date | str | None = None,
           snippets: bool = True) -> pd.DataFrame:
    """The articles (or ticker headlines) matching ``query``, best first (BM25).

    Columns for articles: ``rank`` (1 = best), ``article_id``, ``published_date``, ``outlet``,
    ``lang``, ``title``, ``score`` (BM25; a title match weighs twice a body match),
    ``snippet`` (about 200 characters of the body around the most matches, matches between
    ``**``; the start of the body when only the title matched). For headlines:
    ``headline_id``, ``first_seen``, ``last_seen`` instead of the id, date and outlet, and the
    whole headline as the snippet. ``start``/``end`` bound the publication date (articles) or
    the first sighting (headlines). The query language is in ``analysis.search.parser``.

    ``snippets=False`` leaves ``snippet`` empty (None) and skips reading the bodies: DuckDB
    decompresses a whole block of bodies to return one, the larger part of a search's time.
    """
    _check_limit(limit)
    tree = parse_query(query)
    idx = open_index(con)
    searcher = idx.searcher()
    hits = searcher.search(compiled(idx, tree, headlines=headlines, start=start, end=end), limit, count=False).hits
    ids = searcher.fast_field_values("id", [address for _, address in hits])
    scores = [score for score, _ in hits]
    terms = parser.highlight_terms(tree)
    if headlines:
        rows = con.execute("""SELECT headline_id, first_seen, last_seen, lang, text FROM headlines
                              WHERE headline_id IN (SELECT unnest($ids))""", {"ids": ids}).fetchall()
        by_id = {r[0]: r for r in rows}
        records = [(rank, i, by_id[i][1], by_id[i][2], by_id[i][3], by_id[i][4], score,
                    snippet(by_id[i][4], terms, whole=True) if snippets else None)
                   for rank, (i, score) in enumerate(zip(ids, scores), 1) if i in by_id]
        return pd.DataFrame.from_records(records, columns=HEADLINE_COLUMNS)
    body = "body" if snippets else "NULL"
    rows = con.execute(f"""SELECT article_id, published_date, outlet, lang, title, {body} FROM articles
                           WHERE article_id IN (SELECT unnest($ids))""", {"ids": ids}).fetchall()
    by_id = {r[0]: r for r in rows}
    records = [(rank, i, *by_id[i][1:5], score, snippet(by_id[i][5], terms) if snippets else None)
               for rank, (i, score) in enumerate(zip(ids, scores), 1) if i in by_id]
    frame = pd.DataFrame.from_records(records, columns=ARTICLE_COLUMNS)
    frame["published_date"] = pd.to_datetime(frame["published_date"])
    return frame


def matching_ids(con: duckdb.DuckDBPyConnection, query: str, *, headlines: bool = False,
                 start: dt.date | str | None = None, end: dt.date | str | None = None,
                 idx: SearchIndex | None = None) -> np.ndarray:
    """The ids (article_id or headline_id) of every document matching ``query``, unordered."""
    tree = parse_query(query)
    idx = idx or open_index(con)
    return ids_of(idx.searcher(), compiled(idx, tree, headlines=headlines, start=start, end=end))



def _spans(folded: str, terms: list[parser.Words]) -> list[tuple[int, int]]:
    """(start, end) offsets in ``folded`` of every occurrence of the terms."""
    words = [(m.group(), m.start(), m.end()) for m in _WORD_RE.finditer(folded)]
    spans = []
    for term in terms:
        k = len(term.tokens)
        for i in range(len(words) - k + 1):
            ok = all(words[i + j][0] == term.tokens[j] for j in range(k - 1))
            last = words[i + k - 1][0]
            if ok and (last.startswith(term.tokens[-1]) if term.prefix else last == term.tokens[-1]):
                spans.append((words[i][1], words[i + k - 1][2]))
    return sorted(set(spans))


def snippet(text: str | None, terms: list[parser.Words], *, whole: bool = False,
            width: int = SNIPPET_CHARS) -> str:
    """A window of ``text`` around the most matches of ``terms``, each match between ``**``."""
    if not text:
        return ""
    folded, omap = fold_with_map(text)
    spans = [(omap.start(a), omap.end(b)) if omap else (a, b) for a, b in _spans(folded, terms)]
    lo, hi = 0, len(text)
    if not whole and len(text) > width:
        # the window starting a little before some match that holds the most matches
        best = (0, 0)
        for a, _ in spans:
            count = sum(1 for s, e in spans if s >= a and e <= a + width)
            best = max(best, (count, -a))
        lo = max(0, -best[1] - width // 5) if spans else 0
        while lo > 0 and not text[lo - 1].isspace():
            lo -= 1
        hi = min(len(text), lo + width)
        while hi < len(text) and not text[hi].isspace():
            hi += 1
    pieces, at = [], lo
    for a, b in spans:
        if a < at or b > hi:
            continue
        pieces += [text[at:a], MARK[0], text[a:b], MARK[1]]
        at = b
    pieces.append(text[at:hi])
    out = " ".join("".join(pieces).split())
    return ("…" if lo > 0 else "") + out + ("…" if hi < len(text) else "")
