"""A batch's two builds, each top to bottom: load its inputs, compute, return what to publish.

`server.services.build_runner` runs them: it records the build, stores and signs what the
steps return, and publishes it in one commit. Nothing here writes.
"""

from __future__ import annotations

from server.adapters.config import settings
from server.core.disclosure.policy import policy_of
from server.core.disclosure.report_sections import PublicSections
from server.core.evidence.report_stream import report_files
from server.core.scene import build_scene as compose_scene
from server.core.scene import countries_of
from server.core.scene.topojson import load_country_outlines
from server.services.batch_inputs import load_batch_inputs
from server.services.build_runner import BuildContext, Output, json_output, run_build
from server.services.builds import published_story
from server.services.capture_credentials import public_credit
from server.services.gc_pause import gc_paused
from server.services.scene_inputs import load_public_scene_input, site_infos
from server.services.snapshots import site_credentials, site_tilesets

JSON = "application/json"


def build_evidence(batch_id: int) -> dict[str, str]:
    """Build (or reuse) the evidence report of batch `batch_id`; return its output hashes."""
    return run_build(batch_id, "evidence", evidence_steps)


def build_scene(batch_id: int) -> dict[str, str]:
    """Build (or reuse) the 3D scene of batch `batch_id`; return its output hashes."""
    return run_build(batch_id, "scene", scene_steps)


def evidence_steps(ctx: BuildContext) -> list[Output]:
    """Trace the batch and check its evidence; return the public and the full report, signed."""
    ctx.step("load", 0.1)
    with gc_paused():
        inputs = load_batch_inputs(ctx.session, ctx.batch)
    policy = policy_of(ctx.batch.product.brand.settings)
    sites = site_infos(ctx.session, ctx.batch.product.brand_id)
    ctx.step("trace", 0.4)
    # Both reports are written section by section in one pass, the public one redacted as
    # it goes, into scratch files: neither is held as a dict, nor as bytes beside the inputs
    # (a 10,000-farm report is 128 MB of JSON). The runner streams them to the store.
    full, public = ctx.scratch(), ctx.scratch()
    with gc_paused():
        full_sha, public_sha = report_files(inputs, full, PublicSections(policy, sites), public)
    del inputs
    ctx.step("publish", 0.9)
    # The full report is for the brand and its auditors: published without a public blob row.
    return [
        Output("report", public, JSON, signed=True, digest=public_sha),
        Output("report_full", full, JSON, public=False, signed=True, digest=full_sha),
    ]


def scene_steps(ctx: BuildContext) -> list[Output]:
    """Compose the batch's scene from its evidence; return the GLB, signed manifest, posters."""
    ctx.step("evidence", 0.05)
    # The scene shows the evidence's statuses: reuse the current evidence build, or make it.
    evidence = ctx.prerequisite("evidence", evidence_steps)
    report = ctx.read_json(evidence["report"])
    ctx.step("load", 0.2)
    brand_id = ctx.batch.product.brand_id
    story = published_story(ctx.session, brand_id)
    # Everything the scene publishes is built from the policy-reduced input only.
    inp = load_public_scene_input(ctx.session, ctx.batch, report, story)
    outlines = load_country_outlines(settings().world_atlas_path, countries_of(inp))
    ctx.step("geometry", 0.4)
    scene = compose_scene(inp, outlines)
    ctx.step("publish", 0.85)
    glb = Output("glb", scene.glb, "model/gltf-binary")
    # Reality snapshots of the scene's sites, streamed by the viewer's splat layer on demand.
    tilesets = site_tilesets(ctx.session, brand_id)
    shown = {site.id for site in inp.sites}
    # Who captured each snapshot, when and with what: signed with the manifest, the
    # credentials' still named by its hash.
    credits = site_credentials(ctx.session, brand_id)
    snapshots = [
        {"site": key, "tileset": f"/blobs/{sha}", "capture": public_credit(credits.get(key))}
        for key, sha in sorted(tilesets.items())
        if key in shown
    ]
    # The signed manifest names the report its statuses came from and the GLB it describes.
    manifest = dict(scene.manifest, glb=glb.sha256, snapshots=snapshots, report=evidence["report"])
    # One poster per locale: its accessible title names the product in that language.
    names = ctx.batch.product.name or {}
    posters: dict[str, Output] = {}
    for locale in inp.locales:
        title = f"{names.get(locale) or inp.batch.product_name} — {inp.batch.lot}"
        svg = scene.poster_svg(title).encode()
        posters[locale] = Output(f"poster:{locale}", svg, "image/svg+xml")
    return [glb, json_output("manifest", manifest, signed=True), *posters.values()]
