"""Check the deforestation status of the batch's plots from dated assessment records."""

from __future__ import annotations

from datetime import date
from typing import Any

from server.core.evidence.dates import DateReader, DateTexts
from server.core.evidence.inputs import BatchInputs, EvidenceRecord
from server.core.evidence.parameters import to_date
from server.core.evidence.plots import plots_by_farm
from server.core.evidence.records import records_of
from server.core.evidence.result import CheckResult, plain, worst
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
    dates = DateReader()
    latest: dict[str, tuple[tuple[date, date, str], EvidenceRecord]] = {}
    for record in records_of(inputs, "deforestation_assessment"):
        if record.subject_type != "plot":
            continue
        held = latest.get(record.subject_id)
        when = _when(record, dates)
        if held is None or when >= held[0]:
            latest[record.subject_id] = (when, record)
    farms = set(trace.farm_ids)
    plots = sorted((p for p in inputs.plots if p.farm in farms), key=lambda p: p.id)
    chosen = {plot: record for plot, (_, record) in latest.items()}
    texts = DateTexts()
    rows = [_row(p.id, p.farm, chosen.get(p.id), cutoff, dates, texts) for p in plots]
    status_of = {r["plot"]: r["status"] for r in rows}
    by_farm = plots_by_farm(plots)
    clear = 0.0
    for origin in trace.origins:
        named = origin.plot_ids or tuple(p.id for p in by_farm.get(origin.farm_id, []))
        if named and all(status_of.get(pid) == "ok" for pid in named):
            clear += origin.share
    evidence = tuple(sorted(r["record"] for r in rows if r["record"]))
    if not rows:
        return CheckResult(KEY, "unknown", None, "ratio", METHOD, params, evidence, ready=True)
    status = worst({r["status"] for r in rows})
    return CheckResult(
        KEY, status, clear, "ratio", METHOD, params, evidence, tuple(rows), ready=True
    )


def _plain(value: Any) -> Any:
    # A payload's value: nearly always text or missing, which plain() keeps as they are.
    return value if value is None or type(value) is str else plain(value)


def _when(record: EvidenceRecord, dates: DateReader) -> tuple[date, date, str]:
    assessed = dates(record.payload.get("assessed_on")) or record.issued_on or date.min
    return (assessed, record.issued_on or date.min, record.id)


def _row(
    plot: str,
    farm: str,
    record: EvidenceRecord | None,
    cutoff: date,
    dates: DateReader,
    texts: DateTexts,
) -> dict[str, Any]:
    """Return a plot's JSON-ready row (`CheckResult.ready`)."""
    if record is None:
        return {
            "plot": plot,
            "farm": farm,
            "record": None,
            "assessment": None,
            "status": "unknown",
            "reason": "no assessment",
        }
    payload = record.payload
    stated = dates(payload.get("cutoff"))
    row: dict[str, Any] = {
        "plot": plot,
        "farm": farm,
        "record": record.id,
        "assessment": _plain(payload.get("status")),
        "cutoff": stated.isoformat() if stated else None,
        "assessed_on": texts(dates(payload.get("assessed_on")) or record.issued_on),
        "method": _plain(payload.get("method")),
        "source": _plain(payload.get("source")),
        "issuer": record.issuer,
    }
    status = payload.get("status")
    if status == "deforestation":
        row.update(status="fail", reason="deforestation found after the cutoff")
    elif status != "no_deforestation":
        row.update(status="unknown", reason="assessment inconclusive")
    elif stated is None or stated > cutoff:
        row.update(status="unknown", reason=f"assessment cutoff is not on or before {cutoff}")
    else:
        row.update(status="ok", reason=None)
    return row
