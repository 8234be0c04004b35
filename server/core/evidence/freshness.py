"""Flag expired and stale evidence records among those about the batch and its places."""

from __future__ import annotations

import calendar
from datetime import date
from typing import Any
from urllib.parse import unquote

from server.core.evidence.dates import DateReader, DateTexts
from server.core.evidence.inputs import BatchInputs, EvidenceRecord
from server.core.evidence.parameters import scalar
from server.core.evidence.records import record_site
from server.core.evidence.result import CheckResult, worst
from server.core.evidence.trace_model import Trace
from server.core.gs1.identifiers import canonical_id

KEY = "evidence_freshness"
ASSESSMENT_KINDS = ("audit", "deforestation_assessment")
"""Kinds that describe a state at a date: they go stale, and a newer one replaces an older."""
STATE_KINDS = ("certificate", *ASSESSMENT_KINDS)
METHOD = (
    "Take the evidence records issued on or before the report date whose subject is the "
    "batch, a site on its journey (farms included), or a plot of its farms (or whose payload "
    "names such a site). Of certificates, audits and deforestation assessments, only the "
    "latest per kind and subject counts; older ones are listed as superseded. A record whose "
    "valid_until is before the report date has expired: a fail for a certificate, a warning "
    "otherwise; a certificate without valid_until is unknown. An audit or assessment made "
    "(assessed_on, else issued_on) more than the maximum age before the report date is "
    "stale, a warning. The check takes the worst record; the value is the share of counted "
    "records that are current."
)


def check_evidence_freshness(inputs: BatchInputs, trace: Trace) -> CheckResult:
    """Return the expired and stale evidence records behind the batch."""
    max_age = scalar(inputs.parameters, "evidence_max_age_months", 24)
    params: dict[str, Any] = {"evidence_max_age_months": max_age}
    stale_before = months_before(inputs.as_of, int(max_age["value"]))
    used = used_records(inputs, trace)
    dates = DateReader()
    latest: dict[tuple[str, str, str], tuple[tuple[date, date, str], EvidenceRecord]] = {}
    for record in used:
        if record.kind in STATE_KINDS:
            group = (record.kind, record.subject_type, record.subject_id)
            held = latest.get(group)
            when = _when(record, dates)
            if held is None or when > held[0]:
                latest[group] = (when, record)
    rows = []
    texts = DateTexts()
    for record in used:
        newer = None
        if record.kind in STATE_KINDS:
            newer = latest[(record.kind, record.subject_type, record.subject_id)][1]
        rows.append(_row(record, inputs.as_of, stale_before, newer, dates, texts))
    counted = [r for r in rows if not r["superseded_by"]]
    evidence = tuple(r["record"] for r in rows)
    if not counted:
        return CheckResult(
            KEY, "unknown", None, "ratio", METHOD, params, evidence, tuple(rows), ready=True
        )
    current = sum(1 for r in counted if r["status"] == "ok") / len(counted)
    status = worst({r["status"] for r in counted})
    return CheckResult(
        KEY, status, current, "ratio", METHOD, params, evidence, tuple(rows), ready=True
    )


def used_records(inputs: BatchInputs, trace: Trace) -> list[EvidenceRecord]:
    """Return the records about the batch, its journey's sites or its farms' plots, by id."""
    sites = set(trace.sites) | set(trace.farm_ids)
    plots = {p.id for p in inputs.plots if p.farm in sites}
    plots.update(pid for o in trace.origins for pid in o.plot_ids)
    batch = _batch_names(inputs.batch_class)
    picked = []
    for record in inputs.evidence:
        if record.issued_on is not None and record.issued_on > inputs.as_of:
            continue
        kind, subject = record.subject_type, record.subject_id
        if (
            (kind == "plot" and subject in plots)
            or (kind == "site" and subject in sites)
            or (kind == "batch" and _batch_id(subject) in batch)
            or record_site(record) in sites
        ):
            picked.append(record)
    return sorted(picked, key=lambda r: r.id)


def months_before(day: date, months: int) -> date:
    """Return the date `months` calendar months before `day` (the month's last day if need be)."""
    if months < 0:
        raise ValueError(f"`months` must be >= 0, got {months}")
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def _batch_names(batch_class: str) -> set[str]:
    names = {batch_class}
    if "/10/" in batch_class:
        names.add(unquote(batch_class.rsplit("/10/", 1)[1].split("/", 1)[0]))
    return names


def _batch_id(subject: str) -> str:
    try:
        return canonical_id(subject)
    except ValueError:
        # Not a GS1 identifier: a plain lot number, compared as written.
        return subject


def _when(record: EvidenceRecord, dates: DateReader) -> tuple[date, date, str]:
    made = dates(record.payload.get("assessed_on")) or record.issued_on or date.min
    return (made, record.issued_on or date.min, record.id)


def _row(
    record: EvidenceRecord,
    as_of: date,
    stale_before: date,
    latest: EvidenceRecord | None,
    dates: DateReader,
    texts: DateTexts,
) -> dict[str, Any]:
    made = dates(record.payload.get("assessed_on")) or record.issued_on
    row: dict[str, Any] = {  # JSON-ready (`CheckResult.ready`)
        "record": record.id,
        "kind": record.kind,
        "subject": f"{record.subject_type}:{record.subject_id}",
        "issued_on": texts(record.issued_on),
        "assessed_on": texts(made) if record.kind in ASSESSMENT_KINDS else None,
        "valid_until": None if record.valid_until is None else texts(record.valid_until),
        "superseded_by": None,
    }
    if latest is not None and latest.id != record.id:
        row.update(superseded_by=latest.id, status="ok", reason="superseded")
    else:
        row["status"], row["reason"] = _status(record, made, as_of, stale_before)
    return row


def _status(
    record: EvidenceRecord, made: date | None, as_of: date, stale_before: date
) -> tuple[str, str | None]:
    """Return the (status, reason) of a record that is the latest of its kind and subject."""
    if record.valid_until is not None and record.valid_until < as_of:
        status = "fail" if record.kind == "certificate" else "warn"
        return status, f"expired on {record.valid_until}"
    if record.kind == "certificate" and record.valid_until is None:
        return "unknown", "certificate states no expiry date"
    if record.kind in ASSESSMENT_KINDS:
        if made is None:
            return "unknown", "undated assessment"
        if made < stale_before:
            return "warn", f"stale: made {made}, before {stale_before}"
    return "ok", None
