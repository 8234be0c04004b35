"""Tell which continent a country (ISO 3166-1 alpha-2 code) lies on, for choosing transport modes.

Transcontinental countries are put where most of their people live (Russia in Europe,
Turkey and Kazakhstan in Asia, Egypt in Africa); Cyprus is with Europe. A code not listed
gives None.
"""

from __future__ import annotations

_CODES = {
    "Africa": (
        "DZ AO BJ BW BF BI CV CM CF TD KM CD CG CI DJ EG GQ ER SZ ET GA GM GH GN GW KE LS LR LY "
        "MG MW ML MR MU YT MA MZ NA NE NG RE RW SH ST SN SC SL SO ZA SS SD TZ TG TN UG EH ZM ZW"
    ),
    "Europe": (
        "AL AD AT BY BE BA BG HR CY CZ DK EE FO FI FR DE GI GR GG HU IS IE IM IT JE XK LV LI LT "
        "LU MT MD MC ME NL MK NO PL PT RO RU SM RS SK SI ES SJ SE CH UA GB VA AX"
    ),
    "Asia": (
        "AF AM AZ BH BD BT BN KH CN GE HK IN ID IR IQ IL JP JO KZ KW KG LA LB MO MY MV MN MM NP "
        "KP OM PK PS PH QA SA SG KR LK SY TW TJ TH TL TR TM AE UZ VN YE"
    ),
    "North America": (
        "AG AI AW BS BB BZ BM BQ BL CA KY CR CU CW DM DO SV GL GD GP GT HT HN JM MQ MX MS NI PA "
        "PR KN LC MF PM VC SX TT TC US VG VI"
    ),
    "South America": "AR BO BR CL CO EC FK GF GY PY PE SR UY VE",
    "Oceania": "AS AU CK FJ PF GU KI MH FM NR NC NZ NU NF MP PW PG PN WS SB TK TO TV VU WF",
}
_CONTINENT_OF = {code: name for name, codes in _CODES.items() for code in codes.split()}


def continent(country: str | None) -> str | None:
    """Return the continent of `country` (an ISO 3166-1 alpha-2 code), or None if unknown."""
    if not country:
        return None
    return _CONTINENT_OF.get(country.strip().upper())
