"""The identifiers an event names, by role, as stored in ``event_identifiers`` for lookups.

Roles: ``epc`` is what ``MATCH_epc`` sees (epcList, childEPCs, the classes of quantityList
and childQuantityList); ``io`` is what ``MATCH_anyEPC`` sees besides (parentID, input and
output EPCs and classes); ``place`` is the bizLocation without its ``/254/`` extension, so
that the events at a site are found whichever extension they name. Plain data in and out.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

EPC = "epc"
IO = "io"
PLACE = "place"
MATCH_EPC_ROLES = (EPC,)
MATCH_ANY_EPC_ROLES = (EPC, IO)
MAX_LENGTH = 200  # the column's width; longer identifiers are left to the JSON scan


def _add_classes(found: set[str], rows: Iterable[Any] | None) -> None:
    if rows:
        found.update(row["epc_class"] for row in rows if isinstance(row, dict))


def base_location(location: str) -> str:
    """Return a location identifier without its GLN extension (``/254/...``)."""
    return location.split("/254/", 1)[0]


def identifier_rows(columns: dict[str, Any]) -> set[tuple[str, str]]:
    """Return the (role, identifier) pairs of an event's stored columns.

    `columns` holds ``parsed``, ``quantities``, ``inputs``, ``outputs`` and ``biz_location``
    as `server.services.capture.stored_columns` (or `server.core.epcis.events.parse_event`)
    returns them.
    """
    parsed = columns.get("parsed") or {}
    epc = {*(parsed.get("epcs") or ()), *(parsed.get("child_epcs") or ())}
    _add_classes(epc, columns.get("quantities"))
    _add_classes(epc, parsed.get("child_quantities"))
    io = {*(parsed.get("input_epcs") or ()), *(parsed.get("output_epcs") or ())}
    _add_classes(io, columns.get("inputs"))
    _add_classes(io, columns.get("outputs"))
    if parsed.get("parent_id"):
        io.add(parsed["parent_id"])
    rows = {(EPC, value) for value in epc if len(value) <= MAX_LENGTH}
    rows.update((IO, value) for value in io if value not in epc and len(value) <= MAX_LENGTH)
    if columns.get("biz_location"):
        place = base_location(columns["biz_location"])
        if len(place) <= MAX_LENGTH:
            rows.add((PLACE, place))
    return rows


def is_indexed(identifier: str) -> bool:
    """Tell whether `identifier` fits the table (else lookups must scan the JSON columns)."""
    return len(identifier) <= MAX_LENGTH
