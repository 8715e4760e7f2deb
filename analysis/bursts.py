"""Bursts: periods where a topic's (or an entity's) share rises far above its own baseline.

Input is a frame of the frequency contract of ``analysis.trends`` (``topic_frequencies`` or
``entity_frequencies``): one row per period × series with ``period``, ``n_documents``,
``n_total``, ``share`` and optionally ``group``, ``label``, ``incomplete``; the series key
is the ``topic`` or ``entity_id`` column. Two
published detectors, run on each series separately:

- ``zscore``: share of the period against the mean and standard deviation of the previous
  ``window`` complete periods (the period itself excluded). The deviation has a floor, the
  binomial standard error sqrt(p(1-p)/n) of the baseline share at this period's size, so a
  series that was perfectly flat does not make every small wiggle infinite.
- ``kleinberg``: Kleinberg's two-state automaton for batched arrivals ("Bursty and
  hierarchical structure in streams", KDD 2002, section 4): state 0 emits at the series'
  overall share p0, state 1 at ``s × p0``; entering the burst state costs
  ``gamma × ln(n periods)``; the cheapest state sequence (Viterbi) marks the bursts.

Incomplete periods (first/last, thin) never start a burst and stay out of z baselines.
With a connection, each burst also lists its driving articles (the topic's or entity's
highest-scoring articles in the burst periods) and the entities co-occurring in them, when
the entities tables exist.
"""

from __future__ import annotations

import math

import duckdb
import numpy as np
import pandas as pd

from analysis.errors import InvalidArgument

KEYS = ("topic", "entity_id", "entity")  # entity frames: the stable id is the key, the name the label
METHODS = ("zscore", "kleinberg")
# stands for "no group" in group-bys (pandas drops None keys; numpy strips a "\0" sentinel)
_NO_GROUP = "\uffff(all)"
COLUMNS = ["method", "key", "label", "group", "start", "end", "peak_period", "n_periods", "n_documents",
           "peak_share", "baseline_share", "score", "articles", "entities"]


