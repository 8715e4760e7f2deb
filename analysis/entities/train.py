"""Rebuild the CRF recognisers in ``analysis/data/models/`` (``make models``).

    python -m analysis.entities.train [--lang ar en] [--folds 5] [--ner-dir ../shared/ner]
        [--corpus ../shared/corpus] [--out analysis/data/models]

For each language: score a k-fold cross-validation (documents i with i % k == fold are held out;
document-level F1 as ``presswatch eval entities`` computes it, registry alone and combined),
then train on every document and write ``ner-<lang>.crfsuite``. One JSON line per fold and per
language goes to stdout. L-BFGS on fixed data in a fixed order: the same inputs give the same
model. The Arabic word counts (``ar-words.tsv``) that decide proclitic stripping come from the
ANT corpus and ANERcorp.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import tempfile
import time
from collections import Counter
from pathlib import Path

from analysis.entities import crf
from analysis.entities.evaluate import read_gold, score
from analysis.entities.registry import load_registry
from analysis.entities.text import fold, has_arabic

log = logging.getLogger(__name__)

# language -> (folder argument, file): ANERcorp and Wikigold in ../shared/ner, WiNER-fr in the corpus
GOLD = {"ar": ("ner_dir", "anercorp-ar/anercorp_dev.jsonl"), "en": ("ner_dir", "wikigold-en/wikigold.jsonl"),
        "fr": ("corpus", "winer-fr/winer_fr_2016_2017.jsonl")}
# WiNER's events and products are learnt as MISC; its dates and hours are not names.
GOLD_TYPES = {"Person": "PER", "Location": "LOC", "Organization": "ORG", "Misc": "MISC", "Event": "MISC",
              "Product": "MISC"}
PARAMS = {"c1": 0.05, "c2": 0.01, "max_iterations": 150, "feature.possible_transitions": True}
STANDALONE_CLITICS = frozenset("وفبلك")
VOCAB_MIN_COUNT = 2


def labelled_sentences(row: dict, lang: str) -> list[tuple[list[str], list[str]]]:
    """A gold document as (words, BIO labels) sentences, tokenised as ``crf.tokenize`` does."""
    raw = row["raw"]
    spans = sorted((e["start"], e["end"], GOLD_TYPES[e["type"]]) for e in row["entities"] if e["type"] in GOLD_TYPES)
    out = []
    for sent in crf.sentences(raw, crf.tokenize(raw)):
        words, labels = [], []
        for s, e in sent:
            label = "O"
            for a, b, t in spans:
                if a <= s and e <= b:
                    label = ("B-" if a == s or not labels or not labels[-1].endswith(t) else "I-") + t
                    break
            words.append(raw[s:e])
            labels.append(label)
        if lang == "ar":
            words, labels = attach_clitics(words, labels)
        out.append((words, labels))
    return out


def attach_clitics(words: list[str], labels: list[str]) -> tuple[list[str], list[str]]:
    """ANERcorp writes some proclitics apart (``و إسرائيل``); real text writes them attached,
    so the training words are joined the way the recogniser will see them."""
    ws, ls = [], []
    i = 0
    while i < len(words):
        if (words[i] in STANDALONE_CLITICS and i + 1 < len(words) and has_arabic(words[i + 1])
                and words[i + 1] not in STANDALONE_CLITICS):
            label = labels[i + 1] if labels[i] == "O" else labels[i]
            ws.append(words[i] + words[i + 1])
            ls.append(label)
            i += 2
        else:
            ws.append(words[i])
            ls.append(labels[i])
            i += 1
    return ws, ls


def train_model(rows: list[dict], lang: str, path: Path, gazetteer: dict) -> None:
    import pycrfsuite

    trainer = pycrfsuite.Trainer(verbose=False)
    trainer.set_params(PARAMS)
    cache: dict[str, tuple] = {}

    def feats(w):
        if w not in cache:
            cache[w] = crf.word_info(lang, w)
        return cache[w]

    for row in rows:
        for words, labels in labelled_sentences(row, lang):
            trainer.append(crf.sentence_features(words, lang, gazetteer, feats), labels)
    trainer.train(str(path))


def arabic_word_counts(corpus: Path, gold_rows: list[dict]) -> Counter:
    """Folded word counts over the ANT articles' text and ANERcorp (with its clitics re-attached)."""
    counts: Counter = Counter()
    for path in sorted((corpus / "ant-jawhara").rglob("*.txt")):
        text = path.read_text(encoding="utf-8")
        m = re.search(r"<TITLE>(.*?)</TITLE>.*<TEXT>(.*?)</TEXT>", text, re.S)
        if m:
            body = m.group(1) + "\n" + m.group(2)
            counts.update(fold(body[s:e]) for s, e in crf.tokenize(body) if has_arabic(body[s:e]))
    for row in gold_rows:
        for words, _ in labelled_sentences(row, "ar"):
            counts.update(fold(w) for w in words if has_arabic(w))
    return counts


