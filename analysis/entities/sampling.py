"""The sampled recogniser path: which documents the recognisers read, and the names they teach.

The statistical recognisers read a bounded sample of each language and month: the ``per_month``
documents of lowest ``md5(id)`` among that language's documents of the month (headlines and
articles apart), or all of them when there are fewer; a database holding at most
``READ_ALL_UP_TO`` documents of a kind is read whole, because there the recognisers cost
seconds and every name they miss is a name lost. The choice is a function of the database
alone, so a rebuild picks the same documents and a month that grows brings its new documents
into the sample only when they rank among the lowest.

What the recognisers found in the sample becomes a corpus gazetteer (``learn_gazetteer``): a
spelling is learned when it names the same entity with the same type in at least
``MIN_DOCUMENTS`` sampled documents (``STABLE_SHARE`` of its mentions), is not a common word and
is not on the stop-list. Every other document is matched against the registry plus that
gazetteer with the registry's Aho–Corasick automaton (method ``gazetteer`` for learned names).
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from dataclasses import dataclass

import duckdb
import numpy as np

from analysis.entities.crf import CALENDAR, TRIGGERS, TYPES, dictionary_words, word_counts
from analysis.entities.pipeline import NER_LANGS
from analysis.entities.registry import Alias, Registry
from analysis.entities.text import fold
from analysis.errors import InvalidArgument

NER_SAMPLE = 30          # documents per language, month and kind that the recognisers read
READ_ALL_UP_TO = 1_000   # below this many documents of a kind, sampling saves little and loses names
MIN_DOCUMENTS = 2        # sampled documents a spelling must be found in to be learned
STABLE_SHARE = 0.8       # share of its mentions that must agree on the entity and the type
COMMON_WORD = 5          # a one-word Latin name seen this often in lower case is a common word
# Page furniture and words that recognisers take for names out of context.
STOP_KEYS = frozenset(fold(w) for w in """wikipedia wikipédia wikinews wikimedia commons afp reuters ap
    map aps mena rss photo video vidéo utc gmt لقطة فيديو صور""".split()) | CALENDAR
_CODE = re.compile(r"^[a-z]{1,2}\d{1,4}$")

_GROUP = {
    "article": ("articles", "article_id", "published_date"),
    "headline": ("headlines", "headline_id", "first_seen"),
}


def sampled_ids(con: duckdb.DuckDBPyConnection, kind: str, per_month: int) -> np.ndarray:
    """Ids of the documents of a kind in the recognisers' sample (see the module docstring)."""
    if per_month < 1:
        raise InvalidArgument(f"ner_sample must be at least 1 (or None for every document), not {per_month}")
    table, id_col, date_col = _GROUP[kind]  # fixed names of this module
    langs = {"langs": list(NER_LANGS)}
    where = "WHERE lang IN (SELECT unnest($langs::VARCHAR[]))"
    if con.execute(f"SELECT count(*) FROM {table} {where}", langs).fetchone()[0] <= READ_ALL_UP_TO:
        return con.execute(f"SELECT {id_col} FROM {table} {where}", langs).fetchnumpy()[id_col]
    rows = con.execute(f"""
        SELECT {id_col} FROM (
            SELECT {id_col}, row_number() OVER (PARTITION BY lang, date_trunc('month', {date_col})
                                                ORDER BY md5({id_col}::VARCHAR), {id_col}) AS rank
            FROM {table} {where})
        WHERE rank <= $k""", {**langs, "k": per_month}).fetchnumpy()
    return rows[id_col]


@dataclass(frozen=True)
class LearnedName:
    entity_id: str
    alias: str   # the most frequent spelling
    key: str     # folded, what the matcher looks for
    type: str


@dataclass(frozen=True)
class Gazetteer:
    """Learned names, and a fingerprint that changes when they do (worker processes cache a
    matcher per fingerprint)."""
    names: tuple[LearnedName, ...]
    fingerprint: str

    def aliases(self) -> list[Alias]:
        return [Alias(n.entity_id, n.alias, None) for n in self.names]


def learn_gazetteer(con: duckdb.DuckDBPyConnection, registry: Registry) -> Gazetteer:
    """The names the recognisers found in the documents they read, kept when stable and not junk."""
    rows = con.execute("""
        SELECT m.surface, m.entity_id, m.label, coalesce(a.lang, h.lang) AS lang,
               count(DISTINCT coalesce(m.article_id, -m.headline_id)) AS docs, count(*) AS n
        FROM mentions m LEFT JOIN articles a USING (article_id) LEFT JOIN headlines h USING (headline_id)
        WHERE starts_with(m.entity_id, 'ner:') AND split_part(m.method, ':', 1) IN ('crf', 'spacy')
        GROUP BY ALL""").fetchall()
    by_key: dict[str, Counter] = defaultdict(Counter)
    spellings: dict[str, Counter] = defaultdict(Counter)
    docs: Counter = Counter()
    langs: dict[str, set] = defaultdict(set)
    for surface, eid, label, lang, n_docs, n in rows:
        key = fold(surface)
        by_key[key][eid, label] += n
        spellings[key][surface] += n
        docs[key] += n_docs  # a document with two spellings of one key counts twice: rare
        langs[key].add(lang)
    registry_keys = registry.by_key()
    # A given name alone ("François" of "François Hollande") names too many people to be learned.
    given_names = {key.split()[0] for key, votes in by_key.items()
                   if len(key.split()) > 1 and votes.most_common(1)[0][0][1] == "PER"}
    names = []
    for key, votes in by_key.items():
        (eid, label), top = votes.most_common(1)[0]
        if (docs[key] < MIN_DOCUMENTS or top < STABLE_SHARE * sum(votes.values()) or label not in TYPES
                or key in registry_keys or key in given_names or is_junk(key, langs[key])):
            continue
        alias = max(spellings[key].items(), key=lambda kv: (kv[1], kv[0]))[0]
        names.append(LearnedName(eid, alias, key, label))
    names.sort(key=lambda n: n.key)
    digest = hashlib.sha256("\n".join(f"{n.key}\t{n.entity_id}\t{n.type}\t{n.alias}" for n in names).encode())
    return Gazetteer(tuple(names), digest.hexdigest()[:16])


def is_junk(key: str, langs: set) -> bool:
    """A learned spelling that would match noise: too short, a code, a title, a stop word, or
    one word that is common in lower case or in the Arabic dictionary. A Latin name learned in
    one language is matched in the other too, so both vocabularies are asked."""
    letters = sum(c.isalpha() for c in key)
    if letters < 3 or key in STOP_KEYS or _CODE.match(key):
        return True
    words = key.split()
    if all(any(w in TRIGGERS[lang] for lang in TRIGGERS) for w in words):
        return True
    if len(words) > 1:
        return False
    if key.isascii():
        return any(word_counts(lang).get(key, 0) >= COMMON_WORD for lang in ("fr", "en"))
    return "ar" in langs and key in dictionary_words("ar")
