"""Discovery models in the database: fit per language, store, and give articles model topics.

One current model per language (``topic_models``), its topics (``topics`` with source
'model', ids ``model:<lang>:<nn>``), top terms, representative articles, and the fitted
arrays (``state``, .npz) so that later enrichment runs give new articles topics without a
refit. Refit when the language grew by REFIT_GROWTH since the fit, when the discovery
parameters changed, or on rebuild; a refit replaces every model row of that language.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np
import pyarrow as pa

from analysis.db import ARTICLES_BY_ID, python_rows, rows_by_id, transaction
from analysis.errors import NotFound
from analysis.topics import boilerplate
from analysis.topics import discovery as disc
from analysis.workers import ordered_map

log = logging.getLogger(__name__)

MIN_DOCUMENTS = 50          # fewer articles in a language: no model for it
# Larger languages are fitted on a deterministic sample of this size and the rest projected,
# so the fit's memory and time do not grow with the archive.
MAX_FIT_DOCUMENTS = 10_000
REFIT_GROWTH = 0.20
MODEL_MIN_SHARE = 0.20      # secondary model topics are stored when they hold this share of the article
N_TERMS = 15
N_EXAMPLES = 5
FETCH_BATCH = 5_000  # articles per query (the fit's sample)
CHUNK = 1_000        # articles per work item
WINDOW = 6           # work items in flight
SURFACE_SAMPLE = 1_000

# Spreads article ids over the sample without depending on DuckDB's hash function.
_SAMPLE_ORDER = "(article_id * 2654435761) % 4294967296, article_id"


def params_key(options: dict | None = None) -> str:
    spec = {**disc.DEFAULTS, **(options or {}), "max_fit": MAX_FIT_DOCUMENTS, "min_share": MODEL_MIN_SHARE}
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:10]


def refresh_models(con, *, rebuild: bool = False, options: dict | None = None,
                   executor=None) -> tuple[dict, dict[str, tuple[str, disc.Model]]]:
    """Fit the model of every language with enough articles that has no model, an outdated one
    or (``rebuild``) any; returns counts and the current models, {lang: (model_id, model)}.

    A fit gives its sample of articles their topics; the others get theirs from the topics
    stage's article pass (stage.score_documents), which splits each article into words once
    for the taxonomy and the model."""
    counts = {"models_fitted": 0, "models_skipped": 0, "model_articles": 0}
    models = {}
    langs = con.execute("SELECT lang, count(*) FROM articles WHERE lang IS NOT NULL "
                        "GROUP BY lang ORDER BY lang").fetchall()
    fits = {}
    for lang, n in langs:
        if n < MIN_DOCUMENTS:
            log.info("no discovery model for %s: %d articles (need %d)", lang, n, MIN_DOCUMENTS)
            continue
        current = con.execute("SELECT model_id, n_documents, input_key FROM topic_models WHERE lang = $lang",
                              {"lang": lang}).fetchone()
        key = params_key(options)
        stale = current is None or not current[2].startswith(key) or n >= current[1] * (1 + REFIT_GROWTH)
        # A language's fit runs in a worker while the next language's features are computed.
        fits[lang] = (current, start_fit(con, lang, options=options, executor=executor) if rebuild or stale else None)
    for lang, (current, fit) in fits.items():
        if fit is None:
            model_id = current[0]
        else:
            try:
                model_id, assigned = store_fit(con, fit)
            except disc.TooLittleText as exc:
                # One language's text (e.g. nothing but boilerplate) must not stop the other
                # languages, the taxonomy scoring and the later stages: keep its previous
                # model, if any, and try again on the next run.
                log.warning("no discovery model for %s this run: %s", lang, exc)
                counts["models_skipped"] += 1
                if current is None:
                    continue
                model_id = current[0]
            else:
                counts["models_fitted"] += 1
                counts["model_articles"] += assigned
        # The stored state even after a fit: new articles are projected the same way whether
        # the model was fitted in this run or an earlier one.
        models[lang] = (model_id, load_model(con, lang))
    return counts, models


def load_model(con, lang: str) -> disc.Model:
    row = con.execute("SELECT method, params, state FROM topic_models WHERE lang = $lang", {"lang": lang}).fetchone()
    if row is None:
        raise NotFound(f"no discovery model for language {lang!r}; run `presswatch enrich` first")
    return disc.Model.from_state(row[2], lang=lang, method=row[0], params=json.loads(row[1]))


def _rows(con, ids: list[int]):
    """The given articles (ARTICLES_BY_ID columns) in id order, CHUNK rows at a time (Arrow tables)."""
    return rows_by_id(con, ARTICLES_BY_ID, ids, fetch=FETCH_BATCH, size=CHUNK)


def _texts(rows) -> list[tuple[str | None, str | None]]:
    return list(python_rows(rows.select(["title", "body"])))


def features_of(item: tuple) -> list[list[str]]:
    """Discovery features of fetched (title, body) rows, boilerplate sentences left out (what a
    worker runs)."""
    lang, rows, boilerplate_keys = item
    return [disc.features(title, body, lang) for title, body in _texts(boilerplate.strip(rows, boilerplate_keys))]


_OUTLET_BODIES = """SELECT a.article_id, a.outlet, a.body FROM articles a
                    JOIN (SELECT unnest($ids::BIGINT[]) AS article_id) USING (article_id) ORDER BY 1"""


def find_boilerplate(con, ids: list[int], options: dict | None = None) -> list[int]:
    """The sentences the outlets of these articles repeat (boilerplate.find)."""
    return boilerplate.find(rows_by_id(con, _OUTLET_BODIES, ids, fetch=FETCH_BATCH, size=FETCH_BATCH), options)


def _fetch_features(con, ids: list[int], lang: str, keep_texts: list[str] | None = None,
                    executor=None, boilerplate_keys: tuple[int, ...] = ()) -> list[list[str]]:
    feats: list[list[str]] = []
    items = ((lang, rows, boilerplate_keys) for rows in _rows(con, ids))
    for (_, rows, _), part in ordered_map(executor, features_of, items, window=WINDOW):
        feats.extend(part)
        if keep_texts is not None and len(keep_texts) < SURFACE_SAMPLE:
            keep_texts.extend(f"{title or ''}\n{body or ''}"
                              for title, body in _texts(rows)[:SURFACE_SAMPLE - len(keep_texts)])
    return feats


@dataclass
class PendingFit:
    """A language's fit under way: its sample and the model to come (a future, or a done result)."""

    lang: str
    n_documents: int
    ids: list[int]
    input_key: str
    outcome: Callable[[], tuple[disc.Model, list, dict]]  # waits for the fit when it runs elsewhere


