"""Check the deforestation status of the batch's plots from dated assessment records."""

from __future__ import annotations

from datetime import date
from typing import Any

from server.core.evidence.inputs import BatchInputs, EvidenceRecord
from server.core.evidence.parameters import to_date
from server.core.evidence.plots import plots_by_farm
from server.core.evidence.records import records_of
from server.core.evidence.result import CheckResult, worst
from server.core.evidence.trace_model import Trace

KEY = "deforestation"
DEFAULT_CUTOFF = date(2020, 12, 31)
METHOD = (
    "For every plot of the farms feeding the batch, take the latest deforestation_assessment "
    "record about the plot (by assessment date, then issue date) issued on or before the report "
    "date. The plot is clear when the status is no_deforestation against a cutoff on or before "
    "the EUDR cutoff, failed when deforestation was found, unknown when it has no assessment, "
    "the result is inconclusive, or the cutoff is later or not stated. The check fails if any "
    "plot failed, is unknown if any plot is unknown, else ok. The value is the share of the "
    "batch's tracked mass from clear plots (a farm-level origin needs all its plots clear)."
)


def check_deforestation(inputs: BatchInputs, trace: Trace) -> CheckResult:
    """Return the deforestation status of the plots of the batch's farms."""
    raw = inputs.parameters.get("deforestation_cutoff")
    cutoff = to_date(raw.get("value") if isinstance(raw, dict) else raw) or DEFAULT_CUTOFF
    source = raw.get("source", "brand parameters") if isinstance(raw, dict) else None
    params: dict[str, Any] = {
        "deforestation_cutoff": {
            "value": cutoff.isoformat(),
            "source": source or "EU Regulation 2023/1115, Article 2(13)",
        }
    }
    latest: dict[str, EvidenceRecord] = {}
    for record in records_of(inputs, "deforestation_assessment"):
        if record.subject_type != "plot":
            continue
        held = latest.get(record.subject_id)
        if held is None or _when(record) >= _when(held):
            latest[record.subject_id] = record
    farms = set(trace.farm_ids)
    plots = sorted((p for p in inputs.plots if p.farm in farms), key=lambda p: p.id)
    rows = [_row(p.id, p.farm, latest.get(p.id), cutoff) for p in plots]
    status_of = {r["plot"]: r["status"] for r in rows}
    by_farm = plots_by_farm(plots)
    clear = 0.0
    for origin in trace.origins:
        named = origin.plot_ids or tuple(p.id for p in by_farm.get(origin.farm_id, []))
        if named and all(status_of.get(pid) == "ok" for pid in named):
            clear += origin.share
    evidence = tuple(sorted(r["record"] for r in rows if r["record"]))
    if not rows:
        return CheckResult(KEY, "unknown", None, "ratio", METHOD, params, evidence)
    status = worst(r["status"] for r in rows)
    return CheckResult(KEY, status, clear, "ratio", METHOD, params, evidence, tuple(rows))


def _when(record: EvidenceRecord) -> tuple[date, date, str]:
    assessed = to_date(record.payload.get("assessed_on")) or record.issued_on or date.min
    return (assessed, record.issued_on or date.min, record.id)


def _row(plot: str, farm: str, record: EvidenceRecord | None, cutoff: date) -> dict[str, Any]:
    row: dict[str, Any] = {"plot": plot, "farm": farm, "record": None, "assessment": None}
    if record is None:
        return {**row, "status": "unknown", "reason": "no assessment"}
    payload = record.payload
    stated = to_date(payload.get("cutoff"))
    row.update(
        record=record.id,
        assessment=payload.get("status"),
        cutoff=stated.isoformat() if stated else None,
        assessed_on=(to_date(payload.get("assessed_on")) or record.issued_on),
        method=payload.get("method"),
        source=payload.get("source"),
        issuer=record.issuer,
    )
    if payload.get("status") == "deforestation":
        return {**row, "status": "fail", "reason": "deforestation found after the cutoff"}
    if payload.get("status") != "no_deforestation":
        return {**row, "status": "unknown", "reason": "assessment inconclusive"}
    if stated is None or stated > cutoff:
        return {
            **row,
            "status": "unknown",
            "reason": f"assessment cutoff is not on or before {cutoff}",
        }
    return {**row, "status": "ok", "reason": None}
