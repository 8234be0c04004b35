"""Load what a batch's scene build reads from the database: its journey, plots and story.

`load_public_scene_input` is the one way to the input as the public may see it (the brand's
disclosure policy applied): the published scene and the studio's preview both take it.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.adapters.models import Batch, Brand, Plot, Site, StoryVersion
from server.core.disclosure.policy import policy_of
from server.core.disclosure.redaction import SiteInfo
from server.core.gs1.digital_link import batch_path
from server.core.markdown_text import markdown_to_text
from server.core.scene.inputs import (
    SceneBatch,
    SceneChapter,
    SceneEvidence,
    SceneInput,
    SceneLeg,
    ScenePlot,
    SceneSite,
)
from server.core.scene.public import public_scene_input
from server.services.catalog import sites_of
from server.services.query_chunks import chunks
from server.services.scene_labels import scene_labels
from server.services.story_versions import chapter_layout


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
    # The journey's sites in the order goods reached them (a dict keeps first arrivals).
    order: dict[str, None] = {}
    for step in report.get("trace", {}).get("journey", []):
        if step.get("site"):
            order.setdefault(step["site"], None)
    found = {
        site.key: site
        for chunk in chunks(order)
        for site in session.scalars(
            select(Site).where(Site.brand_id == brand.id, Site.key.in_(chunk))
        )
    }
    journey_sites = [found[k] for k in order if k in found]
    farm_keys = {s.key for s in journey_sites if s.kind == "farm"}
    plots = sorted(
        (
            plot
            for chunk in chunks(farm_keys)
            for plot in session.scalars(
                select(Plot).where(Plot.brand_id == brand.id, Plot.site_key.in_(chunk))
            )
        ),
        key=lambda plot: plot.id,
    )
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
                checks=tuple(c.get("checks", [])),
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
        labels=scene_labels(locales),
    )


def site_infos(session: Session, brand_id: int) -> list[SiteInfo]:
    """Return every site of the brand as the disclosure policy reads them (key, kind, name)."""
    return [SiteInfo(s.key, s.kind, s.name) for s in sites_of(session, brand_id)]


def load_public_scene_input(
    session: Session, batch: Batch, report: dict[str, Any], story: StoryVersion | None
) -> SceneInput:
    """Return the batch's scene input reduced to what the brand's policy lets the public see.

    Locations are snapped, plot outlines become points and withheld names become keys, in
    the sites and in the chapter texts, so nothing built from it can carry more.
    """
    full = load_scene_input(session, batch, report, story)
    policy = policy_of(batch.product.brand.settings)
    return public_scene_input(full, policy, site_infos(session, batch.product.brand_id))
