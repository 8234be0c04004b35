"""Studio: the brand's sites and their reality snapshots — upload, tiling progress, status.

Uploads go through `server.services.snapshots.ingest_snapshot`, the same validation and storage as
`POST /api/sites/{site}/snapshots`; a refused file stores nothing.
"""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, request
from flask_babel import gettext as _

from server.adapters.db import db
from server.adapters.models import Snapshot
from server.core.errors import InvalidSubmission, NotFound
from server.services.accounts import Access
from server.services.brand_catalog import brand_sites
from server.services.brand_snapshots import brand_snapshots, watchable_snapshot
from server.services.snapshots import SnapshotLimits, site_by_key
from server.web.routes.snapshots import ingest_from_request
from server.web.studio import brand_access, current_user, login_required, studio_blueprint
from server.web.studio_forms import FormPage

bp = studio_blueprint("studio_snapshots", __name__)
FORM_OVERHEAD = 64 * 1024


def _values(access: Access, problem: InvalidSubmission | None = None) -> dict[str, Any]:
    sites = brand_sites(db.session, access.brand.id)
    snapshots = brand_snapshots(db.session, access.brand.id)
    by_site: dict[str, list[Snapshot]] = {}
    for snapshot in snapshots:
        by_site.setdefault(snapshot.site_key, []).append(snapshot)
    return {
        "sites": sites,
        "by_site": by_site,
        "working": any(s.status in ("queued", "tiling") for s in snapshots),
        "limits": SnapshotLimits.from_config(current_app.config),
        "problem": problem,
        "form": request.form if problem else {},
    }


page = FormPage("studio/snapshots.html", "studio_snapshots.index", _values)


@bp.get("/<slug>/snapshots")
@login_required
def index(slug: str) -> Response:
    """List the sites with their snapshots; editors get the upload form."""
    return page.show(slug)


@bp.post("/<slug>/snapshots")
@login_required
def upload(slug: str) -> Response:
    """Accept a capture for one of the brand's sites, or show what is wrong with it."""
    access = brand_access(slug, edit=True)
    limits = SnapshotLimits.from_config(current_app.config)
    request.max_content_length = limits.max_bytes + FORM_OVERHEAD
    try:
        site = site_by_key(db.session, access.brand.id, request.form.get("site", ""))
    except NotFound:
        problem = InvalidSubmission(400, "", _("Choose one of the brand's sites."))
        return page.show(slug, 400, problem=problem)
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise InvalidSubmission(400, "", _("Choose a .ply or .spz capture file."))
        snapshot = ingest_from_request(site, upload, limits)
    except InvalidSubmission as problem:
        db.session.rollback()  # a blob row may be pending when the credentials image is refused
        return page.show(slug, problem.status if problem.status < 500 else 400, problem=problem)
    n = snapshot.splat_count
    message = _("Capture accepted; it is being cut into tiles (%(n)d splats).", n=n)
    return page.back(slug, message, category="message")


def watchable(snapshot_id: str) -> Snapshot | None:
    """Return the snapshot if the signed-in studio user may watch its tiling, else None."""
    return watchable_snapshot(db.session, current_user(), snapshot_id)
