"""The EPCIS events of a batch's trace, as its public report may show them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from server.adapters.models import Batch, EpcisEvent
from server.core.disclosure.policy import policy_of
from server.core.disclosure.redaction import SiteInfo, redact_events
from server.services.catalog import sites_of

# Bounds each IN list: databases limit the parameters of one statement.
_CHUNK = 1000


def public_trace_events(
    session: Session, batch: Batch, report: dict[str, Any]
) -> list[dict[str, Any]]:
    """Return the raw events of the report's journey in time order, redacted by the policy."""
    ids = {step["event"] for step in report.get("trace", {}).get("journey", [])}
    wanted = sorted(ids)
    found: dict[int, EpcisEvent] = {}
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        for row in session.scalars(
            select(EpcisEvent).where(
                EpcisEvent.brand_id == batch.product.brand_id,
                or_(EpcisEvent.event_id.in_(chunk), EpcisEvent.event_hash.in_(chunk)),
            )
        ):
            found[row.id] = row
    rows = sorted(found.values(), key=lambda row: (row.event_time, row.id))
    brand = batch.product.brand
    sites = [SiteInfo(s.key, s.kind, s.name) for s in sites_of(session, brand.id)]
    return redact_events(
        [row.raw for row in rows if (row.event_id or row.event_hash) in ids],
        policy_of(brand.settings),
        sites,
    )
