"""Tests for the farmgate price check."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

import pytest

from server.core.evidence.inputs import EvidenceRecord
from server.core.evidence.price import check_farmgate_price
from server.core.evidence.trace import build_trace

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


def _with_rates(kit: Kit, *extra: dict[str, Any]) -> dict[str, Any]:
    parameters = kit.inputs().parameters
    return {**parameters, "exchange_rates": [*parameters["exchange_rates"], *extra]}


def test_the_band_spans_the_rate_used_and_the_next_published_rate(kit: Kit) -> None:
    later = {"from": "GHS", "to": "USD", "rate": 0.075, "on": "2025-03-01", "source": "BoG"}
    result = run(kit, kit.evidence(), _with_rates(kit, later))
    ratio = 2.80 / 2.68  # at the 0.07 rate of 2025-02-01, before the 2025-02-10 payment
    assert result.value == pytest.approx(ratio)
    assert result.uncertainty == pytest.approx((ratio, ratio * 0.075 / 0.07))
    line = result.details[0]["payments"][0]
    assert line["next_exchange_rate"]["on"] == "2025-03-01"
    assert (line["ratio_low"], line["ratio_high"]) == pytest.approx((ratio, ratio * 0.075 / 0.07))


def test_a_falling_rate_widens_the_band_downwards_and_inverse_rates_count(kit: Kit) -> None:
    # 12.5 GHS per USD published on 2025-02-20 is 0.08 USD per GHS; the earliest later rate wins.
    inverse = {"from": "USD", "to": "GHS", "rate": 12.5, "on": "2025-02-20", "source": "BoG"}
    lower = {"from": "GHS", "to": "USD", "rate": 0.065, "on": "2025-02-15", "source": "BoG"}
    ratio = 2.80 / 2.68
    result = run(kit, kit.evidence(), _with_rates(kit, inverse, lower))
    assert result.uncertainty == pytest.approx((ratio * 0.065 / 0.07, ratio))
    result = run(kit, kit.evidence(), _with_rates(kit, inverse))
    assert result.uncertainty == pytest.approx((ratio, ratio * 0.08 / 0.07))


def test_no_later_rate_or_no_conversion_gives_no_width(kit: Kit) -> None:
    result = run(kit, kit.evidence())
    assert result.uncertainty == pytest.approx((result.value, result.value))
    assert result.details[0]["payments"][0]["next_exchange_rate"] is None
    usd = run(kit, payments(kit, currency="USD", amount=1120.0))  # 2.80 USD/kg
    assert usd.uncertainty == pytest.approx((2.80 / 2.68, 2.80 / 2.68))
    assert "Uncertainty band" in usd.method


def test_unknown_payments_give_no_band(kit: Kit) -> None:
    result = run(kit, payments(kit, currency="EUR"))
    assert (result.value, result.uncertainty) == (None, None)
