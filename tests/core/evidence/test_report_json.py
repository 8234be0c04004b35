"""The fast report encoder writes the standard library's canonical bytes, whatever the value."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import orjson
import pytest

from server.core.evidence import report_json
from server.core.evidence.report_json import canonical_json
from server.core.evidence.result import SmallFloat, plain


def standard(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


@pytest.mark.parametrize(
    "value",
    [
        {"b": 1, "a": [2.5e-05, -3e-06, 1e-04, 0.1, 2.0, -0.0, 1e16, 1.5e22, 12345678.123456]},
        {"Z": 'é\u2028\x7f\x1f"\\\b\f\n\r\t', "z": "\U0001f600", "é": None, "\uffff": True},
        {"small": 1e-07, "unrounded": 0.00012345678},  # not through plain: the fallback
        {1: "int keys are sorted as numbers by the standard library", 10: "", 2: ""},
        {"text that looks like a number": ":0.00001,[1e-5"},
        [2**70, "an int orjson cannot hold"],
    ],
)
def test_the_bytes_are_the_standard_librarys(value: Any) -> None:
    assert canonical_json(value) == standard(value)
    assert canonical_json(plain(value)) == standard(plain(value))


def test_the_fast_encoder_is_used_for_what_it_writes_alike() -> None:
    data = plain({"s": [2.5e-05, 1e-06, 9.9e-05, 0.0001], "t": 40000.000001, "u": 1.5e16})
    fast = orjson.dumps(data, default=report_json._fragment, option=report_json._OPTIONS)
    assert fast == standard(data)
    assert not report_json._divergent(fast)  # no fallback to the slow standard library
    assert report_json._divergent(orjson.dumps({"a": 0.00001}))
    assert report_json._divergent(orjson.dumps({"a": [-1.5e-7]}))


def test_plain_marks_small_floats_which_stay_equal_to_their_value() -> None:
    data = plain({"share": 0.0000251, "big": 0.5, "day": date(2025, 1, 2)})
    assert type(data["share"]) is SmallFloat and data["share"] == 2.5e-05
    assert canonical_json(data) == b'{"big":0.5,"day":"2025-01-02","share":2.5e-05}'


def test_what_neither_encoder_knows_is_refused_alike() -> None:
    with pytest.raises(TypeError):
        canonical_json({"when": date(2025, 1, 2)})
    with pytest.raises(TypeError):
        standard({"when": date(2025, 1, 2)})


def test_unmarked_small_floats_are_marked_rather_than_left_to_the_standard_library(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    value = {"kg": [1.5e-05, 0.25, -3e-07], "n": 2, "t": ("x", 2.5e-05)}  # not through plain
    expected = standard(value)

    def refuse(value: Any) -> bytes:
        raise AssertionError("the standard library's encoder was used")

    monkeypatch.setattr(report_json, "_standard", refuse)
    assert canonical_json(value) == expected
