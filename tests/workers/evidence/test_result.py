"""Tests for CheckResult and status ordering."""

from __future__ import annotations

from datetime import date

import pytest

from workers.evidence.result import CheckResult, threshold_status, worst


def test_worst_ranks_found_problems_over_missing_evidence() -> None:
    assert worst(["ok", "unknown"]) == "unknown"
    assert worst(["unknown", "warn"]) == "warn"
    assert worst(["warn", "fail", "ok"]) == "fail"
    assert worst([]) == "ok"
    with pytest.raises(ValueError, match="statuses"):
        worst(["bad"])


def test_threshold_status() -> None:
    assert [threshold_status(v, 0.99, 0.9) for v in (0.99, 0.95, 0.5)] == ["ok", "warn", "fail"]


def test_to_json_is_plain_and_sorted() -> None:
    result = CheckResult(
        "k",
        "warn",
        1 / 3,
        "ratio",
        "how",
        {"p": {"value": 1.0, "source": "s"}},
        ("b", "a", "b"),
        ({"on": date(2025, 1, 2), "x": 2 / 3},),
        (0.1, 0.5),
    )
    assert result.to_json() == {
        "key": "k",
        "status": "warn",
        "value": 0.333333,
        "unit": "ratio",
        "method": "how",
        "parameters": {"p": {"source": "s", "value": 1.0}},
        "evidence": ["a", "b"],
        "details": [{"on": "2025-01-02", "x": 0.666667}],
        "uncertainty": [0.1, 0.5],
    }


def test_bad_status_and_uncertainty_are_refused() -> None:
    with pytest.raises(ValueError, match="status"):
        CheckResult("k", "great", None, None, "how")
    with pytest.raises(ValueError, match="uncertainty"):
        CheckResult("k", "ok", None, None, "how", uncertainty=(2.0, 1.0))
