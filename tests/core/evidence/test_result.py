"""Tests for CheckResult and status ordering."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from server.core.evidence.report_json import canonical_json
from server.core.evidence.result import (
    CheckResult,
    SmallFloat,
    plain,
    plain_rows,
    threshold_status,
    worst,
)


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


class _Name(str):
    """A str subclass: takes the general path of `plain`."""


def test_plain_gives_json_ready_data_for_every_kind_of_value() -> None:
    value = {
        "b": [1, 2.0000004, float("nan"), None, True, date(2025, 1, 2)],
        "a": {2: "two", 10: ("x", "y"), "k": {frozenset({3, 1})}},
        _Name("c"): (-0.0000001, datetime(2025, 1, 2, 3, 4, tzinfo=UTC)),
        "d": [{"z": 1e-7, "y": [float("inf")]}, _Name("n")],
    }
    assert plain(value) == {
        "a": {"10": ["x", "y"], "2": "two", "k": [[1, 3]]},
        "b": [1, 2.0, None, None, True, "2025-01-02"],
        "c": [0.0, "2025-01-02T03:04:00+00:00"],
        "d": [{"y": [None], "z": 0.0}, "n"],
    }
    assert list(plain(value)) == ["a", "b", "c", "d"]
    assert list(plain(value)["a"]) == ["10", "2", "k"]


def test_plain_rows_are_plain_rows_for_an_encoder_that_sorts_keys() -> None:
    rows = [
        {
            "z": 1 / 3,
            "a": ("x", "y"),
            "ids": ["b", "a"],
            "on": date(2025, 1, 2),
            "at": datetime(2025, 1, 2, 3, 4, tzinfo=UTC),
            "small": 0.0000251,
            "tiny": -0.0000001,
            "bad": [float("nan"), float("inf"), 2.0000004],
            "nested": {"y": [{"q": 1e-5, "p": (1, "t")}], "x": {3, 1}, _Name("n"): True},
            "flag": False,
            "n": 3,
            "none": None,
        },
        {1: "int keys", 10: 2.5},  # sorted by their text, and made text, as plain() does
        ["not", "a", "dict", 0.1234567],
        {_Name("k"): 1.0},
        {},
    ]
    converted = plain_rows(rows)
    assert converted == [plain(row) for row in rows]
    assert canonical_json(converted) == canonical_json([plain(row) for row in rows])
    assert type(converted[0]["small"]) is SmallFloat and type(converted[0]["a"]) is list
    assert list(converted[1]) == ["1", "10"]
    assert converted[0]["nested"]["y"][0]["p"] == [1, "t"]
