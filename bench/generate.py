"""Deterministic benchmark inputs from the real corpus: page dumps and article exports at any N.

    python -m bench.generate --pages 100000        # CACHE/pages-100000-0-v2/ (bench.ingest's folder)
    python -m bench.generate --export 100000       # CACHE/export-100000-0-v2.parquet

Pages come from ``bench.ingest.pages_folder`` (``bench.pagegen``: real WiNER-fr and ANT
articles rendered in the maghress layout with the real variants of LAYOUT.md, ~12 KB each,
70 % French / 30 % Arabic). The export holds the articles of the same generator as one
Parquet file with the column names of a typical scraper export (title, text, date, source,
url, lang), written in row groups so memory stays flat at any N. Both are cached in
``$PRESSWATCH_BENCH_DIR`` (default /tmp/presswatch-bench) and reused when complete.
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

from bench.common import CACHE, CORPUS, GENERATE, RECIPE

ROW_GROUP = 20_000


def pages_folder(n: int, *, seed: int = 0) -> Path:
    """N page dumps (the ingest benchmark's cached folder)."""
    from bench.ingest import pages_folder as ingest_pages

    CACHE.mkdir(parents=True, exist_ok=True)
    return ingest_pages(n, seed=seed)


def export_file(n: int, *, seed: int = 0) -> Path:
    """N article records as a Parquet export (cached)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from bench.pagegen import generate, read_corpus

    path = CACHE / f"export-{n}-{seed}-{RECIPE}.parquet"
    if path.exists():
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    schema = pa.schema([("id", pa.string()), ("title", pa.string()), ("text", pa.string()), ("date", pa.string()),
                        ("source", pa.string()), ("url", pa.string()), ("lang", pa.string())])
    # Same recipe as the pages (bench.ingest), another seed: ticker-only pages carry no article.
    pages = (p for p in generate(read_corpus(CORPUS), 10**9, seed=seed + 1, **GENERATE)
             if p.expected["title"])
    with pq.ParquetWriter(tmp, schema, compression="zstd") as writer:
        for start in range(0, n, ROW_GROUP):
            rows = {name: [] for name in schema.names}
            for i, page in enumerate(itertools.islice(pages, min(ROW_GROUP, n - start)), start):
                exp = page.expected
                rows["id"].append(f"bench-{i}")
                rows["title"].append(exp["title"])
                rows["text"].append("\n".join(exp["paragraphs"]))
                rows["date"].append(exp["date"].isoformat())
                rows["source"].append(exp["outlet"])
                rows["url"].append(f"https://www.{page.site}.com/{exp['edition_lang']}/article/{i}")
                rows["lang"].append(exp["edition_lang"])
            writer.write_table(pa.table(rows, schema=schema))
    tmp.rename(path)
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, nargs="*", default=[])
    parser.add_argument("--export", type=int, nargs="*", default=[])
    args = parser.parse_args(argv)
    for n in args.pages:
        print(pages_folder(n))
    for n in args.export:
        print(export_file(n))


if __name__ == "__main__":
    main()
