"""Check the farmgate price paid to the batch's farms against a living-income reference price."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from server.core.evidence.dates import DateReader, DateTexts
from server.core.evidence.inputs import BatchInputs, EvidenceRecord
from server.core.evidence.parameters import dated, scalar, to_date
from server.core.evidence.records import record_site, records_of
from server.core.evidence.result import (
    CheckResult,
    plain,
    plain_columns,
    plain_number,
    threshold_status,
    worst,
)
from server.core.evidence.trace_model import Trace
from server.core.evidence.uncertainty import weighted_band

KEY = "farmgate_price"
METHOD = (
    "Take the farmgate_payment records of the farms feeding the batch paid within the window "
    "before the report date. For each payment, price per kg = amount / quantity_kg (dry "
    "equivalent), converted into the reference currency with the exchange rate dated closest "
    "on or before the payment (no such rate: the payment is unknown), and divided by the "
    "living-income reference price of the farm's country valid on the payment date. A farm's "
    "ratio and the check's value are quantity-weighted means of these ratios. A ratio at or "
    "above the ok ratio is ok, at or above the warn ratio warns, below fails; the check takes "
    "the worst farm, so one underpaid farm is not hidden by the mean. Uncertainty band: the "
    "rate of the payment day itself is rarely published, so each converted price may lie "
    "between the prices at the rate used and at the next rate published after the payment; "
    "the band is the quantity-weighted mean of these lows and highs (a payment with no later "
    "rate, or in the reference currency, adds no width). Statuses use the ratio, not the band."
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
    dates = DateReader()
    for record in records_of(inputs, "farmgate_payment"):
        farm = record_site(record)
        paid = dates(record.payload.get("paid_on")) or record.issued_on
        if farm in payments and paid is not None and since <= paid <= inputs.as_of:
            payments[farm].append(record)
    rows, used_rates, weighted, total_kg = [], [], 0.0, 0.0
    prices = _Prices(inputs.parameters, dates)
    ready = _Ready()
    band_items: list[tuple[float, tuple[float, float]]] = []
    evidence: list[str] = []
    for farm in farms:
        site = sites.get(farm)
        lines = [prices.payment(r, site.country if site else None) for r in payments[farm]]
        known = [p for p in lines if p["ratio"] is not None]
        kg = sum(p["quantity_kg"] for p in known)
        ratio = sum(p["ratio"] * p["quantity_kg"] for p in known) / kg if kg > 0 else None
        status = "unknown"
        if ratio is not None:
            status = threshold_status(ratio, ok_at, warn_at)
        if len(known) < len(lines) or not lines:
            status = worst([status, "unknown"])
        rows.append(  # JSON-ready (`CheckResult.ready`); the payments' figures as computed
            {
                "farm": farm,
                "ratio": plain_number(ratio),
                "quantity_kg": plain_number(kg),
                "status": status,
                "reason": _farm_reason(lines, status),
                "payments": lines,  # made JSON-ready once all farms are done
            }
        )
        evidence += [p["record"] for p in lines]
        band_items += [(p["quantity_kg"], (p["ratio_low"], p["ratio_high"])) for p in known]
        weighted += (ratio or 0.0) * kg
        total_kg += kg
        used_rates += [p["exchange_rate"] for p in known if p["exchange_rate"]]
        for p in known:
            params.setdefault(f"living_income_reference_price.{p['country']}", p["reference"])
    if used_rates:
        unique = {(r["from"], r["to"], str(r.get("on")), float(r["rate"])): r for r in used_rates}
        params["exchange_rates"] = [unique[k] for k in sorted(unique)]
    value = weighted / total_kg if total_kg > 0 else None
    status = worst({r["status"] for r in rows}) if rows else "unknown"
    band = weighted_band(band_items)
    ready.lines([p for r in rows for p in r["payments"]])
    return CheckResult(
        KEY,
        status,
        value,
        "ratio",
        METHOD,
        params,
        tuple(sorted(evidence)),
        tuple(rows),
        band,
        ready=True,
    )


class _Ready:
    """Payment lines made JSON-ready; the parameters' rates and prices they name, each once."""

    def __init__(self) -> None:
        self.shared: dict[int, tuple[Any, Any]] = {}  # by id: the entry kept, its JSON form

    def entry(self, value: Any) -> Any:
        if value is None:
            return None
        found = self.shared.get(id(value))
        if found is None:
            found = self.shared[id(value)] = (value, plain(value))
        return found[1]

    def lines(self, lines: list[dict[str, Any]]) -> None:
        """Make `_payment`'s lines as `plain` makes them, in place."""
        dates, shared = DateTexts(), self.shared
        for line in lines:
            line["paid_on"] = dates(line["paid_on"])
            for key in ("currency", "country"):
                value = line[key]
                if value is not None and type(value) is not str:
                    line[key] = plain(value)
            for key in ("exchange_rate", "next_exchange_rate", "reference"):
                value = line.get(key)
                if value is not None:
                    found = shared.get(id(value))
                    line[key] = found[1] if found is not None else self.entry(value)
        numbers = ("quantity_kg", "amount", "price_per_kg", "ratio", "ratio_low", "ratio_high")
        plain_columns(lines, numbers)  # an amount of another type: plain(), as for all


