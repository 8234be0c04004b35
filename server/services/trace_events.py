"""The EPCIS events of a batch's trace: as the evidence checks read them, as its report shows."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from server.adapters.models import Batch, EpcisEvent, EventIdentifier
from server.core.disclosure.policy import policy_of
from server.core.disclosure.redaction import SiteInfo, redact_events
from server.core.evidence.inputs import Quantity, TraceEvent
from server.services.catalog import sites_of
from server.services.query_chunks import chunks
from server.services.value_lists import matching_any


def public_trace_events(
    session: Session, batch: Batch, report: dict[str, Any]
) -> list[dict[str, Any]]:
    """Return the raw events of the report's journey in time order, redacted by the policy."""
    ids = {step["event"] for step in report.get("trace", {}).get("journey", [])}
    found: dict[int, EpcisEvent] = {}
    for chunk in chunks(ids):
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


# What the trace reads of an event, in the order `TraceEventReader.loaded` takes them.
_COLUMNS = (
    "id",
    "COALESCE(event_id, event_hash)",  # the event's id in the report
    "event_type",
    "event_time",
    "biz_step",
    "action",
    "biz_location",
    "read_point",
    "inputs",
    "outputs",
    "quantities",
    "parsed",
)
_JSON_COLUMNS = ("inputs", "outputs", "quantities", "parsed")
_EVENTS = EpcisEvent.__tablename__
_IDENTIFIERS = EventIdentifier.__tablename__
# Rows a PostgreSQL server-side cursor fetches at a time.
_BATCH = 2000
# An event as the loader keeps it: its sort key (time, row id) and the trace's reading of it.
Loaded = tuple[tuple[datetime, int], TraceEvent]
# A transformation's classes: of its output lines and of its input lines, as stored.
Flow = tuple[frozenset[str], tuple[str, ...]]


def loads(text: str | None) -> Any:
    """Return the value of JSON `text`: orjson, or the standard decoder where orjson cannot.

    orjson refuses what `server.adapters.event_store` may have written with the standard
    encoder (integers beyond 64 bits, NaN).
    """
    if text is None:  # a NULL column
        return None
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


