"""Which days a text names: weekdays and day-month dates, as a 64-bit mask.

Two texts that are nearly the same words but name different days are usually two
different events told with the same template: tomorrow's weather bulletin, the next
round's fixtures, a second missing-person notice. Story detection uses the masks as a
veto (see ``detect.same_story``). Names are matched on ``text.fold`` output (lower case,
no accents or hamza seats, ة→ه, ى→ي, ASCII digits), so the lists below are written folded.
"""

from __future__ import annotations

import numpy as np
import polars as pl

WEEKDAYS: dict[str, int] = {}
for _names in (
    "lundi mardi mercredi jeudi vendredi samedi dimanche",
    "monday tuesday wednesday thursday friday saturday sunday",
    "lunes martes miercoles jueves viernes sabado domingo",
    "الاثنين الثلاثاء الاربعاء الخميس الجمعه السبت الاحد",
):
    for _i, _name in enumerate(_names.split()):
        WEEKDAYS[_name] = _i
WEEKDAYS["الاتنين"] = 0

MONTHS: dict[str, int] = {}
for _names in (
    "janvier fevrier mars avril mai juin juillet aout septembre octobre novembre decembre",
    "january february march april may june july august september october november december",
    "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre",
    # Maghreb (Tunisia, Algeria), Egypt/Gulf, Morocco month names.
    "جانفي فيفري مارس افريل ماي جوان جويليه اوت سبتمبر اكتوبر نوفمبر ديسمبر",
    "يناير فبراير مارس ابريل مايو يونيو يوليو اغسطس سبتمبر اكتوبر نوفمبر ديسمبر",
    "يناير فبراير مارس ابريل ماي يونيو يوليوز غشت شتنبر اكتوبر نونبر دجنبر",
):
    for _i, _name in enumerate(_names.split()):
        MONTHS.setdefault(_name, _i + 1)
for _name, _m in {"janv": 1, "fev": 2, "avr": 4, "juil": 7, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
                  "jan": 1, "feb": 2, "apr": 4, "aug": 8, "sep": 9, "jul": 7, "jun": 6,
                  "جويلة": 7, "جويلية": 7, "كانون الثاني": 1, "شباط": 2, "اذار": 3, "نيسان": 4,
                  "ايار": 5, "حزيران": 6, "تموز": 7, "اب": 8, "ايلول": 9, "تشرين الاول": 10,
                  "تشرين الثاني": 11, "كانون الاول": 12}.items():
    MONTHS.setdefault(_name, _m)

_MONTH_ALT = "|".join(sorted(map(str, MONTHS), key=len, reverse=True))
_WEEKDAY_RE = r"\b(" + "|".join(sorted(WEEKDAYS, key=len, reverse=True)) + r")\b"
_DAY_MONTH_RE = r"\b([0-3]?[0-9])(?:er)? ?(?:de )?(" + _MONTH_ALT + r")\b"
# Month before day is English usage ("January 4", "Sept. 12"); other languages put the day first.
_EN_MONTHS = [m for m, _ in sorted(MONTHS.items(), key=lambda kv: -len(kv[0]))
              if m in "january february march april may june july august september october november december "
                      "jan feb apr jun jul aug sep sept oct nov dec".split()]
_MONTH_DAY_RE = r"\b(" + "|".join(_EN_MONTHS) + r")\.? ([0-3]?[0-9])(?:st|nd|rd|th)?\b"
_NUMERIC_RE = r"\b([0-3]?[0-9])[/.-]([01]?[0-9])[/.-](?:19|20)?[0-9]{2}\b"

# Bit 0-6: weekdays; the other 57 bits: (day, month) pairs hashed. Collisions only make
# two texts look as if they named a common day, i.e. they weaken the veto, never add one.
_DATE_BITS = 57


def _date_bit(day: pl.Expr, month: pl.Expr) -> pl.Expr:
    return 7 + ((day * 37 + month * 11) % _DATE_BITS)


def calendar_masks(folded: pl.Series) -> np.ndarray:
    """uint64 per text: bit set for every weekday and (day, month) the text names; 0 if none."""
    n = folded.len()
    frame = pl.DataFrame({"doc": np.arange(n, dtype=np.int64), "t": folded.fill_null("").str.to_lowercase()})

    def matches(pattern: str) -> pl.DataFrame:
        # One regex per pass: an alternation of all four defeats the regex prefilters.
        return frame.select("doc", m=pl.col("t").str.extract_all(pattern)).explode("m").drop_nulls()

    bits = [matches(_WEEKDAY_RE).select("doc", bit=pl.col("m").str.extract(_WEEKDAY_RE, 1).replace_strict(
        WEEKDAYS, default=None, return_dtype=pl.Int64))]
    for pattern, day_group, month_group, numeric in (
        (_DAY_MONTH_RE, 1, 2, False),
        (_MONTH_DAY_RE, 2, 1, False),
        (_NUMERIC_RE, 1, 2, True),
    ):
        parsed = matches(pattern).select("doc", d=pl.col("m").str.extract(pattern, day_group),
                                         mo=pl.col("m").str.extract(pattern, month_group))
        month = (pl.col("mo").cast(pl.Int64, strict=False) if numeric
                 else pl.col("mo").replace_strict(MONTHS, default=None, return_dtype=pl.Int64))
        parsed = parsed.select("doc", d=pl.col("d").cast(pl.Int64, strict=False), mo=month).filter(
            pl.col("d").is_between(1, 31) & pl.col("mo").is_between(1, 12))
        bits.append(parsed.select("doc", bit=_date_bit(pl.col("d"), pl.col("mo"))))
    allbits = pl.concat(bits).drop_nulls()
    out = np.zeros(n, np.uint64)
    if allbits.height:
        doc = allbits["doc"].to_numpy()
        bit = allbits["bit"].to_numpy().astype(np.uint64)
        np.bitwise_or.at(out, doc, np.left_shift(np.uint64(1), bit))
    return out


def calendar_conflict(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """True where both texts name days and none in common."""
    return (a != 0) & (b != 0) & ((a & b) == 0)
