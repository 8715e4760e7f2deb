"""Arabic and Latin names reduced to one consonant skeleton, to compare across scripts.

Arabic names are written without short vowels and Latin transcriptions disagree on vowels and
on a few consonants, so both sides are mapped to classes of consonants and the vowels dropped:

- Arabic: ب/پ b, ت/ط/ث t, ج j, ح/ه h, خ/ق/ك k, د/ذ/ض d, ر r, ز/ظ z, س/ص s, ش c (sh),
  غ/گ g, ف/ڤ f, ل l, م m, ن n; ا و ي ى ع ء and the hamza seats are vowels or glides: dropped.
- Latin: the French and English spellings of those sounds — ``ch``/``sh``/``sch`` c (``chr`` kr),
  ``kh``/``q``/``ck``/hard ``c`` k, ``gh`` g, ``th`` t, ``dh`` d, ``ph``/``v`` f, ``p`` b,
  ``dj``/``j``/soft ``g`` j, soft ``c`` s, ``x`` ks; ``ou``, ``w``, ``y`` and vowels dropped.
- The article: ``ال`` at the start of a word (also after و/ب/ف/ك), ``al-``/``el-`` (and the
  assimilated ``ad-``, ``as-``, ``ash-`` …) and separate ``al``/``el`` words; ``Abdel``/``Abdul``
  and ``عبدال`` are ``abd`` + the rest.
- Doubled letters count once and a word-final ``h`` is dropped on both sides: Latin writes
  ``Fatima``/``Fatimah`` for ة and ``Salah``/``Saleh`` for ح alike.

``names_match`` compares two skeletons word by word with a small weighted edit distance (the
near classes g/j/k, s/z/c, t/d cost half) and refuses short names: three consonants are shared
by too many people, so an exact match needs four consonants over two words (or five in one
word) and a match with an edit needs six. A match is only a hint; ``analysis.entities.identity`` merges nothing on it
without agreeing context.
"""

from __future__ import annotations

import re

from analysis.entities.text import fold, has_arabic

ARABIC_CLASSES = {
    "ب": "b", "پ": "b", "ت": "t", "ط": "t", "ث": "t", "ج": "j", "چ": "c", "ح": "h", "ه": "h", "خ": "k",
    "ق": "k", "ك": "k", "ک": "k", "د": "d", "ذ": "d", "ض": "d", "ر": "r", "ز": "z", "ظ": "z", "س": "s",
    "ص": "s", "ش": "c", "غ": "g", "گ": "g", "ف": "f", "ڤ": "f", "ل": "l", "م": "m", "ن": "n",
}
# Ordered: longer spellings first. Each maps a Latin spelling to its class (or "" for a vowel).
_LATIN_RULES = [
    ("tsch", "tc"), ("sch", "c"), ("tch", "tc"), ("chr", "kr"), ("ch", "c"), ("sh", "c"), ("kh", "k"), ("gh", "g"),
    ("th", "t"), ("dh", "d"), ("ph", "f"), ("dj", "j"), ("ck", "k"), ("qu", "k"), ("gu", "g"),
    ("ou", ""), ("x", "ks"), ("q", "k"), ("k", "k"), ("p", "b"), ("b", "b"), ("v", "f"), ("f", "f"),
    ("t", "t"), ("d", "d"), ("s", "s"), ("z", "z"), ("j", "j"), ("h", "h"), ("l", "l"), ("m", "m"),
    ("n", "n"), ("r", "r"),
]
_LATIN_ARTICLE = re.compile(r"(?:^|(?<=[\s-]))(?:a|e|u)(?:l|d|s|sh|t|z|r|n)-|(?:^|(?<=\s))(?:al|el)(?=\s)")
_LATIN_ABD = re.compile(r"\babd(?:el|ul|al|oul|ol|ou|u)(?=[a-z])")
_ARABIC_ARTICLE = re.compile(r"^(?:[وبفك]?ال|لل)(?=[^\s]{2})")
_ARABIC_ABD = re.compile(r"^عبد(?:ال)(?=..)")
NEAR = {frozenset(p) for p in ("gj", "gk", "sz", "sc", "td")}
MIN_EXACT = 4          # consonants of a two-word name matched exactly (Aziz Akhannouch: z knc)
MIN_EXACT_ONE_WORD = 5  # consonants of a one-word name matched exactly
MIN_FUZZY = 6          # consonants of a name matched with an edit
MIN_LONG = 7           # consonants of a long name (see long_exact_match)


