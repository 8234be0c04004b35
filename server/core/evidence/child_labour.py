"""Check child-labour monitoring (CLMRS) coverage of the batch's farms and case follow-up."""

from __future__ import annotations

import calendar
from datetime import date
from typing import Any

from server.core.evidence.dates import DateTexts
from server.core.evidence.inputs import BatchInputs, EvidenceRecord
from server.core.evidence.parameters import scalar, to_date
from server.core.evidence.records import record_site, records_of
from server.core.evidence.result import CheckResult, plain, worst
from server.core.evidence.trace_model import Trace

KEY = "child_labour"
METHOD = (
    "Take the clmrs_visit records of the farms feeding the batch. A farm is covered when it had "
    "a visit within the window (in months) before the report date. Every visit in the window "
    "that identified children is a case; a case is followed up when the visit record counts at "
    "least the required number of follow-up visits. The value is the share of farms covered. "
    "Ok when every farm is covered and every case followed up; warn when coverage is at least "
    "the warn share; fail below; unknown when no farm of the batch has any CLMRS record."
)


def months_before(day: date, months: int) -> date:
    """Return the date `months` calendar months before `day` (clamped to the month's end)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def check_child_labour(inputs: BatchInputs, trace: Trace) -> CheckResult:
    """Return the CLMRS coverage of the batch's farms with their cases and remediation."""
    params: dict[str, Any] = {
        "clmrs_window_months": scalar(inputs.parameters, "clmrs_window_months", 24),
        "clmrs_min_follow_ups": scalar(inputs.parameters, "clmrs_min_follow_ups", 2),
        "clmrs_warn_coverage": scalar(inputs.parameters, "clmrs_warn_coverage", 0.8),
    }
    since = months_before(inputs.as_of, int(params["clmrs_window_months"]["value"]))
    needed = int(params["clmrs_min_follow_ups"]["value"])
    farms = trace.farm_ids
    visits: dict[str, list[tuple[date, EvidenceRecord]]] = {farm: [] for farm in farms}
    for record in records_of(inputs, "clmrs_visit"):
        farm = record_site(record)
        day = to_date(record.payload.get("visit_on")) or record.issued_on
        if farm in visits and day is not None and day <= inputs.as_of:
            visits[farm].append((day, record))
    texts = DateTexts()
    rows = [
        _row(farm, sorted(visits[farm], key=lambda v: (v[0], v[1].id)), since, needed, texts)
        for farm in farms
    ]
    evidence = tuple(sorted(r.id for farm in farms for _, r in visits[farm]))
    if not evidence:
        return CheckResult(
            KEY, "unknown", None, "ratio", METHOD, params, (), tuple(rows), ready=True
        )
    coverage = sum(1 for r in rows if r["covered"]) / len(rows)
    open_cases = sum(1 for r in rows for c in r["cases"] if not c["followed_up"])
    if coverage >= 1.0 and not open_cases:
        status = "ok"
    elif coverage + 1e-9 >= params["clmrs_warn_coverage"]["value"]:
        status = "warn"
    else:
        status = "fail"
    return CheckResult(
        KEY, status, coverage, "ratio", METHOD, params, evidence, tuple(rows), ready=True
    )


def _row(
    farm: str,
    visits: list[tuple[date, EvidenceRecord]],
    since: date,
    needed: int,
    texts: DateTexts,
) -> dict[str, Any]:
    recent = [(day, r) for day, r in visits if day >= since]
    cases = []
    for day, record in recent:
        children = int(record.payload.get("children_identified") or 0)
        if children <= 0:
            continue
        follow_ups = int(record.payload.get("follow_up_visits") or 0)
        cases.append(
            {
                "record": record.id,
                "visit_on": texts(day),
                "children_identified": children,
                "follow_up_visits": follow_ups,
                "followed_up": follow_ups >= needed,
                "remediation": plain(record.payload.get("remediation")),
            }
        )
    open_cases = sum(1 for c in cases if not c["followed_up"])
    reason = None
    if not visits:
        reason = "no CLMRS visit recorded"
    elif not recent:
        reason = f"no CLMRS visit since {since}; the last one was on {visits[-1][0]}"
    elif open_cases:
        reason = f"{open_cases} case(s) with fewer than {needed} follow-up visits"
    return {  # JSON-ready (`CheckResult.ready`)
        "farm": farm,
        "covered": bool(recent),
        "last_visit": texts(visits[-1][0]) if visits else None,
        "visits_in_window": [r.id for _, r in recent],
        "stale_visits": [r.id for day, r in visits if day < since],
        "cases": cases,
        "status": "fail"
        if not recent
        else worst("warn" if not c["followed_up"] else "ok" for c in cases),
        "reason": reason,
    }
