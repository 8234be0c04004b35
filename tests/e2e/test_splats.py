"""Splats in a real browser: our SPZ v3 files load in Spark and render, under the app's CSP.

The pages, the server and the synthetic splats are in splat_server.py and splat_page/.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

from server.core.splats.spz import encode_spz
from server.core.splats.tiling import build_tiles
from tests.e2e.conftest import DIST_MANIFEST, ROOT
from tests.e2e.pixels import decode_png
from tests.e2e.splat_server import SplatServer, app_csp, coloured_ball, tiny_glb

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def policy() -> str:
    """The app's Content-Security-Policy, `{nonce}` standing for its per-response nonce."""
    return app_csp()


@pytest.fixture
def splat_server(policy: str) -> Iterator[SplatServer]:
    server = SplatServer(policy)
    server.thread.start()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


def open_page(page: Any, url: str) -> None:
    page.goto(url)
    page.wait_for_function(
        "() => ['ready', 'failed'].includes(document.body.dataset.state)", timeout=60_000
    )
    state = page.evaluate("() => ({...document.body.dataset})")
    assert state.get("state") == "ready", f"the page failed: {state.get('error')}"


def wait_for_frames(page: Any, more_than: int) -> None:
    page.wait_for_function(
        "n => Number(document.body.dataset.frames || 0) > n", arg=more_than, timeout=60_000
    )


def assert_splats_drawn(page: Any) -> np.ndarray:
    image = decode_png(page.locator("#splats").screenshot())
    rgb = image[..., :3].astype(float)
    height, width, _ = rgb.shape
    assert (width, height) == (320, 240)
    # the background is one flat grey; the ball covers the middle in many colours
    assert rgb.std(axis=(0, 1)).mean() > 10.0, f"canvas looks empty: std {rgb.std(axis=(0, 1))}"
    middle = rgb[90:150, 130:190].reshape(-1, 3)
    assert np.abs(middle - 16).max(axis=1).mean() > 30, "nothing drawn in the middle"
    assert len({tuple(p) for p in image[::4, ::4, :3].reshape(-1, 3)}) > 50
    assert np.abs(rgb[:10, :10] - 16).max() < 4, "the corner should show the background"
    return image


def test_our_spz_renders_in_spark_under_app_csp(splat_server: SplatServer, page: Any) -> None:
    data = encode_spz(coloured_ball(8_000))
    assert data[:2] == b"\x1f\x8b"  # gzip: SPZ v3 as Spark reads it, whole file compressed
    sha = splat_server.add(data)
    # no file extension: Spark recognises SPZ by its gzip header and NGSP magic
    open_page(page, f"{splat_server.url}/?spz=/blobs/{sha}")
    assert page.evaluate("() => document.body.dataset.splats") == "8000"
    wait_for_frames(page, 3)
    before = int(page.evaluate("() => document.body.dataset.frames"))
    wait_for_frames(page, before + 2)
    assert_splats_drawn(page)
    assert page.evaluate("() => document.body.dataset.violations") is None


@pytest.mark.parametrize("refine", ["ADD", "REPLACE"])
def test_tileset_streams_through_splat_layer(
    splat_server: SplatServer, page: Any, refine: str
) -> None:
    tileset = build_tiles(
        coloured_ball(12_000), max_splats_per_tile=2_000, root_cap=1_500, refine=refine
    )
    assert len(tileset.tiles) > 3
    for tile in tileset.tiles:
        splat_server.add(tile.content)
    tileset_sha = splat_server.add(json.dumps(tileset.to_json()).encode())
    open_page(page, f"{splat_server.url}/?tileset=/blobs/{tileset_sha}")
    wait_for_frames(page, 3)
    # the camera is 2 m from a 2 m ball: the layer refines past the root
    page.wait_for_function(
        """() => {
          const s = JSON.parse(document.body.dataset.layer || '{}');
          return s.loading === 0 && s.shown.length > 1;
        }""",
        timeout=90_000,
    )
    state = json.loads(page.evaluate("() => document.body.dataset.layer"))
    assert state["failed"] == 0
    if refine == "REPLACE":
        assert "0" not in state["shown"], "the root should be replaced by finer tiles"
    else:  # a shown tile is drawn with all of its ancestors, each splat once
        shown = set(state["shown"])
        assert all(t.rsplit("-", 1)[0] in shown for t in shown if t != "0"), shown
        by_id = {t.id: t.splats for t in tileset.tiles}
        assert state["splats"] == sum(by_id[t] for t in shown)
    before = int(page.evaluate("() => document.body.dataset.frames"))
    wait_for_frames(page, before + 2)
    assert_splats_drawn(page)
    assert page.evaluate("() => document.body.dataset.violations") is None


@pytest.fixture(scope="module")
def splats_bundle() -> str:
    """The built `splats` entry's file name, building the bundles if it is not there yet."""
    manifest = json.loads(DIST_MANIFEST.read_text()) if DIST_MANIFEST.is_file() else {}
    if "splats" not in manifest:
        npm = shutil.which("npm")
        assert npm, "npm is needed to build web/static/dist"
        subprocess.run([npm, "run", "build"], cwd=ROOT, check=True, capture_output=True)
        manifest = json.loads(DIST_MANIFEST.read_text())
    name: str = manifest["splats"]["file"]
    return name


def test_splats_bundle_is_its_own_lazily_imported_entry(splats_bundle: str) -> None:
    dist = DIST_MANIFEST.parent
    manifest = json.loads(DIST_MANIFEST.read_text())
    viewer = (dist / manifest["viewer"]["file"]).read_text()
    # the viewer reaches Spark only through import(), never as a static import
    assert f'import("./{splats_bundle}")' in viewer
    assert splats_bundle not in manifest["viewer"]["imports"]
    assert "SparkRenderer" not in viewer
    boot = (dist / manifest["boot"]["file"]).read_text()
    # boot names Spark's file (to prefetch it at idle) but never imports or runs it
    assert f'import("./{splats_bundle}")' not in boot and "SparkRenderer" not in boot
    assert manifest["boot"]["imports"] == []


