"""Tests for the farmgate price check."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

import pytest

from workers.evidence.inputs import EvidenceRecord
from workers.evidence.price import check_farmgate_price
from workers.trace import build_trace

if TYPE_CHECKING:
    from conftest import Kit


def payments(kit: Kit, **payload: Any) -> list[EvidenceRecord]:
    """Return the kit's evidence with every payment's payload updated."""
    return [
        replace(r, payload={**r.payload, **payload}) if r.kind == "farmgate_payment" else r
        for r in kit.evidence()
    ]


def run(kit: Kit, evidence: list[EvidenceRecord], parameters: dict[str, Any] | None = None):  # type: ignore[no-untyped-def]
    inputs = kit.inputs(evidence=evidence, parameters=parameters)
    return check_farmgate_price(inputs, build_trace(inputs))


def test_price_above_reference_is_ok(kit: Kit) -> None:
    result = run(kit, kit.evidence())
    # 16,000 GHS x 0.07 USD/GHS (rate of 2025-02-01) / 400 kg = 2.80 USD/kg vs 2.68.
    assert result.value == pytest.approx(2.80 / 2.68)
    assert result.status == "ok"
    line = result.details[0]["payments"][0]
    assert line["price_per_kg"] == pytest.approx(2.80)
    assert line["exchange_rate"]["on"] == "2025-02-01"
    assert result.parameters["exchange_rates"][0]["rate"] == 0.07


def test_closest_earlier_rate_is_used(kit: Kit) -> None:
    result = run(kit, payments(kit, paid_on="2025-01-20"))
    assert result.value == pytest.approx(2.40 / 2.68)  # the 0.06 rate of 2024-12-01
    assert result.status == "warn"


def test_low_price_fails(kit: Kit) -> None:
    result = run(kit, payments(kit, amount=12000.0))
    assert result.value == pytest.approx(2.10 / 2.68)
    assert [row["status"] for row in result.details] == ["fail", "fail"]
    assert result.status == "fail"


def test_missing_exchange_rate_is_unknown(kit: Kit) -> None:
    result = run(kit, payments(kit, currency="EUR"))
    assert (result.status, result.value) == ("unknown", None)
    assert "no exchange rate EUR->USD" in result.details[0]["payments"][0]["reason"]


def test_rate_published_the_other_way_is_inverted(kit: Kit) -> None:
    params = dict(kit.inputs().parameters)
    params["exchange_rates"] = [{"from": "USD", "to": "GHS", "rate": 12.5, "on": "2025-01-01"}]
    result = run(kit, kit.evidence(), params)
    assert result.value == pytest.approx(16000 / 12.5 / 400 / 2.68)


def test_farm_without_payments_is_unknown_but_a_low_farm_still_shows(kit: Kit) -> None:
    records = [r for r in kit.evidence() if r.id != "ev-pay-farm-2"]
    assert run(kit, records).status == "unknown"
    low = [
        replace(r, payload={**r.payload, "amount": 13000.0}) if r.id == "ev-pay-farm-1" else r
        for r in records
    ]
    assert run(kit, low).status == "warn"
