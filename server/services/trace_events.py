"""The EPCIS events of a batch's trace: as the evidence checks read them, as its report shows."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

import orjson
from psycopg.postgres import types as postgres_types
from psycopg.pq import Format
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from server.adapters.models import Batch, EpcisEvent, EventIdentifier
from server.core.disclosure.policy import policy_of
from server.core.disclosure.redaction import SiteInfo, redact_events
from server.core.evidence.inputs import Quantity, TraceEvent
from server.services.catalog import sites_of
from server.services.driver_rows import DriverRows, Memo
from server.services.query_chunks import chunks


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


# What the trace reads of an event, in the order `TraceEventReader.load` unpacks them. A JSON
# list that is empty (most ObjectEvents' inputs and outputs) comes as NULL: no text to copy.
_COLUMNS = (
    "id",
    "COALESCE(event_id, event_hash)",  # the event's id in the report
    "event_type",
    "{event_time}",
    "biz_step",
    "action",
    "biz_location",
    "read_point",
    "NULLIF({inputs}, '[]')",
    "NULLIF({outputs}, '[]')",
    "NULLIF({quantities}, '[]')",
    "{parsed}",
)
_EVENTS = EpcisEvent.__tablename__
_IDENTIFIERS = EventIdentifier.__tablename__
_TRANSFORMATION = "TransformationEvent"
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
    their times, steps and places. Each distinct value is decoded once and shared by every
    event holding it, so a row costs a few dictionary lookups, not five JSON decodes and a
    dozen objects. The JSON columns are read as text and decoded with orjson; PostgreSQL's
    times as text too, parsed by the driver's own loader once per distinct text.
    """

    def __init__(self, session: Session) -> None:
        self._db = DriverRows(session)
        self._strings: dict[Any, Any] = {}  # one copy of each step, place, lot, unit
        self._lists = Memo(self._quantities)
        self._classes = Memo(self._line_classes)
        self._parsed = Memo(self._read)
        self._shapes = Memo(self._shape)
        self._times = Memo(self._time_parser())
        # Per transformation read: the texts of its input and output lines.
        self._flows: dict[int, tuple[str | None, str | None]] = {}
        text = self._db.text
        self._select = ", ".join(_COLUMNS).format(
            event_time="event_time::text" if self._db.postgres else "event_time",
            inputs=text("inputs"),
            outputs=text("outputs"),
            quantities=text("quantities"),
            parsed=text("parsed"),
        )

    def _time_parser(self) -> Callable[[str], datetime]:
        if not self._db.postgres:
            # SQLAlchemy's text of a UTC time, without its offset.
            return lambda text: datetime.fromisoformat(text).replace(tzinfo=UTC)
        # The driver's own parser of the text it would have read: the same value, the same
        # time zone object, for a dictionary lookup per row instead of a parse.
        oid = postgres_types["timestamptz"].oid
        connection = self._db.driver
        loader = connection.adapters.get_loader(oid, Format.TEXT)(oid, connection)
        return lambda text: loader.load(text.encode())

    def _naming(self, brand_id: int, identifiers: set[str], roles: tuple[str, ...]) -> Any:
        """Return the query of the ids of events naming `identifiers` in `roles`, its params."""
        mark = self._db.mark
        among, values = self._db.among(identifiers)
        # SQLite: one probe of the lookup index per identifier, the role tested on its entries
        # (``+`` keeps the planner from probing once per identifier and role).
        role = "role" if self._db.postgres else "+role"
        query = (
            f"SELECT event_id FROM {_IDENTIFIERS} WHERE brand_id = {mark}"
            f" AND {role} IN ({', '.join(mark for _ in roles)}) AND identifier {among}"
        )
        return query, [brand_id, *roles, values]

    def naming(
        self, brand_id: int, identifiers: set[str], roles: tuple[str, ...]
    ) -> Iterator[tuple[Any, ...]]:
        """Yield the rows of the events naming one of `identifiers` in one of `roles`.

        One query, the identifier index joined in the database; one parameter whatever the
        number of identifiers, so that an event naming many is read once.
        """
        query, params = self._naming(brand_id, identifiers, roles)
        yield from self._db.stream(
            f"SELECT {self._select} FROM {_EVENTS} WHERE id IN ({query})", params
        )

    def ids_naming(self, brand_id: int, identifiers: set[str], roles: tuple[str, ...]) -> set[int]:
        """Return the ids of events naming one of `identifiers` in one of `roles`."""
        if not identifiers:
            return set()
        query, params = self._naming(brand_id, identifiers, roles)
        return {event_id for (event_id,) in self._db.all(query, params)}

    def by_id(self, ids: set[int], event_type: str) -> Iterator[tuple[Any, ...]]:
        """Yield the rows of the events of `event_type` with these row ids."""
        if not ids:
            return
        among, values = self._db.among(ids)
        mark = self._db.mark
        where = f"id {among} AND event_type = {mark}"
        yield from self._db.stream(
            f"SELECT {self._select} FROM {_EVENTS} WHERE {where}", [values, event_type]
        )

    def load(self, rows: Iterable[tuple[Any, ...]], events: dict[int, TraceEvent]) -> list[int]:
        """Add the events of rows of `naming` or `by_id` to `events` unless there already.

        Return the row ids of the transformations among `rows` (read now or before): their
        `flow` says which classes they bring in.
        """
        lists, parsed_of, times, shapes = self._lists, self._parsed, self._times, self._shapes
        flows = self._flows
        transformations: list[int] = []
        transformation = _TRANSFORMATION
        for row in rows:
            key, event_id, kind, when, step, action, location, point = row[:8]
            if kind == transformation:
                transformations.append(key)
            if key in events:
                continue
            inputs, outputs, quantities, parsed = row[8:]
            kind, step, action, location, point = shapes[kind, step, action, location, point]
            time = times[when]
            sources, destinations, ilmd = parsed_of[parsed]
            # Positional: this runs 100,000 times a load (the order of `TraceEvent`'s fields).
            events[key] = TraceEvent(
                event_id,
                kind,
                time,
                step,
                action,
                location,
                point,
                lists[inputs],
                lists[outputs],
                lists[quantities],
                sources,
                destinations,
                ilmd,
            )
            if kind == transformation:
                flows[key] = (inputs, outputs)
        return transformations

    def flow(self, key: int) -> Flow:
        """Return the classes of a transformation's output lines and input lines (`load`)."""
        inputs, outputs = self._flows[key]
        return frozenset(self._classes[outputs]), self._classes[inputs]

    def places(self) -> set[str]:
        """Return the business locations and read points of the events loaded so far."""
        return {
            place
            for _, _, _, location, point in self._shapes.values()
            for place in (location, point)
            if place
        }

    def _shape(self, values: tuple[str | None, ...]) -> tuple[str | None, ...]:
        """Return an event's type, step, action and places, one copy of each string."""
        shared = self._strings.setdefault
        return tuple(shared(value, value) for value in values)

    def _quantities(self, text: str | None) -> tuple[Quantity, ...]:
        """Return the lines of a quantity list's text that have a quantity."""
        if text is None:
            return ()
        shared = self._strings.setdefault
        found: list[Quantity] = []
        for line in loads(text) or ():
            quantity = line.get("quantity")
            if quantity is not None:
                epc_class, uom = line["epc_class"], line.get("uom")
                found.append(Quantity(shared(epc_class, epc_class), quantity, shared(uom, uom)))
        return tuple(found)

    @staticmethod
    def _line_classes(text: str | None) -> tuple[str, ...]:
        """Return the class of every line of a quantity list's text (with a quantity or not)."""
        return tuple(line["epc_class"] for line in loads(text) or ())

    @staticmethod
    def _read(text: str | None) -> tuple[Any, Any, dict[str, Any]]:
        """Return the sources, destinations and ILMD of a ``parsed`` column's text."""
        parsed = loads(text) or {}
        return (
            tuple((s[0], s[1]) for s in parsed.get("sources", [])),
            tuple((d[0], d[1]) for d in parsed.get("destinations", [])),
            # One dict for the events with the same text: the checks only read it.
            parsed.get("ilmd") or {},
        )
