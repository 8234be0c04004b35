"""The result of one evidence check, as the report stores it and auditors read it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any

import numpy as np

STATUSES = ("ok", "unknown", "warn", "fail")
"""Statuses from best to worst: a problem found outranks evidence missing (both are shown)."""


def worst(statuses: Iterable[str]) -> str:
    """Return the worst of `statuses` in the order ok < unknown < warn < fail ("ok" if none)."""
    rank = -1
    for status in statuses:
        if status not in STATUSES:
            raise ValueError(f"`statuses` holds {status!r}; expected one of {STATUSES}")
        rank = max(rank, STATUSES.index(status))
    return STATUSES[max(rank, 0)]


def threshold_status(value: float, ok_at: float, warn_at: float) -> str:
    """Return "ok" when `value` >= `ok_at`, "warn" when >= `warn_at`, else "fail".

    A margin of 1e-9 keeps sums of shares that are exactly at a threshold on its good side.
    """
    if value + 1e-9 >= ok_at:
        return "ok"
    return "warn" if value + 1e-9 >= warn_at else "fail"


# Rows made and serialised at a time (trace_section.py makes them, report_stream.py writes
# them): enough that a call's overhead does not show, few enough that a chunk's rows and
# their bytes (about 100 kB for a journey) stay in the processor's cache while they are made,
# serialised, scanned and copied. 4096 rows (a few MB) cost a quarter more time to write.
ROWS_AT_ONCE = 256

_AS_IS = frozenset({str, int, bool, type(None)})


class SmallFloat(float):
    """A float below 1e-4 in magnitude: equal to its value, marked for `report_json`.

    Python writes such floats with an exponent (``2.5e-05``), orjson does not; the mark
    lets the fast encoder write them as the standard library does.
    """

    __slots__ = ()


def plain_float(value: float) -> float | None:
    """Return a float as `plain` does: rounded to 6 places, marked if small, None if not finite.

    Checks that build their rows JSON-ready call it on each float they write.
    """
    # Rounding first: NaN and infinities round to themselves, and half a million floats of a
    # big report take this path (no math.isnan/isinf calls on the common one).
    rounded = round(value, 6)
    if -1e-4 < rounded < 1e-4:
        return 0.0 if rounded == 0 else SmallFloat(rounded)
    if rounded - rounded == 0.0:  # finite: inf - inf and nan - nan are nan
        return rounded
    return None


def plain_number(value: float | None) -> Any:
    """Return ``plain(value)`` for a number or None (the float path without a type switch)."""
    if type(value) is float:
        return plain_float(value)
    return value if value is None or type(value) is int else plain(value)


# Below this magnitude x x 10^6 is an integer a double holds exactly, with room to spare.
_EXACT_BELOW = 1e9
_FLOAT_OR_NONE = frozenset({float, type(None)})
# Fewer values are rounded one by one: an array's set-up costs more than it saves.
_ARRAY_FROM = 32


def plain_floats(values: list[float | None]) -> list[float | None]:
    """Return ``[plain_number(v) for v in values]`` for floats and Nones, most at C speed.

    Python's ``round(v, 6)`` is the double nearest to k / 10^6, k being v x 10^6 rounded
    half to even on v's exact value; one division of k by 10^6 gives that same double
    (IEEE division is correctly rounded). So wherever ``rint(v * 1e6)`` is that k, which
    holds unless the product lies within a few units in its last place of a half-integer
    (its own rounding error could then cross it), the arrays give ``round``'s result.
    Those values, and the ones not rounded the common way (small, zero, not finite, None,
    too large for the product to be exact), are rounded by `plain_float` one by one; so
    are all of them when one is neither a float nor None (an int stays an int).
    """
    if len(values) < _ARRAY_FROM or not set(map(type, values)) <= _FLOAT_OR_NONE:
        return [plain_number(v) for v in values]
    x = np.array(values, dtype=np.float64)  # None is nan: left to plain_float below
    scaled = x * 1e6
    rounded = np.rint(scaled) / 1e6
    with np.errstate(invalid="ignore"):  # nan and inf compare false: they are redone
        tie = np.abs(scaled - np.floor(scaled) - 0.5) <= 4 * np.spacing(np.abs(scaled))
        common = (np.abs(rounded) >= 1e-4) & (np.abs(x) < _EXACT_BELOW) & ~tie
    out: list[float | None] = rounded.tolist()
    for at in np.flatnonzero(~common).tolist():
        value = values[at]
        out[at] = None if value is None else plain_float(value)
    return out


def plain_columns(rows: list[dict[str, Any]], keys: tuple[str, ...]) -> None:
    """Replace the numbers under `keys` in each of `rows` by `plain_number`'s, in place.

    Every row has every key; the values are rounded all at once (`plain_floats`), a key's
    column after another's.
    """
    count = len(rows)
    values = plain_floats([row[key] for key in keys for row in rows])
    for at, key in enumerate(keys):
        for row, value in zip(rows, values[at * count : (at + 1) * count], strict=True):
            row[key] = value


@lru_cache(maxsize=4096)
def _text_keys_sorted(keys: tuple[Any, ...]) -> tuple[str, ...] | None:
    """Return `keys` sorted if all are text, else None (reports repeat a few key sets)."""
    return tuple(sorted(keys)) if all(type(k) is str for k in keys) else None


def plain(value: Any) -> Any:
    """Return `value` as JSON-ready data: dates as ISO text, floats rounded to 6 places.

    Dict keys are sorted by their text. Reports hold one row per event, farm and plot, so
    the exact built-in types take a fast path (no call for scalars inside containers);
    subclasses and other types take the general one, with the same results.
    """
    kind = type(value)
    if kind in _AS_IS:
        return value
    if kind is float:
        return plain_float(value)
    if kind is datetime or kind is date:
        return value.isoformat()
    if kind is dict:
        keys = _text_keys_sorted(tuple(value))
        if keys is None:
            return {str(k): plain(value[k]) for k in sorted(value, key=str)}
        return {k: (v if type(v) in _AS_IS else plain(v)) for k in keys for v in (value[k],)}
    if kind is list or kind is tuple:
        if all(type(v) is str for v in value):  # id lists, the bulk of a report: no recursion
            return list(value)
        return [v if type(v) in _AS_IS else plain(v) for v in value]
    return _plain_other(value)


def plain_rows(rows: Iterable[Any]) -> list[Any]:
    """Return ``[plain(row) for row in rows]`` for an encoder that sorts keys itself.

    The values are `plain`'s, but a dict whose keys are all text keeps its own key order
    (sorting is the encoder's, ``canonical_json``'s), and a list of text is the row's own
    object, not a copy: the result must be read, never changed. A report's rows are dicts
    of text, numbers and short lists, so one loop handles a row without a call per value.
    """
    return [_row(row) if type(row) is dict else plain(row) for row in rows]


def _row(value: dict[Any, Any]) -> Any:
    if _text_keys_sorted(tuple(value)) is None:  # keys plain() sorts by (and makes) text
        return plain(value)
    out = value.copy()  # C speed; only the values that are not plain already are replaced
    for key, item in value.items():
        kind = type(item)
        if kind is str or item is None or kind is int or kind is bool:
            continue
        if kind is float:
            rounded = round(item, 6)
            if -1e-4 < rounded < 1e-4:
                out[key] = 0.0 if rounded == 0 else SmallFloat(rounded)
            elif rounded - rounded == 0.0:  # finite, as in plain_float
                out[key] = rounded
            else:
                out[key] = None
        elif kind is list or kind is tuple:
            if not all(type(v) is str for v in item):
                out[key] = [v if type(v) in _AS_IS else _item(v) for v in item]
            elif kind is tuple:
                out[key] = list(item)
        elif kind is dict:
            out[key] = _row(item)
        elif kind is datetime or kind is date:
            out[key] = item.isoformat()
        else:
            out[key] = plain(item)
    return out


def _item(value: Any) -> Any:
    return _row(value) if type(value) is dict else plain(value)


def _plain_other(value: Any) -> Any:
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return plain_float(value)
    if isinstance(value, dict):
        return {str(k): plain(value[k]) for k in sorted(value, key=str)}
    if isinstance(value, (list, tuple)):
        if all(type(v) is str for v in value):
            return list(value)
        return [plain(v) for v in value]
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (set, frozenset)):
        return sorted(plain(v) for v in value)
    return value


@dataclass(frozen=True)
class CheckResult:
    """One check's finding: status, value, how it was computed and the evidence it used.

    `parameters` maps each parameter name to ``{"value": ..., "source": ...}``; `evidence`
    holds event ids and evidence record ids; `details` holds per-farm or per-plot rows.
    With `ready`, the check built its rows JSON-ready: each row is what `plain` makes of it
    but for its key order (floats through `plain_float`, dates as ISO text, lists not
    tuples), so that neither `to_json` nor a writer walks them again; they must be read,
    never changed.
    """

    key: str
    status: str
    value: float | None
    unit: str | None
    method: str
    parameters: dict[str, Any] = field(default_factory=dict)
    evidence: tuple[str, ...] = ()
    details: tuple[dict[str, Any], ...] = ()
    uncertainty: tuple[float, float] | None = None
    ready: bool = False

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"`status` must be one of {STATUSES}, got {self.status!r}")
        if self.uncertainty is not None and self.uncertainty[0] > self.uncertainty[1]:
            raise ValueError(f"`uncertainty` must be (low, high), got {self.uncertainty!r}")

    def to_json(self) -> dict[str, Any]:
        """Return the result as JSON-ready data with sorted evidence ids."""
        rows = list(self.details) if self.ready else [plain(row) for row in self.details]
        return dict(self.json_head(), details=rows)

    def json_head(self) -> dict[str, Any]:
        """Return `to_json` without ``details`` (a writer may stream those row by row)."""
        return {
            "key": self.key,
            "status": self.status,
            "value": plain(self.value),
            "unit": self.unit,
            "method": self.method,
            "parameters": plain(self.parameters),
            "evidence": unique_sorted(self.evidence),
            "uncertainty": None if self.uncertainty is None else plain(list(self.uncertainty)),
        }


def unique_sorted(ids: Iterable[str]) -> list[str]:
    """Return ``sorted(set(ids))``, in linear time when `ids` come sorted (as checks give
    them: a sort of sorted ids is one pass, while a set's order costs a full sort)."""
    listed = sorted(ids)
    if len(set(listed)) == len(listed):
        return listed
    return [v for i, v in enumerate(listed) if not i or v != listed[i - 1]]
