"""Tests for the evidence freshness check."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, Any

import pytest

from server.core.evidence.freshness import check_evidence_freshness, months_before
from server.core.evidence.inputs import EvidenceRecord
from server.core.evidence.result import CheckResult
from server.core.evidence.trace import build_trace

if TYPE_CHECKING:
    from conftest import Kit


def run(kit: Kit, extra: list[EvidenceRecord], **kwargs: Any) -> CheckResult:
    inputs = kit.inputs(evidence=[*kit.evidence(), *extra], **kwargs)
    return check_evidence_freshness(inputs, build_trace(inputs))


def row(result: CheckResult, record: str) -> dict[str, Any]:
    return next(r for r in result.details if r["record"] == record)


def certificate(kit: Kit, rid: str, site: str, valid_until: date | None) -> EvidenceRecord:
    record = kit.record(rid, "certificate", ("site", site), date(2023, 1, 1), {"scope": "x"})
    return replace(record, valid_until=valid_until)


def test_current_records_are_ok(kit: Kit) -> None:
    result = run(kit, [])
    assert (result.status, result.value) == ("ok", 1.0)
    assert len(result.details) == len(kit.evidence())
    assert result.parameters["evidence_max_age_months"]["value"] == 24


def test_expired_certificate_fails_other_records_warn(kit: Kit) -> None:
    expired = certificate(kit, "ev-cert-ferm", "ferm", date(2025, 3, 1))
    visit = replace(kit.evidence()[2], id="ev-clmrs-old", valid_until=date(2025, 1, 1))
    result = run(kit, [expired, visit])
    assert row(result, "ev-cert-ferm")["status"] == "fail"
    assert row(result, "ev-cert-ferm")["reason"] == "expired on 2025-03-01"
    assert row(result, "ev-clmrs-old")["status"] == "warn"
    assert result.status == "fail"


def test_certificate_without_expiry_is_unknown(kit: Kit) -> None:
    result = run(kit, [certificate(kit, "ev-cert-ferm", "ferm", None)])
    assert row(result, "ev-cert-ferm")["status"] == "unknown"
    assert result.status == "unknown"


def test_old_assessment_is_stale_unless_a_newer_one_replaces_it(kit: Kit) -> None:
    old = kit.record(
        "ev-audit-factory",
        "audit",
        ("site", "factory"),
        date(2023, 2, 1),
        {"scope": "mass balance", "result": "pass"},
    )
    result = run(kit, [old])
    assert row(result, "ev-audit-factory")["status"] == "warn"
    assert result.value == pytest.approx(len(kit.evidence()) / (len(kit.evidence()) + 1))
    relaxed = run(kit, [old], parameters={"evidence_max_age_months": 36})
    assert row(relaxed, "ev-audit-factory")["status"] == "ok"
    newer = replace(old, id="ev-audit-factory-2025", issued_on=date(2025, 2, 1))
    renewed = run(kit, [old, newer])
    assert row(renewed, "ev-audit-factory")["superseded_by"] == "ev-audit-factory-2025"
    assert (renewed.status, renewed.value) == ("ok", 1.0)


def test_only_records_about_the_batch_and_its_places_count(kit: Kit) -> None:
    elsewhere = certificate(kit, "ev-cert-other", "farm-9", date(2024, 1, 1))
    about_batch = certificate(kit, "ev-cert-batch", "x", date(2024, 1, 1))
    about_batch = replace(about_batch, subject_type="batch", subject_id="NK24-0317")
    future = certificate(kit, "ev-cert-later", "ferm", date(2025, 3, 1))
    future = replace(future, issued_on=date(2025, 6, 1))
    result = run(kit, [elsewhere, about_batch, future])
    ids = {r["record"] for r in result.details}
    assert "ev-cert-batch" in ids and not {"ev-cert-other", "ev-cert-later"} & ids
    assert result.status == "fail"


def test_no_records_is_unknown(kit: Kit) -> None:
    inputs = kit.inputs(evidence=[])
    result = check_evidence_freshness(inputs, build_trace(inputs))
    assert (result.status, result.value) == ("unknown", None)


def test_months_before() -> None:
    assert months_before(date(2025, 3, 31), 1) == date(2025, 2, 28)
    assert months_before(date(2024, 2, 29), 12) == date(2023, 2, 28)
    assert months_before(date(2025, 1, 15), 24) == date(2023, 1, 15)
    with pytest.raises(ValueError, match="`months`"):
        months_before(date(2025, 1, 1), -1)