def fitted(feats: list[list[str]], texts: list[str], lang: str, options: dict | None,
           n_boilerplate: int) -> tuple[disc.Model, list, dict]:
    """The model of the features, its top terms and their surface forms (what a worker runs)."""
    model = disc.fit(feats, lang, **(options or {}))
    model.params["boilerplate_sentences"] = n_boilerplate
    terms = disc.top_terms(model, N_TERMS)
    wanted = {k for topic in terms for k, _ in topic}
    return model, terms, disc.surface_forms(disc.word_key_pairs(texts, lang), wanted)


def start_fit(con, lang: str, *, options: dict | None = None, executor=None) -> PendingFit:
    """Read ``lang``'s fit sample and start fitting it (in ``executor`` when given)."""
    n_documents = con.execute("SELECT count(*) FROM articles WHERE lang = $lang", {"lang": lang}).fetchone()[0]
    ids = sorted(int(r[0]) for r in con.execute(
        f"SELECT article_id FROM articles WHERE lang = $lang ORDER BY {_SAMPLE_ORDER} LIMIT $n",
        {"lang": lang, "n": MAX_FIT_DOCUMENTS}).fetchall())
    texts: list[str] = []
    keys = tuple(find_boilerplate(con, ids, options))
    feats = _fetch_features(con, ids, lang, keep_texts=texts, executor=executor, boilerplate_keys=keys)
    fingerprint = con.execute("SELECT bit_xor(hash(article_id, content_sha256)) FROM articles "
                              "WHERE article_id IN (SELECT unnest($ids::BIGINT[]))", {"ids": ids}).fetchone()[0]
    args = (feats, texts, lang, options, len(keys))
    outcome = executor.submit(fitted, *args).result if executor is not None else partial(fitted, *args)
    return PendingFit(lang, n_documents, ids, f"{params_key(options)}-{fingerprint}", outcome)


