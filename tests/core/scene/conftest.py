"""A small Ghana → Belgium batch journey for the scene tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.core.scene.inputs import (
    SceneBatch,
    SceneChapter,
    SceneEvidence,
    SceneInput,
    SceneLeg,
    ScenePlot,
    SceneSite,
)

WORLD_ATLAS = Path(__file__).resolve().parents[3] / "node_modules/world-atlas/countries-50m.json"


def _square(lon: float, lat: float, half: float) -> dict[str, object]:
    ring = [
        [lon - half, lat - half],
        [lon + half, lat - half],
        [lon + half, lat + half],
        [lon - half, lat + half],
        [lon - half, lat - half],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


def make_input() -> SceneInput:
    """Return the demo batch: two farms, a cooperative, a port, a factory in Belgium."""
    sites = (
        SceneSite("farm-07", "farm", "Farm 07", 6.4512, -1.5821, "GH", "farms"),
        SceneSite("farm-11", "farm", "Farm 11", 6.4620, -1.5710, "GH", "farms"),
        SceneSite("coop-1", "cooperative", "Bekwai cooperative", 6.4550, -1.5760, "GH", None),
        SceneSite("ferm-1", "fermentary", "Bekwai fermentary", 6.4580, -1.5800, "GH", None),
        SceneSite(
            "wh-kumasi",
            "warehouse",
            "Kumasi warehouse",
            6.6885,
            -1.6244,
            "GH",
            "shipping",
        ),
        SceneSite("port-tema", "port", "Port of Tema", 5.6330, -0.0167, "GH", "shipping"),
        SceneSite("port-antwerp", "port", "Port of Antwerp", 51.2637, 4.3997, "BE", "shipping"),
        SceneSite(
            "factory-gent",
            "factory",
            "Nkabom factory",
            51.0543,
            3.7174,
            "BE",
            "factory",
        ),
    )
    plots = (
        ScenePlot("plot-07a", "farm-07", _square(-1.5830, 6.4500, 0.0006), "no_deforestation"),
        ScenePlot(
            "plot-07b",
            "farm-07",
            {"type": "Point", "coordinates": [-1.5800, 6.4530]},
            "inconclusive",
        ),
        ScenePlot("plot-11a", "farm-11", _square(-1.5700, 6.4630, 0.0008), "deforestation"),
    )
    legs = (
        SceneLeg("farm-07", "coop-1", "road"),
        SceneLeg("farm-11", "coop-1", "road"),
        SceneLeg("coop-1", "ferm-1", "road"),
        SceneLeg("ferm-1", "wh-kumasi", "road"),
        SceneLeg("wh-kumasi", "port-tema", "road"),
        SceneLeg("port-tema", "port-antwerp", "sea"),
        SceneLeg("port-antwerp", "factory-gent", "road"),
    )
    chapters = (
        SceneChapter(
            "farms",
            ("farm-07", "farm-11"),
            {
                "en": {"title": "The farms", "body": "Two family farms."},
                "de": {"title": "Die Höfe", "body": "Zwei Höfe."},
            },
        ),
        SceneChapter(
            "cooperative",
            ("coop-1",),
            {"en": {"title": "Cooperative", "body": "Beans are pooled."}},
        ),
        SceneChapter(
            "fermentation",
            ("ferm-1",),
            {"en": {"title": "Fermentation", "body": "Six days."}},
        ),
        SceneChapter(
            "shipping",
            ("wh-kumasi", "port-tema", "port-antwerp"),
            {"en": {"title": "Shipping", "body": "By sea to Antwerp."}},
        ),
        SceneChapter(
            "factory",
            ("factory-gent",),
            {"en": {"title": "The factory", "body": "Made in Ghent."}},
        ),
    )
    evidence = (
        SceneEvidence("known_origin_share", "ok", 0.97, "ratio", "/evidence/known-origin"),
        SceneEvidence("deforestation", "warn", None, None, None),
    )
    return SceneInput(
        SceneBatch(
            "09520123000047",
            "NK24-0317",
            "Nkabom Dark 70%",
            "https://id.gs1.org/01/09520123000047/10/NK24-0317",
        ),
        sites,
        plots,
        legs,
        chapters,
        evidence,
        ("en", "de"),
    )


@pytest.fixture
def scene_input() -> SceneInput:
    """Return the demo batch journey."""
    return make_input()


@pytest.fixture
def world_atlas() -> Path:
    """Return world-atlas's 1:50m countries file, skipping the test when npm deps are absent."""
    if not WORLD_ATLAS.exists():
        pytest.skip("node_modules/world-atlas not installed (run `npm install`)")
    return WORLD_ATLAS