def test_sparks_wasm_is_its_own_file_named_in_boot(splats_bundle: str) -> None:
    """web/build.mjs takes Spark's inline base64 WASM out of its chunk: a hashed `.wasm`
    (brotli beside it) that Spark fetches and compiles as it streams, listed with the
    splats entry so the warm-up and the tour tap hint it."""
    dist = DIST_MANIFEST.parent
    manifest = json.loads(DIST_MANIFEST.read_text())
    wasm = [name for name in manifest["splats"]["imports"] if name.endswith(".wasm")]
    assert len(wasm) == 1, manifest["splats"]
    assert (dist / wasm[0]).read_bytes()[:4] == b"\0asm"
    assert (dist / f"{wasm[0]}.br").stat().st_size < (dist / wasm[0]).stat().st_size / 2
    chunk = (dist / splats_bundle).read_text()
    assert "AGFzbQ" not in chunk, "the base64 WASM is still inside the chunk"
    assert f'"./{wasm[0]}"' in chunk and "compileStreaming" in chunk
    assert wasm[0] in (dist / manifest["boot"]["file"]).read_text()


@pytest.mark.parametrize(
    ("granted", "withheld", "blocked"),
    [
        (" 'wasm-unsafe-eval'", "", "script-src wasm-eval"),
        ("worker-src 'self' blob:", "worker-src 'self'", "worker-src blob"),
    ],
    ids=["without-wasm-unsafe-eval", "without-blob-workers"],
)
def test_spark_needs_wasm_eval_and_blob_workers(
    new_context: Callable[..., Any],
    console: Any,
    policy: str,
    granted: str,
    withheld: str,
    blocked: str,
) -> None:
    """Spark compiles WASM and starts its decoders as blob: workers: each needs its source."""
    assert granted in policy
    strict = SplatServer(policy.replace(granted, withheld))
    strict.thread.start()
    try:
        sha = strict.add(encode_spz(coloured_ball(500)))
        console.allow(r"Content Security Policy")
        page = new_context().new_page()
        page.goto(f"{strict.url}/?spz=/blobs/{sha}")
        # Spark does not reject its promise then: it waits forever, so wait for the report
        page.wait_for_function("() => document.body.dataset.violations", timeout=30_000)
        assert blocked in page.evaluate("() => document.body.dataset.violations")
        assert page.evaluate("() => document.body.dataset.state") != "ready"
    finally:
        strict.httpd.shutdown()
        strict.httpd.server_close()


def test_viewer_shows_a_site_snapshot_from_the_manifest(
    splat_server: SplatServer, splats_bundle: str, new_context: Callable[..., Any]
) -> None:
    manifest_file = json.loads(DIST_MANIFEST.read_text())
    tileset = build_tiles(coloured_ball(6_000), max_splats_per_tile=2_000, root_cap=1_500)
    for tile in tileset.tiles:
        splat_server.add(tile.content)
    tileset_sha = splat_server.add(json.dumps(tileset.to_json()).encode())
    scene_manifest = {
        "schema": "test",
        "batch": {"gtin": "", "lot": "", "product_name": "", "uri": ""},
        "sites": [
            {
                "id": "farm-1",
                "node": "site:farm-1",
                "kind": "farm",
                "name": "Farm",
                "panel": "",
                "position": [0.4, 0.01, 0.2],
                "chapter": None,
            }
        ],
        "chapters": [],
        "locales": ["en"],
        "bounds": {"min": [-1, 0, -1], "max": [1, 0, 1]},
        "snapshots": [{"site": "farm-1", "tileset": f"/blobs/{tileset_sha}"}],
    }
    manifest_sha = splat_server.add(json.dumps(scene_manifest).encode())
    glb_sha = splat_server.add(tiny_glb("farm-1"))
    # no auto-rotation: the two screenshots differ only by what was added
    page = new_context(reduced_motion="reduce").new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    viewer = manifest_file["viewer"]["file"]
    page.goto(
        f"{splat_server.url}/viewer?viewer=/static/dist/{viewer}"
        f"&manifest=/blobs/{manifest_sha}&glb=/blobs/{glb_sha}"
    )
    stage = page.locator("#xr-stage")
    page.wait_for_selector("#xr-stage[data-state]")
    assert stage.get_attribute("data-state") == "ready", stage.get_attribute("data-error")
    page.wait_for_function("() => Number(document.getElementById('xr-stage').dataset.frames) > 3")
    assert not any(splats_bundle in url for url in requested), "Spark loaded before a snapshot"
    before = decode_png(page.locator("#xr-stage canvas").screenshot())

    page.locator("button[data-site-id=farm-1]").click()
    page.wait_for_selector("#xr-stage[data-snapshot=farm-1]", timeout=60_000)
    assert any(splats_bundle in url for url in requested)
    assert f"/blobs/{tileset.root.sha256}" in splat_server.requested
    frames = int(stage.get_attribute("data-frames") or 0)
    page.wait_for_function(
        "n => Number(document.getElementById('xr-stage').dataset.frames) > n + 2", arg=frames
    )
    after = decode_png(page.locator("#xr-stage canvas").screenshot())
    changed = np.abs(after[..., :3].astype(int) - before[..., :3].astype(int)).max(axis=2) > 40
    assert changed.mean() > 0.01, f"the snapshot changed only {changed.mean():.2%} of the canvas"
