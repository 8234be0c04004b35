"""Studio: the brand's sites and their reality snapshots — upload, tiling progress, status.

Uploads go through `server.services.snapshots.ingest_snapshot`, the same validation and storage as
`POST /api/sites/{site}/snapshots`; a refused file stores nothing.
"""

from __future__ import annotations

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from server.adapters.db import db
from server.adapters.models import Site, Snapshot
from server.core.errors import InvalidSubmission, NotFound
from server.services.snapshots import SnapshotLimits, site_by_key
from server.web.routes.snapshots import ingest_from_request
from server.web.studio import brand_access, login_required, studio_blueprint, studio_context

bp = studio_blueprint("studio_snapshots", __name__)
FORM_OVERHEAD = 64 * 1024


def _page(slug: str, status: int = 200, problem: InvalidSubmission | None = None) -> Response:
    access = brand_access(slug)
    sites = db.session.scalars(
        select(Site).where(Site.brand_id == access.brand.id).order_by(Site.kind, Site.key)
    ).all()
    snapshots = db.session.scalars(
        select(Snapshot)
        .where(Snapshot.brand_id == access.brand.id)
        .order_by(Snapshot.created_at.desc())
    ).all()
    by_site: dict[str, list[Snapshot]] = {}
    for snapshot in snapshots:
        by_site.setdefault(snapshot.site_key, []).append(snapshot)
    working = any(s.status in ("queued", "tiling") for s in snapshots)
    limits = SnapshotLimits.from_config(current_app.config)
    html = render_template(
        "studio/snapshots.html",
        sites=sites,
        by_site=by_site,
        working=working,
        limits=limits,
        problem=problem,
        form=request.form if problem else {},
        **studio_context(),
    )
    return Response(html, status=status)


@bp.get("/<slug>/snapshots")
@login_required
def index(slug: str) -> Response:
    """List the sites with their snapshots; editors get the upload form."""
    return _page(slug)


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
        return _page(slug, 400, InvalidSubmission(400, "", _("Choose one of the brand's sites.")))
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise InvalidSubmission(400, "", _("Choose a .ply or .spz capture file."))
        snapshot = ingest_from_request(site, upload, limits)
    except InvalidSubmission as problem:
        db.session.rollback()
        return _page(slug, problem.status if problem.status < 500 else 400, problem)
    flash(_("Capture accepted; it is being cut into tiles (%(n)d splats).", n=snapshot.splat_count))
    return redirect(url_for("studio_snapshots.index", slug=slug), code=303)  # type: ignore[return-value]


def watchable(snapshot_id: str) -> Snapshot | None:
    """Return the snapshot if the signed-in studio user may watch its tiling, else None."""
    from server.adapters.models import Brand
    from server.services.accounts import access_to
    from server.web.studio import current_user

    user = current_user()
    snapshot = db.session.get(Snapshot, snapshot_id[:32])
    if user is None or snapshot is None:
        return None
    brand = db.session.get(Brand, snapshot.brand_id)
    try:
        access_to(db.session, user, brand.slug if brand else "")
    except NotFound:
        return None
    return snapshot