def skeleton(name: str) -> tuple[str, ...]:
    """The consonant skeleton of a name, one string per word (words that are all vowels drop)."""
    if has_arabic(name):
        # The article is told apart before folding, which turns آلان (Alain) into الان.
        words = _arabic_words(" ".join(_ARABIC_ARTICLE.sub("", w) for w in name.split()))
    else:
        words = _latin_words(fold(name))
    return tuple(w for w in words if w)


def _arabic_words(text: str) -> list[str]:
    out = []
    for word in fold(text).split():
        if _ARABIC_ABD.match(word):
            out.append("bd")
            word = word[5:]
        out.append(_word_end(_collapse("".join(ARABIC_CLASSES.get(c, "") for c in word))))
    return out


def _latin_words(key: str) -> list[str]:
    key = _LATIN_ABD.sub("abd ", key)
    key = _LATIN_ARTICLE.sub(" ", key)
    return [_latin_word(w) for w in re.split(r"[\s\-'.]+", key) if w]


def _latin_word(word: str) -> str:
    out, i = [], 0
    while i < len(word):
        ch = word[i]
        nxt = word[i + 1:i + 2]
        if ch in "cg" and nxt and nxt in "eiy":
            out.append("s" if ch == "c" else "j")  # soft c and g (France, George)
            i += 1
            continue
        for spelling, cls in _LATIN_RULES:
            if word.startswith(spelling, i):
                out.append(cls)
                i += len(spelling)
                break
        else:
            out.append("k" if ch == "c" else "g" if ch == "g" else "")  # hard c and g; vowels and others drop
            i += 1
    return _word_end(_collapse("".join(out)))


def _collapse(s: str) -> str:
    return re.sub(r"(.)\1+", r"\1", s)


def _word_end(s: str) -> str:
    return s[:-1] if s.endswith("h") else s


def edit_cost(a: str, b: str) -> float:
    """Levenshtein distance where a substitution within a near class costs half."""
    prev = [float(j) for j in range(len(b) + 1)]
    for i, ca in enumerate(a, 1):
        cur = [float(i)]
        for j, cb in enumerate(b, 1):
            sub = 0.0 if ca == cb else 0.5 if frozenset((ca, cb)) in NEAR else 1.0
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + sub))
        prev = cur
    return prev[-1]


def _word_allowance(n: int) -> float:
    """Edit cost tolerated in a word of ``n`` consonants: none under 4, half (a near class) at 4,
    one from 5 (a silent letter or a vowel written as a consonant)."""
    return 0.0 if n < 4 else 0.5 if n == 4 else 1.0


def names_match(a: str, b: str) -> bool:
    """Whether two names, one in Arabic and one in Latin script, have the same skeleton (see the
    module docstring). Names of one script, or too short to tell apart, never match."""
    if has_arabic(a) == has_arabic(b):
        return False
    sa, sb = skeleton(a), skeleton(b)
    total = min(sum(map(len, sa)), sum(map(len, sb)))
    if sa == sb:
        return total >= (MIN_EXACT if len(sa) > 1 else MIN_EXACT_ONE_WORD)
    if total < MIN_FUZZY:
        return False
    if len(sa) == len(sb):
        return all(edit_cost(x, y) <= _word_allowance(min(len(x), len(y))) for x, y in zip(sa, sb))
    # Word boundaries disagree (Abdelilah / عبد الإله): the whole must then be the same.
    return "".join(sa) == "".join(sb)


def long_exact_match(a: str, b: str) -> bool:
    """Skeletons equal word for word, over two words or more and at least ``MIN_LONG`` consonants:
    a shape rare enough that little context is needed to accept it (Benyamin Netanyahou)."""
    sa = skeleton(a)
    return has_arabic(a) != has_arabic(b) and len(sa) >= 2 and sum(map(len, sa)) >= MIN_LONG and sa == skeleton(b)
