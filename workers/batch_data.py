"""Load a batch's inputs from the database into the plain data the pure computations take."""

from __future__ import annotations

from datetime import UTC, date, datetime
from itertools import pairwise
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.digital_link import batch_path
from server.markdown_text import markdown_to_text
from server.models import Batch, Brand, EpcisEvent, EvidenceRecord, Plot, Site, StoryVersion
from server.story_versions import chapter_layout
from workers.evidence.inputs import (
    BatchInputs,
    Material,
    Quantity,
    TraceEvent,
)
from workers.evidence.inputs import (
    EvidenceRecord as PlainRecord,
)
from workers.evidence.inputs import (
    Plot as PlainPlot,
)
from workers.evidence.inputs import (
    Site as PlainSite,
)
from workers.identifiers import lot_class
from workers.scene.inputs import (
    SceneBatch,
    SceneChapter,
    SceneEvidence,
    SceneInput,
    SceneLeg,
    ScenePlot,
    SceneSite,
)


def _quantities(rows: list[Any]) -> tuple[Quantity, ...]:
    return tuple(
        Quantity(epc_class=r["epc_class"], quantity=r["quantity"], uom=r.get("uom"))
        for r in rows
        if r.get("quantity") is not None
    )


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _event(row: EpcisEvent) -> TraceEvent:
    parsed = row.parsed or {}
    return TraceEvent(
        id=row.event_id or row.event_hash,
        type=row.event_type,
        time=_aware(row.event_time),
        biz_step=row.biz_step,
        action=row.action,
        biz_location=row.biz_location,
        read_point=row.read_point,
        inputs=_quantities(row.inputs),
        outputs=_quantities(row.outputs),
        quantities=_quantities(row.quantities),
        sources=tuple((s[0], s[1]) for s in parsed.get("sources", [])),
        destinations=tuple((d[0], d[1]) for d in parsed.get("destinations", [])),
        ilmd=parsed.get("ilmd") or {},
    )


