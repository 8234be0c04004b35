"""Reality-snapshot API: the brand's sites, capture uploads and their tiling status."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, current_app, jsonify, request
from werkzeug.datastructures import FileStorage

from server.adapters.blobs import blob_store
from server.adapters.broker import broker
from server.adapters.db import db
from server.adapters.models import Site, Snapshot
from server.core.errors import InvalidSubmission, NotFound
from server.core.snapshot_meta import capture_meta
from server.services.capture_credentials import uploaded_credentials
from server.services.catalog import listed_sites
from server.services.snapshots import SnapshotLimits, ingest_snapshot, site_by_key, snapshot_state
from server.services.submissions import brand_snapshot
from server.web.routes.auth import bearer_brand

bp = Blueprint("snapshots", __name__, url_prefix="/api")
FORM_OVERHEAD = 64 * 1024  # multipart boundaries and the metadata fields around the file


@bp.get("/sites")
def sites() -> Response:
    """List the token's brand's sites: key, GLN, kind, name, position and country."""
    brand = bearer_brand()
    rows = listed_sites(db.session, brand.id)
    return jsonify(
        {
            "sites": [
                {
                    "id": site.key,
                    "gln": site.gln,
                    "kind": site.kind,
                    "name": site.name,
                    "lat": site.lat,
                    "lon": site.lon,
                    "country": site.country,
                    "snapshots": f"/api/sites/{site.key}/snapshots",
                }
                for site in rows
            ]
        }
    )


@bp.post("/sites/<site_key>/snapshots")
def upload_snapshot(site_key: str) -> Response:
    """Accept a splat capture of a site: validated whole, then stored and tiled, or refused."""
    brand = bearer_brand()
    limits = SnapshotLimits.from_config(current_app.config)
    # Werkzeug answers 413 as soon as the body passes this, before buffering it.
    request.max_content_length = limits.max_bytes + FORM_OVERHEAD
    site = site_by_key(db.session, brand.id, site_key)
    if request.mimetype != "multipart/form-data":
        raise InvalidSubmission(
            415,
            "Unsupported media type",
            "Send the capture as multipart/form-data with the file in the `file` field.",
        )
    upload = request.files.get("file")
    if upload is None:
        raise InvalidSubmission(
            422,
            "No capture file",
            "Put the .ply or .spz capture in the multipart field `file`.",
            [{"path": "file", "message": "missing"}],
        )
    snapshot = ingest_from_request(site, upload, limits)
    response = jsonify(snapshot_state(snapshot))
    response.status_code = 202
    response.headers["Location"] = f"/api/snapshots/{snapshot.id}"
    return response


def ingest_from_request(site: Site, upload: FileStorage, limits: SnapshotLimits) -> Snapshot:
    """Ingest the request's capture `upload` of `site` with its form's metadata and
    credentials (the API and the studio upload both come through here)."""
    meta = capture_meta(request.form, date.today())
    return ingest_snapshot(
        db.session,
        blob_store(),
        broker.redis,
        site,
        upload.stream.read(limits.max_bytes + 1),
        meta,
        limits,
        uploaded_credentials(request.files),
    )


@bp.get("/snapshots/<snapshot_id>")
def snapshot_status(snapshot_id: str) -> Response:
    """Report a snapshot's status and, once tiled, its tileset URL (own brand only)."""
    brand = bearer_brand()
    snapshot = brand_snapshot(db.session, brand.id, snapshot_id)
    if snapshot is None:
        raise NotFound(f"No snapshot {snapshot_id!r} for this token's brand.")
    return jsonify(snapshot_state(snapshot))
