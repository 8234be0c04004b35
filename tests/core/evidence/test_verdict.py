"""The verdict composer and the reasons every non-ok row gives (pure: no framework)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest
from test_price import payments, run  # type: ignore[import-not-found]

from bench.synthetic_chain import ChainSize, batch_inputs
from server.core.evidence.report import build_report
from server.core.evidence.verdict import RULES, Sentence, findings, verdict

if TYPE_CHECKING:
    from conftest import Kit

SMALL = ChainSize(farms=60, events=700, batches=4, big_batch_farms=30)
FLAGGED = ("warn", "fail", "unknown")


def rows_without_reason(report: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield (check key, row) for every non-ok row of every check that says no reason.

    A row is not ok when its status is warn, fail or unknown; the origin check's rows have
    no status: a trace gap (``unknown``) or an unregistered farm is not ok there.
    """
    for check in report["checks"]:
        for row in check["details"]:
            flagged = row.get("status") in FLAGGED or "unknown" in row
            flagged |= check["key"] == "known_origin_share" and row.get("registered") is False
            if flagged and not row.get("reason"):
                yield check["key"], row


def check(key: str, status: str, rows: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "key": key,
        "status": status,
        "value": extra.pop("value", 1.0),
        "details": rows,
        "parameters": extra.pop("parameters", {}),
        **extra,
    }


def origin(share: float = 1.0, gap: float = 0.0) -> dict[str, Any]:
    rows: list[dict[str, Any]] = [
        {"farm": f"farm-{n}", "registered": True, "share": share / 3} for n in range(3)
    ]
    if gap:
        rows.append({"unknown": "missing_upstream", "share": gap, "reason": "x"})
    status = "ok" if gap == 0 else "fail"
    return check("known_origin_share", status, rows, value=share)


def price_rows(unknown: int, total: int) -> list[dict[str, Any]]:
    return [
        {
            "farm": f"farm-{n}",
            "status": "unknown" if n < unknown else "ok",
            "reason": "1 of 2 payments cannot be compared: no exchange rate dated on or before the "
            "payment (2024-10-04)"
            if n < unknown
            else None,
        }
        for n in range(total)
    ]


def test_the_price_check_says_which_payments_it_cannot_compare(kit: Kit) -> None:
    result = run(kit, payments(kit, currency="EUR"))
    reasons = {row["reason"] for row in result.details}
    assert len(reasons) == 1
    [reason] = reasons
    assert reason.startswith("1 of 1 payments cannot be compared: no exchange rate dated on or ")
    assert all("EUR" not in r for r in reasons)  # no currency: prices may be withheld
    assert (result.status, result.value) == ("unknown", None)  # figures unchanged


def test_an_underpaid_farm_says_so(kit: Kit) -> None:
    result = run(kit, payments(kit, amount=12000.0))
    assert {r["reason"] for r in result.details} == {"paid below the living-income reference price"}


def test_ok_rows_carry_no_reason(kit: Kit) -> None:
    assert [r["reason"] for r in run(kit, kit.evidence()).details] == [None, None]


def test_a_price_finding_counts_the_farms_and_names_what_is_missing() -> None:
    found = findings(check("farmgate_price", "unknown", price_rows(9, 13), value=1.303))
    assert found[0] == Sentence(
        "price_no_rate", "missing", "farmgate_price", {"value": 1.303, "num": 9, "total": 13}
    )
    assert found[1].code == "price_known_part"  # what the 130 % stands for


def test_a_withheld_price_gives_no_figure() -> None:
    found = findings(
        check("farmgate_price", "unknown", price_rows(2, 5), value=None, withheld=True)
    )
    assert [s.code for s in found] == ["price_no_rate"]
    assert found[0].values["value"] is None


def test_all_good_checks_say_so_with_their_counts() -> None:
    rows = [{"plot": f"p{n}", "status": "ok", "reason": None} for n in range(17)]
    cutoff = {"deforestation_cutoff": {"value": "2020-12-31"}}
    found = findings(check("deforestation", "ok", rows, parameters=cutoff))
    assert found == [
        Sentence(
            "defo_ok", "good", "deforestation", {"value": 1.0, "cutoff": "2020-12-31", "total": 17}
        )
    ]


def test_findings_are_worst_first() -> None:
    rows = [
        {"farm": "a", "status": "unknown", "reason": "no area for point plot(s) p"},
        {"farm": "b", "status": "fail", "reason": "yield above the regional maximum"},
        {"farm": "c", "status": "ok", "reason": None},
    ]
    codes = [s.code for s in findings(check("yield_plausibility", "fail", rows))]
    assert codes == ["yield_max", "yield_unknown_area"]


@pytest.mark.parametrize("key", sorted(RULES))
def test_a_check_without_rows_says_what_is_missing(key: str) -> None:
    [found] = findings(check(key, "unknown", [], value=None))
    assert found.tone == "missing" and found.code.endswith("_none")


def test_the_verdict_tells_known_good_missing_then_wrong() -> None:
    report = {
        "checks": [
            origin(),
            check("deforestation", "ok", [{"plot": "p", "status": "ok"}]),
            check("farmgate_price", "unknown", price_rows(9, 13)),
            check(
                "child_labour",
                "warn",
                [
                    {"farm": "farm-0", "status": "fail", "reason": "r"},
                    {"farm": "farm-1", "status": "ok"},
                ],
                value=0.5,
                parameters={"clmrs_window_months": {"value": 24}},
            ),
        ]
    }
    said = verdict(report, {"farm-0": "GH", "farm-1": "GH", "farm-2": "CI"})
    assert [(s.code, s.tone, s.check) for s in said] == [
        ("origin_all", "known", "known_origin_share"),
        ("defo_ok", "good", "deforestation"),
        ("price_no_rate", "missing", "farmgate_price"),
        ("clmrs_uncovered", "problem", "child_labour"),
    ]
    assert said[0].values == {"share": 1.0, "num": 3, "places": ("CI", "GH")}


def test_the_verdict_stays_at_four_sentences_and_names_the_rest() -> None:
    bad = [
        check(k, "fail", [{"farm": "x", "status": "fail", "reason": "r"}])
        for k in ("yield_plausibility", "plot_geometry", "conversion_balance")
    ]
    said = verdict({"checks": [origin(0.8, 0.2), *bad]}, {})
    assert len(said) == 3 and said[0].code == "origin_share"
    assert said[1].code == "origin_gap" and said[1].values["cause"] == "missing_upstream"
    assert said[2] == Sentence(
        "more_issues",
        "problem",
        None,
        {"num": 3, "checks": ("yield_plausibility", "plot_geometry", "conversion_balance")},
    )
    assert verdict({"checks": []}) == []


def test_a_sentence_has_a_known_tone() -> None:
    with pytest.raises(ValueError):
        Sentence("x", "cheerful", None)


@pytest.mark.parametrize("batch", range(SMALL.batches))
def test_no_row_of_the_synthetic_chain_lacks_a_reason(batch: int) -> None:
    report = build_report(batch_inputs(SMALL, batch))
    assert list(rows_without_reason(report)) == []
    assert len(verdict(report)) >= 2
