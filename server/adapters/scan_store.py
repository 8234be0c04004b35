"""Write scan aggregates: idempotent upserts that are safe with workers in parallel.

Rows are written in key order so that two PostgreSQL transactions touching the same
counts lock them in the same order (no deadlock).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import case, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from server.adapters.models import ScanCount, ScanDrain, VisitorCount
from server.core.scans.counts import CountKey, ScopeKey

_COUNT_COLUMNS = ("brand_id", "day", "gtin", "lot", "locale", "device_class", "kind")
_SCOPE_COLUMNS = ("brand_id", "day", "gtin", "lot")


def _insert(session: Session, model: Any) -> Any:
    """Return an INSERT for `model` with ON CONFLICT support on this session's database."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(model)
    return sqlite.insert(model)


def mark_applied(session: Session, key: str) -> bool:
    """Record that drain `key` is being applied; False when it was applied already.

    Called first in the transaction that adds the counts: both commit together, so a
    batch redone after a crash (or by a second worker) is never counted twice.
    """
    stmt = _insert(session, ScanDrain).values(key=key).on_conflict_do_nothing()
    # RETURNING rather than rowcount: psycopg reports -1 for ON CONFLICT inserts
    return session.execute(stmt.returning(ScanDrain.key)).scalar_one_or_none() is not None


def add_counts(session: Session, counts: Mapping[CountKey, int]) -> None:
    """Add `counts` to the daily scan counts."""
    if not counts:
        return
    rows = [
        dict(zip(_COUNT_COLUMNS, key, strict=True), count=n) for key, n in sorted(counts.items())
    ]
    stmt = _insert(session, ScanCount)
    stmt = stmt.on_conflict_do_update(
        index_elements=list(_COUNT_COLUMNS),
        set_={"count": ScanCount.count + stmt.excluded["count"]},
    )
    session.execute(stmt, rows)


def raise_visitor_counts(session: Session, visitors: Mapping[ScopeKey, int]) -> None:
    """Set unique-visitor counts, never lowering one (an older, smaller count may arrive late)."""
    if not visitors:
        return
    rows = [
        dict(zip(_SCOPE_COLUMNS, key, strict=True), visitors=n)
        for key, n in sorted(visitors.items())
    ]
    stmt = _insert(session, VisitorCount)
    new = stmt.excluded.visitors
    stmt = stmt.on_conflict_do_update(
        index_elements=list(_SCOPE_COLUMNS),
        set_={"visitors": case((new > VisitorCount.visitors, new), else_=VisitorCount.visitors)},
    )
    session.execute(stmt, rows)


def prune_drains(session: Session, before: datetime) -> None:
    """Forget drain keys applied before `before` (their records are long gone from Redis)."""
    session.execute(delete(ScanDrain).where(ScanDrain.applied_at < before))
