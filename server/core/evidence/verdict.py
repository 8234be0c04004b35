"""Compose the shopper's verdict and each check's findings from a (public) evidence report.

Pure data, no words: a `Sentence` names a message `code`, its `tone`, the check it links to
and the counts and values the message needs; the web layer turns it into text in the
shopper's language (gettext, with plural forms on ``num``). Every finding that is not good
names what is missing or what went wrong, so "unknown" is never left unexplained.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from server.core.evidence.result import worst

TONES = ("known", "good", "missing", "problem")
"""What a sentence tells: what is known, what is good, what is not yet shown, what is wrong."""

# Which ok check the verdict tells first, when there is one.
GOOD_ORDER = (
    "deforestation",
    "farmgate_price",
    "child_labour",
    "yield_plausibility",
    "plot_geometry",
    "conversion_balance",
    "evidence_freshness",
)
MAX_ISSUES = 2  # with the origin and the good sentence: a verdict of at most 4 sentences
_SEVERITY = {"fail": 0, "warn": 1, "unknown": 2}
_TONE_STATUS = {"problem": "warn", "missing": "unknown", "good": "ok", "known": "ok"}


@dataclass(frozen=True)
class Sentence:
    """One generated sentence: message code, tone, linked check key, and its values."""

    code: str
    tone: str
    check: str | None
    values: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.tone not in TONES:
            raise ValueError(f"`tone` must be one of {TONES}, got {self.tone!r}")


def tone_of(status: str) -> str:
    """Return the tone of a check or row status: ok is good, unknown missing, else problem."""
    return {"ok": "good", "unknown": "missing"}.get(status, "problem")


Category = Callable[[Mapping[str, Any]], str]


def _by_status(fail: str, warn: str, unknown: str) -> Category:
    return lambda row: {"fail": fail, "warn": warn, "unknown": unknown}[row["status"]]


def _reason_has(words: Sequence[tuple[str, str]], default: str) -> Callable[[str], str]:
    """Return a function picking the code of the first word found in a row's reason."""

    def pick(reason: str) -> str:
        return next((code for word, code in words if word in reason), default)

    return pick


_PRICE_UNKNOWN = _reason_has(
    (
        ("no payment", "price_no_payment"),
        ("exchange rate", "price_no_rate"),
        ("reference price", "price_no_reference"),
    ),
    "price_bad_record",
)
_FRESH = _reason_has(
    (("expired", "fresh_expired"), ("stale", "fresh_stale")),
    "fresh_undated",
)


@dataclass(frozen=True)
class _Rules:
    """How one check's rows become findings: a code per flagged row kind, and the rest."""

    flagged: Category  # a non-ok row -> its code (rows of one code are counted together)
    ok: str  # every row ok
    empty: str  # no rows: nothing to check
    rows: Callable[[Mapping[str, Any]], list[Mapping[str, Any]]] = lambda c: list(
        c.get("details", [])
    )


def _reason(row: Mapping[str, Any]) -> str:
    return str(row.get("reason") or "")


RULES: dict[str, _Rules] = {
    "yield_plausibility": _Rules(
        lambda r: (
            {"fail": "yield_max", "warn": "yield_over"}.get(r["status"])
            or (
                "yield_unknown_reference"
                if "yield parameters" in _reason(r)
                else "yield_unknown_area"
            )
        ),
        "yield_ok",
        "yield_none",
    ),
    "plot_geometry": _Rules(lambda r: "geometry_fail", "geometry_ok", "geometry_none"),
    "deforestation": _Rules(
        lambda r: (
            "defo_fail"
            if r["status"] == "fail"
            else ("defo_unassessed" if _reason(r) == "no assessment" else "defo_inconclusive")
        ),
        "defo_ok",
        "defo_none",
    ),
    "farmgate_price": _Rules(
        lambda r: "price_low" if r["status"] != "unknown" else _PRICE_UNKNOWN(_reason(r)),
        "price_ok",
        "price_none",
    ),
    "child_labour": _Rules(
        lambda r: "clmrs_uncovered" if r["status"] == "fail" else "clmrs_open",
        "clmrs_ok",
        "clmrs_none",
    ),
    "conversion_balance": _Rules(
        lambda r: "conversion_unknown" if r["status"] == "unknown" else "conversion_off",
        "conversion_ok",
        "conversion_none",
    ),
    "transport_emissions": _Rules(
        lambda r: "emissions_unknown", "emissions_value", "emissions_none"
    ),
    "evidence_freshness": _Rules(
        lambda r: _FRESH(_reason(r)),
        "fresh_ok",
        "fresh_none",
        lambda c: [r for r in c.get("details", []) if not r.get("superseded_by")],
    ),
}