def write_counts(counts: Counter, path: Path) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for word, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            if n >= VOCAB_MIN_COUNT:
                fh.write(f"{word}\t{n}\n")


def cross_validate(rows: list[dict], lang: str, folds: int, gazetteer: dict, vocabulary: dict) -> dict:
    """Pooled document-level scores of the held-out folds (registry alone and combined)."""
    registry = load_registry()
    totals: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(folds):
            train = [r for i, r in enumerate(rows) if i % folds != k]
            test = [r for i, r in enumerate(rows) if i % folds == k]
            path = Path(tmp) / f"fold{k}.crfsuite"
            t0 = time.perf_counter()
            train_model(train, lang, path, gazetteer)
            crf._loaded[lang] = crf.Recogniser(lang, path, gazetteer, vocabulary)
            try:
                result = score(test, modes=("registry", "ner", "combined"), registry=registry, french_ner="crf")
            finally:
                crf._loaded.pop(lang, None)
            print(json.dumps({"lang": lang, "fold": k, "train_s": round(time.perf_counter() - t0, 1),
                              "combined_f1": {t: v["f1"] for t, v in result["combined"].items()}}), flush=True)
            for mode in ("registry", "ner", "combined"):
                for t, v in result[mode].items():
                    c = totals.setdefault(mode, {}).setdefault(t, Counter())
                    c.update(tp=v["tp"], fp=v["fp"], fn=v["fn"])
    return {mode: {t: prf(c) for t, c in by_type.items()} for mode, by_type in totals.items()}


def prf(c: Counter) -> dict:
    tp, fp, fn = c["tp"], c["fp"], c["fn"]
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {"p": round(p, 3), "r": round(r, 3), "f1": round(2 * p * r / (p + r) if p + r else 0.0, 3)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lang", nargs="+", default=list(crf.LANGS), choices=crf.LANGS)
    parser.add_argument("--folds", type=int, default=5, help="0: train only")
    parser.add_argument("--ner-dir", type=Path, default=Path("../shared/ner"))
    parser.add_argument("--corpus", type=Path, default=Path("../shared/corpus"))
    parser.add_argument("--out", type=Path, default=crf.model_dir())
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    gazetteer = crf.registry_gazetteer()
    for lang in args.lang:
        folder, name = GOLD[lang]
        rows = read_gold(getattr(args, folder) / name)
        vocabulary: dict = {}
        if lang == "ar":
            write_counts(arabic_word_counts(args.corpus, rows), args.out / "ar-words.tsv")
            crf.arabic_vocabulary.cache_clear()
            vocabulary = crf.arabic_vocabulary()
        if args.folds > 1:
            scores = cross_validate(rows, lang, args.folds, gazetteer, vocabulary)
            print(json.dumps({"lang": lang, "folds": args.folds, "n_docs": len(rows), **scores}), flush=True)
        t0 = time.perf_counter()
        train_model(rows, lang, args.out / f"ner-{lang}.crfsuite", gazetteer)
        print(json.dumps({"lang": lang, "model": str(args.out / f"ner-{lang}.crfsuite"),
                          "train_s": round(time.perf_counter() - t0, 1)}), flush=True)


if __name__ == "__main__":
    main()
