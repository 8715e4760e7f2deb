"""Character classes as NumPy tables over all of Unicode, for tests on many characters at once."""

from __future__ import annotations

from functools import lru_cache

import numpy as np


@lru_cache(maxsize=1)
def alphanumeric() -> np.ndarray:
    """``str.isalnum`` of every code point (letters, decimals, digits, numerics), lone
    surrogates included (False). Built once per process (~0.25 s)."""
    return np.fromiter((chr(c).isalnum() for c in range(0x110000)), dtype=bool, count=0x110000)


def code_points(text: str) -> np.ndarray:
    """The code points of a text (lone surrogates kept as they are)."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
