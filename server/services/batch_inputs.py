"""Load what a batch's evidence build reads from the database into the checks' plain data."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import UTC, date, datetime
from operator import attrgetter, itemgetter
from typing import Any, NamedTuple, overload

from sqlalchemy import Select, Text, cast, select
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
from server.core.evidence.event_reading import class_gtin, is_creation, named_plots
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
from server.core.gs1.identifiers import lot_class
from server.services.driver_rows import DriverRows, Memo
from server.services.trace_events import TraceEventReader, loads


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
_TIME = attrgetter("time")


def _trace_events(
    reader: TraceEventReader, brand_id: int, root: str, tracked: Callable[[str], bool]
) -> dict[int, TraceEvent]:
    """Return the events naming the classes upstream of `root`, level by level.

    From the batch's class, each round reads the events naming the new classes (one query
    joining the identifier index, decoding only the events not read yet); the transformations among
    them that output one of those classes bring their tracked inputs into the next round:
    the classes `server.core.evidence.trace` walks, and every event naming them.
    """
    events: dict[int, TraceEvent] = {}
    seen: set[str] = set()
    frontier = {root}
    while frontier:
        seen |= frontier
        upstream: set[str] = set()
        # Rows are turned into events as they are read and let go of (their JSON columns
        # are most of a row's memory): a big batch never holds its rows and events at once.
        for key in reader.load(reader.naming(brand_id, frontier, _NAMING_ROLES), events):
            outputs, inputs = reader.flow(key)
            if not outputs.isdisjoint(frontier):
                upstream.update(inputs)
        frontier = {cls for cls in upstream - seen if tracked(cls)}
    return events


def _farm_creations(
    reader: TraceEventReader,
    brand_id: int,
    locations: set[str],
    events: dict[int, TraceEvent],
) -> None:
    """Add the ObjectEvents at `locations` (farms) to `events`: other harvests count."""
    places = {base_location(loc) for loc in locations}
    ids = reader.ids_naming(brand_id, places, (PLACE,)) - events.keys()
    reader.load(reader.by_id(ids, "ObjectEvent"), events)


# What the checks read of a site, a plot and a record (not a site's properties, say): the row
# id (the inputs' order), then a site's and a plot's columns in the order of their fields.
_SITE = "id, key, kind, name, location_id, country, lat, lon, region, parent_key"
_RECORD = (
    "id, key, kind, subject_type, subject_key, issuer, issued_on, valid_until, {payload},"
    " document_sha256, record_sha256, about_site"
)


class PlotRow(NamedTuple):
    """A plot as `_plots_near` returns it: the columns the checks read, its geometry as text."""

    id: int
    brand_id: int
    key: str
    site_key: str
    geometry: str | None
    declared_area_ha: float | None
    country: str | None


_PLOT_COLUMNS = PlotRow._fields


def _sites_where(
    db: DriverRows, brand_id: int, column: str, values: set[str]
) -> dict[str, tuple[int, PlainSite]]:
    """Return the brand's sites whose `column` is among `values`: key → (row id, site)."""
    if not values:
        return {}
    among, param = db.among(values)
    rows = db.all(
        f"SELECT {_SITE} FROM {Site.__tablename__} WHERE brand_id = {db.mark} AND {column} {among}",
        [brand_id, param],
    )
    return {row[1]: (row[0], PlainSite(*row[1:])) for row in rows}


def _sites_at(
    db: DriverRows, brand_id: int, locations: set[str]
) -> dict[str, tuple[int, PlainSite]]:
    wanted = locations | {base_location(loc) for loc in locations}
    return _sites_where(db, brand_id, "location_id", wanted)


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


def _plots_near(session: Session, brand_id: int, sites: set[str]) -> dict[str, PlotRow]:
    """Return the sites' plots and every plot whose bounding box meets theirs (for overlaps).

    The plots near the union of the sites' boxes include the sites' own plots that have a
    box: read once, with those that have none (no geometry), not twice.
    """
    db = DriverRows(session)
    if not sites:
        return {}
    among, param = db.among_joined(sites)
    table = Plot.__tablename__
    of_sites = f"brand_id = {db.mark} AND site_key {among}"
    union = db.all(
        f"SELECT min(min_lon), min(min_lat), max(max_lon), max(max_lat) FROM {table}"
        f" WHERE {of_sites} AND min_lon IS NOT NULL",
        [brand_id, param],
    )[0]
    columns = ", ".join(db.text(c) if c == "geometry" else c for c in _PLOT_COLUMNS)
    rows = db.all(
        f"SELECT {columns} FROM {table} WHERE {of_sites} AND min_lon IS NULL", [brand_id, param]
    )
    if union[0] is not None:
        near = plots_meeting(session.get_bind().dialect.name, brand_id, union)
        geometry = cast(Plot.geometry, Text).label("geometry")
        wanted = [geometry if c == "geometry" else Plot.__table__.c[c] for c in _PLOT_COLUMNS]
        rows += session.connection().execute(near.with_only_columns(*wanted)).all()
    return {row[2]: PlotRow._make(row) for row in rows}


