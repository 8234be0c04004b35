"""The public transparency log: signed tree heads, leaves, inclusion and consistency proofs."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from server.adapters.config import settings
from server.adapters.db import db
from server.adapters.keys import current_key
from server.services import transparency_log as log
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
    title = "Not in the log" if exc.status == 404 else "Bad log request"
    return problem(exc.status, title, str(exc))


@bp.get("/tree-head")
def tree_head() -> Response:
    """Return the log's signed tree head: size, root hash, time, Ed25519 signature."""
    return _json(log.tree_head(db.session, current_key(settings())), 10)


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
