"""The index of linked articles: those whose story holds another article.

Counting a query's stories per period needs, beyond the number of matching articles per day
(an aggregation inside tantivy), only the matches that share their story: the others are a
story each. Listing those out of the whole index costs a Python object per match; this small
index, the linked articles indexed again the same way, lists them alone. When more than half
the articles are linked it would save little and double the disk: then there is none, and
attention lists the matches from the main index.

It lives in ``<database>.search/linked/`` (the list of those articles and their stories,
``members``, is saved beside it: finding them groups every story link) and follows the story
links: its marker records the links and database state it was brought up to date with, and
any other state makes the next call add the newly linked articles and delete those no longer
linked, in one commit. A crash before the marker is written only repeats that comparison.
"""

from __future__ import annotations

import io
import json
import shutil
from typing import NamedTuple

import duckdb
import numpy as np

from analysis.db import has_table, kept
from analysis.files import atomic_write
from analysis.search.index import (
    SearchIndex,
    add_articles_by_id,
    checked_state,
    committing,
    delete_ids,
    kind_ids,
    open_at,
)

MARKER = "linked.json"
MEMBERS = "members.npz"
MAX_SHARE = 0.5  # of the dated articles, above which there is no linked index

# Dated articles whose story holds another article, with that story, their day and language
# (any date: a window or period is applied by the caller, with the counting units).
MEMBERS_SQL = """
    SELECT s.article_id, s.story_id, a.published_date, coalesce(a.lang, '') AS lang
    FROM article_stories s JOIN articles a USING (article_id)
    WHERE a.published_date IS NOT NULL
      AND s.story_id IN (SELECT story_id FROM article_stories GROUP BY story_id HAVING count(*) > 1)
    ORDER BY s.article_id"""


def links_fingerprint(con: duckdb.DuckDBPyConnection, source: str = "articles") -> tuple | None:
    """A fingerprint of every story link of articles or headlines (None without a links table):
    re-linking can keep the count and the sum of the story ids, so every link is hashed."""
    table, key = ("article_stories", "article_id") if source == "articles" else ("headline_stories", "headline_id")

    def fingerprint():
        if not has_table(con, table):
            return None
        return tuple(con.execute(f"SELECT count(*), coalesce(bit_xor(hash({key}, story_id)), 0) FROM {table}")
                     .fetchall()[0])

    return kept(con, f"search.links.{table}", fingerprint)


def _differences(idx: SearchIndex, want: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    have = kind_ids(idx, "article")
    return np.setdiff1d(want, have, assume_unique=True), np.setdiff1d(have, want, assume_unique=True)


def _sync(con: duckdb.DuckDBPyConnection, idx: SearchIndex, want: np.ndarray) -> None:
    """Make the index hold exactly the articles ``want``."""
    added, gone = _differences(idx, want)
    if not len(added) and not len(gone):
        return
    with committing(idx) as writer:
        idx.index.reload()  # another process may have synced it while this one waited for the writer
        added, gone = _differences(idx, want)
        delete_ids(idx, writer, "article", gone)
        add_articles_by_id(con, writer, added)


# index path -> (the marker it was opened with, the open index or None)
_OPEN: dict = {}


def linked_index(con: duckdb.DuckDBPyConnection, main: SearchIndex, links: tuple | None = None) -> SearchIndex | None:
    """The linked articles' index beside ``main`` (``open_index``'s, in step with the
    database), brought in step with the story links; None when more than half the dated
    articles are linked. ``links`` is ``links_fingerprint(con)`` when the caller has it."""
    path = main.path / "linked"
    links = links_fingerprint(con) if links is None else links
    key = repr((links, checked_state(con), MAX_SHARE))
    try:
        marker = json.loads((path / MARKER).read_text())
    except (OSError, ValueError):
        marker = {}
    cached = _OPEN.get(path)
    if marker.get("key") == key:
        if cached and cached[0] == marker:
            return cached[1]
        idx = open_at(path, create=False) if marker["used"] else None
        if idx is not None or not marker["used"]:
            _OPEN[path] = (marker, idx)
            return idx
    want = _members(con, main.path, links).ids
    dated = con.execute("SELECT count(published_date) FROM articles").fetchall()[0][0]
    used = len(want) <= MAX_SHARE * dated
    idx = None
    if used:
        idx = (open_at(path, create=False) if marker else None) or open_at(path, create=True)
        _sync(con, idx, want)
    else:
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True)
    marker = {"key": key, "used": used}
    atomic_write(path / MARKER, json.dumps(marker).encode())
    _OPEN[path] = (marker, idx)
    return idx


class Members(NamedTuple):
    """The dated articles whose story holds another, any date, by id."""

    ids: np.ndarray  # ascending
    stories: np.ndarray  # each one's story
    days: np.ndarray  # its publication day (datetime64[D])
    langs: np.ndarray  # its language, "" when it has none (the schema allows no empty one)
    languages: str  # ``languages(con)`` when ``langs`` were read, as text


def languages(con: duckdb.DuckDBPyConnection) -> tuple:
    """(language, articles) for every language of the articles: a stage may fill in a
    missing language in place, which changes no count of the database state."""
    return kept(con, "search.languages", lambda: tuple(con.execute(
        "SELECT lang, count(*) FROM articles WHERE lang IS NOT NULL GROUP BY lang ORDER BY lang").fetchall()))


def members(con: duckdb.DuckDBPyConnection, main: SearchIndex, links: tuple | None = None) -> Members:
    """The linked articles, their stories, days and languages.

    Finding them groups every story link; they are saved in the main index's folder (outside
    ``linked/``, which is cleared when that index is rebuilt) for the links and database
    state they were found for, so that the next process's first attention call reads them
    instead. Found (and saved) again for any other state. Like the index, the saved days
    follow the database state (no stage changes an article's date in place); the languages
    hold while ``languages`` says what it said when they were read (``Members.languages``)."""
    links = links_fingerprint(con) if links is None else links
    return _members(con, main.path, links)


def _members(con: duckdb.DuckDBPyConnection, path, links: tuple | None) -> Members:
    key = repr((links, checked_state(con)))
    try:
        with np.load(path / MEMBERS) as saved:
            if str(saved["key"]) == key:
                return Members(*(saved[field] for field in Members._fields[:-1]), str(saved["languages"]))
    except (OSError, ValueError, KeyError):  # none yet, or cut short
        pass
    rows = con.execute(MEMBERS_SQL).fetchnumpy()
    found = Members(rows["article_id"].astype(np.int64), rows["story_id"].astype(np.int64),
                    rows["published_date"].astype("datetime64[D]"), rows["lang"].astype(str), repr(languages(con)))
    _save(path, key, found)
    return found


def _save(path, key: str, found: Members) -> None:
    # written whole: a reader sees a complete file, and its key says which state it holds
    out = io.BytesIO()
    np.savez(out, key=np.array(key), **found._replace(languages=np.array(found.languages))._asdict())
    atomic_write(path / MEMBERS, out.getvalue())
