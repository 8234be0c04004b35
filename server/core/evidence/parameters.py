"""Read check parameters from a brand's parameter set, each with where its value came from.

Parameters in the brand pack look like ``{"value": 450, "source": "..."}``, per country
(``{"GH": {...}}``) or plain; dated ones carry ``valid_from``. A parameter the brand did
not set falls back to the check's default, and says so in its source.
"""

from __future__ import annotations

from datetime import date
from typing import Any

DEFAULT_SOURCE = "originxr default"


def scalar(parameters: dict[str, Any], name: str, default: float) -> dict[str, Any]:
    """Return ``{"value", "source"}`` for parameter `name`, falling back to `default`."""
    raw = parameters.get(name)
    if isinstance(raw, dict) and "value" in raw:
        return {
            "value": float(raw["value"]),
            "source": str(raw.get("source", "brand parameters")),
        }
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return {"value": float(raw), "source": "brand parameters"}
    return {"value": default, "source": DEFAULT_SOURCE}


def sourced(parameters: dict[str, Any], name: str, default: float, source: str) -> dict[str, Any]:
    """Return `scalar` of `name`, the default carrying its own `source` text when unset."""
    if name in parameters:
        return scalar(parameters, name, default)
    return {"value": default, "source": source}


def per_country(
    parameters: dict[str, Any], name: str, country: str | None
) -> dict[str, Any] | None:
    """Return the entry of parameter `name` for `country`, or None when it is not set."""
    table = parameters.get(name)
    if not isinstance(table, dict) or country is None:
        return None
    entry = table.get(country)
    if isinstance(entry, list):
        return dated(entry, None)
    return entry if isinstance(entry, dict) and "value" in entry else None


def dated(
    entries: list[dict[str, Any]], on: date | None, key: str = "valid_from"
) -> dict[str, Any] | None:
    """Return the entry of `entries` with the latest `key` date on or before `on`.

    With `on` None, return the latest entry. Entries without a date are valid from always.
    """
    best: tuple[date, dict[str, Any]] | None = None
    for entry in entries:
        raw = entry.get(key)
        since = date.fromisoformat(str(raw)) if raw else date.min
        if on is not None and since > on:
            continue
        if best is None or since > best[0]:
            best = (since, entry)
    return None if best is None else best[1]


def to_date(value: Any) -> date | None:
    """Return `value` (an ISO date text, or a date) as a date; None when absent or unreadable."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        # An unreadable date counts as no date: the check then reports the record as unusable.
        return None