def _farm_reason(lines: list[dict[str, Any]], status: str) -> str | None:
    """Return why a farm's status is not ok: what is missing, or how the price fell short."""
    if not lines:
        return "no payment records in the window"
    missing = [p for p in lines if p["ratio"] is None]
    if missing:
        dates: dict[str, list[str]] = {}
        for payment in missing:
            dates.setdefault(_cause(payment), []).append(str(payment["paid_on"]))
        causes = "; ".join(
            f"{cause} ({', '.join(sorted(on))})" for cause, on in sorted(dates.items())
        )
        return f"{len(missing)} of {len(lines)} payments cannot be compared: {causes}"
    if status != "ok":
        return "paid below the living-income reference price"
    return None


def _cause(payment: dict[str, Any]) -> str:
    """Return what a payment that cannot be compared lacks, without amounts or currencies."""
    reason = str(payment.get("reason") or "")
    if reason.startswith("no exchange rate"):
        return "no exchange rate dated on or before the payment"
    if reason.startswith("no living-income"):
        return "no living-income reference price for the country on the payment date"
    if reason.startswith("payment basis"):
        return "payment not on a dry-bean basis"
    return "payment record without quantity or amount"


class _Prices:
    """Reference prices and exchange rates, each looked up once per day, currency, country."""

    def __init__(self, parameters: dict[str, Any], dates: DateReader) -> None:
        self.parameters = parameters
        self.dates = dates
        self.references: dict[tuple[str | None, date | None], dict[str, Any] | None] = {}
        self.rates: dict[tuple[str, str, date], dict[str, Any] | None] = {}
        self.later: dict[tuple[str, str, date], dict[str, Any] | None] = {}

    def reference(self, country: str | None, on: date | None) -> dict[str, Any] | None:
        """Return `_reference(parameters, country, on)`."""
        key = (country, on)
        if key not in self.references:
            self.references[key] = _reference(self.parameters, country, on)
        return self.references[key]

    def rate(self, source: str, target: str, on: date) -> dict[str, Any] | None:
        """Return `_rate(parameters, source, target, on)`."""
        key = (source, target, on)
        if key not in self.rates:
            self.rates[key] = _rate(self.parameters, source, target, on)
        return self.rates[key]

    def rate_after(self, used: dict[str, Any], paid: date) -> dict[str, Any] | None:
        """Return `_rate_after(parameters, used, paid)`."""
        key = (used["from"], used["to"], paid)
        if key not in self.later:
            self.later[key] = _rate_after(self.parameters, used, paid)
        return self.later[key]

    def payment(self, record: EvidenceRecord, country: str | None) -> dict[str, Any]:
        """Return `_payment`'s line for `record`."""
        return _payment(self, record, country)


def _payment(prices: _Prices, record: EvidenceRecord, country: str | None) -> dict[str, Any]:
    payload = record.payload
    paid = prices.dates(payload.get("paid_on")) or record.issued_on
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
        "ratio_low": None,
        "ratio_high": None,
        "reason": None,
    }
    reference = prices.reference(country, paid)
    if payload.get("basis") not in (None, "dry_equivalent"):
        return {**line, "reason": f"payment basis {payload.get('basis')!r} is not dry_equivalent"}
    if line["quantity_kg"] <= 0 or not isinstance(payload.get("amount"), (int, float)):
        return {**line, "reason": "payment has no quantity or amount"}
    if reference is None or paid is None:
        return {**line, "reason": f"no living-income reference price for {country} on {paid}"}
    target = str(reference.get("currency", ""))
    rate = prices.rate(str(payload.get("currency", "")), target, paid)
    if rate is None:
        return {
            **line,
            "reason": f"no exchange rate {payload.get('currency')}->{target} on or before {paid}",
        }
    price = float(payload["amount"]) * float(rate["rate"]) / line["quantity_kg"]
    ratio = price / float(reference["value"])
    later = None if rate["from"] == rate["to"] else prices.rate_after(rate, paid)
    # The day's own rate lies, as far as we know, between the rate used and the next one.
    swing = float(later["rate"]) / float(rate["rate"]) if later else 1.0
    return {
        **line,
        "exchange_rate": rate if rate["from"] != rate["to"] else None,
        "next_exchange_rate": later,
        "price_per_kg": price,
        "reference": reference,
        "ratio": ratio,
        "ratio_low": ratio * min(1.0, swing),
        "ratio_high": ratio * max(1.0, swing),
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


def _rate_after(
    parameters: dict[str, Any], used: dict[str, Any], paid: date
) -> dict[str, Any] | None:
    """Return the first rate between `used`'s currencies published after `paid`, or None."""
    source, target = used["from"], used["to"]
    later: list[tuple[date, dict[str, Any]]] = []
    for entry in parameters.get("exchange_rates") or []:
        on = to_date(entry.get("on")) if isinstance(entry, dict) else None
        if on is None or on <= paid or not entry.get("rate"):
            continue
        if (entry.get("from"), entry.get("to")) == (source, target):
            later.append((on, entry))
        elif (entry.get("from"), entry.get("to")) == (target, source):
            flipped = {**entry, "from": source, "to": target, "inverted": True}
            later.append((on, {**flipped, "rate": 1.0 / float(entry["rate"])}))
    return min(later, key=lambda pair: pair[0])[1] if later else None


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
