"""EPCIS 2.0 JSON events reduced to stored columns: canonical ids, quantities, the event hash.

This is the foundation's reader for trusted brand-pack documents. The capture interface
(full validation) builds on it; `server.core.epcis.event_hash` computes the GS1 event hash by which
duplicates are recognised.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from server.core.epcis.event_hash import EventHashError, event_hash
from server.core.gs1.identifiers import IdentifierError, canonical_id

EVENT_TYPES = (
    "ObjectEvent",
    "AggregationEvent",
    "TransactionEvent",
    "TransformationEvent",
    "AssociationEvent",
)


class EventError(ValueError):
    """An EPCIS event that cannot be read; the message names the field."""


def _id(value: Any, field: str) -> str:
    if not isinstance(value, str):
        raise EventError(f"`{field}` must be a string identifier")
    try:
        return canonical_id(value)
    except IdentifierError as exc:
        raise EventError(f"`{field}`: {exc}") from exc


def _quantities(event: dict[str, Any], key: str) -> list[dict[str, Any]]:
    rows = []
    for i, item in enumerate(event.get(key) or []):
        if not isinstance(item, dict) or "epcClass" not in item:
            raise EventError(f"`{key}[{i}].epcClass` is required")
        quantity = item.get("quantity")
        if quantity is not None and not isinstance(quantity, int | float):
            raise EventError(f"`{key}[{i}].quantity` must be a number")
        rows.append(
            {
                "epc_class": _id(item["epcClass"], f"{key}[{i}].epcClass"),
                "quantity": float(quantity) if quantity is not None else None,
                "uom": item.get("uom"),
            }
        )
    return rows


def _location(event: dict[str, Any], key: str) -> str | None:
    value = event.get(key)
    if value is None:
        return None
    if isinstance(value, dict):
        value = value.get("id")
    return _id(value, f"{key}.id")


def _typed_list(event: dict[str, Any], key: str, inner: str) -> list[list[str]]:
    rows = []
    for i, item in enumerate(event.get(key) or []):
        if not isinstance(item, dict) or "type" not in item or inner not in item:
            raise EventError(f"`{key}[{i}]` needs `type` and `{inner}`")
        rows.append([item["type"], _id(item[inner], f"{key}[{i}].{inner}")])
    return rows


def parse_event(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """Return the stored columns of one EPCIS event (canonical identifiers throughout).

    `context` is the ``@context`` of the event's document: it names the namespaces of
    user extensions, which the event hash includes.
    """
    kind = event.get("type")
    if not isinstance(kind, str) or not kind:
        # Validation decides which custom types (schema Extended-Event) a document may use.
        raise EventError(f"`type` must be one of {', '.join(EVENT_TYPES)} or a URI, got {kind!r}")
    raw_time = event.get("eventTime")
    offset = event.get("eventTimeZoneOffset")
    if not isinstance(raw_time, str) or not isinstance(offset, str):
        raise EventError("`eventTime` and `eventTimeZoneOffset` are required")
    try:
        when = datetime.fromisoformat(raw_time.replace("Z", "+00:00"))
    except ValueError as exc:
        raise EventError(f"`eventTime` is not an ISO 8601 date-time: {raw_time!r}") from exc
    if when.tzinfo is None:
        raise EventError("`eventTime` must carry a time-zone offset")
    # Stored in UTC: SQLite keeps no offset, so local clock times would compare wrongly.
    when = when.astimezone(UTC)
    quantities = _quantities(event, "quantityList")
    outputs = _quantities(event, "outputQuantityList")
    if kind == "ObjectEvent" and event.get("action") == "ADD":
        outputs = outputs or quantities
    try:
        digest = event_hash(event, context)
    except EventHashError as exc:
        raise EventError(str(exc)) from exc
    return {
        "event_hash": digest,
        "event_id": event.get("eventID"),
        "event_type": kind,
        "event_time": when,
        "event_timezone": offset,
        "action": event.get("action"),
        "biz_step": event.get("bizStep"),
        "read_point": _location(event, "readPoint"),
        "biz_location": _location(event, "bizLocation"),
        "inputs": _quantities(event, "inputQuantityList"),
        "outputs": outputs,
        "quantities": quantities,
        "parsed": {
            "sources": _typed_list(event, "sourceList", "source"),
            "destinations": _typed_list(event, "destinationList", "destination"),
            "ilmd": event.get("ilmd") or {},
            "epcs": [_id(e, "epcList[]") for e in event.get("epcList") or []],
        },
    }
