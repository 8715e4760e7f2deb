"""Extraction of entity mentions from documents: registry matcher, spaCy NER, resolution.

``extract(docs, matcher=..., resolver=..., mode=...)`` is the one entry point used by the enrich
stage, the evaluation and the benchmark. ``mode`` is ``registry`` (Aho–Corasick only),
``ner`` (statistical recognisers + normalisation + resolution, no registry; ``spacy`` is the
same) or ``combined`` (both; the registry wins where they overlap, NER finds what the registry
lacks). The recogniser is the CRF of ``crf.py`` in every language (``french_ner="spacy"``:
spaCy's model for French). A matcher built with learned names as well (``sampling.py``)
records their hits as method ``gazetteer``, the registry's as ``registry``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from analysis.entities.crf import crf_spans
from analysis.entities.matcher import Match, RegistryMatcher
from analysis.entities.ner import NerSpan, ner_spans
from analysis.entities.resolve import Resolver
from analysis.errors import InvalidArgument

MODES = ("registry", "ner", "spacy", "combined")
LABELS = ("PER", "ORG", "LOC", "EVENT", "MISC")  # what the mentions table accepts; anything else is MISC
NER_LANGS = ("fr", "ar", "en")
FRENCH_NER = ("crf", "spacy")  # French: the CRF (the default) or spaCy's model (slower)


@dataclass(frozen=True, slots=True)
class Document:
    doc_id: int | str
    kind: str                       # "article" or "headline"
    fields: tuple[tuple[str, str], ...]  # (field name, text), e.g. (("title", ...), ("body", ...))
    lang: str | None


@dataclass(frozen=True, slots=True)
class Mention:
    doc_id: int | str
    kind: str
    field: str
    entity_id: str
    surface: str
    start: int
    end: int
    method: str
    label: str


@dataclass(frozen=True, slots=True)
class _Span:
    field: str
    pos: int
    span: NerSpan

    @property
    def key(self) -> str:
        return self.span.key

    @property
    def surface(self) -> str:
        return self.span.surface

    @property
    def label(self) -> str:
        return self.span.label

    @property
    def method(self) -> str:
        return self.span.method


def extract(docs: Iterable[Document], *, matcher: RegistryMatcher | None, resolver: Resolver | None,
            mode: str = "combined", batch_size: int = 32,
            ner_cache: dict | None = None, french_ner: str = "crf") -> Iterator[Mention]:
    """Mentions of every document, document by document (NER runs over the batch at once).

    ``ner_cache`` (optional, keyed by (doc_id, field)) keeps NER spans between calls so an
    evaluation can compare pipelines over one parse.
    """
    if mode not in MODES:
        raise InvalidArgument(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    if french_ner not in FRENCH_NER:
        raise InvalidArgument(f"french_ner must be one of {', '.join(FRENCH_NER)}, not {french_ner!r}")
    docs = list(docs)
    use_registry = mode in ("registry", "combined")
    use_ner = mode in ("ner", "spacy", "combined")
    ner_by_field: dict[tuple[int, str], list[NerSpan]] = {}
    if use_ner:
        cache = ner_cache if ner_cache is not None else {}
        cache.update(ner_of(docs, batch_size=batch_size, known=cache, french_ner=french_ner))
        for i, d in enumerate(docs):
            for name, _ in d.fields:
                if (d.doc_id, name) in cache:
                    ner_by_field[i, name] = cache[d.doc_id, name]
    for i, doc in enumerate(docs):
        yield from _document_mentions(doc, i, ner_by_field, matcher if use_registry else None, resolver,
                                      combined=mode == "combined")


def ner_of(docs: list[Document], *, batch_size: int = 32, known: dict | None = None,
           french_ner: str = "crf") -> dict:
    """NER spans of every field of the documents in an NER language, keyed by (doc_id, field)
    (skipping keys already ``known``). Pure per document: worker processes can run it and hand
    the result to ``extract`` as its ``ner_cache``."""
    known = known or {}
    wanted = [((d.doc_id, name, text), d.lang) for d in docs if d.lang in NER_LANGS
              for name, text in d.fields if text and (d.doc_id, name) not in known]
    out: dict = {}
    for lang in NER_LANGS:
        # e.g. the parent of workers that parsed everything: never load a model here
        these = [w for w, d_lang in wanted if d_lang == lang]
        if not these:
            continue
        texts = (t for _, _, t in these)
        spacy = lang == "fr" and french_ner == "spacy"
        found = ner_spans(texts, batch_size=batch_size) if spacy else crf_spans(texts, lang)
        out.update(((doc_id, name), spans) for (doc_id, name, _), spans in zip(these, found))
    return out


def _document_mentions(doc: Document, i: int, ner_by_field, matcher, resolver, *, combined: bool) -> Iterator[Mention]:
    pos = 0
    registry_hits: list[tuple[str, Match]] = []
    spans: list[_Span] = []
    for name, text in doc.fields:
        hits = matcher.find(text) if (matcher is not None and text) else []
        skipped = not_news(text, name)
        if skipped:
            hits = [h for h in hits if not _inside(h.start, skipped)]
        kept_hits = list(hits)
        for s in ner_by_field.get((i, name), []):
            if (skipped and _inside(s.start, skipped)) or _CODE.match(s.surface):
                continue
            overlapping = [h for h in hits if h.start < s.end and s.start < h.end]
            if overlapping:
                inside = all(s.start <= h.start and h.end <= s.end for h in overlapping)
                longer = any((h.end - h.start) < (s.end - s.start) for h in overlapping)
                if not (combined and inside and longer and s.label in ("ORG", "LOC", "MISC")
                        and s.key not in resolver.registry_keys and _has_own_words(text, s, overlapping)):
                    continue
                # A person's name inside an organisation or place name ("Fondation Mohammed V")
                # is part of that name, not a mention of the person.
                kept_hits = [h for h in kept_hits if h not in overlapping
                             or resolver.registry_types.get(h.entity_id) != "PER"]
            spans.append(_Span(name, pos + s.start, s))
        registry_hits.extend((name, h) for h in kept_hits)
        pos += len(text) + 1
    for name, h in registry_hits:
        label = resolver.type_of(h.entity_id) if resolver else ""
        method = "gazetteer" if h.entity_id.startswith("ner:") else "registry"
        yield Mention(doc.doc_id, doc.kind, name, h.entity_id, h.surface, h.start, h.end, method, label)
    if not spans:
        return
    spans.sort(key=lambda s: s.pos)
    offsets = {}
    off = 0
    for name, text in doc.fields:
        offsets[name] = off
        off += len(text) + 1
    person_names = [(offsets[name] + h.start, fold_key, h.entity_id) for name, h in registry_hits
                    if resolver.registry_types.get(h.entity_id) == "PER"
                    for fold_key in [_key(h.surface)] if len(fold_key.split()) >= 2]
    for s, res in zip(spans, resolver.resolve_document(spans, person_names, lang=doc.lang or "fr")):
        yield Mention(doc.doc_id, doc.kind, s.field, res.entity_id, s.surface, s.span.start, s.span.end,
                      res.method, res.label)


# "Dubai, United Arab Emirates (CNN)-- ...", "الرباط (رويترز) - ...", "Rabat, 12.05.2019 (MAP) –",
# "LONDON - BBC - ...": where and who filed the story, at the start of the body. The outlet
# counting its own name is not news about it. Dots only inside numbers, so no sentence is crossed;
# a bare acronym needs a space by its dash, so a name such as "OSIRIS-REx" is no dateline.
_DATELINE = re.compile(r"^(?:[^\n().]|(?<=\d)\.(?=\d)){0,80}"
                       r"(?:\([^()\n]{2,30}\)\s*[-–—:]+|(?<=[\s,\-–—])[A-Z]{2,6}(?:\s+[-–—:]+|[-–—:]+\s))")
# Wikinews page furniture: the Wikimedia notice and the sister-project links.
_BOILERPLATE = re.compile(r"^(?:Cet article mentionne la Fondation Wikimedia|This article mentions the Wikimedia"
                          r"|Ressources multimédia sur Commons|Article sur Wikipédia|[^\n]*autres projets Wikimedia"
                          r"|[^\n]*sister projects)[^\n]*", re.MULTILINE | re.IGNORECASE)
# Wikinews interviews mark the interviewer's questions "((WN))".
_INTERVIEWER = re.compile(r"\(\(WN\)\)")
# Motorway, road and aircraft codes (A7, N1, A320) that NER takes for names.
_CODE = re.compile(r"^[ADEN]\d{1,3}$")


def not_news(text: str, field: str) -> list[tuple[int, int]]:
    """Ranges of a field whose names are not news: the dateline of a body, page boilerplate."""
    out = [m.span() for m in _BOILERPLATE.finditer(text)] if "iki" in text else []
    out += [m.span() for m in _INTERVIEWER.finditer(text)] if "((" in text else []
    if field == "body" and (m := _DATELINE.match(text)):
        out.append(m.span())
    return out


def _inside(pos: int, ranges: list[tuple[int, int]]) -> bool:
    return any(a <= pos < b for a, b in ranges)


def _has_own_words(text: str, span: NerSpan, inner: list[Match]) -> bool:
    """Whether an NER span has a word of its own besides the registry names inside it:
    "Grande Mosquée de Valence" has, "Maroc-France" has not."""
    chars = list(text[span.start:span.end])
    for h in inner:
        for k in range(h.start - span.start, h.end - span.start):
            chars[k] = " "
    words = "".join(c if c.isalpha() else " " for c in chars).split()
    return any(len(w) >= 3 and w[0].isupper() for w in words)


def _key(surface: str) -> str:
    from analysis.entities.text import normalize_surface

    return normalize_surface(surface, "PER")