def store_fit(con, fit: PendingFit) -> tuple[str, int]:
    """Wait for a started fit and replace the language's model with it; returns (model_id,
    articles assigned). Raises discovery.TooLittleText when the text cannot support a model."""
    model, terms, surface = fit.outcome()
    lang, ids, n_documents, input_key = fit.lang, fit.ids, fit.n_documents, fit.input_key
    model_id = f"nmf-{lang}-{hashlib.sha256(input_key.encode()).hexdigest()[:10]}"
    topic_ids = [f"model:{lang}:{k + 1:02d}" for k in range(model.n_topics)]
    labels = [" / ".join(surface.get(k, k) for k, _ in topic[:3]) or f"{lang} topic {i + 1}"
              for i, topic in enumerate(terms)]
    examples = disc.representatives(model.doc_topic, N_EXAMPLES)
    now = dt.datetime.now(dt.timezone.utc)
    try:
        with transaction(con):
            _delete_language(con, lang)
            con.execute("""INSERT INTO topic_models VALUES ($id, $lang, $method, $k, $n, $fitted, $terms, $params,
                           $key, $err, $sec, $now, $state)""",
                        {"id": model_id, "lang": lang, "method": model.method, "k": model.n_topics, "n": n_documents,
                         "fitted": len(ids), "terms": len(model.keys), "params": json.dumps(model.params),
                         "key": input_key, "err": model.reconstruction_error, "sec": round(model.seconds, 3),
                         "now": now, "state": model.to_state()})
            topics = pa.table({"topic_id": topic_ids, "label": labels, "position": list(range(model.n_topics))})
            term_rows = [(topic_ids[i], r + 1, surface.get(k, k), k, w) for i, t in enumerate(terms)
                         for r, (k, w) in enumerate(t)]
            example_rows = [(topic_ids[i], r + 1, ids[row], w) for i, ex in enumerate(examples)
                            for r, (row, w) in enumerate(ex)]
            con.register("m_topics", topics)
            con.register("m_terms", pa.table(list(zip(*term_rows)) if term_rows else [[]] * 5,
                                             names=["topic_id", "rank", "term", "key", "weight"]))
            con.register("m_examples", pa.table(list(zip(*example_rows)) if example_rows else [[]] * 4,
                                                names=["topic_id", "rank", "article_id", "weight"]))
            con.execute("""INSERT INTO topics SELECT topic_id, label, 'model', $lang, $id, position FROM m_topics""",
                        {"lang": lang, "id": model_id})
            con.execute("INSERT INTO topic_terms SELECT * FROM m_terms")
            con.execute("INSERT INTO topic_examples SELECT * FROM m_examples")
            write_assignments(con, model_id, topic_ids, ids, model.doc_topic, now)
    finally:
        for name in ("m_topics", "m_terms", "m_examples"):
            con.unregister(name)
    log.info("fitted %s on %d %s articles: %d topics, %d terms, %.1f s", model_id, len(ids), lang,
             model.n_topics, len(model.keys), model.seconds)
    return model_id, len(ids)


def _delete_language(con, lang: str) -> None:
    old = "SELECT topic_id FROM topics WHERE source = 'model' AND lang = $lang"
    params = {"lang": lang}
    con.execute(f"DELETE FROM article_topics WHERE topic_id IN ({old})", params)
    con.execute(f"DELETE FROM topic_terms WHERE topic_id IN ({old})", params)
    con.execute(f"DELETE FROM topic_examples WHERE topic_id IN ({old})", params)
    con.execute("DELETE FROM topic_scored WHERE kind = 'model' AND version IN "
                "(SELECT model_id FROM topic_models WHERE lang = $lang)", params)
    con.execute("DELETE FROM topics WHERE source = 'model' AND lang = $lang", params)
    con.execute("DELETE FROM topic_models WHERE lang = $lang", params)


def write_assignments(con, model_id: str, topic_ids: list[str], ids: list[int], weights: np.ndarray,
                      now: dt.datetime) -> None:
    """article_topics rows for one batch (caller holds the transaction) + topic_scored records."""
    best = weights.argmax(axis=1) if len(ids) else np.array([], dtype=int)
    has = weights.sum(axis=1) > 0 if len(ids) else np.array([], dtype=bool)
    mask = weights >= MODEL_MIN_SHARE
    mask[np.arange(len(ids)), best] |= has
    rows, cols = np.nonzero(mask)
    id_array = np.asarray(ids, dtype=np.int64)
    batch = pa.table({"article_id": id_array[rows], "topic_id": pa.array([topic_ids[c] for c in cols], pa.string()),
                      "score": weights[rows, cols].astype(np.float64).round(4),
                      "is_primary": (cols == best[rows]) & has[rows]})
    con.register("m_assign", batch)
    con.register("m_ids", pa.table({"doc_id": id_array}))
    try:
        # No old rows to delete: a refit deleted the language's rows (_delete_language), and an
        # article is pending only while it has no `topic_scored` row for this model, which is
        # written in the same transaction as its topics.
        con.execute("INSERT INTO article_topics SELECT * FROM m_assign")
        con.execute("""INSERT OR REPLACE INTO topic_scored SELECT 'model', doc_id, $id, $now FROM m_ids""",
                    {"id": model_id, "now": now})
    finally:
        con.unregister("m_assign")
        con.unregister("m_ids")
