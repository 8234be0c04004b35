"""The scene input as the public may see it under a brand's disclosure policy.

Pure: site positions are snapped to the centre of their grid cell (or their country),
plot footprints become points at the cell centre of the plot (a footprint's outline would
locate the plot exactly), withheld names become site keys. The GLB, manifest and poster
are then built from this input only, so none of them can carry more precision than it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from shapely.geometry import shape

from server.core.disclosure.policy import DisclosurePolicy, snap
from server.core.disclosure.redaction import SiteInfo, scrub, withheld_names
from server.core.scene.inputs import SceneInput, ScenePlot, SceneSite


def _site(site: SceneSite, policy: DisclosurePolicy) -> SceneSite:
    lat, lon = snap(site.lat, site.lon, policy.location, site.country)
    name = site.name if policy.names(site.id, site.kind) else site.id
    return replace(site, lat=lat, lon=lon, name=name)


def _plot(plot: ScenePlot, policy: DisclosurePolicy, country: str | None) -> ScenePlot:
    geom = shape(plot.geometry)
    if geom.is_empty:
        return plot
    point = geom.centroid
    lat, lon = snap(point.y, point.x, policy.location, country)
    return replace(plot, geometry={"type": "Point", "coordinates": [lon, lat]})


def public_scene_input(
    inp: SceneInput, policy: DisclosurePolicy, sites: Iterable[SiteInfo] = ()
) -> SceneInput:
    """Return `inp` with locations and names reduced to what `policy` lets the public see.

    `sites` are all the brand's sites, so a withheld name is replaced in chapter texts too.
    """
    if policy.location == "exact":
        public_sites = tuple(
            replace(s, name=s.name if policy.names(s.id, s.kind) else s.id) for s in inp.sites
        )
        plots = inp.plots
    else:
        public_sites = tuple(_site(s, policy) for s in inp.sites)
        country_of = {s.id: s.country for s in inp.sites}
        plots = tuple(_plot(p, policy, country_of.get(p.farm)) for p in inp.plots)
    replacements = withheld_names(
        [*sites, *(SiteInfo(s.id, s.kind, s.name) for s in inp.sites)], policy
    )
    chapters = tuple(replace(c, text=scrub(c.text, replacements)) for c in inp.chapters)
    return replace(inp, sites=public_sites, plots=plots, chapters=chapters)
