"""Readers for the development corpus parts used to measure story detection.

Small, self-contained parsers (the ingest package is the real loader); they keep just the
fields the evaluation needs. Every reader returns a polars DataFrame with columns
doc_key, outlet, url, title, body, lang, published_date (Date), category.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from pathlib import Path
from urllib.parse import unquote

import polars as pl

_TAG = re.compile(r"<(DOCNO|URL|CAT|TITLE|TIME|TEXT)>(.*?)</\1>", re.S)
_SCHEMA = {"doc_key": pl.String, "outlet": pl.String, "url": pl.String, "title": pl.String,
           "body": pl.String, "lang": pl.String, "published_date": pl.Date, "category": pl.String}


def _ant_date(time: str, docno: str) -> dt.date | None:
    time = time.strip()
    if m := re.fullmatch(r"(\d{2})/(\d{2})/(\d{4})", time):
        return dt.date(int(m[3]), int(m[2]), int(m[1]))
    if m := re.match(r"(\d{4})-(\d{2})-(\d{2})T", time):
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    suffix = docno.rsplit("-", 1)[-1]
    for fmt in ("%Y%m%d", "%d%m%Y"):
        try:
            return dt.datetime.strptime(suffix, fmt).date()
        except ValueError:
            continue
    return None


def read_ant(root: Path) -> pl.DataFrame:
    """ANT Jawhara FM TREC-like files (one article per file)."""
    rows = []
    for path in sorted(Path(root, "ant-jawhara").glob("*/*.txt")):
        fields = {k: v.strip() for k, v in _TAG.findall(path.read_text(encoding="utf-8"))}
        docno = fields.get("DOCNO", path.stem)
        rows.append({"doc_key": docno, "outlet": "Jawhara FM", "url": unquote(fields.get("URL", "")).split("?")[0],
                     "title": fields.get("TITLE") or None, "body": fields.get("TEXT", ""), "lang": "ar",
                     "published_date": _ant_date(fields.get("TIME", ""), docno), "category": fields.get("CAT")})
    return pl.DataFrame(rows, schema=_SCHEMA)


def read_winer(root: Path) -> pl.DataFrame:
    """French Wikinews (WiNER-fr JSONL)."""
    rows = []
    with open(Path(root, "winer-fr", "winer_fr_2016_2017.jsonl"), encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            rows.append({"doc_key": r["id"], "outlet": "Wikinews fr", "url": r["url"], "title": r["title"],
                         "body": r["text"], "lang": "fr", "published_date": dt.date.fromisoformat(r["date"]),
                         "category": None})
    return pl.DataFrame(rows, schema=_SCHEMA)


def read_wikinews_en(root: Path) -> pl.DataFrame:
    """English Wikinews 2019 (CSV)."""
    rows = []
    with open(Path(root, "wikinews-en", "wikinews_2019.csv"), encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            rows.append({"doc_key": r["url"], "outlet": "Wikinews en", "url": r["url"], "title": r["title"],
                         "body": r["text"].strip(), "lang": "en", "published_date": dt.date.fromisoformat(r["date"]),
                         "category": None})
    return pl.DataFrame(rows, schema=_SCHEMA)


def read_articles(root: Path) -> pl.DataFrame:
    """All three article parts, in a fixed order."""
    return pl.concat([read_ant(root), read_winer(root), read_wikinews_en(root)])


def read_itn(root: Path) -> pl.DataFrame:
    """ITN blurbs, one row per (lang, text): first_seen, last_seen, n_sightings, qids."""
    rows = [json.loads(line) for line in open(Path(root, "itn", "itn_blurbs_dev.jsonl"), encoding="utf-8")]
    frame = pl.DataFrame({
        "lang": [r["lang"] for r in rows], "text": [r["text"] for r in rows], "qid": [r["qid"] for r in rows],
        "seen": [dt.datetime.fromtimestamp(r["timestamp"], dt.timezone.utc) for r in rows]})
    return (frame.group_by("lang", "text")
            .agg(first_seen=pl.col("seen").min(), last_seen=pl.col("seen").max(),
                 n_sightings=pl.len(), qids=pl.col("qid").unique().sort())
            .sort("lang", "first_seen", "text"))
