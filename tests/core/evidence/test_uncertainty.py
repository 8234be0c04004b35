"""Tests for the uncertainty-band arithmetic shared by the checks."""

from __future__ import annotations

import pytest

from server.core.evidence.uncertainty import (
    max_band,
    quotient_band,
    relative,
    share_band,
    weighted_band,
)


def test_relative_band_is_symmetric_around_the_value() -> None:
    assert relative(200.0, 0.1) == pytest.approx((180.0, 220.0))
    assert relative(-2.0, 0.5) == pytest.approx((-3.0, -1.0))


def test_quotient_band_takes_the_worst_direction_of_each_side() -> None:
    assert quotient_band((90.0, 110.0), (40.0, 50.0)) == pytest.approx((1.8, 2.75))
    assert quotient_band((1.0, 2.0), (0.0, 1.0)) is None  # may divide by zero


def test_share_band_weighs_the_part_light_then_heavy() -> None:
    low, high = share_band(0.9, 0.1, 0.01)
    assert low == pytest.approx(0.891 / (0.891 + 0.101))
    assert high == pytest.approx(0.909 / (0.909 + 0.099))
    assert share_band(1.0, 0.0, 0.05) == (1.0, 1.0)  # a whole has no width
    assert share_band(0.0, 1.0, 0.05) == (0.0, 0.0)


def test_weighted_and_max_bands() -> None:
    assert weighted_band([(1.0, (1.0, 2.0)), (3.0, (2.0, 4.0))]) == pytest.approx((1.75, 3.5))
    assert weighted_band([]) is None
    assert max_band([(1.0, 3.0), (2.0, 2.5)]) == (2.0, 3.0)
    assert max_band([]) is None
