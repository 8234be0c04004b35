"""Batch scenes: a GLB diorama, its JSON manifest and an SVG poster, from plain data.

Use::

    outlines = load_country_outlines(path, countries_of(inp))
    output = build_scene(inp, outlines)
    output.glb, output.manifest, output.poster_svg("Where your chocolate comes from")
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from server.core.scene.glb import build_glb
from server.core.scene.inputs import SceneInput
from server.core.scene.layout import compute_layout
from server.core.scene.manifest import build_manifest
from server.core.scene.placement import Layout
from server.core.scene.poster import build_poster_svg

__all__ = ["SceneOutput", "build_scene", "countries_of"]


@dataclass(frozen=True)
class SceneOutput:
    """A built scene; the poster is drawn per locale because its title is translated."""

    inp: SceneInput
    layout: Layout
    glb: bytes
    manifest: dict[str, Any]

    def poster_svg(self, title: str) -> str:
        """Return the SVG poster titled `title`."""
        return build_poster_svg(self.inp, self.layout, title)


def countries_of(inp: SceneInput) -> tuple[str, ...]:
    """Return the sorted country codes of the sites of `inp` (what outlines to load)."""
    return tuple(sorted({s.country for s in inp.sites if s.country}))


def build_scene(inp: SceneInput, outlines: dict[str, dict[str, Any]] | None = None) -> SceneOutput:
    """Build the GLB and manifest of `inp`; `outlines` maps country code to GeoJSON."""
    layout = compute_layout(inp, outlines)
    return SceneOutput(inp, layout, build_glb(inp, layout), build_manifest(inp, layout))
