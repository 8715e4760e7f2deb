"""The one-screen summary printed at the end of `presswatch load`."""

from __future__ import annotations

from analysis.ingest.loader import LoadResult


def render_summary(result: LoadResult) -> str:
    c = result.counts
    rate = c.inputs / result.seconds if result.seconds else 0.0
    lines = [
        f"load {result.load_id}: {result.files_found:,} input files ({result.files_unchanged:,} unchanged since an "
        f"earlier load, skipped){f', {result.manifests} manifest(s) read' if result.manifests else ''}",
        f"  {c.inputs:,} documents read = {c.loaded:,} loaded + {c.duplicates:,} duplicates + {c.rejected:,} rejected"
        + ("" if result.balanced else "   (MISMATCH: please report)"),
        f"  {c.articles:,} new articles, {c.sightings:,} ticker sightings",
        *([f"  {c.superseded:,} documents of earlier loads superseded by new versions of their files"]
          if c.superseded else []),
        f"  {result.seconds:.1f} s, {rate:,.0f} documents/s, {result.bytes_read / 1e6:,.1f} MB",
    ]
    if c.reasons:
        lines.append("  rejected: " + ", ".join(f"{k} {v:,}" for k, v in sorted(c.reasons.items(), key=lambda kv: -kv[1]))
                     + "  (see the rejects table)")
    if c.warnings:
        lines.append("  partly read: " + ", ".join(f"{k} {v:,}" for k, v in sorted(c.warnings.items(), key=lambda kv: -kv[1]))
                     + "  (see documents.warnings)")
    return "\n".join(lines)
