"""Load what a batch's evidence build reads from the database into the checks' plain data."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from operator import itemgetter
from typing import Any, overload

from sqlalchemy import JSON, Select, Text, and_, cast, select
from sqlalchemy.orm import Session

from server.adapters.models import (
    Batch,
    Brand,
    EvidenceRecord,
    Plot,
    Site,
)
from server.adapters.models.supply import in_spatial_index
from server.core.epcis.identifiers import EPC, IO, PLACE, base_location
from server.core.evidence.event_reading import is_creation, named_plots
from server.core.evidence.inputs import (
    BatchInputs,
    Material,
    Quantity,
    TraceEvent,
)
from server.core.evidence.inputs import (
    EvidenceRecord as PlainRecord,
)
from server.core.evidence.inputs import (
    Plot as PlainPlot,
)
from server.core.evidence.inputs import (
    Site as PlainSite,
)
from server.core.gs1.identifiers import gtin_of, lot_class
from server.services.query_chunks import chunks
from server.services.trace_events import Flow, Loaded, TraceEventReader, loads


def _quantities(rows: list[Any]) -> tuple[Quantity, ...]:
    return tuple(
        Quantity(
            epc_class=_shared(r["epc_class"]), quantity=r["quantity"], uom=_shared(r.get("uom"))
        )
        for r in rows
        if r.get("quantity") is not None
    )


@overload
def _shared(text: str) -> str: ...
@overload
def _shared(text: str | None) -> str | None: ...
def _shared(text: str | None) -> str | None:
    """Return one copy of `text` for all events naming it (a lot, a place, a unit, a step).

    A big batch's events repeat a few hundred thousand such strings, read as a new copy
    each from the database (one copy each: 12 MB less for a 10,000-farm batch).
    """
    return sys.intern(text) if type(text) is str else text


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def plain_event(row: Any) -> TraceEvent:
    """Return a stored event (an `EpcisEvent` or a row of its columns) as the trace reads it."""
    parsed = row.parsed or {}
    outputs = _quantities(row.outputs)
    # A creation lists its lots as outputs and as quantities: the same rows, one tuple.
    quantities = outputs if row.quantities == row.outputs else _quantities(row.quantities)
    return TraceEvent(
        id=row.event_id or row.event_hash,
        type=_shared(row.event_type),
        time=_aware(row.event_time),
        biz_step=_shared(row.biz_step),
        action=_shared(row.action),
        biz_location=_shared(row.biz_location),
        read_point=_shared(row.read_point),
        inputs=_quantities(row.inputs),
        outputs=outputs,
        quantities=quantities,
        sources=tuple((s[0], s[1]) for s in parsed.get("sources", [])),
        destinations=tuple((d[0], d[1]) for d in parsed.get("destinations", [])),
        ilmd=parsed.get("ilmd") or {},
    )


def plain_site(s: Any) -> PlainSite:
    """Return a stored site (a `Site` or a row of its table) as the checks read it."""
    return PlainSite(
        id=s.key,
        kind=s.kind,
        name=s.name,
        sgln=s.location_id,
        country=s.country,
        lat=s.lat,
        lon=s.lon,
        region=s.region,
        parent=s.parent_key,
    )


def plain_plot(p: Any) -> PlainPlot:
    """Return a stored plot (a `Plot` or a row of its table) as the checks read it."""
    return _plot(p, p.geometry)


def _plot(p: Any, geometry: dict[str, Any]) -> PlainPlot:
    return PlainPlot(
        id=p.key,
        farm=p.site_key,
        geometry=geometry,
        declared_area_ha=p.declared_area_ha,
        country=p.country,
    )


def plain_record(r: Any) -> PlainRecord:
    """Return a stored record (an `EvidenceRecord` or a row of its table) as checks read it."""
    return _record(r, r.payload)


def _record(r: Any, payload: dict[str, Any]) -> PlainRecord:
    # Positional (the order of the fields): a big batch has tens of thousands of records.
    return PlainRecord(
        r.key,
        r.kind,
        r.subject_type,
        r.subject_key,
        r.issuer,
        r.issued_on,
        r.valid_until,
        payload,
        r.document_sha256 or r.record_sha256,
    )


_NAMING_ROLES = (EPC, IO)


def _trace_events(
    reader: TraceEventReader, brand_id: int, root: str, tracked: Callable[[str], bool]
) -> dict[int, Loaded]:
    """Return the events naming the classes upstream of `root`, level by level.

    From the batch's class, each round reads the events naming the new classes (one query
    joining the identifier index, decoding only the events not read yet); the transformations among
    them that output one of those classes bring their tracked inputs into the next round:
    the classes `server.core.evidence.trace` walks, and every event naming them.
    """
    events: dict[int, Loaded] = {}
    # Per transformation read: the classes of its output and input lines (with or without
    # a quantity, as the rows list them).
    flows: dict[int, Flow] = {}
    seen: set[str] = set()
    frontier = {root}
    while frontier:
        seen |= frontier
        named: set[int] = set()
        # Rows are turned into events as they are read and let go of (their JSON columns
        # are most of a row's memory): a big batch never holds its rows and events at once.
        for row in reader.naming(brand_id, frontier, _NAMING_ROLES):
            event_id = row[0]
            named.add(event_id)
            if event_id not in events:
                events[event_id] = reader.loaded(row)
                if row[2] == "TransformationEvent":
                    flows[event_id] = reader.flow(row)
        upstream: set[str] = set()
        for event_id in named:
            if event_id not in flows:
                continue
            outputs, inputs = flows[event_id]
            if not outputs.isdisjoint(frontier):
                upstream.update(cls for cls in inputs if tracked(cls))
        frontier = upstream - seen
    return events


def _farm_creations(
    reader: TraceEventReader, brand_id: int, locations: set[str], known: set[int]
) -> Iterator[tuple[int, Loaded]]:
    """Yield the ObjectEvents at `locations` (farms) not in `known`: other harvests count."""
    places = {base_location(loc) for loc in locations}
    ids = reader.ids_naming(brand_id, places, (PLACE,)) - known
    for row in reader.by_id(ids):
        if row[2] == "ObjectEvent":
            yield row[0], reader.loaded(row)


def _columns(table: Any, *names: str) -> tuple[Any, ...]:
    """Return the named columns of `table`, JSON ones as their text (decoded by orjson)."""
    return tuple(
        cast(table.c[name], Text).label(name)
        if isinstance(table.c[name].type, JSON)
        else table.c[name]
        for name in names
    )


# What the checks read of a site, a plot and a record (not a site's properties, say).
_SITE = _columns(
    Site.__table__, "id", "key", "kind", "name", "location_id", "country", "lat", "lon",
    "region", "parent_key",
)  # fmt: skip
_PLOT = _columns(
    Plot.__table__, "id", "brand_id", "key", "site_key", "geometry", "declared_area_ha",
    "country", "min_lon", "min_lat", "max_lon", "max_lat",
)  # fmt: skip
_RECORD = _columns(
    EvidenceRecord.__table__, "id", "key", "kind", "subject_type", "subject_key", "issuer",
    "issued_on", "valid_until", "payload", "document_sha256", "record_sha256", "about_site",
)  # fmt: skip


def _rows(
    session: Session, columns: tuple[Any, ...], condition: Any, column: Any, keys: set[str]
) -> list[Any]:
    """Return the `columns` of the rows meeting `condition` whose `column` is among `keys`.

    Core rows on the session's connection: the ORM's result handling is not needed here.
    """
    connection = session.connection()
    rows: list[Any] = []
    for chunk in chunks(keys):
        # `all()`: one fetchall from the driver, not a fetchone per row.
        rows += connection.execute(select(*columns).where(condition, column.in_(chunk))).all()
    return rows


def _sites_at(session: Session, brand_id: int, locations: set[str]) -> dict[str, Any]:
    wanted = locations | {base_location(loc) for loc in locations}
    rows = _rows(session, _SITE, Site.brand_id == brand_id, Site.location_id, wanted)
    return {row.key: row for row in rows}


def plots_meeting(
    dialect: str, brand_id: int, box: tuple[float, float, float, float]
) -> Select[Any]:
    """Return the query for the brand's plots whose bounding box meets `box` (edges included).

    The spatial index finds the candidates (logarithmic in the brand's plots, not a scan of
    one axis); the comparisons on the float columns keep exactly the plots the box meets.
    """
    lo_lon, lo_lat, hi_lon, hi_lat = box
    return select(*Plot.__table__.c).where(
        in_spatial_index(dialect, lo_lon, lo_lat, hi_lon, hi_lat),
        Plot.brand_id == brand_id,
        Plot.min_lon <= hi_lon,
        Plot.max_lon >= lo_lon,
        Plot.min_lat <= hi_lat,
        Plot.max_lat >= lo_lat,
    )


def _plots_near(session: Session, brand_id: int, sites: set[str]) -> dict[str, Any]:
    """Return the sites' plots and every plot whose bounding box meets theirs (for overlaps)."""
    mine = _rows(session, _PLOT, Plot.brand_id == brand_id, Plot.site_key, sites)
    plots = {row.key: row for row in mine}
    boxes = [p for p in mine if p.min_lon is not None]
    if boxes:
        union = (
            min(p.min_lon for p in boxes),
            min(p.min_lat for p in boxes),
            max(p.max_lon for p in boxes),
            max(p.max_lat for p in boxes),
        )
        near = plots_meeting(session.get_bind().dialect.name, brand_id, union)
        for row in session.connection().execute(near.with_only_columns(*_PLOT)).all():
            plots.setdefault(row.key, row)
    return plots


