"""Rebuild the CRF recognisers in ``analysis/data/models/`` (``make models``).

    python -m analysis.entities.train [--lang ar en fr] [--folds 5] [--ner-dir ../shared/ner]
        [--corpus ../shared/corpus] [--score-only]

For each language: score a k-fold cross-validation (documents i with i % k == fold are held out;
document-level F1 as ``presswatch eval entities`` computes it, registry alone and combined),
then train on every document and write ``ner-<lang>.crfsuite`` in ``analysis/data/models``. One
JSON line per fold and per language goes to stdout. L-BFGS on fixed data in a fixed order: the
same inputs give the same model. The word counts (``<lang>-words.tsv``, a feature, and for
Arabic what decides proclitic stripping) are rebuilt first from the gold texts and the corpus.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import tempfile
import time
from collections import Counter
from pathlib import Path

from analysis.entities import crf
from analysis.entities.evaluate import read_gold, score
from analysis.entities.registry import load_registry
from analysis.entities.text import fold, has_arabic

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


def word_counts(lang: str, corpus: Path, gold_rows: list[dict]) -> Counter:
    """Folded word counts in running text: every Arabic word of the ANT articles and ANERcorp
    (clitics re-attached); English (Wikigold, Wikinews 2019) and French (WiNER-fr) words written
    in lower case."""
    counts: Counter = Counter()
    texts = [row["raw"] for row in gold_rows]
    if lang == "ar":
        for path in sorted((corpus / "ant-jawhara").rglob("*.txt")):
            m = re.search(r"<TITLE>(.*?)</TITLE>.*<TEXT>(.*?)</TEXT>", path.read_text(encoding="utf-8"), re.S)
            if m:
                texts.append(m.group(1) + "\n" + m.group(2))
        for text in texts:
            counts.update(fold(text[s:e]) for s, e in crf.tokenize(text) if has_arabic(text[s:e]))
        for row in gold_rows:  # ANERcorp's separated clitics, as the recogniser sees them
            for words, _ in labelled_sentences(row, "ar"):
                counts.update(fold(w) for w in words if len(w) > 1 and w[0] in STANDALONE_CLITICS)
        return counts
    if lang == "en":
        with (corpus / "wikinews-en" / "wikinews_2019.csv").open(encoding="utf-8", newline="") as fh:
            texts += [row["title"] + "\n" + row["text"] for row in csv.DictReader(fh)]
    for text in texts:
        counts.update(fold(w) for s, e in crf.tokenize(text) if (w := text[s:e]).isalpha() and w.islower())
    return counts


def write_counts(counts: Counter, path: Path) -> None:
    """Words seen at least ``VOCAB_MIN_COUNT`` times, most frequent first (written whole, then
    renamed, so a recogniser never reads half a file)."""
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        for word, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            if n >= VOCAB_MIN_COUNT:
                fh.write(f"{word}\t{n}\n")
    os.replace(tmp, path)


def write_dictionary_words(counts: Counter, path: Path) -> None:
    """The proclitic-free forms of the counted Arabic words that simplemma knows (without the
    article): looked up once here, because simplemma is slow per word and the CRF asks per token."""
    import simplemma

    known = set()
    for word, n in counts.items():
        if n >= VOCAB_MIN_COUNT:
            bare = crf.strip_proclitics(word)
            core = bare[2:] if bare.startswith("ال") and len(bare) > 4 else bare
            if core.isalpha() and simplemma.is_known(core, lang="ar"):
                known.add(bare)
    tmp = path.with_suffix(".tmp")
    tmp.write_text("".join(w + "\n" for w in sorted(known)), encoding="utf-8")
    os.replace(tmp, path)


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
            crf.RECOGNISERS[lang] = crf.Recogniser(lang, path, gazetteer, vocabulary)
            try:
                result = score(test, modes=("registry", "ner", "combined"), registry=registry, french_ner="crf")
            finally:
                crf.RECOGNISERS.pop(lang, None)
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
    parser.add_argument("--score-only", action="store_true", help="cross-validate, do not write the models")
    args = parser.parse_args(argv)
    out = crf.model_dir()
    gazetteer = crf.registry_gazetteer()
    for lang in args.lang:
        folder, name = GOLD[lang]
        rows = read_gold(getattr(args, folder) / name)
        counts = word_counts(lang, args.corpus, rows)
        write_counts(counts, out / f"{lang}-words.tsv")
        if lang == "ar":
            write_dictionary_words(counts, out / "ar-dictionary.txt")
        crf.word_counts.cache_clear()
        crf.dictionary_words.cache_clear()
        vocabulary = crf.word_counts(lang)
        if args.folds > 1:
            scores = cross_validate(rows, lang, args.folds, gazetteer, vocabulary)
            print(json.dumps({"lang": lang, "folds": args.folds, "n_docs": len(rows), **scores}), flush=True)
        if args.score_only:
            continue
        t0 = time.perf_counter()
        train_model(rows, lang, out / f"ner-{lang}.crfsuite", gazetteer)
        print(json.dumps({"lang": lang, "model": str(out / f"ner-{lang}.crfsuite"),
                          "train_s": round(time.perf_counter() - t0, 1)}), flush=True)


if __name__ == "__main__":
    main()
