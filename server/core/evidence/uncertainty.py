"""Uncertainty bands: how far measurement error alone could move a check's value.

Each function takes point values and relative (or absolute) errors and returns the
(low, high) range of the result when every error takes its worst direction: a first-order,
worst-case band, not a confidence interval. Checks judge their status on the point value;
the band tells the reader how firm that value is.
"""

from __future__ import annotations

from collections.abc import Iterable

Band = tuple[float, float]
MASS_TOLERANCE = 0.01
MASS_SOURCE = (
    "unconfirmed originxr default: scales at buying points and warehouses in use (OIML R 76 "
    "class III verification tolerances are 0.1-0.5 %; wear, moisture and rounding add more)"
)


def quotient_band(numerator: Band, denominator: Band) -> Band | None:
    """Return the range of numerator / denominator (None when the denominator may be <= 0)."""
    if denominator[0] <= 0:
        return None
    return numerator[0] / denominator[1], numerator[1] / denominator[0]


def relative(value: float, error: float) -> Band:
    """Return `value` +/- `error` x |value|."""
    spread = abs(value) * abs(error)
    return value - spread, value + spread


def share_band(part: float, rest: float, tolerance: float) -> Band:
    """Return the range of part / (part + rest) when each mass may be off by `tolerance`.

    The share is lowest with `part` weighed light and `rest` heavy, and highest the other way.
    """
    low_part, high_part = part * (1 - tolerance), part * (1 + tolerance)
    low_rest, high_rest = rest * (1 - tolerance), rest * (1 + tolerance)
    low_total, high_total = low_part + high_rest, high_part + low_rest
    return (
        low_part / low_total if low_total > 0 else 0.0,
        high_part / high_total if high_total > 0 else 0.0,
    )


def weighted_band(items: Iterable[tuple[float, Band]]) -> Band | None:
    """Return the weighted mean of the lows and of the highs of (weight, band) items."""
    total = low = high = 0.0
    for weight, (lo, hi) in items:
        total += weight
        low += weight * lo
        high += weight * hi
    return (low / total, high / total) if total > 0 else None


def max_band(bands: Iterable[Band]) -> Band | None:
    """Return the range of the maximum of several uncertain values."""
    listed = list(bands)
    if not listed:
        return None
    return max(lo for lo, _ in listed), max(hi for _, hi in listed)
