"""The search query language: a small recursive-descent parser into a tree, then tantivy queries.

    maroc AND (algerie OR tunisie) NOT football
    "premier ministre" -rabat        terror*        title:maroc   outlet:"le matin"
    lang:ar  date:[2016-01-01 TO 2016-03-31]  date:2016-02  date:[2016-06 TO *]

Words next to each other are ANDed; AND, OR, NOT are upper case (lower-case "or" is a French
word); ``-x`` is ``NOT x``; NOT binds tighter than AND, AND tighter than OR. Words and phrases
are folded like the indexed text, so ``Maroc`` finds ``maroc`` and ``أمن`` finds ``امن``.
A word that folds to several words (``l'Algérie``, ``Sidi-Bouzid``) is a phrase.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, field

import tantivy

from analysis.entities.text import fold
from analysis.errors import QueryError

TEXT_FIELDS = ("title", "body", "outlet")
FIELDS = (*TEXT_FIELDS, "lang", "date")
LANGS = ("fr", "en", "es", "ar")
# A bare word or phrase searches these; a title match counts more than a body match.
DEFAULT_FIELDS = {"title": 2.0, "body": 1.0}
_SPECIAL = '()"[]'


class SearchQueryError(QueryError):
    """A search query that does not parse; ``position`` is the 0-based offset of the problem."""

    def __init__(self, message: str, query: str, position: int) -> None:
        self.position = position
        shown = query[:position] + "⟦here⟧" + query[position:]
        super().__init__(f"{message} at position {position + 1} of the query: {shown}")


# --- the tree ---------------------------------------------------------------------------------

@dataclass
class Words:
    """Folded tokens in a row (one word, or a phrase); ``prefix``: the last token is a prefix."""

    tokens: list[str]
    field: str | None = None
    prefix: bool = False


@dataclass
class Exact:
    """A keyword field compared as is (``lang``)."""

    field: str
    value: str


@dataclass
class DateRange:
    low: dt.date | None
    high: dt.date | None


@dataclass
class Not:
    child: object


@dataclass
class And:
    children: list = field(default_factory=list)


@dataclass
class Or:
    children: list = field(default_factory=list)


# --- the lexer --------------------------------------------------------------------------------

@dataclass
class Token:
    kind: str  # WORD PHRASE FIELD RANGE LPAREN RPAREN AND OR NOT MINUS END
    text: str
    pos: int


_FIELD_RE = re.compile(r"([A-Za-z_]+):")


def tokenize(query: str) -> list[Token]:
    tokens: list[Token] = []
    i, n = 0, len(query)
    while i < n:
        ch = query[i]
        if ch.isspace():
            i += 1
        elif ch == "(":
            tokens.append(Token("LPAREN", ch, i))
            i += 1
        elif ch == ")":
            tokens.append(Token("RPAREN", ch, i))
            i += 1
        elif ch in "\"“”«»":
            closing = {"“": "”", "«": "»"}.get(ch, ch if ch == '"' else '"')
            end = query.find(closing, i + 1)
            if end < 0 and ch != '"':
                end = query.find('"', i + 1)
            if end < 0:
                raise SearchQueryError("unclosed quote", query, i)
            tokens.append(Token("PHRASE", query[i + 1:end], i))
            i = end + 1
        elif ch == "[":
            end = query.find("]", i + 1)
            if end < 0:
                raise SearchQueryError("unclosed [ of a date range", query, i)
            tokens.append(Token("RANGE", query[i + 1:end], i))
            i = end + 1
        elif ch == "]":
            raise SearchQueryError("] without [", query, i)
        elif ch == "-" and (i + 1 < n and not query[i + 1].isspace()) and (not tokens or query[i - 1].isspace()
                                                                            or query[i - 1] == "("):
            tokens.append(Token("MINUS", ch, i))
            i += 1
        else:
            m = _FIELD_RE.match(query, i)
            if m and (m.end() < n and not query[m.end()].isspace()):
                name = m.group(1).lower()
                if name not in FIELDS:
                    raise SearchQueryError(f"unknown field {m.group(1)!r} (fields: {', '.join(FIELDS)})", query, i)
                tokens.append(Token("FIELD", name, i))
                i = m.end()
                continue
            start = i
            while i < n and not query[i].isspace() and query[i] not in _SPECIAL:
                i += 1
            word = query[start:i]
            kind = word if word in ("AND", "OR", "NOT") else "WORD"
            tokens.append(Token(kind, word, start))
    tokens.append(Token("END", "", n))
    return tokens


# --- the parser -------------------------------------------------------------------------------

class Parser:
    """query := or END; or := and (OR and)*; and := unary (AND? unary)*;
    unary := (NOT | -) unary | primary; primary := ( or ) | FIELD value | WORD | PHRASE."""

    _STARTS = ("WORD", "PHRASE", "FIELD", "LPAREN", "NOT", "MINUS")

    def __init__(self, query: str, analyze) -> None:
        self.query = query
        self.analyze = analyze
        self.tokens = tokenize(query)
        self.i = 0

    def error(self, message: str, token: Token | None = None) -> SearchQueryError:
        return SearchQueryError(message, self.query, (token or self.peek()).pos)

    def peek(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def parse(self):
        if self.peek().kind == "END":
            raise self.error("empty query")
        node = self.parse_or(None)
        if self.peek().kind != "END":
            raise self.error(f"unexpected {self.peek().text!r}")
        return node

    def parse_or(self, scope: str | None):
        children = [self.parse_and(scope)]
        while self.peek().kind == "OR":
            self.take()
            children.append(self.parse_and(scope))
        return children[0] if len(children) == 1 else Or(children)

    def parse_and(self, scope: str | None):
        children = [self.parse_unary(scope)]
        while True:
            kind = self.peek().kind
            if kind == "AND":
                self.take()
                children.append(self.parse_unary(scope))
            elif kind in self._STARTS:
                children.append(self.parse_unary(scope))
            else:
                break
        return children[0] if len(children) == 1 else And(children)

    def parse_unary(self, scope: str | None):
        token = self.peek()
        if token.kind in ("NOT", "MINUS"):
            self.take()
            if self.peek().kind not in self._STARTS or self.peek().kind in ("NOT", "MINUS"):
                raise self.error(f"expected a word, phrase or group after {token.text}")
            return Not(self.parse_unary(scope))
        return self.parse_primary(scope)

    def parse_primary(self, scope: str | None):
        token = self.take()
        if token.kind == "LPAREN":
            if self.peek().kind == "RPAREN":
                raise self.error("empty parentheses")
            node = self.parse_or(scope)
            if self.peek().kind != "RPAREN":
                if self.peek().kind == "END":
                    raise self.error("unclosed (", token)
                raise self.error(f"unexpected {self.peek().text!r}")
            self.take()
            return node
        if token.kind == "FIELD":
            if scope is not None:
                raise self.error(f"field {token.text}: inside {scope}:( … )", token)
            return self.parse_value(token)
        if token.kind in ("WORD", "PHRASE"):
            return self.words(token, scope)
        if token.kind == "END":
            raise self.error("the query ends where a word was expected", token)
        raise self.error(f"expected a word, phrase or group, not {token.text!r}", token)

    def parse_value(self, field_token: Token):
        name = field_token.text
        token = self.peek()
        if name == "date":
            self.take()
            if token.kind == "RANGE":
                return self.date_range(token)
            if token.kind == "WORD":
                low, high = self.date_bounds(token.text, token)
                return DateRange(low, high)
            raise self.error("date: takes a day, a month, a year or [FROM TO TO]", token)
        if name == "lang":
            self.take()
            if token.kind != "WORD" or token.text.lower() not in LANGS:
                raise self.error(f"lang: takes one of {', '.join(LANGS)}", token)
            return Exact("lang", token.text.lower())
        if token.kind == "LPAREN":
            return self.parse_primary(name)
        if token.kind in ("WORD", "PHRASE"):
            self.take()
            return self.words(token, name)
        raise self.error(f"{name}: needs a word, a phrase or a group", token)

    def words(self, token: Token, scope: str | None) -> Words:
        text = token.text
        prefix = token.kind == "WORD" and text.endswith("*")
        if prefix:
            text = text.rstrip("*")
        if "*" in text or "?" in text:
            raise self.error("only a trailing * is supported (terror*)", token)
        tokens = self.analyze(fold(text))
        if not tokens:
            raise self.error(f"{token.text!r} has no letters or digits to search for", token)
        return Words(tokens, scope, prefix)

    def date_range(self, token: Token) -> DateRange:
        parts = token.text.split()
        if len(parts) != 3 or parts[1].upper() != "TO":
            raise self.error("a date range is [FROM TO TO], e.g. [2016-01-01 TO 2016-03-31]", token)
        low = None if parts[0] == "*" else self.date_bounds(parts[0], token)[0]
        high = None if parts[2] == "*" else self.date_bounds(parts[2], token)[1]
        if low and high and low > high:
            raise self.error("the range ends before it starts", token)
        return DateRange(low, high)

    def date_bounds(self, text: str, token: Token) -> tuple[dt.date, dt.date]:
        """First and last day of a day (2016-01-05), a month (2016-01) or a year (2016)."""
        try:
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                day = dt.date.fromisoformat(text)
                return day, day
            if re.fullmatch(r"\d{4}-\d{2}", text):
                year, month = map(int, text.split("-"))
                return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])
            if re.fullmatch(r"\d{4}", text):
                return dt.date(int(text), 1, 1), dt.date(int(text), 12, 31)
        except ValueError:
            pass
        raise self.error(f"{text!r} is not a date (YYYY-MM-DD, YYYY-MM or YYYY)", token)


def parse(query: str, analyze) -> object:
    """The tree of a query; ``analyze`` splits folded text into index tokens."""
    if not isinstance(query, str):
        raise QueryError(f"query must be a string, not {type(query).__name__}")
    return Parser(query, analyze).parse()


# --- tantivy queries --------------------------------------------------------------------------

def midnight(day: dt.date) -> dt.datetime:
    """Midnight of a day (a date, or a UTC timestamp's day): how the index stores dates."""
    return dt.datetime(day.year, day.month, day.day)


def date_query(schema: tantivy.Schema, low: dt.date | None, high: dt.date | None) -> tantivy.Query:
    """Documents dated from ``low`` to ``high`` inclusive (either may be None)."""
    return tantivy.Query.range_query(schema, "date", tantivy.FieldType.Date,
                                     midnight(low) if low else None, midnight(high) if high else None)


def _words_query(schema, node: Words, field_name: str) -> tantivy.Query:
    if node.prefix:
        if len(node.tokens) == 1:
            return tantivy.Query.regex_query(schema, field_name, re.escape(node.tokens[0]) + ".*")
        return tantivy.Query.phrase_prefix_query(schema, field_name, node.tokens)
    if len(node.tokens) == 1:
        return tantivy.Query.term_query(schema, field_name, node.tokens[0])
    return tantivy.Query.phrase_query(schema, field_name, node.tokens)


def to_tantivy(node, schema: tantivy.Schema) -> tantivy.Query:
    """The tantivy query of a tree; a query of negations alone matches everything else."""
    Occur, Query = tantivy.Occur, tantivy.Query
    if isinstance(node, Words):
        if node.field is not None:
            return _words_query(schema, node, node.field)
        return Query.boolean_query([(Occur.Should, Query.boost_query(_words_query(schema, node, name), boost))
                                    for name, boost in DEFAULT_FIELDS.items()])
    if isinstance(node, Exact):
        return Query.term_query(schema, node.field, node.value)
    if isinstance(node, DateRange):
        if node.low is None and node.high is None:
            return Query.all_query()
        return date_query(schema, node.low, node.high)
    if isinstance(node, Not):
        return Query.boolean_query([(Occur.Must, Query.all_query()), (Occur.MustNot, to_tantivy(node.child, schema))])
    if isinstance(node, And):
        parts = [(Occur.MustNot, to_tantivy(c.child, schema)) if isinstance(c, Not)
                 else (Occur.Must, to_tantivy(c, schema)) for c in node.children]
        if all(occur == Occur.MustNot for occur, _ in parts):
            parts.append((Occur.Must, Query.all_query()))
        return Query.boolean_query(parts)
    if isinstance(node, Or):
        return Query.boolean_query([(Occur.Should, to_tantivy(c, schema)) for c in node.children])
    raise TypeError(f"not a query node: {node!r}")


def highlight_terms(node, *, negated: bool = False) -> list[Words]:
    """The words and phrases a match may show in its title or body (not those under NOT)."""
    if isinstance(node, Words):
        return [] if negated or node.field == "outlet" else [node]
    if isinstance(node, Not):
        return highlight_terms(node.child, negated=not negated)
    if isinstance(node, (And, Or)):
        return [w for c in node.children for w in highlight_terms(c, negated=negated)]
    return []
