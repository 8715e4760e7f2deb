"""What is in the database, in one screen (`presswatch info`)."""

from __future__ import annotations

import duckdb
import pandas as pd


def database_summary(con: duckdb.DuckDBPyConnection) -> dict[str, pd.DataFrame]:
    """Tidy frames describing the database.

    - ``documents``: format, status, n
    - ``articles``: lang, n_articles, n_outlets, first_date, last_date
    - ``headlines``: lang, n_headlines, n_sightings, first_seen, last_seen
    - ``loads``: load_id, started_at, status, n_inputs, n_loaded, n_duplicates, n_rejected, n_unchanged (last 5)
    """
    q = lambda sql: con.execute(sql).df()  # noqa: E731
    return {
        "documents": q("SELECT format, status, count(*) AS n FROM documents GROUP BY ALL ORDER BY ALL"),
        "articles": q("""SELECT coalesce(lang, '?') AS lang, count(*) AS n_articles, count(DISTINCT outlet) AS n_outlets,
                                min(published_date) AS first_date, max(published_date) AS last_date
                         FROM articles GROUP BY ALL ORDER BY n_articles DESC"""),
        "headlines": q("""SELECT coalesce(lang, '?') AS lang, count(*) AS n_headlines, sum(n_sightings)::BIGINT AS n_sightings,
                                 min(first_seen) AS first_seen, max(last_seen) AS last_seen
                          FROM headlines GROUP BY ALL ORDER BY n_headlines DESC"""),
        "loads": q("""SELECT load_id, started_at, status, n_inputs, n_loaded, n_duplicates, n_rejected, n_unchanged
                      FROM loads ORDER BY load_id DESC LIMIT 5"""),
    }
