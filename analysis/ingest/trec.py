"""TREC-style ``<DOC>`` files as in the ANT corpus (pseudo-XML: no escaping, no root).

Fields: DOCNO, URL, SRC, CAT, TITLE, TIME, AUTHOR, ABSTRACT, TEXT. A file may hold several
``<DOC>`` blocks. The date is TIME only: the date stamped in DOCNO is inconsistent in the real
corpus (YYYYMMDD or DDMMYYYY, sometimes 00000000), so it is never used as a fallback.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from analysis.ingest.dates import parse_date
from analysis.ingest.records import Article

PARSER_VERSION = "trec/1"

_DOC = re.compile(r"<DOC>(.*?)(?:</DOC>|\Z)", re.DOTALL | re.IGNORECASE)
_FIELD = re.compile(r"<(DOCNO|URL|SRC|CAT|TITLE|TIME|AUTHOR|ABSTRACT|TEXT)>(.*?)</\1>", re.DOTALL | re.IGNORECASE)


def looks_like_trec(head: str) -> bool:
    return head.lstrip("\ufeff \t\r\n").upper().startswith("<DOC>")


def parse_trec(text: str) -> Iterator[tuple[str, Article | None, list[str], str | None]]:
    """Yield (block, article, warnings, problem) per <DOC>; article is None when the DOC is empty."""
    for block in _DOC.finditer(text):
        fields = {k.upper(): v.strip() for k, v in _FIELD.findall(block[1])}
        warnings: list[str] = []
        title = " ".join(fields.get("TITLE", "").split()) or None
        body = "\n".join(p.strip() for p in fields.get("TEXT", "").splitlines() if p.strip())
        if not body and fields.get("ABSTRACT"):
            body = "\n".join(p.strip() for p in fields["ABSTRACT"].splitlines() if p.strip())
            warnings.append("body_from_abstract")
        if not title and not body:
            yield block[0], None, warnings, "no title and no text"
            continue
        if not title:
            warnings.append("no_title")
        if not body:
            warnings.append("no_body")
        raw = fields.get("TIME") or None
        date = parse_date(raw) if raw else None
        if date is None or date.date is None:
            warnings.append("bad_date" if raw else "no_date")
        yield (
            block[0],
            Article(
                title=title,
                body=body,
                outlet=fields.get("SRC") or None,
                url=fields.get("URL") or None,
                date_raw=raw,
                date=date,
                category=fields.get("CAT") or None,
                source_id=fields.get("DOCNO") or None,
            ),
            warnings,
            None,
        )
