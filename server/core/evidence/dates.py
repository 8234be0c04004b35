"""Read the dates of many evidence records, each distinct text once."""

from __future__ import annotations

from datetime import date
from typing import Any

from server.core.evidence.parameters import to_date
from server.core.evidence.result import plain


class DateReader:
    """`parameters.to_date` for a batch's records: thousands repeat a few dates."""

    def __init__(self) -> None:
        self.read: dict[str, date | None] = {}

    def __call__(self, value: Any) -> date | None:
        """Return `to_date(value)`."""
        if value is None:  # most records leave most dates out
            return None
        if type(value) is not str:
            return to_date(value)
        found = self.read.get(value, self)
        if found is self:
            found = self.read[value] = to_date(value)
        return found  # type: ignore[return-value]


class DateTexts:
    """`result.plain` for a batch's dates (ISO text): thousands of records share a few days."""

    def __init__(self) -> None:
        self.text: dict[date, str] = {}

    def __call__(self, value: Any) -> Any:
        """Return `plain(value)`."""
        if type(value) is not date:  # a datetime's text depends on its zone: not kept
            return plain(value)
        found = self.text.get(value)
        if found is None:
            found = self.text[value] = value.isoformat()
        return found
