"""The EUDR due-diligence export and the full evidence report, at full precision, for
authorised parties only: the brand's integrators (bearer token) and, in the studio, its
editors and platform admins."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, abort, jsonify

from server.adapters.blobs import blob_store
from server.adapters.db import db
from server.adapters.models import Batch, Brand
from server.services.build_outputs import BatchOutputs
from server.services.eudr_export import due_diligence_export
from server.services.household_documents import brand_document
from server.web.batch_reports import reported
from server.web.routes.auth import bearer_brand
from server.web.studio import brand_access, login_required, studio_blueprint

bp = Blueprint("eudr", __name__, url_prefix="/api/v1")
studio_bp = studio_blueprint("studio_eudr", __name__)


def _full_report(brand: Brand, gtin: str, lot: str) -> tuple[Batch, BatchOutputs, bytes, str]:
    """Return the brand's batch and its full (unredacted) report bytes and hash."""
    # Another brand's batch: 404 before anything, not even its build state, is told.
    batch, outputs, _, public_sha = reported(gtin, lot, brand.id)
    # Builds from before disclosure policies published one report only, the full one.
    sha = outputs.report_full_sha or public_sha
    return batch, outputs, blob_store().get(sha), sha


@bp.get("/documents/<sha256>")
def evidence_document(sha256: str) -> Response:
    """Return a document of the token's brand's evidence, household documents included."""
    document = brand_document(db.session, blob_store(), bearer_brand().id, sha256)
    if document is None:
        # Not this brand's document (its existence is not confirmed), or its file is gone
        # (say so rather than fail).
        abort(404)
    data, media_type = document
    response = Response(data, mimetype=media_type)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/batches/<gtin>/<lot>/evidence/full")
def full_evidence_report(gtin: str, lot: str) -> Response:
    """Return the batch's full evidence report, before the public redaction (token holders)."""
    _, _, data, sha = _full_report(bearer_brand(), gtin, lot)
    response = Response(data, mimetype="application/json")
    response.set_etag(sha)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/batches/<gtin>/<lot>/eudr")
def eudr_export(gtin: str, lot: str) -> Response:
    """Return the batch's plots at full precision with their due-diligence findings."""
    return _export(bearer_brand(), gtin, lot)


@studio_bp.get("/<slug>/eudr/<gtin>/<lot>.geojson")
@login_required
def studio_export(slug: str, gtin: str, lot: str) -> Response:
    """The same export for the brand's editors (viewers see locations only as published)."""
    response = _export(brand_access(slug, edit=True).brand, gtin, lot)
    response.headers["Content-Disposition"] = f'attachment; filename="eudr-{gtin}-{lot}.geojson"'
    return response


def _export(brand: Brand, gtin: str, lot: str) -> Response:
    batch, _, data, sha = _full_report(brand, gtin, lot)
    report: dict[str, Any] = json.loads(data)
    export = due_diligence_export(db.session, brand, report)
    export["evidence_report"] = f"/api/v1/batches/{batch.product.gtin}/{batch.lot}/evidence/full"
    export["evidence_report_sha256"] = sha
    response = jsonify(export)
    response.mimetype = "application/geo+json"
    response.headers["Cache-Control"] = "private, no-store"
    return response
