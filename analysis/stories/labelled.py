"""A labelled set for story detection, built from the development corpus.

Articles
--------
- real placements: ANT Jawhara FM, French and English Wikinews, all of them;
- real same-story groups, labelled from metadata only: ANT files with the same URL, or
  with the same title and publication day (the site filed one article twice), plus
  ``ADJUDICATED`` pairs reviewed by hand;
- generated copies of real articles, each with one or two edits (``EDITS``): truncation,
  a changed sentence, a different outlet header/footer, a changed figure; a copy belongs
  to its original's group.
Every other pair is a negative, among them the hard ones: distinct sport reports and
bulletins of one site within days of each other.

Headlines
---------
ITN blurbs (one per distinct language + text): two texts are the same story when they
share a Wikidata item and differ by a small edit (word-level edit distance at most
``SMALL_EDIT`` of the longer, or 2 words); a different story when they share no item.
Pairs sharing an item but reworded more than that are rewrites, reported apart.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import numpy as np
import polars as pl

EDITS = ("truncate", "sentence", "header", "number")
SMALL_EDIT = 0.3
MIN_WORDS = 12  # shorter bodies cannot be judged by their text: left out of the set

# Re-published Jawhara FM articles whose title changed (metadata cannot pair them),
# found while reviewing the most similar unlabelled pairs; judged to be the same story.
ADJUDICATED = (
    ("JA-localNews-4533-20160427", "JA-localNews-4534-20160428"),  # strike postponed, re-run next day
    ("JA-localNews-1943-20160626", "JA-localNews-1944-20160627"),  # water cuts announced, re-run on the day
    ("JA-diverse-74-20160429", "JA-diverse-75-20160509"),  # transit of Mercury, re-run on the day
)
# Reviewed the same way and judged different stories (a follow-up reusing a paragraph):
# JA-localNews-3359/3360 (car inspection), JA-economy-45/JA-localNews-466 (housing law),
# JA-sport-960/962 (ticket sales), JA-sport-1042/1043 (tennis draw, then the match).

_HEADERS = {
    "ar": ["تونس {d} (وات) - ", "الرباط - (ومع) - ", "الجزائر {d} (واج) - ", "القاهرة (أ ش أ) - "],
    "fr": ["RABAT, {d} (MAP) – ", "Alger (APS) – ", "Tunis, {d} (TAP) – ", "Le360 avec MAP – "],
    "en": ["RABAT, {d} (MAP) – ", "(Reuters) – ", "TUNIS, {d} (TAP) – ", "ALGIERS (APS) – "],
}
_FOOTERS = {"ar": ["المصدر: وات", "(ومع)", ""], "fr": ["(MAP)", "Source : APS", ""], "en": ["(MAP)", "Source: TAP", ""]}
_MONTHS = {
    "ar": "جانفي فيفري مارس أفريل ماي جوان جويلية أوت سبتمبر أكتوبر نوفمبر ديسمبر".split(),
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre".split(),
    "en": "January February March April May June July August September October November December".split(),
}
_ELLIPSES = ["…", " [...]", "...", " (la suite)"]
_OUTLETS = ["Hespress", "Le360", "Le Matin", "Aujourd'hui le Maroc", "L'Opinion", "El Watan", "Liberté",
            "Kapitalis", "Assabah", "Echorouk", "Al Massae", "TSA", "La Presse", "Mosaique FM"]
_SENTENCE = re.compile(r"(?<=[.!?؟])\s+")
_NUMBER = re.compile(r"(?<![\d/.,:-])\d+(?![\d/.,:-])")
_YEAR = re.compile(r"^(19|20)\d\d$")


def _dateline_date(day: dt.date, lang: str) -> str:
    month = _MONTHS[lang][day.month - 1]
    return f"{month} {day.day}" if lang == "en" else f"{day.day} {month}"


def _truncate(body: str, rng: np.random.Generator, **_) -> str:
    keep = rng.uniform(0.4, 0.9)
    cut = body.rfind(" ", 0, int(len(body) * keep))
    return body[: max(cut, 1)].rstrip() + str(rng.choice(_ELLIPSES))


def _sentence(body: str, rng: np.random.Generator, donor: str, **_) -> str:
    """Replace one sentence (not the lead) by a sentence of similar length from another article."""
    parts = _SENTENCE.split(body)
    sizes = np.array([len(p) for p in parts])
    spots = [i for i in range(1, len(parts)) if sizes[i] <= 0.35 * sizes.sum()] or list(range(1, len(parts)))
    donors = _SENTENCE.split(donor)
    i = int(rng.choice(spots))
    fits = [d for d in donors if 0.5 * sizes[i] <= len(d) <= 1.5 * sizes[i]]
    if fits:
        parts[i] = str(rng.choice(fits))
    else:  # no donor sentence of that length: the same number of the donor's words
        words = donor.split()
        n = max(1, len(parts[i].split()))
        start = int(rng.integers(0, max(1, len(words) - n)))
        parts[i] = " ".join(words[start: start + n])
    return " ".join(parts)


def _header(body: str, rng: np.random.Generator, lang: str, day: dt.date, **_) -> str:
    lines = body.split("\n")
    # A dateline of its own (Wikinews: "6 janvier 2016 . –") is replaced, not kept.
    if len(lines) > 1 and len(lines[0]) < 60:
        lines = lines[1:]
    header = str(rng.choice(_HEADERS[lang])).format(d=_dateline_date(day, lang))
    footer = str(rng.choice(_FOOTERS[lang]))
    return header + "\n".join(lines).lstrip() + (f"\n{footer}" if footer else "")


def _number(body: str, rng: np.random.Generator, **_) -> str:
    """Change one or two figures (a toll, a score, an amount): never a year or a date."""
    spots = _figures(body)
    chosen = sorted(rng.choice(len(spots), size=min(len(spots), int(rng.integers(1, 3))), replace=False))
    out, last = [], 0
    for k in chosen:
        m = spots[k]
        out += [body[last: m.start()], str(int(m.group()) + int(rng.integers(1, 20)))]
        last = m.end()
    return "".join(out) + body[last:]


def _figures(body: str) -> list[re.Match]:
    return [m for m in _NUMBER.finditer(body) if not _YEAR.match(m.group()) and not _is_date(body, m)]


def _is_date(body: str, m: re.Match) -> bool:
    after = body[m.end(): m.end() + 14].lower()
    before = body[max(0, m.start() - 12): m.start()].lower()
    names = [n.lower() for lang in _MONTHS.values() for n in lang]
    return any(after.lstrip().startswith(n) or before.rstrip().endswith(n) for n in names)


_EDIT_FUNCS = {"truncate": _truncate, "sentence": _sentence, "header": _header, "number": _number}


def _eligible(frame: pl.DataFrame) -> pl.Series:
    """Originals worth editing: at least 60 words in at least 3 sentences."""
    return (frame["body"].str.split(" ").list.len() >= 60) & (
        frame["body"].map_elements(lambda b: len(_SENTENCE.split(b)) >= 3, return_dtype=pl.Boolean))


def article_set(articles: pl.DataFrame, *, seed: int = 7, n_bases: dict[str, int] | None = None) -> pl.DataFrame:
    """Real articles plus generated copies, with ground truth.

    ``articles``: output of ``corpus.read_articles``. Returns its columns plus
    ``article_id`` (1..n), ``group`` (ground-truth story), ``origin`` ('real' or
    'copy'), ``edits`` (e.g. 'header+truncate'), ``base_id`` (the original of a copy).
    """
    rng = np.random.default_rng(seed)
    n_bases = n_bases or {"ar": 200, "fr": 150, "en": 80}
    real = articles.filter(articles["body"].str.split(" ").list.len() >= MIN_WORDS)
    real = real.with_columns(article_id=pl.int_range(1, real.height + 1, dtype=pl.Int64))
    real = real.with_columns(group=_real_groups(real), origin=pl.lit("real"), edits=pl.lit(None, pl.String),
                             base_id=pl.lit(None, pl.Int64))
    copies = []
    next_id = real.height + 1
    for lang, n in n_bases.items():
        pool = real.filter(pl.col("lang") == lang)
        pool = pool.filter(_eligible(pool))
        picks = rng.choice(pool.height, size=min(n, pool.height), replace=False)
        for i in sorted(picks):
            base = pool.row(int(i), named=True)
            for _ in range(int(rng.integers(1, 4))):
                # A figure can only change where there is one.
                possible = [k for k in EDITS if k != "number" or _figures(base["body"])]
                kinds = sorted(rng.choice(possible, size=int(rng.choice([1, 2], p=[0.7, 0.3])), replace=False))
                body = base["body"]
                donor = pool.row(int(rng.integers(pool.height)), named=True)["body"]
                for kind in kinds:
                    body = _EDIT_FUNCS[kind](body, rng, donor=donor, lang=lang, day=base["published_date"])
                copies.append({**base, "article_id": next_id, "body": body, "origin": "copy",
                               "edits": "+".join(kinds), "base_id": base["article_id"],
                               "outlet": str(rng.choice(_OUTLETS)), "url": None, "doc_key": f"copy-{next_id}",
                               "published_date": base["published_date"] + dt.timedelta(days=int(rng.integers(0, 3)))})
                next_id += 1
    return pl.concat([real, pl.DataFrame(copies, schema=real.schema)])


def _real_groups(real: pl.DataFrame) -> pl.Series:
    """Group id per real article from metadata: same URL, or same title and day, or adjudicated."""
    ids = real["article_id"].to_numpy()
    key_of = dict(zip(real["doc_key"].to_list(), ids.tolist()))
    edges = []
    for cols in (["url"], ["title", "published_date"]):
        g = (real.filter(pl.all_horizontal(pl.col(c).is_not_null() for c in cols) & (pl.col(cols[0]) != ""))
             .group_by(cols).agg(pl.col("article_id").min().alias("root"), pl.col("article_id")))
        for root, members in zip(g["root"].to_list(), g["article_id"].to_list()):
            edges += [(root, m) for m in members if m != root]
    edges += [(key_of[a], key_of[b]) for a, b in ADJUDICATED if a in key_of and b in key_of]
    from analysis.stories.detect import components

    return pl.Series("group", components(ids, np.array(edges, np.int64).reshape(-1, 2)))


def headline_set(itn: pl.DataFrame) -> pl.DataFrame:
    """ITN blurbs as headlines: headline_id, text, lang, first_seen, last_seen, n_sightings, qids."""
    return itn.with_columns(headline_id=pl.int_range(1, itn.height + 1, dtype=pl.Int64))


def headline_pairs(headlines: pl.DataFrame) -> pl.DataFrame:
    """Labelled pairs of one language: a, b (headline ids), label in {'same', 'different', 'rewrite'}."""
    from rapidfuzz.distance import Levenshtein

    from analysis.stories.text import fold

    words = [re.findall(r"\w+", t) for t in fold(headlines["text"]).str.to_lowercase().to_list()]
    rows = []
    ids, langs, qids = headlines["headline_id"].to_list(), headlines["lang"].to_list(), headlines["qids"].to_list()
    for i in range(len(ids)):
        for j in range(i + 1, len(ids)):
            if langs[i] != langs[j]:
                continue
            if not set(qids[i]) & set(qids[j]):
                label = "different"
            else:
                dist = Levenshtein.distance(words[i], words[j])
                small = dist <= max(2, SMALL_EDIT * max(len(words[i]), len(words[j])))
                label = "same" if small else "rewrite"
            rows.append((ids[i], ids[j], label))
    return pl.DataFrame(rows, schema={"a": pl.Int64, "b": pl.Int64, "label": pl.String}, orient="row")


def content_sha256(title: str | None, body: str) -> str:
    return hashlib.sha256(f"{title or ''}\n{body}".encode()).hexdigest()