def load_batch_inputs(session: Session, batch: Batch, as_of: date | None = None) -> BatchInputs:
    """Return everything the evidence checks need for `batch`, read from the database."""
    brand: Brand = batch.product.brand
    settings = brand.settings or {}
    locale = brand.default_locale
    sites = session.scalars(select(Site).where(Site.brand_id == brand.id)).all()
    plots = session.scalars(select(Plot).where(Plot.brand_id == brand.id)).all()
    events = session.scalars(
        select(EpcisEvent).where(EpcisEvent.brand_id == brand.id).order_by(EpcisEvent.event_time)
    ).all()
    records = session.scalars(
        select(EvidenceRecord).where(EvidenceRecord.brand_id == brand.id)
    ).all()
    materials = tuple(
        Material(
            gtin=m["gtin"],
            name=(m.get("name") or {}).get(locale) or m["gtin"],
            tracked=bool(m.get("tracked", True)),
            yield_basis_factor=float(m.get("yield_basis_factor", 1.0)),
        )
        for m in settings.get("materials", [])
    )
    return BatchInputs(
        batch_class=lot_class(batch.product.gtin, batch.lot),
        batch_quantity_kg=batch.quantity_kg,
        as_of=as_of or batch.produced_on or date.today(),
        events=tuple(_event(e) for e in events),
        sites=tuple(
            PlainSite(
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
            for s in sites
        ),
        plots=tuple(
            PlainPlot(
                id=p.key,
                farm=p.site_key,
                geometry=p.geometry,
                declared_area_ha=p.declared_area_ha,
                country=p.country,
            )
            for p in plots
        ),
        materials=materials,
        evidence=tuple(
            PlainRecord(
                id=r.key,
                kind=r.kind,
                subject_type=r.subject_type,
                subject_id=r.subject_key,
                issuer=r.issuer,
                issued_on=r.issued_on,
                valid_until=r.valid_until,
                payload=r.payload,
                source_hash=r.document_sha256 or r.record_sha256,
            )
            for r in records
        ),
        parameters=settings.get("parameters") or {},
    )


def _legs(journey_sites: list[Site], countries: dict[str, str | None]) -> tuple[SceneLeg, ...]:
    """Farms lead to their cooperative; the other sites follow in the order goods reached them."""
    keys = {s.key for s in journey_sites}
    legs: list[SceneLeg] = []
    chain = [s for s in journey_sites if s.kind != "farm"]
    for site in journey_sites:
        if site.kind == "farm" and site.parent_key in keys:
            legs.append(SceneLeg(site.key, site.parent_key, "road"))
    for a, b in pairwise(chain):
        crosses_border = countries.get(a.key) != countries.get(b.key)
        legs.append(SceneLeg(a.key, b.key, "sea" if crosses_border else "road"))
    return tuple(legs)


def _plain(text: dict[str, str]) -> dict[str, str]:
    """Return a chapter's title and body as plain text (the scene draws no Markdown)."""
    if not text:
        return {}
    return {"title": text.get("title", ""), "body": markdown_to_text(text.get("body", ""))}


def load_scene_input(
    session: Session, batch: Batch, report: dict[str, Any], story: StoryVersion | None
) -> SceneInput:
    """Return the scene builder's input for `batch`, from its evidence report and story."""
    brand: Brand = batch.product.brand
    chapters_cfg = chapter_layout(brand, story)
    chapter_of_kind = {kind: c["key"] for c in chapters_cfg for kind in c.get("site_kinds", [])}
    all_sites = {s.key: s for s in session.scalars(select(Site).where(Site.brand_id == brand.id))}
    order: list[str] = []
    for step in report.get("trace", {}).get("journey", []):
        key = step.get("site")
        if key in all_sites and key not in order:
            order.append(key)
    journey_sites = [all_sites[k] for k in order]
    farm_keys = {s.key for s in journey_sites if s.kind == "farm"}
    plots = session.scalars(
        select(Plot).where(Plot.brand_id == brand.id, Plot.site_key.in_(farm_keys))
    ).all()
    plot_status: dict[str, str] = {}
    for check in report.get("checks", []):
        if check.get("key") == "deforestation":
            for row in check.get("details", []):
                if "plot" in row:
                    plot_status[row["plot"]] = row.get("status", "unknown")
    texts = story.chapters if story else {}
    locales = tuple(brand.locales or [brand.default_locale])
    product_name = (batch.product.name or {}).get(brand.default_locale) or batch.product.gtin
    return SceneInput(
        batch=SceneBatch(
            gtin=batch.product.gtin,
            lot=batch.lot,
            product_name=product_name,
            uri=batch_path(batch.product.gtin, batch.lot),
        ),
        sites=tuple(
            SceneSite(
                id=s.key,
                kind=s.kind,
                name=s.name,
                lat=s.lat or 0.0,
                lon=s.lon or 0.0,
                country=s.country,
                chapter=chapter_of_kind.get(s.kind),
            )
            for s in journey_sites
            if s.lat is not None and s.lon is not None
        ),
        plots=tuple(
            ScenePlot(
                id=p.key,
                farm=p.site_key,
                geometry=p.geometry,
                status=plot_status.get(p.key, "unknown"),
            )
            for p in plots
        ),
        legs=_legs(journey_sites, {s.key: s.country for s in journey_sites}),
        chapters=tuple(
            SceneChapter(
                key=c["key"],
                site_ids=tuple(s.key for s in journey_sites if s.kind in c.get("site_kinds", [])),
                text={loc: _plain(texts.get(loc, {}).get(c["key"], {})) for loc in locales},
            )
            for c in chapters_cfg
        ),
        evidence=tuple(
            SceneEvidence(
                key=c["key"], status=c["status"], value=c.get("value"), unit=c.get("unit")
            )
            for c in report.get("consumer_summary", [])
        ),
        locales=locales,
    )