def _records_about(
    session: Session, brand_id: int, sites: set[str], plots: set[str]
) -> dict[int, Any]:
    """Return the records about `sites` or `plots`, and those about neither kind of subject."""
    of_brand = EvidenceRecord.brand_id == brand_id
    kind = EvidenceRecord.subject_type
    rows: list[Any] = []
    # Subjects other than plots and sites (batches, ...): three index ranges around the two
    # kinds, not a NOT IN that would read every record of the brand for every batch.
    for other in (kind < "plot", and_(kind > "plot", kind < "site"), kind > "site"):
        rows += session.connection().execute(select(*_RECORD).where(of_brand, other)).all()
    about_site = and_(of_brand, EvidenceRecord.subject_type == "site")
    about_plot = and_(of_brand, EvidenceRecord.subject_type == "plot")
    rows += _rows(session, _RECORD, about_site, EvidenceRecord.subject_key, sites)
    rows += _rows(session, _RECORD, of_brand, EvidenceRecord.about_site, sites)
    rows += _rows(session, _RECORD, about_plot, EvidenceRecord.subject_key, plots)
    return {row.id: row for row in rows}


def _materials(settings: dict[str, Any], locale: str) -> tuple[Material, ...]:
    return tuple(
        Material(
            gtin=m["gtin"],
            name=(m.get("name") or {}).get(locale) or m["gtin"],
            tracked=bool(m.get("tracked", True)),
            yield_basis_factor=float(m.get("yield_basis_factor", 1.0)),
        )
        for m in settings.get("materials", [])
    )


