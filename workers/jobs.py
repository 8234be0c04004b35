"""RQ job entry points: thin functions taking ids; the work is in the pure modules.

The worker process (``originxr worker``) creates the Flask app once and runs every job
inside a fresh app context, so jobs find the database and Redis through the app.
"""

from __future__ import annotations

import json

from flask import current_app

from server.adapters.broker import broker
from server.adapters.db import db
from server.adapters.models import Brand
from server.core.disclosure.policy import policy_of
from server.core.disclosure.redaction import SiteInfo, redact_report
from server.core.evidence.report import build_report
from server.core.scene import build_scene as compose_scene
from server.core.scene import countries_of
from server.core.scene.public import public_scene_input
from server.core.scene.topojson import load_country_outlines
from server.services.batch_inputs import load_batch_inputs, load_scene_input
from server.services.build_runner import BuildContext, run_build
from server.services.builds import brand_rebuild_key, enqueue_brand_builds, published_story
from server.services.catalog import sites_of
from server.services.snapshots import site_tilesets
from workers.gc_pause import gc_paused


def rebuild_brand(brand_id: int) -> int:
    """Enqueue the current builds of every batch of the brand; return how many were enqueued.

    Run for a coalesced request (`server.services.builds.request_brand_rebuild`): the request's key
    is dropped first, so a change committed while this runs requests another run.
    """
    with current_app.app_context():
        broker.redis.delete(brand_rebuild_key(brand_id))
        brand = db.session.get(Brand, brand_id)
        if brand is None:
            return 0
        lease = int(current_app.config["BUILD_LEASE_SECONDS"])
        return enqueue_brand_builds(db.session, broker.redis, brand, lease)


def compute_evidence(batch_id: int) -> dict[str, str]:
    """Build (or reuse) the evidence report of batch `batch_id`; return its output hashes."""
    with current_app.app_context():
        return run_build(batch_id, "evidence", _evidence_steps)


def build_scene(batch_id: int) -> dict[str, str]:
    """Build (or reuse) the 3D scene of batch `batch_id`; return its output hashes."""
    with current_app.app_context():
        return run_build(batch_id, "scene", _scene_steps)


def _evidence_steps(ctx: BuildContext) -> dict[str, str]:
    ctx.step("load", 0.1)
    with gc_paused():
        inputs = load_batch_inputs(ctx.session, ctx.batch)
    ctx.step("trace", 0.4)
    with gc_paused():
        report = build_report(inputs)
    ctx.step("publish", 0.9)
    # The full report is for the brand and its auditors: stored without a public blob row.
    full = ctx.put_json(report, public=False)
    brand = ctx.batch.product.brand
    public = redact_report(report, policy_of(brand.settings), _site_infos(ctx), full)
    sha = ctx.put_json(public)
    return {
        "report": sha,
        "report_sig": ctx.put_signature(sha),
        "report_full": full,
        "report_full_sig": ctx.put_signature(full, public=False),
    }


def _site_infos(ctx: BuildContext) -> list[SiteInfo]:
    return [
        SiteInfo(s.key, s.kind, s.name) for s in sites_of(ctx.session, ctx.batch.product.brand_id)
    ]


def _scene_steps(ctx: BuildContext) -> dict[str, str]:
    ctx.step("evidence", 0.05)
    # The scene shows the evidence's statuses: reuse the current evidence build, or make it.
    evidence = run_build(ctx.batch.id, "evidence", _evidence_steps)
    report = json.loads(ctx.store.get(evidence["report"]))
    ctx.step("load", 0.2)
    story = published_story(ctx.session, ctx.batch.product.brand_id)
    full_input = load_scene_input(ctx.session, ctx.batch, report, story)
    # Everything the scene publishes is built from the policy-reduced input only.
    policy = policy_of(ctx.batch.product.brand.settings)
    inp = public_scene_input(full_input, policy, _site_infos(ctx))
    outlines = load_country_outlines(current_app.config["WORLD_ATLAS_PATH"], countries_of(inp))
    ctx.step("geometry", 0.4)
    scene = compose_scene(inp, outlines)
    ctx.step("publish", 0.85)
    glb = ctx.put_blob(scene.glb, "model/gltf-binary")
    # Reality snapshots of the scene's sites, streamed by the viewer's splat layer on demand.
    tilesets = site_tilesets(ctx.session, ctx.batch.product.brand_id)
    shown = {site.id for site in inp.sites}
    snapshots = [
        {"site": key, "tileset": f"/blobs/{sha}"}
        for key, sha in sorted(tilesets.items())
        if key in shown
    ]
    # The signed manifest names the report its statuses came from and the GLB it describes.
    manifest = dict(scene.manifest, glb=glb, snapshots=snapshots, report=evidence["report"])
    # One poster per locale: its accessible title names the product in that language.
    names = ctx.batch.product.name or {}
    posters = {}
    for locale in inp.locales:
        title = f"{names.get(locale) or inp.batch.product_name} — {inp.batch.lot}"
        posters[locale] = ctx.put_blob(scene.poster_svg(title).encode(), "image/svg+xml")
    manifest_sha = ctx.put_json(manifest)
    outputs = {
        "glb": glb,
        "manifest": manifest_sha,
        "manifest_sig": ctx.put_signature(manifest_sha),
    }
    outputs.update({f"poster:{loc}": sha for loc, sha in posters.items()})
    return outputs