class TraceEventReader:
    """Read stored events as the trace reads them, on the driver's cursor, for one load.

    A big batch's 100,000 events are mostly the same few texts: their quantity lists (a lot's
    line is its harvest's outputs and quantities, then its receipt's quantities, then a
    transformation's input), their ``parsed`` column (a farm's harvests name the same plot),
    their times and steps. Each distinct text is decoded once and its value shared by every
    event holding it, so a row costs a few dictionary lookups, not five JSON decodes and a
    dozen objects. The JSON columns are read as text (PostgreSQL: ``::text``, so the driver
    does not decode them with the standard library first) and decoded with orjson.
    """

    def __init__(self, session: Session) -> None:
        connection = session.connection()
        self._postgres = connection.dialect.name == "postgresql"
        self._dbapi: Any = connection.connection.driver_connection
        self._lists: dict[str | None, tuple[tuple[Quantity, ...], tuple[str, ...]]] = {}
        self._parsed: dict[str | None, tuple[Any, Any, dict[str, Any]]] = {}
        self._times: dict[Any, datetime] = {}
        self._strings: dict[Any, Any] = {}  # one copy of each step, place, lot, unit
        self._cursors = 0
        as_text = "::text" if self._postgres else ""
        self._select = ", ".join(f"{c}{as_text}" if c in _JSON_COLUMNS else c for c in _COLUMNS)

    def _among(self, values: set[Any]) -> tuple[str, Any]:
        """Return a condition's right side matching any of `values`, and its one parameter.

        One parameter whatever the number of values (PostgreSQL: an array; SQLite: a JSON
        array read by ``json_each``), so a level of the chain is one query, not a query per
        thousand values (an event naming values of two chunks would be read twice).
        """
        # The driver's own placeholders: this reader runs on the raw cursor.
        return matching_any(self._postgres, "%s" if self._postgres else "?", values)

    def _rows(self, where: str, params: Sequence[Any]) -> Iterator[tuple[Any, ...]]:
        statement = f"SELECT {self._select} FROM {_EVENTS} WHERE {where}"
        if self._postgres:
            # A server-side cursor: rows come in batches as read, never a level's whole
            # result (100 MB for a big batch's harvests) held by the client at once.
            self._cursors += 1
            cursor = self._dbapi.cursor(name=f"trace_events_{self._cursors}")
            cursor.itersize = _BATCH
        else:
            cursor = self._dbapi.cursor()  # sqlite3 steps the statement as rows are taken
        try:
            cursor.execute(statement, params)
            yield from cursor
        finally:
            cursor.close()

    def _naming(self, brand_id: int, identifiers: set[str], roles: tuple[str, ...]) -> Any:
        """Return the query of the ids of events naming `identifiers` in `roles`, its params."""
        mark = "%s" if self._postgres else "?"
        among, values = self._among(identifiers)
        query = (
            f"SELECT event_id FROM {_IDENTIFIERS} WHERE brand_id = {mark}"
            f" AND role IN ({', '.join(mark for _ in roles)}) AND identifier {among}"
        )
        return query, [brand_id, *roles, values]

    def naming(
        self, brand_id: int, identifiers: set[str], roles: tuple[str, ...]
    ) -> Iterator[tuple[Any, ...]]:
        """Yield the rows of the events naming one of `identifiers` in one of `roles`.

        One query, the identifier index joined in the database.
        """
        query, params = self._naming(brand_id, identifiers, roles)
        yield from self._rows(f"id IN ({query})", params)

    def ids_naming(self, brand_id: int, identifiers: set[str], roles: tuple[str, ...]) -> set[int]:
        """Return the ids of events naming one of `identifiers` in one of `roles`."""
        if not identifiers:
            return set()
        query, params = self._naming(brand_id, identifiers, roles)
        cursor = self._dbapi.cursor()
        try:
            cursor.execute(query, params)
            return {event_id for (event_id,) in cursor}
        finally:
            cursor.close()

    def by_id(self, ids: set[int]) -> Iterator[tuple[Any, ...]]:
        """Yield the rows of the events with these row ids."""
        if not ids:
            return
        among, values = self._among(ids)
        yield from self._rows(f"id {among}", [values])

    def _decoded(self, text: str | None) -> tuple[tuple[Quantity, ...], tuple[str, ...]]:
        """Return a quantity list's lines that have a quantity, and every line's class."""
        lines = loads(text) or ()
        shared = self._strings.setdefault
        found = (
            tuple(
                Quantity(
                    shared(q["epc_class"], q["epc_class"]),
                    q["quantity"],
                    shared(q.get("uom"), q.get("uom")),
                )
                for q in lines
                if q.get("quantity") is not None
            ),
            tuple(q["epc_class"] for q in lines),
        )
        self._lists[text] = found
        return found

    def _read(self, text: str | None) -> tuple[Any, Any, dict[str, Any]]:
        """Return the sources, destinations and ILMD of a ``parsed`` column's text."""
        parsed = loads(text) or {}
        found = (
            tuple((s[0], s[1]) for s in parsed.get("sources", [])),
            tuple((d[0], d[1]) for d in parsed.get("destinations", [])),
            # One dict for the events with the same text: the checks only read it.
            parsed.get("ilmd") or {},
        )
        self._parsed[text] = found
        return found

    def _time(self, value: Any) -> datetime:
        if type(value) is str:  # SQLite: SQLAlchemy's text, its UTC time without offset
            found = datetime.fromisoformat(value).replace(tzinfo=UTC)
        else:
            found = value if value.tzinfo else value.replace(tzinfo=UTC)
        self._times[value] = found
        return found

    def loaded(self, row: tuple[Any, ...]) -> Loaded:
        """Return a row of `naming` or `by_id` as the loader keeps it."""
        key, event_id, kind, when, step, action, location, point = row[:8]
        inputs, outputs, quantities, parsed = row[8:]
        # Each text decoded once (its first event), then looked up; every value is truthy.
        lines, decoded = self._lists.get, self._decoded
        shared = self._strings.setdefault
        time = self._times.get(when) or self._time(when)
        sources, destinations, ilmd = self._parsed.get(parsed) or self._read(parsed)
        # Positional: this runs 100,000 times a load (the order of `TraceEvent`'s fields).
        event = TraceEvent(
            event_id,
            shared(kind, kind),
            time,
            shared(step, step),
            shared(action, action),
            shared(location, location),
            shared(point, point),
            (lines(inputs) or decoded(inputs))[0],
            (lines(outputs) or decoded(outputs))[0],
            (lines(quantities) or decoded(quantities))[0],
            sources,
            destinations,
            ilmd,
        )
        return (time, key), event

    def flow(self, row: tuple[Any, ...]) -> Flow:
        """Return the classes of a transformation row's output lines and input lines."""
        outputs = self._lists.get(row[9]) or self._decoded(row[9])
        inputs = self._lists.get(row[8]) or self._decoded(row[8])
        return frozenset(outputs[1]), inputs[1]