def load_batch_inputs(session: Session, batch: Batch, as_of: date | None = None) -> BatchInputs:
    """Return everything the evidence checks need for `batch`, read from the database.

    Only what the batch's trace and checks can reach is read, with set-based indexed queries
    (a few per level of the chain, none per event): the events naming the classes upstream
    of the batch, every harvest at the farms among them (yields are per farm and season),
    the sites at those events' locations, the farms' plots and the plots near them (for
    overlaps), and the evidence records about those sites and plots or about no place.
    """
    brand: Brand = batch.product.brand
    settings = brand.settings or {}
    materials = _materials(settings, brand.default_locale)
    tracked_gtins = {m.gtin: m.tracked for m in materials}

    def tracked(cls: str) -> bool:
        return tracked_gtins.get(gtin_of(cls) or "", True)

    root = lot_class(batch.product.gtin, batch.lot)
    reader = TraceEventReader(session)
    events = _trace_events(reader, brand.id, root, tracked)
    locations = {loc for _, e in events.values() for loc in (e.biz_location, e.read_point) if loc}
    sites = _sites_at(session, brand.id, locations)
    farm_locations = {s.location_id for s in sites.values() if s.kind == "farm" and s.location_id}
    events.update(_farm_creations(reader, brand.id, farm_locations, set(events)))
    plots = _plots_near(session, brand.id, set(sites))
    trace_events = tuple(e for _, e in sorted(events.values(), key=itemgetter(0)))
    del events
    # `named_plots` reads an event's ILMD, one dict shared by the events of the same text.
    creations = {id(e.ilmd): e for e in trace_events if is_creation(e)}
    named_plot_ids = {p for e in creations.values() for p in named_plots(e)}
    records = _records_about(session, brand.id, set(sites), set(plots) | named_plot_ids)
    named_sites = {r.about_site for r in records.values() if r.about_site} - sites.keys()
    of_brand = Site.brand_id == brand.id
    for site in _rows(session, _SITE, of_brand, Site.key, named_sites):
        sites[site.key] = site
    return BatchInputs(
        batch_class=root,
        batch_quantity_kg=batch.quantity_kg,
        as_of=as_of or batch.produced_on or date.today(),
        events=trace_events,
        sites=tuple(plain_site(s) for s in sorted(sites.values(), key=lambda s: s.id)),
        plots=tuple(
            _plot(p, loads(p.geometry)) for p in sorted(plots.values(), key=lambda p: p.id)
        ),
        materials=materials,
        evidence=tuple(
            _record(r, loads(r.payload)) for r in sorted(records.values(), key=lambda r: r.id)
        ),
        parameters=settings.get("parameters") or {},
    )
