"""Fixture data for the entities tests: real corpus files loaded with the real loader.

The seed page is read from ../shared (it has no licence, so it is never copied here).
"""

from __future__ import annotations

import json
from pathlib import Path

import analysis
from analysis.ingest import load

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
SEED_PAGE = CORPUS / "pages" / "maghress-fr-0001.txt"
WINER = CORPUS / "winer-fr" / "winer_fr_2016_2017.jsonl"
ITN = CORPUS / "itn" / "itn_blurbs_dev.jsonl"
ANT_POLITIC = CORPUS / "ant-jawhara" / "politic"
CRAWLED_AT = "2025-09-06T10:00:00Z"


def seed_article() -> tuple[str, str]:
    """(title, body) of the seed page, read the way the page layout describes it."""
    lines = SEED_PAGE.read_text(encoding="utf-8").split("\n")
    dateline = next(i for i, line in enumerate(lines) if line.startswith("Publié dans "))
    footer = next(i for i, line in enumerate(lines) if line.startswith("Cliquez ici"))
    body = "\n".join(line for line in lines[dateline + 1:footer] if line.strip())
    return lines[dateline - 1], body


def winer_subset(tmp_path: Path, n: int) -> Path:
    """The first ``n`` WiNER rows as a JSONL file (the loader reads it like any export)."""
    out = tmp_path / f"winer_{n}.jsonl"
    with WINER.open(encoding="utf-8") as src, out.open("w", encoding="utf-8") as dst:
        for i, line in enumerate(src):
            if i >= n:
                break
            dst.write(line)
    return out


def itn_rows() -> list[dict]:
    with ITN.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def small_db(path: Path, tmp_path: Path, *, n_winer: int = 40):
    """A database with the seed page (article + ticker), WiNER articles and Jawhara FM politics."""
    con = analysis.connect(path)
    load(con, [str(SEED_PAGE), str(winer_subset(tmp_path, n_winer)), str(ANT_POLITIC)],
         crawled_at=CRAWLED_AT, workers=1)
    return con
