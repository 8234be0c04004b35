"""Capture metadata of a reality-snapshot upload: when, where, with what, by whom, consent."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from server.core.errors import InvalidSubmission

_TEXT_LIMITS = {"device": 200, "party": 200, "consent": 2000}


@dataclass(frozen=True)
class CaptureMeta:
    """What the capturer says about a capture: when, where, with what, by whom, consent."""

    captured_on: date
    lat: float
    lon: float
    device: str | None = None
    party: str | None = None
    consent: str | None = None


def capture_meta(form: Mapping[str, str], today: date) -> CaptureMeta:
    """Return the capture metadata of an upload's form fields; refuse them with every issue."""
    issues: list[dict[str, str]] = []

    def issue(path: str, message: str) -> None:
        issues.append({"path": path, "message": message})

    captured_on = _iso_date(form.get("captured_on", ""))
    if captured_on is None:
        issue("captured_on", "give the capture date as an ISO 8601 date, e.g. 2025-03-17")
    elif captured_on > today + timedelta(days=1):
        issue("captured_on", f"the capture date {captured_on} lies in the future")
    position = {}
    for name, bound in (("lat", 90.0), ("lon", 180.0)):
        value = _number(form.get(name, ""))
        if value is None or abs(value) > bound:
            issue(name, f"give `{name}` as decimal degrees between -{bound:g} and {bound:g}")
        else:
            position[name] = value
    texts: dict[str, str | None] = {}
    for name, limit in _TEXT_LIMITS.items():
        text = (form.get(name) or "").strip()
        if len(text) > limit:
            issue(name, f"`{name}` is limited to {limit} characters")
        texts[name] = text or None
    if issues or captured_on is None:
        raise InvalidSubmission(
            422,
            "Invalid capture metadata",
            f"{len(issues)} problem(s); nothing was stored.",
            issues,
        )
    return CaptureMeta(captured_on, position["lat"], position["lon"], **texts)


def _iso_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        pass  # not a bare date: a full timestamp is accepted too
    try:
        return datetime.fromisoformat(text.strip()).date()
    except ValueError:
        return None


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None
