"""Storing validated EPCIS events of one capture: whole or not at all, duplicates stored once."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from server.adapters import metrics
from server.adapters.event_store import insert_events, known_hashes
from server.adapters.models import Blob, Capture
from server.adapters.models.base import utcnow
from server.core.epcis.event_hash import DocumentContext
from server.core.epcis.events import parse_event
from server.core.epcis.identifiers import identifier_rows
from server.core.gs1.identifiers import canonical_id
from server.services.brand_changes import bump_revision, request_rebuild
from server.services.rebuild_scope import batches_reached_by_events, mark_stale

_ATTEMPTS = 3


def _ids(event: dict[str, Any], key: str) -> list[str]:
    return [canonical_id(value) for value in event.get(key) or []]


def stored_columns(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """Return the stored columns of a validated event, every identifier canonical.

    `server.core.epcis.events.parse_event` covers quantities, locations, parties, ``epcList`` and
    the
    GS1 event hash (`context`: the document's ``@context``); the capture interface adds the
    identifiers of aggregations, associations and transformations.
    """
    columns = parse_event(event, context)
    parsed = columns["parsed"]
    parsed["child_epcs"] = _ids(event, "childEPCs")
    parsed["input_epcs"] = _ids(event, "inputEPCList")
    parsed["output_epcs"] = _ids(event, "outputEPCList")
    parsed["parent_id"] = canonical_id(event["parentID"]) if event.get("parentID") else None
    parsed["child_quantities"] = [
        {
            "epc_class": canonical_id(q["epcClass"]),
            "quantity": q.get("quantity"),
            "uom": q.get("uom"),
        }
        for q in event.get("childQuantityList") or []
    ]
    return columns


def stage_capture(
    session: Session,
    brand_id: int,
    events: Sequence[tuple[str, dict[str, Any]]],
    document: tuple[str, int, str],
    context: Any = None,
) -> Capture:
    """Add validated `events` of the brand and their Capture record to `session`; no commit.

    The one way events enter the database: the HTTP capture interface (`capture_events`)
    and brand-pack imports (`server.services.brand_pack`) both come through here. `context` is the
    document's ``@context`` (for the GS1 event hash).
    """
    hashing = DocumentContext(context)  # the document's namespaces, read once
    rows = [(p, raw, stored_columns(raw, hashing)) for p, raw in events]
    capture, _reached = _store(session, brand_id, rows, document, scoped=False)
    return capture


def _store(
    session: Session,
    brand_id: int,
    rows: list[tuple[str, dict[str, Any], dict[str, Any]]],
    document: tuple[str, int, str],
    *,
    scoped: bool,
) -> tuple[Capture, set[int] | None]:
    """Add the capture; return it and the batches its new events reach (None: every batch).

    `scoped`: only the batches the new events reach go stale (`rebuild_scope`); otherwise
    (a brand-pack import) every build of the brand does."""
    sha, size, media_type = document
    if session.get(Blob, sha) is None:
        session.add(Blob(sha256=sha, size=size, media_type=media_type))
    capture = Capture(
        id=secrets.token_urlsafe(16), brand_id=brand_id, status="succeeded", event_count=len(rows)
    )
    known = known_hashes(session, brand_id, [columns["event_hash"] for _, _, columns in rows])
    in_document: set[str] = set()
    duplicates: list[dict[str, Any]] = []
    new: list[dict[str, Any]] = []
    for path, raw, columns in rows:
        digest = columns["event_hash"]
        if digest in known or digest in in_document:
            duplicates.append(
                {
                    "path": path,
                    "eventHash": digest,
                    "eventID": raw.get("eventID"),
                    # an event stored before, or one written twice in this document
                    "duplicateOf": "stored" if digest in known else "document",
                }
            )
            continue
        in_document.add(digest)
        # Its identifier rows, worked out once for the inserts and the rebuild scope.
        identifiers = sorted(identifier_rows(columns))
        new.append({**columns, "raw": raw, "source_document": sha, "identifiers": identifiers})
    insert_events(session, brand_id, new)
    reached: set[int] | None = set()
    if new and scoped:
        reached = batches_reached_by_events(session, brand_id, new)
        mark_stale(session, reached)
    elif new:
        reached = None
        bump_revision(session, brand_id)  # a whole pack: every build of the brand goes stale
    capture.stored_count = len(new)
    capture.duplicates = duplicates
    capture.finished_at = utcnow()
    session.add(capture)
    session.flush()
    return capture, reached


def capture_events(
    session: Session,
    brand_id: int,
    events: Sequence[tuple[str, dict[str, Any]]],
    document: tuple[str, int, str],
    context: Any = None,
) -> Capture:
    """Store validated `events` ((JSON path, event) pairs) of the brand in one transaction.

    `document` is (sha256, size, media type) of the submitted bytes, already in the blob
    store; `context` its ``@context``. Events whose GS1 event hash the brand already holds,
    or that repeat an earlier event of the same document, are listed as duplicates and not
    stored: the same event written with EPC URNs or Digital Links, in another time zone or
    list order is one event. A supplied ``eventID`` (even a ``ni:///`` hash) is kept as
    written; the hash is always computed here.
    A concurrent capture of the same new event makes the commit fail on the unique
    (brand, hash) constraint; the capture is then retried, finding it a duplicate.
    After the commit, the rebuilds of the batches the new events reach are asked for
    (one coalesced job; fails open without Redis).
    """
    hashing = DocumentContext(context)  # the document's namespaces, read once
    rows = [(path, raw, stored_columns(raw, hashing)) for path, raw in events]
    for attempt in range(_ATTEMPTS):
        try:
            capture, reached = _store(session, brand_id, rows, document, scoped=True)
            session.commit()
            metrics.capture_stored(capture.stored_count, len(capture.duplicates))
            if reached:
                request_rebuild(brand_id, reached)
            return capture
        except IntegrityError:
            session.rollback()
            if attempt == _ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _instant(moment: datetime) -> str:
    """RFC 3339 with its offset: SQLite gives the stored UTC times back without one."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()


def capture_status(capture: Capture) -> dict[str, Any]:
    """Return the JSON status of `capture` as `GET /epcis/capture/<id>` answers it."""
    return {
        "captureID": capture.id,
        "status": capture.status,
        "running": capture.status == "running",
        "success": capture.status == "succeeded",
        "receivedAt": _instant(capture.received_at),
        "finishedAt": _instant(capture.finished_at) if capture.finished_at else None,
        "eventCount": capture.event_count,
        "storedCount": capture.stored_count,
        "duplicateCount": len(capture.duplicates),
        "newCount": capture.stored_count,
        "duplicates": capture.duplicates,
        "errors": capture.errors,
    }
