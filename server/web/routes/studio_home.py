"""Studio home: the brands a user may open, and one brand's overview."""

from __future__ import annotations

from flask import Response, redirect, render_template

from server.adapters.db import db
from server.core.gs1.digital_link import batch_path
from server.services.accounts import accesses
from server.services.builds import brand_inputs, current_builds, published_story
from server.services.catalog import all_batches
from server.web.studio import (
    brand_access,
    current_user,
    login_required,
    studio_blueprint,
    studio_context,
)

bp = studio_blueprint("studio_home", __name__)


@bp.get("/")
@login_required
def index() -> Response:
    """List the user's brands; with exactly one, open it."""
    user = current_user()
    assert user is not None
    mine = accesses(db.session, user)
    if len(mine) == 1:
        return redirect(f"/studio/{mine[0].brand.slug}/", code=303)  # type: ignore[return-value]
    return Response(render_template("studio/index.html", **studio_context()))


@bp.get("/<slug>/")
@login_required
def brand(slug: str) -> Response:
    """One brand at a glance: its story version, products, batches and their builds."""
    access = brand_access(slug)
    batches = []
    shared = brand_inputs(db.session, access.brand)
    for batch in all_batches(db.session, access.brand.slug):
        builds = current_builds(db.session, batch, shared)
        batches.append(
            {
                "batch": batch,
                "path": batch_path(batch.product.gtin, batch.lot),
                "builds": {k: (b.status if b else "missing") for k, b in builds.items()},
            }
        )
    story = published_story(db.session, access.brand.id)
    html = render_template("studio/brand.html", batches=batches, story=story, **studio_context())
    return Response(html)
