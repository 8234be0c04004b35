"""For shoppers: "How do we know?" behind each figure, and the batch's verification bundle."""

from __future__ import annotations

import contextlib
import re

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _

from server.adapters.db import db
from server.core.disclosure.redaction import scrub
from server.core.gs1.digital_link import batch_path
from server.core.theme import public_theme
from server.core.verification.sources import Recorder, write_bundle
from server.core.verification.verifier import VerificationFailure, verify_batch
from server.services.catalog import sites_of
from server.services.evidence_records import evidence_used
from server.services.transparency_log import publication
from server.web.batch_links import batch_uri
from server.web.batch_reports import reported
from server.web.in_process_source import AppSource
from server.web.routes.batch_page import check_view, public_site_view
from server.web.routes.locales import locale_context, offer_locales

bp = Blueprint("how_we_know", __name__)


def _logged(subject: str | None, signature: str | None) -> dict[str, object] | None:
    found = publication(db.session, subject, signature)
    if found is None:
        return None
    index = int(found["index"])
    return dict(
        found,
        date=format_date(found["logged_at"], "long"),
        href=url_for("transparency_log.leaf", index=str(index)),
    )


@bp.get("/batches/<gtin>/<lot>/how-we-know")
def how_we_know(gtin: str, lot: str) -> Response:
    """Show, in plain words, why the page's figures can be trusted, and how to check them."""
    batch, outputs, report, report_sha = reported(gtin, lot)
    brand = batch.product.brand
    offer_locales(brand.locales or [brand.default_locale], brand.default_locale)
    key = request.args.get("check")
    check = evidence = None
    if key:
        found = next((c for c in report.get("checks", []) if c.get("key") == key), None)
        if found is None:
            abort(404, _("This batch has no check named %(key)s (yet).", key=key))
        check = check_view(found, batch)
        sites = {site.key: site for site in sites_of(db.session, brand.id)}
        _policy, _names, withheld = public_site_view(brand, sites)
        evidence = [
            {
                "key": used.key,
                "record": used.record,
                # The record row is the full data: its issuer may name a withheld supplier.
                "issuer": scrub(used.record.issuer, withheld) if used.record else None,
            }
            for used in evidence_used(db.session, brand.id, found.get("evidence", []))
        ]
    scene = outputs.scene or {}
    html = render_template(
        "how_we_know.html",
        brand=brand,
        theme=public_theme(brand.settings),
        batch=batch,
        batch_href=batch_path(batch.product.gtin, batch.lot),
        check=check,
        evidence=evidence,
        report_sha=report_sha,
        report_url=url_for("api.evidence_report", gtin=gtin, lot=lot),
        report_log=_logged(report_sha, outputs.report_sig),
        manifest_sha=scene.get("manifest"),
        manifest_log=_logged(scene.get("manifest"), scene.get("manifest_sig")),
        uri=batch_uri(batch),
        bundle_url=url_for("how_we_know.bundle", gtin=gtin, lot=lot),
        **locale_context(),
    )
    return Response(html, mimetype="text/html")


@bp.get("/api/v1/batches/<gtin>/<lot>/bundle")
def bundle(gtin: str, lot: str) -> Response:
    """Return a zip of everything `originxr verify --bundle` needs to check the batch offline.

    It is what a verifier fetches (page, linkset, signatures, keys, blobs, log leaves and
    proofs), fetched from this app in process, so that the bundle holds exactly the bytes
    the server serves.
    """
    batch, _outputs, _report, _sha = reported(gtin, lot)
    uri = batch_uri(batch)
    recorder = Recorder(AppSource(current_app._get_current_object()))  # type: ignore[attr-defined]
    # The bundle holds what was there even if it does not verify: `verify --bundle` says why.
    with contextlib.suppress(VerificationFailure):
        verify_batch(uri, recorder)
    response = Response(
        write_bundle(uri, recorder.answers, recorder.refused), mimetype="application/zip"
    )
    response.headers["Content-Disposition"] = (
        f'attachment; filename="originxr-{gtin}-{re.sub(r"[^A-Za-z0-9._-]", "_", lot)}.zip"'
    )
    response.headers["Cache-Control"] = "no-cache"
    return response
