"""Check the farmgate price paid to the batch's farms against a living-income reference price."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from workers.evidence.inputs import BatchInputs, EvidenceRecord
from workers.evidence.parameters import dated, scalar, to_date
from workers.evidence.records import record_site, records_of
from workers.evidence.result import CheckResult, threshold_status, worst
from workers.trace import Trace

KEY = "farmgate_price"
METHOD = (
    "Take the farmgate_payment records of the farms feeding the batch paid within the window "
    "before the report date. For each payment, price per kg = amount / quantity_kg (dry "
    "equivalent), converted into the reference currency with the exchange rate dated closest "
    "on or before the payment (no such rate: the payment is unknown), and divided by the "
    "living-income reference price of the farm's country valid on the payment date. A farm's "
    "ratio and the check's value are quantity-weighted means of these ratios. A ratio at or "
    "above the ok ratio is ok, at or above the warn ratio warns, below fails; the check takes "
    "the worst farm, so one underpaid farm is not hidden by the mean."
)


def check_farmgate_price(inputs: BatchInputs, trace: Trace) -> CheckResult:
    """Return the farmgate price paid to the batch's farms as a ratio of the reference price."""
    params: dict[str, Any] = {
        "farmgate_price_ok_ratio": scalar(inputs.parameters, "farmgate_price_ok_ratio", 1.0),
        "farmgate_price_warn_ratio": scalar(inputs.parameters, "farmgate_price_warn_ratio", 0.8),
        "farmgate_price_window_days": scalar(inputs.parameters, "farmgate_price_window_days", 730),
    }
    ok_at = params["farmgate_price_ok_ratio"]["value"]
    warn_at = params["farmgate_price_warn_ratio"]["value"]
    since = inputs.as_of - timedelta(days=int(params["farmgate_price_window_days"]["value"]))
    sites = {s.id: s for s in inputs.sites}
    farms = trace.farm_ids
    payments: dict[str, list[EvidenceRecord]] = {farm: [] for farm in farms}
    for record in records_of(inputs, "farmgate_payment"):
        farm = record_site(record)
        paid = to_date(record.payload.get("paid_on")) or record.issued_on
        if farm in payments and paid is not None and since <= paid <= inputs.as_of:
            payments[farm].append(record)
    rows, used_rates, weighted, total_kg = [], [], 0.0, 0.0
    for farm in farms:
        site = sites.get(farm)
        lines = [_payment(inputs, r, site.country if site else None) for r in payments[farm]]
        known = [p for p in lines if p["ratio"] is not None]
        kg = sum(p["quantity_kg"] for p in known)
        ratio = sum(p["ratio"] * p["quantity_kg"] for p in known) / kg if kg > 0 else None
        status = "unknown"
        if ratio is not None:
            status = threshold_status(ratio, ok_at, warn_at)
        if len(known) < len(lines) or not lines:
            status = worst([status, "unknown"])
        rows.append(
            {
                "farm": farm,
                "ratio": ratio,
                "quantity_kg": kg,
                "status": status,
                "reason": None if lines else "no payment records",
                "payments": lines,
            }
        )
        weighted += (ratio or 0.0) * kg
        total_kg += kg
        used_rates += [p["exchange_rate"] for p in known if p["exchange_rate"]]
        for p in known:
            params.setdefault(f"living_income_reference_price.{p['country']}", p["reference"])
    if used_rates:
        unique = {(r["from"], r["to"], str(r.get("on")), float(r["rate"])): r for r in used_rates}
        params["exchange_rates"] = [unique[k] for k in sorted(unique)]
    evidence = tuple(sorted(p["record"] for r in rows for p in r["payments"]))
    value = weighted / total_kg if total_kg > 0 else None
    status = worst(r["status"] for r in rows) if rows else "unknown"
    return CheckResult(KEY, status, value, "ratio", METHOD, params, evidence, tuple(rows))


def _payment(inputs: BatchInputs, record: EvidenceRecord, country: str | None) -> dict[str, Any]:
    payload = record.payload
    paid = to_date(payload.get("paid_on")) or record.issued_on
    line: dict[str, Any] = {
        "record": record.id,
        "paid_on": paid,
        "quantity_kg": float(payload.get("quantity_kg") or 0.0),
        "amount": payload.get("amount"),
        "currency": payload.get("currency"),
        "country": country,
        "exchange_rate": None,
        "price_per_kg": None,
        "reference": None,
        "ratio": None,
        "reason": None,
    }
    reference = _reference(inputs.parameters, country, paid)
    if payload.get("basis") not in (None, "dry_equivalent"):
        return {**line, "reason": f"payment basis {payload.get('basis')!r} is not dry_equivalent"}
    if line["quantity_kg"] <= 0 or not isinstance(payload.get("amount"), (int, float)):
        return {**line, "reason": "payment has no quantity or amount"}
    if reference is None or paid is None:
        return {**line, "reason": f"no living-income reference price for {country} on {paid}"}
    target = str(reference.get("currency", ""))
    rate = _rate(inputs.parameters, str(payload.get("currency", "")), target, paid)
    if rate is None:
        return {
            **line,
            "reason": f"no exchange rate {payload.get('currency')}->{target} on or before {paid}",
        }
    price = float(payload["amount"]) * float(rate["rate"]) / line["quantity_kg"]
    return {
        **line,
        "exchange_rate": rate if rate["from"] != rate["to"] else None,
        "price_per_kg": price,
        "reference": reference,
        "ratio": price / float(reference["value"]),
    }


def _reference(
    parameters: dict[str, Any], country: str | None, on: date | None
) -> dict[str, Any] | None:
    table = parameters.get("living_income_reference_price")
    if not isinstance(table, dict) or country not in table or on is None:
        return None
    entry = table[country]
    entries = entry if isinstance(entry, list) else [entry]
    return dated([e for e in entries if isinstance(e, dict) and "value" in e], on)


def _rate(parameters: dict[str, Any], source: str, target: str, on: date) -> dict[str, Any] | None:
    """Return the rate from `source` to `target` dated closest on or before `on`."""
    if source == target:
        return {"from": source, "to": target, "rate": 1.0, "on": None, "source": "same currency"}
    rates = [r for r in parameters.get("exchange_rates") or [] if isinstance(r, dict)]
    direct = [r for r in rates if r.get("from") == source and r.get("to") == target]
    found = dated(direct, on, key="on")
    if found is not None:
        return found
    # A published rate the other way round is as good, inverted.
    inverse = dated(
        [r for r in rates if r.get("from") == target and r.get("to") == source], on, "on"
    )
    if inverse is None or not inverse.get("rate"):
        return None
    return {
        **inverse,
        "from": source,
        "to": target,
        "rate": 1.0 / float(inverse["rate"]),
        "inverted": True,
    }