def detect_bursts(frame: pd.DataFrame, *, method: str | tuple[str, ...] = ("zscore", "kleinberg"), window: int = 8,
           z: float = 3.5, min_documents: int = 3, s: float = 2.0, gamma: float = 1.0,
           con: duckdb.DuckDBPyConnection | None = None, key: str | None = None, by: str | None = None,
           documents: str = "articles", n_articles: int = 5, n_entities: int = 8) -> pd.DataFrame:
    """Detect bursts in every series of a frequency frame.

    Returns one row per burst. Columns: ``method`` (zscore or kleinberg), ``key`` (topic or
    entity), ``label``, ``group``, ``start``/``end`` (first and last period of the burst),
    ``peak_period``, ``n_periods``, ``n_documents`` (documents of the series in the burst),
    ``peak_share``, ``baseline_share`` (zscore: mean of the trailing window at the peak;
    kleinberg: the series' overall share), ``score`` (zscore: peak z; kleinberg: the cost
    saved by the burst state, Kleinberg's burst weight), ``articles`` (list of dicts with
    article_id, title, outlet, published_date — only with ``con``), ``entities`` (list of
    dicts with entity, n_articles — only with ``con`` and the entities tables).

    A burst needs at least ``min_documents`` documents of the series in its periods. Rows come
    method by method (in ``method`` order), strongest first. ``key`` names the series column
    (default: topic, entity_id or entity); ``by`` says whether ``group`` is an outlet or a
    language (guessed from the values otherwise); ``documents="headlines"`` lists driving
    headlines instead of articles.
    """
    methods = (method,) if isinstance(method, str) else tuple(method)
    bad = [m for m in methods if m not in METHODS]
    if bad:
        raise InvalidArgument(f"method must be among {', '.join(METHODS)}, not {', '.join(bad)}")
    if window < 2:
        raise InvalidArgument("window must be at least 2 periods")
    if s <= 1:
        raise InvalidArgument("s (burst rate multiplier) must be greater than 1")
    key = key or next((k for k in KEYS if k in frame.columns), None)
    if key is None or key not in frame.columns:
        raise InvalidArgument(f"the frame needs a series column ({', '.join(KEYS)}) or key=...")
    missing = [c for c in ("period", "n_documents", "n_total", "share") if c not in frame.columns]
    if missing:
        raise InvalidArgument(f"the frame lacks {', '.join(missing)}: pass a frequency frame (see analysis.trends)")
    found = []
    if not frame.empty:
        data = _prepare(frame, key)
        for (series, group), part in data.groupby(["_key", "_group"], sort=True, dropna=False):
            part = part.sort_values("period")
            label = part["_label"].iloc[0]
            for m in methods:
                spans = _zscore(part, window, z) if m == "zscore" else _kleinberg(part, s, gamma)
                for span in spans:
                    rows = part.iloc[span["lo"]:span["hi"] + 1]
                    n_docs = int(rows["n_documents"].sum())
                    if n_docs < min_documents:
                        continue
                    peak = rows.loc[rows["share"].idxmax()]
                    found.append({"method": m, "key": series, "label": label,
                                  "group": None if group == _NO_GROUP else group,
                                  "start": rows["period"].iloc[0], "end": rows["period"].iloc[-1],
                                  "peak_period": peak["period"], "n_periods": len(rows), "n_documents": n_docs,
                                  "peak_share": float(peak["share"]), "baseline_share": span["baseline"],
                                  "score": span["score"], "articles": [], "entities": []})
    out = pd.DataFrame(found, columns=COLUMNS)
    out["group"] = out["group"].astype(object).where(out["group"].notna(), None)
    if con is not None and not out.empty:
        from analysis.evidence import attach_evidence

        out = attach_evidence(con, out, key=key, periods=pd.to_datetime(frame["period"]), by=by,
                              documents=documents, n_articles=n_articles, n_entities=n_entities)
    # z and Kleinberg weights are on different scales: strongest first within each method
    out["_order"] = out["method"].map({m: i for i, m in enumerate(methods)})
    out = out.sort_values(["_order", "score"], ascending=[True, False], kind="stable")
    return out.drop(columns="_order").reset_index(drop=True)


