"""Small databases for the topics tests: synthetic rows with known counts, and a real-corpus slice.

Data, written by functions, reused by the tests and by a person exploring by hand:

    import analysis, topics_fixtures
    con = analysis.connect("/tmp/t.duckdb"); topics_fixtures.synthetic(con)
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from analysis.topics import stage, taxonomy

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
SLICE = [CORPUS / "ant-jawhara" / c for c in ("sport", "technology", "culture", "economy", "politic")] + [
    CORPUS / "winer-fr", CORPUS / "wikinews-en", CORPUS / "pages"]


def add_article(con, article_id: int, *, day: dt.date | None, outlet: str = "A", lang: str = "fr",
                title: str = "t", body: str = "b") -> None:
    con.execute("""INSERT INTO articles (article_id, document_id, outlet, title, body, lang, published_date,
                                         date_raw, content_sha256)
                   VALUES ($id, $id, $outlet, $title, $body, $lang, $day, $raw, repeat('0', 64))""",
                {"id": article_id, "outlet": outlet, "title": title, "body": body, "lang": lang, "day": day,
                 "raw": str(day) if day else None})


def tag(con, article_id: int, topic: str, score: float = 5.0, primary: bool = True) -> None:
    con.execute("INSERT INTO article_topics VALUES ($a, $t, $s, $p)",
                {"a": article_id, "t": topic, "s": score, "p": primary})


# Three weeks of articles (Monday 2024-01-01, 01-08, 01-15) in two outlets; every count below
# is what the tests expect.
WEEKS = [dt.date(2024, 1, 1), dt.date(2024, 1, 8), dt.date(2024, 1, 15)]
PLAN = [  # (article_id, day, outlet, lang, primary topic or None, secondary topic or None)
    (1, dt.date(2024, 1, 1), "A", "fr", "football", None),
    (2, dt.date(2024, 1, 2), "A", "fr", "football", "economy"),
    (3, dt.date(2024, 1, 3), "B", "ar", "economy", None),
    (4, dt.date(2024, 1, 4), "B", "ar", None, "health"),
    (5, dt.date(2024, 1, 8), "A", "fr", "health", None),
    (6, dt.date(2024, 1, 9), "B", "ar", "health", None),
    (7, dt.date(2024, 1, 10), "B", "ar", "health", None),   # same story as 6 (syndicated copy)
    (8, dt.date(2024, 1, 11), "A", "fr", "economy", None),
    (9, dt.date(2024, 1, 15), "A", "fr", "football", None),
    (10, dt.date(2024, 1, 16), "B", "ar", "football", None),
    (11, None, "A", "fr", "football", None),                 # undated: never counted
]


def synthetic(con) -> None:
    stage.sync_taxonomy(con, taxonomy.load_taxonomy())
    for article_id, day, outlet, lang, primary, secondary in PLAN:
        add_article(con, article_id, day=day, outlet=outlet, lang=lang)
        if primary:
            tag(con, article_id, primary, 6.0, True)
        if secondary:
            tag(con, article_id, secondary, 2.0, False)
    con.execute("INSERT INTO article_stories VALUES (6, 6, 1.0), (7, 6, 0.97)")


def corpus_slice(path: Path):
    """A real-corpus slice (five ANT categories, WiNER-fr, Wikinews-en, the seed page) loaded."""
    import analysis
    from analysis.ingest import load

    con = analysis.connect(path)
    load(con, [str(p) for p in SLICE], workers=1)
    return con
