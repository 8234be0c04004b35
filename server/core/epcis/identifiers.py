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


def _classes(rows: Iterable[Any] | None) -> list[str]:
    return [row["epc_class"] for row in rows or [] if isinstance(row, dict)]


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
    epc = set(parsed.get("epcs") or []) | set(parsed.get("child_epcs") or [])
    epc.update(_classes(columns.get("quantities")), _classes(parsed.get("child_quantities")))
    io = set(parsed.get("input_epcs") or []) | set(parsed.get("output_epcs") or [])
    io.update(_classes(columns.get("inputs")), _classes(columns.get("outputs")))
    if parsed.get("parent_id"):
        io.add(parsed["parent_id"])
    rows = {(EPC, value) for value in epc} | {(IO, value) for value in io - epc}
    if columns.get("biz_location"):
        rows.add((PLACE, base_location(columns["biz_location"])))
    return {(role, value) for role, value in rows if len(value) <= MAX_LENGTH}


def is_indexed(identifier: str) -> bool:
    """Tell whether `identifier` fits the table (else lookups must scan the JSON columns)."""
    return len(identifier) <= MAX_LENGTH
