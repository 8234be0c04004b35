"""Scene building: GLB nodes, manifest positions, poster, determinism."""

from __future__ import annotations

import io
import json
import struct
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import trimesh

from server.core.scene import build_scene, countries_of
from server.core.scene.inputs import SceneInput, SceneLeg
from server.core.scene.topojson import load_country_outlines


def _outlines(inp: SceneInput, path: Path) -> dict[str, dict[str, Any]]:
    return load_country_outlines(path, countries_of(inp))


def _gltf_json(glb: bytes) -> dict[str, Any]:
    """Return the JSON chunk of a GLB (header 12 bytes, then chunk length and type)."""
    length = struct.unpack_from("<I", glb, 12)[0]
    result: dict[str, Any] = json.loads(glb[20 : 20 + length])
    return result


def _load(glb: bytes) -> trimesh.Scene:
    scene = trimesh.load(io.BytesIO(glb), file_type="glb")
    assert isinstance(scene, trimesh.Scene)
    return scene


def test_glb_has_one_named_node_per_thing(scene_input: SceneInput) -> None:
    out = build_scene(scene_input, {})
    nodes = set(_load(out.glb).graph.nodes_geometry)
    expected = {f"site:{s.id}" for s in scene_input.sites}
    expected |= {f"plot:{p.id}" for p in scene_input.plots}
    expected |= {f"route:{leg.from_site}->{leg.to_site}" for leg in scene_input.legs}
    expected |= {"ground", "inset:plots", "inset:destination", "leader:plots"}
    assert nodes == expected


def test_glb_has_country_nodes_when_outlines_exist(
    scene_input: SceneInput, world_atlas: Path
) -> None:
    outlines = _outlines(scene_input, world_atlas)
    nodes = set(_load(build_scene(scene_input, outlines).glb).graph.nodes_geometry)
    assert {"country:GH", "country:BE"} <= nodes


def test_manifest_positions_match_node_translations(scene_input: SceneInput) -> None:
    out = build_scene(scene_input, {})
    scene = _load(out.glb)
    manifest = out.manifest
    entries = manifest["sites"] + manifest["plots"] + manifest["routes"] + manifest["panels"]
    assert len(entries) == len(scene_input.sites) + len(scene_input.plots) + 7 + 3
    for entry in entries:
        matrix, _ = scene.graph[entry["node"]]
        np.testing.assert_allclose(matrix[:3, 3], entry["position"], atol=1e-9)


def test_manifest_carries_chapters_and_schema(scene_input: SceneInput) -> None:
    manifest = build_scene(scene_input, {}).manifest
    assert manifest["schema"] == "originxr.scene-manifest/1"
    sites = {s["id"]: s for s in manifest["sites"]}
    assert sites["coop-1"]["chapter"] == "cooperative"
    assert sites["farm-07"]["panel"] == "inset:plots"
    assert sites["factory-gent"]["panel"] == "inset:destination"
    assert manifest["chapters"][0]["text"]["de"]["title"] == "Die Höfe"
    assert manifest["locales"] == ["en", "de"]


def test_manifest_names_chapter_checks_and_carries_labels(scene_input: SceneInput) -> None:
    farms = replace(scene_input.chapters[0], checks=("known_origin_share", "deforestation"))
    labels = {
        "en": {"statuses": {"unknown": "Unknown"}},
        "de": {"statuses": {"unknown": "Unbekannt"}},
        "fr": {"statuses": {"unknown": "Inconnu"}},  # not a locale of this scene
    }
    inp = replace(scene_input, chapters=(farms, *scene_input.chapters[1:]), labels=labels)
    manifest = build_scene(inp, {}).manifest
    assert manifest["chapters"][0]["checks"] == ["known_origin_share", "deforestation"]
    assert manifest["chapters"][1]["checks"] == []
    assert manifest["labels"] == {"en": labels["en"], "de": labels["de"]}
    assert json.loads(json.dumps(manifest)) == manifest


def test_scene_fits_a_table(scene_input: SceneInput) -> None:
    bounds = build_scene(scene_input, {}).manifest["bounds"]
    size = np.subtract(bounds["max"], bounds["min"])
    assert 1.0 < max(size[0], size[2]) < 2.5
    assert size[1] < 1.0


def test_node_extras_name_what_a_node_is(scene_input: SceneInput) -> None:
    glb = build_scene(scene_input, {}).glb
    header = _gltf_json(glb)
    node = next(n for n in header["nodes"] if n.get("name") == "site:coop-1")
    assert node["extras"] == {"type": "site", "id": "coop-1", "kind": "cooperative"}


def test_build_is_deterministic(scene_input: SceneInput, world_atlas: Path) -> None:
    outlines = _outlines(scene_input, world_atlas)
    first, second = (
        build_scene(scene_input, outlines),
        build_scene(scene_input, outlines),
    )
    assert first.glb == second.glb
    assert first.manifest == second.manifest
    assert first.poster_svg("t") == second.poster_svg("t")


def test_poster_is_small_wellformed_and_titled(scene_input: SceneInput, world_atlas: Path) -> None:
    outlines = _outlines(scene_input, world_atlas)
    svg = build_scene(scene_input, outlines).poster_svg("Where <your> bar grew")
    assert len(svg.encode()) < 20_000
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    assert root.get("role") == "img"
    title = root.find(f"{ns}title")
    assert title is not None and title.text == "Where <your> bar grew"
    assert "href" not in svg.replace("url(#arrow)", "")


def test_poster_rejects_empty_title(scene_input: SceneInput) -> None:
    with pytest.raises(ValueError, match="title"):
        build_scene(scene_input, {}).poster_svg(" ")


def test_unknown_leg_site_is_named(scene_input: SceneInput) -> None:
    bad = SceneInput(
        scene_input.batch,
        scene_input.sites,
        legs=(SceneLeg("farm-07", "nowhere", "road"),),
    )
    with pytest.raises(ValueError, match="nowhere"):
        build_scene(bad, {})


def test_scene_without_plots_or_far_sites(scene_input: SceneInput) -> None:
    near = tuple(s for s in scene_input.sites if s.country == "GH")
    out = build_scene(SceneInput(scene_input.batch, near), {})
    assert set(_load(out.glb).graph.nodes_geometry) == {"ground"} | {f"site:{s.id}" for s in near}
