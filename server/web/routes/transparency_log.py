"""The public transparency log: signed tree heads, leaves, proofs, witnesses' cosignatures."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from server.adapters.config import settings
from server.adapters.db import db
from server.adapters.keys import current_key, key_list
from server.core.transparency.cosignatures import parse_witness_keys
from server.services import transparency_log as log
from server.services.witness_cosignatures import (
    accept_cosignature,
    cosignatures_of,
    latest_cosignatures,
)
from server.web.routes.errors import problem

bp = Blueprint("transparency_log", __name__, url_prefix="/.well-known/originxr-log")


def _json(body: object, max_age: int) -> Response:
    response = jsonify(body)
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    # Auditors and witnesses fetch this from anywhere; it holds nothing private.
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _count(name: str, required: bool) -> int | None:
    """Return query parameter `name` as a count; raise LogRequestError naming the problem."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        if required:
            raise log.LogRequestError(f"give `{name}`, a whole number of leaves")
        return None
    if not raw.isdigit() or len(raw) > 18:
        raise log.LogRequestError(f"`{name}` must be a whole number of leaves, not {raw!r}")
    return int(raw)


def _refused(exc: log.LogRequestError) -> Response:
    titles = {404: "Not in the log", 403: "Unknown witness", 422: "Cosignature refused"}
    return problem(exc.status, titles.get(exc.status, "Bad log request"), str(exc))


@bp.get("/tree-head")
def tree_head() -> Response:
    """Return the log's signed tree head (size, root, time, signature) and its cosignatures."""
    head = log.tree_head(db.session, current_key(settings()))
    root = bytes.fromhex(head["root_hash"])
    head["cosignatures"] = cosignatures_of(db.session, head["size"], root)
    head["witnessed"] = latest_cosignatures(db.session, head["size"])
    return _json(head, 10)


@bp.get("/cosignatures")
def cosignatures() -> Response:
    """Return the known witnesses' cosignatures of the tree of ?tree_size= (default: now)."""
    try:
        size = log.checked_size(db.session, _count("tree_size", False))
        root = log.tree_root(db.session, size)
        body = {"tree_size": size, "root_hash": root.hex()}
        return _json(dict(body, cosignatures=cosignatures_of(db.session, size, root)), 10)
    except log.LogRequestError as exc:
        return _refused(exc)


@bp.post("/cosignatures")
def cosign() -> Response:
    """Keep a known witness's cosignature of a tree head this log signed (201; 200 if kept)."""
    configured = settings()
    try:
        kept, new = accept_cosignature(
            db.session,
            request.get_json(silent=True),
            key_list(configured),
            parse_witness_keys(configured.log_witness_keys),
        )
    except log.LogRequestError as exc:
        return _refused(exc)
    response = jsonify(kept)
    response.status_code = 201 if new else 200
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/leaves/<index>")
def leaf(index: str) -> Response:
    """Return leaf INDEX: its hash, its exact bytes (base64) and the entry they hold."""
    try:
        if not index.isdigit() or len(index) > 18:
            raise log.LogRequestError(f"the leaf index must be a whole number, not {index!r}")
        return _json(log.leaf_json(db.session, int(index)), 31536000)
    except log.LogRequestError as exc:
        return _refused(exc)


@bp.get("/inclusion")
def inclusion() -> Response:
    """Return the inclusion proof of ?leaf_hash= in the tree of ?tree_size= (default: now)."""
    try:
        leaf_hash = request.args.get("leaf_hash", "")
        return _json(log.inclusion(db.session, leaf_hash, _count("tree_size", False)), 10)
    except log.LogRequestError as exc:
        return _refused(exc)


@bp.get("/consistency")
def consistency() -> Response:
    """Return the proof that the tree of ?first= leaves is a prefix of ?second= (default: now)."""
    try:
        first = _count("first", True) or 0  # required: never None here
        return _json(log.consistency(db.session, first, _count("second", False)), 10)
    except log.LogRequestError as exc:
        return _refused(exc)