def _records_about(
    db: DriverRows, brand_id: int, sites: set[str], plots: set[str]
) -> dict[int, tuple[Any, ...]]:
    """Return the records about `sites` or `plots`, and those about neither kind of subject.

    Rows of `_RECORD`'s columns by row id.
    """
    table, mark = EvidenceRecord.__tablename__, db.mark
    select_ = f"SELECT {_RECORD.format(payload=db.text('payload'))} FROM {table}"
    of_brand = f"brand_id = {mark}"
    rows: list[tuple[Any, ...]] = []
    # Subjects other than plots and sites (batches, ...): three index ranges around the two
    # kinds, not a NOT IN that would read every record of the brand for every batch.
    for other in ("subject_type < 'plot'", "subject_type > 'plot' AND subject_type < 'site'"):
        rows += db.all(f"{select_} WHERE {of_brand} AND {other}", [brand_id])
    rows += db.all(f"{select_} WHERE {of_brand} AND subject_type > 'site'", [brand_id])
    if sites:
        among, param = db.among(sites)
        rows += db.all(f"{select_} WHERE {of_brand} AND about_site {among}", [brand_id, param])
        # A record about a site is about that site too unless its payload names another:
        # the ones about a site among `sites` came with the query above.
        differs = "IS DISTINCT FROM" if db.postgres else "IS NOT"
        rows += db.all(
            f"{select_} WHERE {of_brand} AND subject_type = 'site' AND subject_key {among}"
            f" AND about_site {differs} subject_key",
            [brand_id, param],
        )
    if plots:
        among, param = db.among(plots)
        rows += db.all(
            f"{select_} WHERE {of_brand} AND subject_type = 'plot' AND subject_key {among}",
            [brand_id, param],
        )
    return {row[0]: row for row in rows}


def _records(rows: list[tuple[Any, ...]]) -> tuple[PlainRecord, ...]:
    """Return record rows (`_RECORD`'s columns) as the checks read them, in the rows' order.

    Records with the same payload text share its value (the 20,000 deforestation
    assessments of a big batch say the same): the checks only read it.
    """
    payloads = Memo(loads)
    days = Memo(_day)
    return tuple(
        PlainRecord(
            key,
            kind,
            subject_type,
            subject_key,
            issuer,
            days[issued_on],
            days[valid_until],
            payloads[payload],
            document_sha256 or record_sha256,
        )
        for (_, key, kind, subject_type, subject_key, issuer, issued_on, valid_until, payload,
             document_sha256, record_sha256, _) in rows
    )  # fmt: skip


def _day(value: date | str | None) -> date | None:
    """Return a DATE column's value: SQLite holds SQLAlchemy's ISO text of it."""
    return date.fromisoformat(value) if isinstance(value, str) else value


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
        # `class_gtin`: read once per GTIN, the prefix the batch's 50,000 lots share.
        return tracked_gtins.get(class_gtin(cls) or "", True)

    root = lot_class(batch.product.gtin, batch.lot)
    db = DriverRows(session)
    reader = TraceEventReader(session)
    events = _trace_events(reader, brand.id, root, tracked)
    sites = _sites_at(db, brand.id, reader.places())
    farm_locations = {s.sgln for _, s in sites.values() if s.kind == "farm" and s.sgln}
    _farm_creations(reader, brand.id, farm_locations, events)
    plots = _plots_near(session, brand.id, set(sites))
    # By (time, row id): in row id order, then a stable sort on the time alone.
    ordered = list(map(events.__getitem__, sorted(events)))
    events.clear()
    ordered.sort(key=_TIME)
    trace_events = tuple(ordered)
    del ordered
    # `named_plots` reads an event's ILMD, one dict shared by the events of the same text.
    creations = {id(e.ilmd): e for e in trace_events if e.ilmd and is_creation(e)}
    named_plot_ids = {p for e in creations.values() for p in named_plots(e)}
    records = _records_about(db, brand.id, set(sites), set(plots) | named_plot_ids)
    named_sites = {r[-1] for r in records.values() if r[-1]} - sites.keys()
    sites.update(_sites_where(db, brand.id, "key", named_sites))
    return BatchInputs(
        batch_class=root,
        batch_quantity_kg=batch.quantity_kg,
        as_of=as_of or batch.produced_on or date.today(),
        events=trace_events,
        sites=tuple(site for _, site in sorted(sites.values(), key=itemgetter(0))),
        plots=tuple(_plot(p, loads(p.geometry)) for p in sorted(plots.values(), key=itemgetter(0))),
        materials=materials,
        evidence=_records(sorted(records.values(), key=itemgetter(0))),
        parameters=settings.get("parameters") or {},
    )
