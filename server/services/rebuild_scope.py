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
with a few set-based queries per level, never a scan of the brand's events.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from server.adapters.models import Batch, EpcisEvent, EventIdentifier, Plot, Product, Site
from server.core.epcis.identifiers import EPC, IO, PLACE, base_location, identifier_rows
from server.core.gs1.identifiers import lot_class
from server.services.query_chunks import chunks

_LINKING = ("TransformationEvent", "AggregationEvent")


def _classes(rows: Iterable[Any] | None) -> set[str]:
    return {q["epc_class"] for q in rows or [] if isinstance(q, dict) and "epc_class" in q}


def _next_level(row: Any, frontier: set[str]) -> set[str]:
    """Return what a linking event leads to from `frontier`: outputs, or aggregation members."""
    parsed = row.parsed or {}
    if row.event_type == "TransformationEvent":
        inputs = _classes(row.inputs) | set(parsed.get("input_epcs") or [])
        if inputs & frontier:
            return _classes(row.outputs) | set(parsed.get("output_epcs") or [])
        return set()
    members = set(parsed.get("child_epcs") or []) | _classes(parsed.get("child_quantities"))
    if parsed.get("parent_id"):
        members.add(parsed["parent_id"])
    return members if members & frontier else set()


def downstream(session: Session, brand_id: int, identifiers: set[str]) -> set[str]:
    """Return `identifiers` and every identifier the brand's events lead to from them."""
    seen = set(identifiers)
    frontier = set(identifiers)
    while frontier:
        reached: set[str] = set()
        for chunk in chunks(frontier):
            # Transformations name their inputs and outputs, aggregations their parent, in
            # the ``io`` role; harvests and observations name theirs as ``epc`` and lead
            # nowhere, so they are not read (a lot named by thousands of harvests stays cheap).
            naming = select(EventIdentifier.event_id).where(
                EventIdentifier.brand_id == brand_id,
                EventIdentifier.identifier.in_(chunk),
                EventIdentifier.role == IO,
            )
            linking = select(
                EpcisEvent.event_type, EpcisEvent.inputs, EpcisEvent.outputs, EpcisEvent.parsed
            ).where(EpcisEvent.id.in_(naming), EpcisEvent.event_type.in_(_LINKING))
            for row in session.execute(linking):
                reached |= _next_level(row, frontier)
        frontier = reached - seen
        seen |= frontier
    return seen


def _named_at(session: Session, brand_id: int, places: set[str]) -> set[str]:
    """Return the identifiers named by the events at `places` (base locations)."""
    found: set[str] = set()
    for chunk in chunks(places):
        at_place = select(EventIdentifier.event_id).where(
            EventIdentifier.brand_id == brand_id,
            EventIdentifier.role == PLACE,
            EventIdentifier.identifier.in_(chunk),
        )
        found.update(
            session.scalars(
                select(EventIdentifier.identifier).where(
                    EventIdentifier.event_id.in_(at_place), EventIdentifier.role.in_((EPC, IO))
                )
            )
        )
    return found


def _farm_places(session: Session, brand_id: int, places: set[str]) -> set[str]:
    """Return which of `places` (base locations) are farms of the brand."""
    farms: set[str] = set()
    for chunk in chunks(places):
        rows = session.scalars(
            select(Site.location_id).where(
                Site.brand_id == brand_id, Site.kind == "farm", Site.location_id.in_(chunk)
            )
        )
        farms.update(base_location(location) for location in rows if location)
    return farms


def batches_of_classes(session: Session, brand_id: int, classes: set[str]) -> set[int]:
    """Return the ids of the brand's batches whose lot class is among `classes`."""
    rows = session.execute(
        select(Batch.id, Product.gtin, Batch.lot).join(Product).where(Product.brand_id == brand_id)
    )
    return {batch_id for batch_id, gtin, lot in rows if lot_class(gtin, lot) in classes}


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
    farms = _farm_places(session, brand_id, places)
    if farms:
        named |= _named_at(session, brand_id, farms)  # harvests at a farm count for its yields
    return batches_of_classes(session, brand_id, downstream(session, brand_id, named))


def batches_of_sites(session: Session, brand_id: int, site_keys: set[str]) -> set[int]:
    """Return the ids of the batches whose trace passes through one of the sites."""
    places: set[str] = set()
    for chunk in chunks(site_keys):
        rows = session.scalars(
            select(Site.location_id).where(Site.brand_id == brand_id, Site.key.in_(chunk))
        )
        places.update(base_location(location) for location in rows if location)
    named = _named_at(session, brand_id, places) if places else set()
    return batches_of_classes(session, brand_id, downstream(session, brand_id, named))


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
