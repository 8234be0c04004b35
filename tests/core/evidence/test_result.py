"""Tests for CheckResult and status ordering."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from server.core.evidence import result as result_module
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


def _exact(value: object) -> str:
    return f"{type(value).__name__}:{value!r}"


def test_plain_floats_round_as_plain_does_even_at_halfway_cases() -> None:
    import math
    import random

    rng = random.Random(13)
    values: list[float | None] = [
        rng.uniform(-1, 1) * 10 ** rng.uniform(-9, 10) for _ in range(20_000)
    ]
    for _ in range(20_000):  # k + 1/2 millionths (and their neighbours): where rint may slip
        half = (rng.randrange(10**9) + 0.5) / 10**6 * 10 ** rng.randint(-3, 3)
        values += [half, math.nextafter(half, 0.0), math.nextafter(half, math.inf)]
    values += [0.0, -0.0, 5e-7, -5e-7, 2.5e-6, 0.0001, 0.00005, 1e9, 1e16, None]
    values += [float("nan"), float("inf"), -float("inf"), 0.1 + 0.2, 1.0000005, 123456.7890125]
    got = result_module.plain_floats(values)
    assert [_exact(v) for v in got] == [_exact(plain(v)) for v in values]
    # An int among them stays an int (all are then rounded one by one).
    assert [_exact(v) for v in result_module.plain_floats([*values[:40], 3])] == [
        _exact(plain(v)) for v in [*values[:40], 3]
    ]


def test_plain_columns_replace_the_numbers_of_each_row() -> None:
    rows = [{"a": 2 / 3, "b": None, "c": "x"} for _ in range(50)] + [{"a": 1e-7, "b": 2e-5}]
    result_module.plain_columns(rows, ("a", "b"))
    assert rows[0] == {"a": 0.666667, "b": None, "c": "x"}
    assert rows[-1] == {"a": 0.0, "b": 2e-05} and type(rows[-1]["b"]) is SmallFloat


def test_unique_sorted_is_sorted_set() -> None:
    assert result_module.unique_sorted(("b", "a", "b", "c", "a")) == ["a", "b", "c"]
    assert result_module.unique_sorted(["a", "b"]) == ["a", "b"]
    assert result_module.unique_sorted([]) == []


def test_ready_rows_are_given_as_they_are() -> None:
    rows = ({"x": 0.5, "on": "2025-01-02"},)
    result = CheckResult("k", "ok", None, None, "how", details=rows, ready=True)
    assert result.to_json()["details"][0] is rows[0]
    assert canonical_json(result.to_json()) == canonical_json(
        CheckResult("k", "ok", None, None, "how", details=rows).to_json()
    )


def test_date_texts_are_plain_dates() -> None:
    from server.core.evidence.dates import DateTexts

    texts = DateTexts()
    moment = datetime(2025, 1, 2, 3, 4, tzinfo=UTC)
    for value in (date(2025, 1, 2), date(2025, 1, 2), moment, None, "2025-01-02"):
        assert texts(value) == plain(value)


def test_lot_gtins_read_as_class_gtin() -> None:
    from server.core.evidence.event_reading import class_gtin
    from server.core.evidence.lot_gtins import LotGtins

    gtin_of = LotGtins()
    classes = [
        "https://id.gs1.org/01/09520123000011/10/W1",
        "https://id.gs1.org/01/09520123000011/10/W2",
        "urn:epc:class:lgtin:9520123.000001.W3",
        "https://id.gs1.org/01/0952012300001\n",
        "not a class",
    ]
    for cls in classes * 2:
        assert gtin_of(cls) == class_gtin(cls)
