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
  and ``عبدال`` are ``abd`` + the rest, ``-eddine`` is the word ``din`` (سعد الدين). A proclitic before a hamza seat goes too (بإندونيسيا).
- Doubled letters count once and a word-final ``h`` is dropped on both sides: Latin writes
  ``Fatima``/``Fatimah`` for ة and ``Salah``/``Saleh`` for ح alike.

``names_match`` compares two skeletons word by word with a small weighted edit distance (the
near classes g/j/k, s/z/c, t/d cost half) and refuses short names: three consonants are shared
by too many people (and a lone word is often a first name: Christian/كريستيانو), so an exact
match needs five consonants over two words or more, or six in one word, and a match with an
edit needs two words, the same number on both sides, and six consonants. A match is only a
hint: ``analysis.entities.identity`` merges nothing on it without agreeing context.
"""

from __future__ import annotations

import re
from functools import lru_cache

from rapidfuzz.distance import Levenshtein

from analysis.entities.text import fold

ARABIC_CLASSES = {
    "ب": "b", "پ": "b", "ت": "t", "ط": "t", "ث": "t", "ج": "j", "چ": "c", "ح": "h", "ه": "h", "خ": "k",
    "ق": "k", "ك": "k", "ک": "k", "د": "d", "ذ": "d", "ض": "d", "ر": "r", "ز": "z", "ظ": "z", "س": "s",
    "ص": "s", "ش": "c", "غ": "g", "گ": "g", "ف": "f", "ڤ": "f", "ل": "l", "م": "m", "ن": "n",
}
_LATIN_RULES = [  # Latin spelling -> class ("" for a vowel)
    ("tsch", "tc"), ("sch", "c"), ("tch", "tc"), ("chr", "kr"), ("ch", "c"), ("sh", "c"), ("kh", "k"), ("gh", "g"),
    ("th", "t"), ("dh", "d"), ("ph", "f"), ("dj", "j"), ("ck", "k"), ("qu", "k"), ("gu", "g"),
    ("ou", ""), ("x", "ks"), ("q", "k"), ("k", "k"), ("p", "b"), ("b", "b"), ("v", "f"), ("f", "f"),
    ("t", "t"), ("d", "d"), ("s", "s"), ("z", "z"), ("j", "j"), ("h", "h"), ("l", "l"), ("m", "m"),
    ("n", "n"), ("r", "r"),
]
_LATIN_CLASSES = {**dict(_LATIN_RULES), "c": "k", "g": "g"}
_SOFT = {"c": "s", "g": "j"}  # before e, i, y (France, George)
_LATIN_RE = re.compile("|".join([*(re.escape(sp) for sp, _ in _LATIN_RULES if len(sp) > 1), "."]))  # longest first
_LATIN_ARTICLE = re.compile(r"(?:^|(?<=[\s-]))(?:a|e|u)(?:l|d|s|sh|t|z|r|n)-|(?:^|(?<=\s))(?:al|el)(?=\s)")
_LATIN_ABD = re.compile(r"\babd(?:el|ul|al|oul|ol|ou|u)(?=[a-z])")
_LATIN_DIN = re.compile(r"(?<=[a-z])-?[eua]d-?dine?\b")  # Saadeddine, Nasreddine: two words in Arabic
_ARABIC_ARTICLE = re.compile(r"^(?:[وبفك]?ال|لل)(?=[^\s]{2})")
_ARABIC_ABD = re.compile(r"^عبد(?:ال)(?=..)")
NEAR = {frozenset(p) for p in ("gj", "gk", "sz", "sc", "td")}
NEAR_MERGED = str.maketrans("gjzcd", "kksst")  # each near pair in one letter
MIN_EXACT = 5          # consonants of a name of two words or more matched exactly
MIN_ONE_WORD = 6       # consonants of a one-word name, which must match exactly
MIN_FUZZY = 6          # consonants of a name matched with an edit
MIN_LONG = 7           # consonants of a long name (see long_exact_match)


@lru_cache(maxsize=65536)
def skeleton(name: str) -> tuple[str, ...]:
    """The consonant skeleton of a name, one string per word (words that are all vowels drop)."""
    if is_arabic_name(name):
        # Prefixes are told apart before folding, which turns آلان (Alain) into الان.
        words = _arabic_words(" ".join(_strip_prefix(w) for w in name.split()))
    else:
        words = _latin_words(fold(name))
    return tuple(w for w in words if w)


def _strip_prefix(word: str) -> str:
    """A word without its article (with a proclitic before it), or without a proclitic before a
    hamza seat (بإندونيسيا, لأمريكا); ``اليو`` (Alliot) keeps its ``ال``: nothing would be left."""
    bare = _ARABIC_ARTICLE.sub("", word)
    if bare != word and any(c in ARABIC_CLASSES for c in bare):
        return bare
    if len(word) >= 5 and word[0] in "بلكف" and word[1] in "أإآ":
        return word[1:]
    return word


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
    key = _LATIN_DIN.sub(" din", key)
    key = _LATIN_ARTICLE.sub(" ", key)
    return [_latin_word(w) for w in re.split(r"[\s\-'.]+", key) if w]


def _latin_word(word: str) -> str:
    return _word_end(_collapse(_LATIN_RE.sub(_latin_class, word)))


def _latin_class(m: re.Match) -> str:
    spelling = m.group()
    if spelling in _SOFT and m.string[m.end():m.end() + 1] in ("e", "i", "y"):
        return _SOFT[spelling]
    return _LATIN_CLASSES.get(spelling, "")  # vowels and other letters drop


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
    return is_arabic_name(a) != is_arabic_name(b) and skeletons_match(skeleton(a), skeleton(b))


def skeletons_match(sa: tuple[str, ...], sb: tuple[str, ...]) -> bool:
    """``names_match`` on two skeletons already computed."""
    total = min(sum(map(len, sa)), sum(map(len, sb)))
    if sa == sb:
        return total >= (MIN_EXACT if len(sa) > 1 else MIN_ONE_WORD)
    if total < MIN_FUZZY or len(sa) != len(sb) or len(sa) < 2:
        return False
    return all(x == y or _word_close(x, y) for x, y in zip(sa, sb))


def _word_close(x: str, y: str) -> bool:
    allowed = _word_allowance(min(len(x), len(y)))
    # Merging the near classes only lowers the cost: a cheap bound (in C) before the exact one.
    return (allowed > 0 and Levenshtein.distance(x.translate(NEAR_MERGED), y.translate(NEAR_MERGED)) <= allowed
            and edit_cost(x, y) <= allowed)


def long_exact_match(a: str, b: str) -> bool:
    """Skeletons equal word for word, over two words or more and at least ``MIN_LONG`` consonants:
    a shape rare enough that little context is needed to accept it (Benyamin Netanyahou)."""
    sa = skeleton(a)
    return (is_arabic_name(a) != is_arabic_name(b) and len(sa) >= 2 and sum(map(len, sa)) >= MIN_LONG
            and sa == skeleton(b))


_ARABIC_RE = re.compile("[\u0600-\u06ff\u0750-\u077f\ufb50-\ufefc]")


def is_arabic_name(name: str) -> bool:
    """A name with an Arabic letter (``text.has_arabic``, as one regex search)."""
    return _ARABIC_RE.search(name) is not None
