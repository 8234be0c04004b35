"""An integrator's own submissions (EPCIS captures, snapshot uploads), looked up by id."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy.orm import Session

from server.adapters.models import Capture, Snapshot

_Row = TypeVar("_Row", Capture, Snapshot)
# Ids are 32 characters: a longer one in a URL is cut, as the routes always did.
_ID_LENGTH = 32


def _owned(session: Session, model: type[_Row], brand_id: int, row_id: str) -> _Row | None:
    row = session.get(model, row_id[:_ID_LENGTH])
    return row if row is not None and row.brand_id == brand_id else None


def brand_capture(session: Session, brand_id: int, capture_id: str) -> Capture | None:
    """Return the capture `capture_id` if brand `brand_id` made it, else None."""
    return _owned(session, Capture, brand_id, capture_id)


def brand_snapshot(session: Session, brand_id: int, snapshot_id: str) -> Snapshot | None:
    """Return the snapshot `snapshot_id` if brand `brand_id` uploaded it, else None."""
    return _owned(session, Snapshot, brand_id, snapshot_id)