def _extras(check: Mapping[str, Any]) -> dict[str, Any]:
    """Return the values every sentence of `check` may use (parameters, the check's value)."""
    params = check.get("parameters") or {}
    extras: dict[str, Any] = {"value": None if check.get("withheld") else check.get("value")}
    if "deforestation_cutoff" in params:
        extras["cutoff"] = params["deforestation_cutoff"].get("value")
    if "clmrs_window_months" in params:
        extras["months"] = int(params["clmrs_window_months"]["value"])
    return extras


def findings(check: Mapping[str, Any], places: Mapping[str, str] | None = None) -> list[Sentence]:
    """Return what `check` found, in sentences: flagged rows by kind (worst first), or ok.

    `places` maps farm ids to the public place (a country code) for the origin sentence.
    """
    key = str(check["key"])
    status = str(check.get("status", "unknown"))
    if key == "known_origin_share":
        return _origin(check, places or {})
    rules = RULES.get(key)
    if rules is None:
        return [Sentence("check_status", tone_of(status), key, {"status": status})]
    extras = _extras(check)
    rows = rules.rows(check)
    if not rows or (key == "child_labour" and check.get("value") is None):
        return [Sentence(rules.empty, "missing", key, extras)]
    statuses: dict[str, list[str]] = {}
    for row in rows:
        if row.get("status") not in ("ok", None):
            statuses.setdefault(rules.flagged(row), []).append(str(row["status"]))
    found = sorted(
        (
            Sentence(code, tone_of(worst(st)), key, {**extras, "num": len(st), "total": len(rows)})
            for code, st in statuses.items()
        ),
        key=lambda s: (_rank(_TONE_STATUS[s.tone]), s.code),
    )
    if not found:
        return [Sentence(rules.ok, "good", key, {**extras, "total": len(rows)})]
    if key == "farmgate_price" and extras["value"] is not None:
        found.append(Sentence("price_known_part", "known", key, extras))
    return found


def _rank(status: str) -> int:
    return _SEVERITY.get(status, 3)


def _origin(check: Mapping[str, Any], places: Mapping[str, str]) -> list[Sentence]:
    key = str(check["key"])
    rows = list(check.get("details", []))
    farms = [r for r in rows if "farm" in r and r.get("registered")]
    if check.get("value") is None or not farms:
        return [Sentence("origin_none", "missing", key)]
    share = float(check["value"])
    where = tuple(sorted({places[r["farm"]] for r in farms if places.get(r["farm"])}))
    code = "origin_all" if share >= 0.9995 else "origin_share"
    found = [Sentence(code, "known", key, {"share": share, "num": len(farms), "places": where})]
    tone = tone_of(str(check.get("status", "unknown")))
    gaps: dict[str, float] = {}
    for row in rows:
        if "unknown" in row:
            gaps[str(row["unknown"])] = gaps.get(str(row["unknown"]), 0.0) + float(row["share"])
    for cause, gap in sorted(gaps.items(), key=lambda item: -item[1]):
        found.append(Sentence("origin_gap", tone, key, {"share": gap, "cause": cause}))
    unmapped = [r for r in rows if "farm" in r and not r.get("registered")]
    if unmapped:
        part = sum(float(r.get("share") or 0.0) for r in unmapped)
        found.append(Sentence("origin_unmapped", tone, key, {"num": len(unmapped), "share": part}))
    return found


def verdict(report: Mapping[str, Any], places: Mapping[str, str] | None = None) -> list[Sentence]:
    """Return the page's verdict: 2 to 4 sentences, each linked to the check it comes from.

    In order: what is known (the traced share, farms and places), one thing that is good,
    then what is not yet shown and what went wrong (the worst `MAX_ISSUES` checks; when
    there are more, the last sentence counts the rest and names their checks).
    """
    checks = list(report.get("checks", []))
    if not checks:
        return []
    by_key = {str(c["key"]): c for c in checks}
    out: list[Sentence] = []
    if "known_origin_share" in by_key:
        out.append(findings(by_key["known_origin_share"], places)[0])
    good = next((k for k in GOOD_ORDER if by_key.get(k, {}).get("status") == "ok"), None)
    if good is not None:
        out.append(findings(by_key[good])[0])
    flagged = sorted(
        (c for c in checks if c.get("status") != "ok"), key=lambda c: _rank(str(c["status"]))
    )
    issues = [_issue(c, places) for c in flagged]
    if len(issues) > MAX_ISSUES:
        rest = [str(c["key"]) for c in flagged[MAX_ISSUES - 1 :]]
        more = Sentence("more_issues", "problem", None, {"num": len(rest), "checks": tuple(rest)})
        issues = [*issues[: MAX_ISSUES - 1], more]
    # what is not yet shown before what went wrong
    issues.sort(key=lambda s: s.tone != "missing")
    return out + issues


def _issue(check: Mapping[str, Any], places: Mapping[str, str] | None) -> Sentence:
    """Return the sentence of a non-ok check that says what is missing or wrong."""
    found = findings(check, places)
    return next((s for s in found if s.tone in ("missing", "problem")), found[0])
