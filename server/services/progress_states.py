"""What a progress socket reports: builds' and snapshots' states, read fresh each time."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from server.adapters.models import Batch, Snapshot
from server.services.builds import build_state, current_builds
from server.services.snapshots import snapshot_state


def build_states(session: Session, batch: Batch) -> dict[str, dict[str, Any]]:
    """Return the state of each of the batch's current builds, as committed now."""
    # End the previous read transaction: SQLite (WAL) would keep showing its old snapshot.
    session.rollback()
    rows = current_builds(session, batch)
    return {kind: build_state(row, kind) for kind, row in rows.items()}


def builds_outcome(states: dict[str, dict[str, Any]]) -> str | None:
    """Return "done" when every build is done, "failed" when one failed, else None."""
    if all(s["status"] == "done" for s in states.values()):
        return "done"
    if any(s["status"] == "failed" for s in states.values()):
        return "failed"
    return None


def fresh_snapshot_state(session: Session, snapshot: Snapshot) -> dict[str, Any]:
    """Re-read `snapshot` as committed now (see build_states); return its state."""
    session.rollback()
    session.refresh(snapshot)
    return snapshot_state(snapshot)
