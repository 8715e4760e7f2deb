"""analysis.search on real corpus articles: every query returns exactly the articles a plain
Python scan of the same folded text returns (WiNER-fr, ANT Jawhara politics, the seed page)."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd
import pytest

import analysis
from analysis.entities.text import fold
from analysis.search import attention, matching_ids, search
from analysis.trends import period_totals
from tests.conftest import load_into, writable_connection
from tests.report_fixtures import enriched_sample_db  # noqa: F401  (fixture)

WORD = re.compile(r"[^\W_]+")


@pytest.fixture(scope="module")
def db_file(tmp_path_factory, corpus):
    path = tmp_path_factory.mktemp("search") / "search.duckdb"
    load_into(path, [corpus / "winer-fr", corpus / "ant-jawhara" / "politic", corpus / "pages"])
    return path


@pytest.fixture(scope="module")
def con(db_file):
    con = analysis.connect(db_file, read_only=True)  # the index is a separate directory
    yield con
    con.close()


@pytest.fixture(scope="module")
def docs(con):
    """Every article as the scan sees it: folded word lists of title, body, outlet."""
    rows = con.execute("SELECT article_id, title, body, outlet, lang, published_date FROM articles").fetchall()
    return [{"id": r[0], "title": WORD.findall(fold(r[1] or "")), "body": WORD.findall(fold(r[2] or "")),
             "outlet": WORD.findall(fold(r[3] or "")), "lang": r[4], "date": r[5]} for r in rows]


def has(words: list[str], phrase: str, *, prefix: bool = False) -> bool:
    want = WORD.findall(fold(phrase))
    k = len(want)
    for i in range(len(words) - k + 1):
        head, last = words[i:i + k - 1], words[i + k - 1]
        if head == want[:-1] and (last.startswith(want[-1]) if prefix else last == want[-1]):
            return True
    return False


def anywhere(doc, phrase, **kw) -> bool:
    return has(doc["title"], phrase, **kw) or has(doc["body"], phrase, **kw)


def scan(docs, predicate) -> set[int]:
    return {d["id"] for d in docs if predicate(d)}


def found(con, query, **kw) -> set[int]:
    return set(matching_ids(con, query, **kw).tolist())


CASES = {
    "Maroc": lambda d: anywhere(d, "maroc"),
    "ALGÉRIE": lambda d: anywhere(d, "algerie"),
    '"premier ministre"': lambda d: anywhere(d, "premier ministre"),
    "l'Algérie": lambda d: anywhere(d, "l algerie"),
    "ministre -France": lambda d: anywhere(d, "ministre") and not anywhere(d, "france"),
    "ministre AND NOT France": lambda d: anywhere(d, "ministre") and not anywhere(d, "france"),
    "(maroc OR tunisie) NOT algerie": lambda d: (anywhere(d, "maroc") or anywhere(d, "tunisie"))
    and not anywhere(d, "algerie"),
    "NOT france": lambda d: not anywhere(d, "france"),
    "terror*": lambda d: anywhere(d, "terror", prefix=True),
    "title:france": lambda d: has(d["title"], "france"),
    'title:"coupe du monde" OR body:jihad*': lambda d: has(d["title"], "coupe du monde")
    or has(d["body"], "jihad", prefix=True),
    "outlet:opinion": lambda d: has(d["outlet"], "opinion"),
    "lang:ar": lambda d: d["lang"] == "ar",
    "lang:fr élection*": lambda d: d["lang"] == "fr" and anywhere(d, "election", prefix=True),
    "france date:[2016-03-01 TO 2016-03-31]": lambda d: anywhere(d, "france") and d["date"] is not None
    and dt.date(2016, 3, 1) <= d["date"] <= dt.date(2016, 3, 31),
    "date:2017-02": lambda d: d["date"] is not None and (d["date"].year, d["date"].month) == (2017, 2),
    "date:[* TO 2015-12-31] تونس": lambda d: d["date"] is not None and d["date"] <= dt.date(2015, 12, 31)
    and anywhere(d, "تونس"),
    # hamza seats, ta marbuta and harakat fold away on both sides
    "الإرهاب": lambda d: anywhere(d, "الارهاب"),
    "الحكومَة": lambda d: anywhere(d, "الحكومه"),
    '"حركة النهضة"': lambda d: anywhere(d, "حركه النهضه"),
}


@pytest.mark.parametrize("query", list(CASES))
def test_query_matches_plain_scan(con, docs, query):
    expected = scan(docs, CASES[query])
    assert expected, f"the corpus slice should hold matches for {query!r}"
    assert found(con, query) == expected


def test_folding_makes_variants_equal(con):
    assert found(con, "Maroc") == found(con, "maroc") == found(con, "MAROC")
    assert found(con, "Algérie") == found(con, "algerie")
    assert found(con, "الإرهاب") == found(con, "الارهاب") == found(con, "الأرهاب")


def test_arabic_folding_finds_both_spellings(con):
    rows = [(i, set(WORD.findall(body))) for i, body in
            con.execute("SELECT article_id, body FROM articles WHERE lang = 'ar'").fetchall()]
    with_hamza = {i for i, words in rows if "الإرهاب" in words and "الارهاب" not in words}
    without = {i for i, words in rows if "الارهاب" in words and "الإرهاب" not in words}
    assert with_hamza and without
    assert with_hamza | without <= found(con, "الإرهاب")


def test_start_end_bound_the_dates(con, docs):
    expected = scan(docs, lambda d: anywhere(d, "france") and d["date"] is not None
                    and dt.date(2016, 3, 1) <= d["date"] <= dt.date(2016, 3, 31))
    assert found(con, "france", start="2016-03-01", end=dt.date(2016, 3, 31)) == expected


def test_search_ranks_and_highlights(con):
    frame = search(con, "\"premier ministre\" OR canada", limit=5)
    assert list(frame.columns) == ["rank", "article_id", "published_date", "outlet", "lang", "title", "score",
                                   "snippet"]
    assert len(frame) == 5 and list(frame["rank"]) == [1, 2, 3, 4, 5]
    assert frame["score"].is_monotonic_decreasing
    assert frame["snippet"].str.contains(r"\*\*(?:premier ministre|canada)\*\*", case=False).all()
    assert set(frame["article_id"]) <= found(con, "\"premier ministre\" OR canada")


def test_snippet_keeps_original_text_around_arabic_match(con):
    frame = search(con, "الإرهاب", limit=3)
    assert len(frame) == 3
    for text in frame["snippet"]:
        marked = re.findall(r"\*\*(.+?)\*\*", text)
        assert marked and all(fold(m) == "الارهاب" for m in marked)


def test_headlines(con):
    frame = search(con, "maroc", headlines=True, limit=50)
    texts = con.execute("SELECT headline_id, text FROM headlines").fetchall()
    expected = {i for i, text in texts if "maroc" in WORD.findall(fold(text))}
    assert expected and set(frame["headline_id"]) == expected
    assert frame["snippet"].str.contains(r"\*\*maroc\*\*", case=False).all()


def test_attention_counts_the_matches_per_period(con, docs):
    frame = attention(con, ["france", "maroc"], freq="month", unit="placements")
    assert list(frame.columns) == ["period", "group", "query", "label", "n_documents", "n_total", "share",
                                   "incomplete"]
    assert dict(frame.dtypes.astype(str)) == {
        "period": "datetime64[us]", "group": "object", "query": "str", "label": "str", "n_documents": "int64",
        "n_total": "int64", "share": "float64", "incomplete": "bool"}
    totals = period_totals(con, freq="month", unit="placements")
    both = frame[frame["query"] == "france"].merge(totals, on="period", suffixes=("", "_t"))
    assert len(both) == len(totals) and (both["n_total"] == both["n_documents_t"]).all()
    assert (both["incomplete"] == both["incomplete_t"]).all()
    matched = pd.Series([d["date"].replace(day=1) for d in docs if d["date"] and anywhere(d, "france")])
    expected = matched.value_counts()
    got = frame[(frame["query"] == "france") & (frame["n_documents"] > 0)]
    assert dict(zip(got["period"].dt.date, got["n_documents"])) == dict(expected)
    assert ((frame["share"] - frame["n_documents"] / frame["n_total"]).abs() < 1e-12).all()


def test_attention_by_language_and_stories(con):
    frame = attention(con, "tunisie OR تونس", freq="month", by="lang")
    assert set(frame["group"]) == {"ar", "fr"}
    assert frame.groupby("group")["n_documents"].sum().min() > 0
    placements = attention(con, "tunisie OR تونس", freq="month", by="lang", unit="placements")
    assert (frame["n_documents"] <= placements["n_documents"]).all()


def test_keyness_counts_documents_and_ranks_by_g2(con, docs):
    from scipy.stats import chi2_contingency

    from analysis.search import keyness

    frame = keyness(con, start="2016-11-01", end="2016-11-30", lang="fr", top=15)
    assert list(frame["rank"]) == list(range(1, 16)) and frame["g2"].is_monotonic_decreasing
    target = [set(d["body"]) for d in docs if d["lang"] == "fr" and d["date"]
              and dt.date(2016, 11, 1) <= d["date"] <= dt.date(2016, 11, 30)]
    rest = [set(d["body"]) for d in docs if d["lang"] == "fr" and not (
        d["date"] and dt.date(2016, 11, 1) <= d["date"] <= dt.date(2016, 11, 30))]
    assert (frame["target_documents"] == len(target)).all() and (frame["baseline_documents"] == len(rest)).all()
    for row in frame.itertuples():
        a, b = sum(row.term in words for words in target), sum(row.term in words for words in rest)
        assert (row.n_target, row.n_baseline) == (a, b)
        table = [[a, len(target) - a], [b, len(rest) - b]]
        expected = chi2_contingency(table, correction=False, lambda_="log-likelihood")[0]
        assert row.g2 == pytest.approx(expected, rel=1e-9)
        assert row.share_target > row.share_baseline
    assert "burundi" in set(frame["term"].head(3))  # the month's story: Burundi's crisis
    assert not {"les", "de", "le", "novembre", "a"} & set(frame["term"])


def test_keyness_of_two_word_phrases(con, docs):
    """Phrases of neighbouring words, no stop word, never across punctuation; counts are the
    documents a quoted search finds (checked by a scan of the word lists) and G² as for words."""
    from scipy.stats import chi2_contingency

    from analysis.search import keyness
    from analysis.search.terms import _is_stop

    frame = keyness(con, start="2016-11-01", end="2016-11-30", lang="fr", top=10, ngram=2)
    assert list(frame["rank"]) == list(range(1, 11)) and frame["g2"].is_monotonic_decreasing
    in_month = [d for d in docs if d["lang"] == "fr" and d["date"] and dt.date(2016, 11, 1) <= d["date"] <= dt.date(2016, 11, 30)]
    rest = [d for d in docs if d["lang"] == "fr" and d not in in_month]
    bodies = {r[0]: fold(r[1]) for r in con.execute("SELECT article_id, body FROM articles").fetchall()}
    for row in frame.itertuples():
        first, second = row.term.split(" ")
        assert not _is_stop(first, "fr") and not _is_stop(second, "fr")
        a = sum(has(d["body"], row.term) for d in in_month)
        b = sum(has(d["body"], row.term) for d in rest)
        assert (row.n_target, row.n_baseline) == (a, b)
        expected = chi2_contingency([[a, len(in_month) - a], [b, len(rest) - b]], correction=False,
                                    lambda_="log-likelihood")[0]
        assert row.g2 == pytest.approx(expected, rel=1e-9)
        # written as a pair somewhere in the month: one space between, no punctuation
        assert any(re.search(rf"(?<!\w){first} {second}(?!\w)", bodies[d["id"]]) for d in in_month)
    assert frame.iloc[0]["term"] == "pierre nkurunziza"  # the month's story: Burundi's crisis
    assert "etats unis" in set(frame["term"]) or "new york" in set(frame["term"])


def test_phrases_stop_at_punctuation_and_stop_words():
    from analysis.search.terms import phrases

    text = "Le Premier ministre, Manuel Valls.\nLa guerre civile au Burundi"
    assert phrases(text, "fr") == {"manuel valls", "guerre civile"}  # not "ministre manuel", "valls la"


def test_keyness_of_a_query_per_language(con):
    from analysis.search import keyness

    frame = keyness(con, query="الإرهاب", top=5)
    assert set(frame["lang"]) == {"ar"} and frame.iloc[0]["term"] == "الارهاب"
    assert frame.iloc[0]["n_baseline"] == 0  # every match holds the word; the rest none


def test_attention_chart_one_line_per_query(con, tmp_path, monkeypatch):
    from matplotlib.figure import Figure

    from analysis.search import attention_chart

    monkeypatch.chdir(tmp_path)
    frame = attention(con, ["france", "canada"], freq="month")
    fig = attention_chart(frame, freq="month")
    assert isinstance(fig, Figure)
    # one line per query; periods without any document get the shared "no data" band
    assert {t.get_text() for t in fig.axes[0].get_legend().get_texts()} - {"no data"} == {"france", "canada"}
    by_lang = attention_chart(attention(con, "tunisie OR تونس", freq="month", by="lang"), value="n_documents")
    assert {t.get_text() for t in by_lang.axes[0].get_legend().get_texts()} - {"no data"} == {
        "tunisie OR تونس · ar", "tunisie OR تونس · fr"}
    assert list(tmp_path.iterdir()) == []  # draws, writes nothing


def test_search_without_snippets_reads_no_body(con):
    with_snippets = search(con, "canada", limit=10)
    without = search(con, "canada", limit=10, snippets=False)
    assert list(without["article_id"]) == list(with_snippets["article_id"])
    assert without["snippet"].isna().all()


def test_headline_attention_counts_each_day_seen(con):
    frame = attention(con, "maroc", freq="day", headlines=True, unit="placements")
    rows = con.execute("""SELECT DISTINCT h.headline_id, h.text, CAST(g.seen_at AS DATE) FROM sightings g
                          JOIN headlines h USING (headline_id) WHERE g.seen_at IS NOT NULL""").fetchall()
    expected = pd.Series([day for _, text, day in rows if "maroc" in WORD.findall(fold(text))]).value_counts()
    got = frame[frame["n_documents"] > 0]
    assert len(expected) and dict(zip(got["period"].dt.date, got["n_documents"])) == dict(expected)


def _raw_attention(con, query: str, *, freq: str, by: str | None, start=None, end=None,
                   unit: str = "stories") -> list[tuple]:
    """(period, group, matching units, all units, incomplete) per cell, from the raw tables."""
    from analysis import trends

    ids = matching_ids(con, query).tolist()
    return con.execute(f"""
        WITH units AS ({trends.units_sql(con, freq=freq, by=by, unit=unit)}), {trends.totals_sql(freq=freq)}
        SELECT t.period, t.grp, coalesce(m.n, 0), t.n_documents, t.incomplete FROM period_totals t
        LEFT JOIN (SELECT period, grp, count(DISTINCT unit_id) AS n FROM units
                   WHERE list_contains($ids, doc_id) GROUP BY ALL) m
          ON m.period = t.period AND m.grp IS NOT DISTINCT FROM t.grp
        ORDER BY t.period, t.grp NULLS FIRST""",
                       {"ids": ids, "start": start, "end": end, "thin": trends.THIN_PERIOD_SHARE}).fetchall()


def _cells_of(frame: pd.DataFrame) -> list[tuple]:
    groups = [None if pd.isna(g) else g for g in frame["group"]]
    return list(zip(frame["period"].dt.date, groups, frame["n_documents"], frame["n_total"], frame["incomplete"]))


def _first_calls(monkeypatch):
    """Every attention call below starts as the first of a process: no cells, no open linked index."""
    from analysis.search import linked, timeline

    monkeypatch.setattr(timeline, "_CACHE", {})
    monkeypatch.setattr(linked, "_OPEN", {})


@pytest.mark.parametrize(("freq", "max_share", "window"),
                         [("week", 0.5, (None, None)), ("day", 0.5, (None, None)), ("month", 0.5, (None, None)),
                          ("week", 0.5, ("2016-03-09", "2016-11-17")),  # weeks and months cut by the window
                          ("month", 0.0, ("2016-03-09", None)),  # 0.0: no index of linked articles
                          ("week", 0.0, (None, None))])
def test_attention_counts_linked_stories_like_the_units(enriched_sample_db, freq, max_share, window,  # noqa: F811
                                                        monkeypatch):
    """Over all outlets and per language tantivy counts the matches per day and the linked
    ones are counted in numpy: every cell must hold the distinct stories (and totals and
    flags) the raw tables give, on a first call and on the next ones."""
    from analysis.search import linked as linked_module
    from analysis.search import open_index

    monkeypatch.setattr(linked_module, "MAX_SHARE", max_share)
    start, end = window
    con = analysis.connect(enriched_sample_db, read_only=True)
    try:
        for query in ["maroc", "tunisie OR algerie", "NOT maroc"]:
            ids = matching_ids(con, query).tolist()
            linked = con.execute("SELECT count(*) FROM article_stories WHERE list_contains($ids, article_id)",
                                 {"ids": ids}).fetchall()[0][0]
            for by in (None, "lang", "outlet"):
                _first_calls(monkeypatch)
                expected = _raw_attention(con, query, freq=freq, by=by, start=start, end=end)
                frame = attention(con, query, freq=freq, by=by, start=start, end=end)
                assert _cells_of(frame) == expected
                assert _cells_of(attention(con, query, freq=freq, by=by, start=start, end=end)) == expected
                placements = _raw_attention(con, query, freq=freq, by=by, start=start, end=end, unit="placements")
                assert _cells_of(attention(con, query, freq=freq, by=by, start=start, end=end,
                                           unit="placements")) == placements
            assert (linked_module.linked_index(con, open_index(con)) is None) == (max_share == 0)
            assert frame.dtypes.equals(attention(con, query, freq=freq).dtypes)  # the contract's, whatever `by`
            assert frame.dtypes.equals(attention(con, query, freq=freq, by="lang").dtypes)
            stories = attention(con, query, freq=freq, start=start, end=end)["n_documents"].sum()
            assert linked > 0 and stories < len(ids)  # linked articles share stories: fewer stories than matches
    finally:
        con.close()


def test_attention_by_language_with_unknown_languages(enriched_sample_db, tmp_path, monkeypatch):  # noqa: F811
    """Articles without a language are not filtered on (nothing to filter: the index has no
    language for them): their group is all matches less the other languages'. Every cell as
    the raw tables give it, a third language too."""
    from analysis.search import rebuild_index, timeline

    con = writable_connection(enriched_sample_db, tmp_path, name="langs.duckdb")
    try:
        con.execute("UPDATE articles SET lang = NULL WHERE article_id % 7 = 0")
        con.execute("UPDATE articles SET lang = 'en' WHERE article_id % 7 = 1")
        rebuild_index(con)
        for freq, query in (("week", "NOT maroc"), ("month", "NOT maroc"), ("week", "tunisie OR algerie")):
            _first_calls(monkeypatch)
            expected = _raw_attention(con, query, freq=freq, by="lang")
            assert {row[1] for row in expected} == {None, "ar", "en", "fr"}
            assert query != "NOT maroc" or sum(row[2] for row in expected if row[1] is None) > 0
            frame = attention(con, query, freq=freq, by="lang")
            assert _cells_of(frame) == expected
            with monkeypatch.context() as m:  # the same frame as listing every match gives
                m.setattr(timeline, "_index_counts", lambda *args: False)
                joined = attention(con, query, freq=freq, by="lang")
            assert frame.equals(joined) and frame.dtypes.equals(joined.dtypes)
        # a language filled in where there was none, as the spark output does, after indexing:
        # the index still has none for those articles, so the counts come from the database
        con.execute("UPDATE articles SET lang = 'ar' WHERE lang IS NULL AND article_id % 2 = 0")
        expected = _raw_attention(con, "NOT maroc", freq="week", by="lang")
        assert _cells_of(attention(con, "NOT maroc", freq="week", by="lang")) == expected
    finally:
        con.close()


def _stories_per_period(con, query: str, freq: str) -> dict:
    from analysis import trends

    ids = matching_ids(con, query).tolist()
    return dict(con.execute(f"""
        SELECT period, count(DISTINCT unit_id) FROM ({trends.units_sql(con, freq=freq, by=None, unit="stories")})
        WHERE list_contains($ids, doc_id) GROUP BY period""", {"ids": ids, "start": None, "end": None}).fetchall())


def test_attention_follows_relinked_stories(enriched_sample_db, tmp_path):  # noqa: F811
    """``enrich`` may re-link stories keeping the number of links and the sum of their story
    ids: the next attention call counts the new stories, not those of its cached tables."""
    query = "NOT maroc"  # most articles: some week holds four of them
    with writable_connection(enriched_sample_db, tmp_path) as con:
        ids = matching_ids(con, query).tolist()
        week = con.execute("""SELECT list(article_id ORDER BY article_id) FROM articles
                              WHERE list_contains($ids, article_id) AND published_date IS NOT NULL
                              GROUP BY date_trunc('week', published_date) HAVING count(*) >= 4
                              ORDER BY count(*) DESC LIMIT 1""", {"ids": ids}).fetchall()[0][0]
        a, b, c, d = week[:4]
        weekly = []
        for links in ({a: a, b: a, c: c, d: c}, {a: a, b: b, c: c, d: a + c - b}):  # same sum of story ids
            for article, story in links.items():
                changed = con.execute("UPDATE article_stories SET story_id = $s WHERE article_id = $a",
                                      {"s": story, "a": article}).fetchall()
                assert changed == [(1,)]
            for freq in ("week", "day"):
                frame = attention(con, query, freq=freq)
                got = frame[frame["n_documents"] > 0]
                assert dict(zip(got["period"].dt.date, got["n_documents"])) == _stories_per_period(con, query, freq)
            weekly.append(attention(con, query, freq="week"))
        assert not weekly[0]["n_documents"].equals(weekly[1]["n_documents"])  # the re-linking shows


def test_linked_articles_are_read_back_for_their_links(enriched_sample_db, tmp_path, monkeypatch):  # noqa: F811
    """A process's first attention call reads the linked articles and their stories saved
    beside the linked index instead of grouping every story link, while the links are those
    they were saved for; after a re-linking they are found and saved again."""
    from analysis.search import linked, open_index

    con = writable_connection(enriched_sample_db, tmp_path, name="members.duckdb")
    try:
        frame = attention(con, "NOT maroc", freq="week")
        saved = open_index(con).path / linked.MEMBERS
        assert saved.exists()
        expected_ids = [r[0] for r in con.execute(linked.MEMBERS_SQL).fetchall()]
        monkeypatch.setattr(linked, "MEMBERS_SQL", "SELECT no_such_column FROM articles")
        _first_calls(monkeypatch)
        assert attention(con, "NOT maroc", freq="week").equals(frame)  # no query: read back
        assert linked.members(con, open_index(con)).ids.tolist() == expected_ids
        monkeypatch.undo()
        # the saved languages are used while the database's languages are those they were read with
        by_lang = _raw_attention(con, "NOT maroc", freq="week", by="lang")
        read = linked.members(con, open_index(con))
        swapped = read._replace(langs=np.where(read.langs == "fr", "ar", "fr"))
        key = str(np.load(saved)["key"])
        for languages, right in ((read.languages, False), ("other languages", True)):
            linked._save(saved.parent, key, swapped._replace(languages=languages))
            _first_calls(monkeypatch)
            assert (_cells_of(attention(con, "NOT maroc", freq="week", by="lang")) == by_lang) == right
        pair = con.execute("""SELECT story_id, max(article_id) FROM article_stories GROUP BY story_id
                              HAVING count(*) = 2 LIMIT 1""").fetchall()[0]
        con.execute("UPDATE article_stories SET story_id = article_id WHERE article_id = $a", {"a": pair[1]})
        _first_calls(monkeypatch)
        assert _cells_of(attention(con, "NOT maroc", freq="week")) == _raw_attention(con, "NOT maroc", freq="week", by=None)
        assert pair[1] not in linked.members(con, open_index(con)).ids.tolist()
    finally:
        con.close()


def test_linked_index_follows_the_story_links(enriched_sample_db, tmp_path):  # noqa: F811
    """The index of linked articles holds exactly the dated articles whose story holds
    another: after a re-linking (one pair split, a new pair made) and after a marker left
    behind by an interrupted update, the next attention call brings it back in step."""
    from analysis.search import linked, open_index, update_index
    from analysis.search.index import kind_ids

    con = writable_connection(enriched_sample_db, tmp_path)

    def members() -> list[int]:
        return [r[0] for r in con.execute(linked.MEMBERS_SQL).fetchall()]

    def indexed() -> list[int]:
        return kind_ids(linked.linked_index(con, open_index(con)), "article").tolist()

    try:
        open_index(con)
        assert update_index(con)  # what load and enrich call: it builds the linked index too
        assert (open_index(con).path / linked.MEMBERS).exists()  # and saves the linked articles
        assert (open_index(con).path / "linked" / linked.MARKER).exists()
        before = members()
        assert before and indexed() == before
        pair = con.execute("""SELECT story_id, max(article_id) FROM article_stories GROUP BY story_id
                              HAVING count(*) = 2 LIMIT 1""").fetchall()[0]
        alone = con.execute("""SELECT a.article_id FROM articles a JOIN article_stories s USING (article_id)
                               WHERE s.story_id = a.article_id AND a.published_date IS NOT NULL
                                 AND s.story_id IN (SELECT story_id FROM article_stories
                                                    GROUP BY story_id HAVING count(*) = 1)
                               ORDER BY a.article_id DESC LIMIT 2""").fetchall()
        con.execute("UPDATE article_stories SET story_id = article_id WHERE article_id = $a", {"a": pair[1]})
        con.execute("UPDATE article_stories SET story_id = $s WHERE article_id = $a",
                    {"s": alone[1][0], "a": alone[0][0]})
        attention(con, "maroc")
        after = members()
        assert pair[1] not in after and {alone[0][0], alone[1][0]} <= set(after)
        assert indexed() == after
        (open_index(con).path / "linked" / linked.MARKER).write_text("{}")  # an update cut short
        linked._OPEN.clear()
        assert indexed() == after
    finally:
        con.close()