def _prepare(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    data = pd.DataFrame({"period": pd.to_datetime(frame["period"]), "_key": frame[key].astype(object),
                         "n_documents": frame["n_documents"].astype(float), "share": frame["share"].astype(float),
                         "n_total": frame["n_total"].astype(float)})
    if "group" in frame:
        data["_group"] = frame["group"].astype(object).where(frame["group"].notna(), _NO_GROUP)
    else:
        data["_group"] = _NO_GROUP
    data["_label"] = frame["label"].astype(object) if "label" in frame else data["_key"]
    data["incomplete"] = frame["incomplete"].astype(bool) if "incomplete" in frame else False
    return _complete(data)


def _complete(data: pd.DataFrame) -> pd.DataFrame:
    """Add zero rows for periods a (sparse) series lacks, using each group's period totals."""
    periods = data[["period", "_group", "n_total", "incomplete"]].drop_duplicates(["period", "_group"])
    series = data[["_key", "_group", "_label"]].drop_duplicates(["_key", "_group"])
    grid = series.merge(periods, on="_group")
    full = grid.merge(data[["_key", "_group", "period", "n_documents", "share"]], how="left",
                      on=["_key", "_group", "period"])
    full["n_documents"] = full["n_documents"].fillna(0.0)
    full["share"] = full["share"].fillna(0.0)
    return full.reset_index(drop=True)


def _zscore(part: pd.DataFrame, window: int, threshold: float) -> list[dict]:
    share = part["share"].to_numpy()
    totals = part["n_total"].to_numpy()
    usable = ~part["incomplete"].to_numpy() & (totals > 0)
    z = np.full(len(share), np.nan)
    base = np.full(len(share), np.nan)
    history: list[float] = []
    for i in range(len(share)):
        if usable[i] and len(history) >= window:
            past = np.array(history[-window:])
            mean = past.mean()
            p = min(max(mean, 1.0 / max(totals[i], 1.0)), 1.0)
            floor = math.sqrt(p * (1 - p) / max(totals[i], 1.0))
            spread = max(past.std(ddof=1), floor)
            if spread > 0:  # a baseline share of exactly 0 or 1 with no spread cannot be surprised
                z[i] = (share[i] - mean) / spread
            base[i] = mean
        if usable[i]:
            history.append(share[i])
    spans, i = [], 0
    while i < len(share):
        if z[i] >= threshold:
            j = i
            while j + 1 < len(share) and z[j + 1] >= threshold:
                j += 1
            peak = i + int(np.nanargmax(z[i:j + 1]))
            spans.append({"lo": i, "hi": j, "score": round(float(z[peak]), 3), "baseline": float(base[peak])})
            i = j + 1
        else:
            i += 1
    return spans


def kleinberg_states(r: np.ndarray, d: np.ndarray, *, s: float = 2.0, gamma: float = 1.0,
                     usable: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Kleinberg's two-state batched automaton. Returns (state per period, cost saved per period).

    ``r`` relevant documents and ``d`` all documents per period. Unusable (incomplete)
    periods are forced to state 0.
    """
    r = np.asarray(r, dtype=float)
    d = np.asarray(d, dtype=float)
    n = len(r)
    usable = np.ones(n, dtype=bool) if usable is None else np.asarray(usable, dtype=bool)
    if n == 0 or d.sum() == 0 or r.sum() == 0:
        return np.zeros(n, dtype=int), np.zeros(n)
    p0 = r.sum() / d.sum()
    p1 = min(s * p0, 0.9999)
    if p1 <= p0:
        return np.zeros(n, dtype=int), np.zeros(n)
    cost = np.vstack([binomial_nll(r, d, p0), binomial_nll(r, d, p1)])
    cost[1, ~usable] = np.inf
    tau = gamma * math.log(n) if n > 1 else gamma
    best = np.zeros((2, n))
    back = np.zeros((2, n), dtype=int)
    best[0, 0], best[1, 0] = cost[0, 0], cost[1, 0] + tau
    for t in range(1, n):
        stay0, up = best[0, t - 1], best[0, t - 1] + tau
        down, stay1 = best[1, t - 1], best[1, t - 1]
        best[0, t], back[0, t] = (stay0, 0) if stay0 <= down else (down, 1)
        best[1, t], back[1, t] = (up, 0) if up < stay1 else (stay1, 1)
        best[:, t] += cost[:, t]
    states = np.zeros(n, dtype=int)
    states[-1] = 0 if best[0, -1] <= best[1, -1] else 1
    for t in range(n - 1, 0, -1):
        states[t - 1] = back[states[t], t]
    saved = np.where(np.isfinite(cost[1]), cost[0] - cost[1], 0.0)
    return states, saved


def binomial_nll(r: np.ndarray, d: np.ndarray, p: float) -> np.ndarray:
    """-ln of the binomial probability of r successes in d trials (the combinatorial term cancels
    between states but is kept so the costs are true negative log-likelihoods)."""
    log_choose = np.array([math.lgamma(dd + 1) - math.lgamma(rr + 1) - math.lgamma(dd - rr + 1)
                           for rr, dd in zip(r, np.maximum(d, r))])
    return -(log_choose + r * math.log(p) + (np.maximum(d, r) - r) * math.log(1 - p))


def _kleinberg(part: pd.DataFrame, s: float, gamma: float) -> list[dict]:
    r = part["n_documents"].to_numpy()
    d = np.maximum(part["n_total"].to_numpy(), r)
    states, saved = kleinberg_states(r, d, s=s, gamma=gamma, usable=~part["incomplete"].to_numpy())
    p0 = r.sum() / d.sum() if d.sum() else 0.0
    spans, i = [], 0
    while i < len(states):
        if states[i] == 1:
            j = i
            while j + 1 < len(states) and states[j + 1] == 1:
                j += 1
            spans.append({"lo": i, "hi": j, "score": round(float(saved[i:j + 1].sum()), 3), "baseline": float(p0)})
            i = j + 1
        else:
            i += 1
    return spans
