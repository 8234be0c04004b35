"""The public signing key and the signatures of what a batch's builds published."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, url_for

from server.adapters.config import settings
from server.adapters.db import db
from server.adapters.keys import key_list
from server.core.signing import ALG
from server.services.build_outputs import json_blob
from server.services.transparency_log import entry_for
from server.web.batch_reports import reported

bp = Blueprint("signatures", __name__)


@bp.get("/.well-known/originxr-keys.json")
def keys() -> Response:
    """Return the public keys that verify the signature blobs (raw Ed25519, base64url).

    The first signs new builds; earlier ones carry when they stopped signing (rotated) or
    were revoked: a signature is the key's own only if made within its period.
    """
    listed = key_list(settings())
    body = {
        "keys": [
            {
                "kid": entry.kid,
                "alg": ALG,
                "public_key": entry.public_key,
                "current": index == 0,
                "not_before": entry.not_before,
                "not_after": entry.not_after,
                "revoked_at": entry.revoked_at,
            }
            for index, entry in enumerate(listed)
        ]
    }
    response = jsonify(body)
    response.headers["Cache-Control"] = "public, max-age=300"
    # Auditors' tools fetch this from anywhere; it holds only public keys.
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _entry(blob: str | None, signature: str | None) -> dict[str, Any] | None:
    # None: the output is not built yet, or was built before builds were signed.
    if blob is None or signature is None:
        return None
    record: dict[str, Any] = json_blob(signature)
    return dict(
        record,
        blob_url=url_for("blobs.blob", sha256=blob),
        signature_blob=signature,
        signature_url=url_for("blobs.blob", sha256=signature),
        # Where the publication is in the transparency log (None: published before it).
        log=entry_for(db.session, blob, signature),
    )


@bp.get("/api/v1/batches/<gtin>/<lot>/signatures")
def batch_signatures(gtin: str, lot: str) -> Response:
    """Return the signature records of the batch's current report and scene manifest."""
    _, outputs, _, report_sha = reported(gtin, lot)
    scene = outputs.scene or {}
    body = {
        "keys": url_for("signatures.keys"),
        "log": url_for("transparency_log.tree_head"),
        "signatures": {
            "report": _entry(report_sha, outputs.report_sig),
            "manifest": _entry(scene.get("manifest"), scene.get("manifest_sig")),
        },
    }
    response = jsonify(body)
    response.headers["Originxr-Build"] = "stale" if outputs.stale else "current"
    return response
