"""Draft registry rows for a human to review (a developer tool, not part of the pipeline).

    python -m analysis.entities.draft countries > /tmp/countries.yaml   # from CLDR (babel)
    python -m analysis.entities.draft itn ../shared/corpus/itn/itn_blurbs_dev.jsonl > /tmp/itn.yaml

``countries`` takes country names in fr/en/ar/es from the Unicode CLDR data that ships with
babel; ``itn`` groups Wikipedia "In the news" blurbs by story ``qid`` and prints the story
subject's name in each language plus the linked surface forms pointing at it. Both only print
drafts: the reviewed rows live in ``analysis/data/entities/*.yaml``, which is what the
pipeline reads. Nothing here touches the network.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

# CLDR region codes that are not countries or are too small to be worth a row here.
NOT_COUNTRIES = set(
    "AC AI AQ AS AW AX BL BM BQ BV CC CK CP CQ CW CX DG EA EU EZ FK FO GG GS GU HM IM IO JE KY MF MP MS "
    "NF NU PM PN QO SH SJ SX TA TC TF TK UM UN VG VI WF ZZ XA XB".split())

# QIDs of countries and territories (Wikidata), reviewed by hand.
COUNTRY_QIDS = dict(pair.split(":") for pair in """
AF:Q889 AL:Q222 DZ:Q262 AD:Q228 AO:Q916 AG:Q781 AR:Q414 AM:Q399 AU:Q408 AT:Q40 AZ:Q227 BS:Q778 BH:Q398
BD:Q902 BB:Q244 BY:Q184 BE:Q31 BZ:Q242 BJ:Q962 BT:Q917 BO:Q750 BA:Q225 BW:Q963 BR:Q155 BN:Q921 BG:Q219
BF:Q965 BI:Q967 KH:Q424 CM:Q1009 CA:Q16 CV:Q1011 CF:Q929 TD:Q657 CL:Q298 CN:Q148 CO:Q739 KM:Q970 CG:Q971
CD:Q974 CR:Q800 CI:Q1008 HR:Q224 CU:Q241 CY:Q229 CZ:Q213 DK:Q35 DJ:Q977 DM:Q784 DO:Q786 EC:Q736 EG:Q79
SV:Q792 GQ:Q983 ER:Q986 EE:Q191 SZ:Q1050 ET:Q115 FJ:Q712 FI:Q33 FR:Q142 GA:Q1000 GM:Q1005 GE:Q230 DE:Q183
GH:Q117 GR:Q41 GD:Q769 GT:Q774 GN:Q1006 GW:Q1007 GY:Q734 HT:Q790 HN:Q783 HU:Q28 IS:Q189 IN:Q668 ID:Q252
IR:Q794 IQ:Q796 IE:Q27 IL:Q801 IT:Q38 JM:Q766 JP:Q17 JO:Q810 KZ:Q232 KE:Q114 KI:Q710 KW:Q817 KG:Q813
LA:Q819 LV:Q211 LB:Q822 LS:Q1013 LR:Q1014 LY:Q1016 LI:Q347 LT:Q37 LU:Q32 MG:Q1019 MW:Q1020 MY:Q833
MV:Q826 ML:Q912 MT:Q233 MH:Q709 MR:Q1025 MU:Q1027 MX:Q96 FM:Q702 MD:Q217 MC:Q235 MN:Q711 ME:Q236 MA:Q1028
MZ:Q1029 MM:Q836 NA:Q1030 NR:Q697 NP:Q837 NL:Q55 NZ:Q664 NI:Q811 NE:Q1032 NG:Q1033 KP:Q423 MK:Q221 NO:Q20
OM:Q842 PK:Q843 PW:Q695 PA:Q804 PG:Q691 PY:Q733 PE:Q419 PH:Q928 PL:Q36 PT:Q45 QA:Q846 RO:Q218 RU:Q159
RW:Q1037 KN:Q763 LC:Q760 VC:Q757 WS:Q683 SM:Q238 ST:Q1039 SA:Q851 SN:Q1041 RS:Q403 SC:Q1042 SL:Q1044
SG:Q334 SK:Q214 SI:Q215 SB:Q685 SO:Q1045 ZA:Q258 KR:Q884 SS:Q958 ES:Q29 LK:Q854 SD:Q1049 SR:Q730 SE:Q34
CH:Q39 SY:Q858 TJ:Q863 TZ:Q924 TH:Q869 TL:Q574 TG:Q945 TO:Q678 TT:Q754 TN:Q948 TR:Q43 TM:Q874 TV:Q672
UG:Q1036 UA:Q212 AE:Q878 GB:Q145 US:Q30 UY:Q77 UZ:Q265 VU:Q686 VA:Q237 VE:Q717 VN:Q881 YE:Q805 ZM:Q953
ZW:Q954 PS:Q219060 XK:Q1246 TW:Q865 EH:Q6250 HK:Q8646 MO:Q14773 PR:Q1183 GL:Q223 GI:Q1410 RE:Q17070
NC:Q33788 GF:Q3769 GP:Q17012 MQ:Q17054 YT:Q17063 PF:Q30971 IC:Q5813
""".split())


def draft_countries(out=sys.stdout) -> None:
    try:
        from babel import Locale
    except ImportError:  # babel comes with jupyterlab; this tool is for developers only
        raise SystemExit("the countries draft needs babel (pip install babel)") from None
    locales = {lang: Locale(lang) for lang in ("fr", "en", "ar", "es")}
    for code in sorted(locales["en"].territories):
        if len(code) != 2 or code in NOT_COUNTRIES:
            continue
        names = {lang: loc.territories[code].replace(" & ", " and " if lang == "en" else " & ")
                 for lang, loc in locales.items()}
        qid = COUNTRY_QIDS.get(code)
        fields = [f"id: {code.lower()}", "type: LOC"] + ([f"qid: {qid}"] if qid else [])
        fields += [f"{lang}: {json.dumps(name, ensure_ascii=False)}" for lang, name in names.items()]
        print("- {" + ", ".join(fields) + "}", file=out)


def draft_itn(path: str | Path, out=sys.stdout) -> None:
    stories: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    keywords: dict[str, dict[str, str]] = defaultdict(dict)
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            qid, lang, kw = row["qid"], row["lang"], row["keyword"]
            keywords[qid][lang] = kw
            for link in row["links"]:
                if link["title"] == kw and link["surface"] != kw:
                    stories[qid][lang].add(link["surface"])
    for qid, names in sorted(keywords.items(), key=lambda kv: -len(kv[1])):
        fields = [f"qid: {qid}", "type: '?'"] + [f"{lang}: {json.dumps(n, ensure_ascii=False)}" for lang, n in sorted(names.items())]
        extra = {lang: sorted(v) for lang, v in stories[qid].items() if v}
        if extra:
            fields.append("aliases: " + json.dumps(extra, ensure_ascii=False))
        print("- {" + ", ".join(fields) + "}", file=out)


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "countries":
        draft_countries()
    elif len(sys.argv) >= 3 and sys.argv[1] == "itn":
        draft_itn(sys.argv[2])
    else:
        raise SystemExit(__doc__)
