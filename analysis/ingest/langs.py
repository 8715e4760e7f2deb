"""Language of articles and headlines: fr, en, es or ar.

Arabic is told apart by its script (cheap and exact); Latin-script text goes to py3langid
restricted to fr/en/es, which labelled every seed-page headline correctly. The identifier
is loaded once per process.
"""

from __future__ import annotations

import re
from functools import lru_cache

LANGS = ("fr", "en", "es", "ar")
_ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
SAMPLE_CHARS = 200  # enough text for a stable answer; langid cost grows with length


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=False)
    ident.set_languages(["fr", "en", "es"])
    return ident


def detect(text: str | None) -> str | None:
    """fr/en/es/ar, or None when the text has no letters to judge by."""
    if not text:
        return None
    sample = text[:SAMPLE_CHARS]
    arabic = len(_ARABIC.findall(sample))
    latin = len(_LATIN.findall(sample))
    if arabic == 0 and latin == 0:
        return None
    if arabic >= latin:
        return "ar"
    return _identifier().classify(sample)[0]
