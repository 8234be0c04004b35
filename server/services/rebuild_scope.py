"""Which batches a change can reach: the ones to rebuild after a capture or an evidence upload.

A batch's evidence reads the events naming the classes upstream of its own lot (its trace
walks transformations from outputs to inputs), every harvest at the farms among them, and the
sites, plots and records of those places (`server.services.batch_inputs`). So a new event
reaches the batches *downstream* of the classes it names: from each class, through the
transformations that take it as an input to their outputs, and from an aggregation's
parent to its children, until nothing new turns up (the trace does not follow aggregations,
so this is more than it needs; a child does not lead to its parent: children are ``epc``
rows, which would bring in every harvest). An event at a farm also reaches
the batches downstream of what was harvested there. A record about a site reaches the
batches downstream of the events at that site; about a plot, those of its farm; about a
batch, that batch. Everything here goes through the identifier index (``event_identifiers``)
with one query per level (its values one array or JSON parameter,
`server.services.value_lists`), never a scan of the brand's events; a walk stops once every
batch of the brand is reached.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Row, select, text, update
from sqlalchemy.orm import Session

from server.adapters.models import Batch, EpcisEvent, EventIdentifier, Plot, Product, Site
from server.core.epcis.identifiers import EPC, IO, PLACE, base_location, identifier_rows
from server.core.gs1.identifiers import lot_class
from server.services.query_chunks import chunks
from server.services.trace_events import loads
from server.services.value_lists import among, is_postgres

_LINKING = ("TransformationEvent", "AggregationEvent")
_EVENTS = EpcisEvent.__tablename__
_IDENTIFIERS = EventIdentifier.__tablename__
_SITES = Site.__tablename__


def _classes(rows: Iterable[Any] | None) -> set[str]:
    return {q["epc_class"] for q in rows or [] if isinstance(q, dict) and "epc_class" in q}


class _Decoded:
    """Decode JSON column texts, each distinct text once (a chain's events repeat them)."""

    def __init__(self) -> None:
        self._values: dict[str | None, Any] = {}

    def __call__(self, value: Any) -> Any:
        if not isinstance(value, str):  # NULL, or a value the driver decoded
            return value
        if value not in self._values:
            self._values[value] = loads(value)
        return self._values[value]


def _next_level(row: Row[Any], frontier: set[str], decoded: _Decoded) -> set[str]:
    """Return what a linking event leads to from `frontier`: outputs, or aggregation members."""
    parsed = decoded(row.parsed) or {}
    if row.event_type == "TransformationEvent":
        inputs = _classes(decoded(row.inputs)) | set(parsed.get("input_epcs") or [])
        if inputs & frontier:
            return _classes(decoded(row.outputs)) | set(parsed.get("output_epcs") or [])
        return set()
    members = set(parsed.get("child_epcs") or []) | _classes(parsed.get("child_quantities"))
    if parsed.get("parent_id"):
        members.add(parsed["parent_id"])
    return members if members & frontier else set()


def downstream(
    session: Session, brand_id: int, identifiers: set[str], goal: set[str] | None = None
) -> set[str]:
    """Return `identifiers` and every identifier the brand's events lead to from them.

    `goal`: the walk may stop once every one of these is reached (the brand's batch classes,
    when only the batches matter); what it returns then holds them, perhaps not all the rest.
    """
    postgres = is_postgres(session)
    as_text = "::text" if postgres else ""  # decoded here by orjson, not by the driver
    decoded = _Decoded()
    seen = set(identifiers)
    frontier = set(identifiers)
    led: set[int] = set()  # linking events that led somewhere: reading them again adds nothing
    while frontier and not (goal is not None and goal <= seen):
        naming, values = among(postgres, "frontier", frontier)
        params: dict[str, Any] = {
            "brand": brand_id,
            "io": IO,
            "frontier": values,
            "transformation": _LINKING[0],
            "aggregation": _LINKING[1],
        }
        skip = ""
        if led:
            done, params["led"] = among(postgres, "led", led)
            skip = f" AND NOT (id {done})"
        # Transformations name their inputs and outputs, aggregations their parent, in the
        # ``io`` role; harvests and observations name theirs as ``epc`` and lead nowhere, so
        # they are not read (a lot named by thousands of harvests stays cheap). One query a
        # level: the frontier is one parameter, the index joined in the database.
        linking = text(
            f"SELECT id, event_type, inputs{as_text} AS inputs, outputs{as_text} AS outputs,"
            f" parsed{as_text} AS parsed FROM {_EVENTS}"
            " WHERE event_type IN (:transformation, :aggregation)"
            f" AND id IN (SELECT event_id FROM {_IDENTIFIERS} WHERE brand_id = :brand"
            f" AND role = :io AND identifier {naming}){skip}"
        )
        reached: set[str] = set()
        for row in session.execute(linking, params):
            found = _next_level(row, frontier, decoded)
            if found:
                led.add(row.id)
                reached |= found
        frontier = reached - seen
        seen |= frontier
    return seen


def _named_at(session: Session, brand_id: int, places: set[str]) -> set[str]:
    """Return the identifiers named by the events at `places` (base locations)."""
    if not places:
        return set()
    at, values = among(is_postgres(session), "places", places)
    query = text(
        f"SELECT DISTINCT identifier FROM {_IDENTIFIERS} WHERE role IN (:epc, :io)"
        f" AND event_id IN (SELECT event_id FROM {_IDENTIFIERS} WHERE brand_id = :brand"
        f" AND role = :place AND identifier {at})"
    )
    params = {"epc": EPC, "io": IO, "place": PLACE, "brand": brand_id, "places": values}
    return set(session.scalars(query, params))


def _site_places(session: Session, brand_id: int, column: str, values: set[str]) -> set[str]:
    """Return the base locations of the brand's sites whose `column` is among `values`.

    `column`: ``key`` (any site) or ``location_id`` (farms only).
    """
    if not values:
        return set()
    matching, bound = among(is_postgres(session), "values", values)
    farms = " AND kind = :farm" if column == "location_id" else ""
    query = text(
        f"SELECT location_id FROM {_SITES} WHERE brand_id = :brand{farms} AND {column} {matching}"
    )
    rows = session.scalars(query, {"brand": brand_id, "farm": "farm", "values": bound})
    return {base_location(location) for location in rows if location}


def _batch_classes(session: Session, brand_id: int) -> dict[str, set[int]]:
    """Return the ids of the brand's batches by lot class."""
    rows = session.execute(
        select(Batch.id, Product.gtin, Batch.lot).join(Product).where(Product.brand_id == brand_id)
    )
    found: dict[str, set[int]] = {}
    for batch_id, gtin, lot in rows:
        found.setdefault(lot_class(gtin, lot), set()).add(batch_id)
    return found


def _batches_in(by_class: dict[str, set[int]], classes: set[str]) -> set[int]:
    return {i for lot, ids in by_class.items() if lot in classes for i in ids}


def batches_of_classes(session: Session, brand_id: int, classes: set[str]) -> set[int]:
    """Return the ids of the brand's batches whose lot class is among `classes`."""
    return _batches_in(_batch_classes(session, brand_id), classes)


def _batches_downstream(session: Session, brand_id: int, named: set[str]) -> set[int]:
    """Return the ids of the batches downstream of `named`, walking only until all are."""
    by_class = _batch_classes(session, brand_id)
    if not by_class or not named:
        return set()
    return _batches_in(by_class, downstream(session, brand_id, named, set(by_class)))


def batches_reached_by_events(
    session: Session, brand_id: int, events: Iterable[dict[str, Any]]
) -> set[int]:
    """Return the ids of the batches new `events` (stored columns, already inserted) reach.

    An event's ``identifiers`` (its `identifier_rows`, when the caller has them) are used as
    they are.
    """
    named: set[str] = set()
    places: set[str] = set()
    for columns in events:
        pairs = columns.get("identifiers")
        for role, value in identifier_rows(columns) if pairs is None else pairs:
            (places if role == PLACE else named).add(value)
    by_class = _batch_classes(session, brand_id)
    if not by_class:
        return set()
    goal = set(by_class)
    if not goal <= named:  # else every batch is reached already: no need to read the farms
        # harvests at a farm count for its yields
        named |= _named_at(
            session, brand_id, _site_places(session, brand_id, "location_id", places)
        )
    if not named:
        return set()
    return _batches_in(by_class, downstream(session, brand_id, named, goal))


def batches_of_sites(session: Session, brand_id: int, site_keys: set[str]) -> set[int]:
    """Return the ids of the batches whose trace passes through one of the sites."""
    places = _site_places(session, brand_id, "key", site_keys)
    return _batches_downstream(session, brand_id, _named_at(session, brand_id, places))


def batches_of_subject(
    session: Session, brand_id: int, subject_type: str, subject_key: str, site: str | None
) -> set[int] | None:
    """Return the ids of the batches a record about this subject reaches; None: every batch.

    `site` is the site the record's payload names, if any (its ``about_site``).
    """
    sites = {site} if site else set()
    if subject_type == "batch":
        return batches_of_classes(session, brand_id, {subject_key}) | (
            batches_of_sites(session, brand_id, sites) if sites else set()
        )
    if subject_type == "site":
        return batches_of_sites(session, brand_id, sites | {subject_key})
    if subject_type == "plot":
        farm = session.scalar(
            select(Plot.site_key).where(Plot.brand_id == brand_id, Plot.key == subject_key)
        )
        return batches_of_sites(session, brand_id, sites | ({farm} if farm else set()))
    return None


def mark_stale(session: Session, batch_ids: set[int]) -> None:
    """Make the current builds of `batch_ids` stale (inside the transaction of the change)."""
    for chunk in chunks(batch_ids):
        session.execute(
            update(Batch)
            .where(Batch.id.in_(chunk))
            .values(data_revision=Batch.data_revision + 1)
            .execution_options(synchronize_session=False)
        )
