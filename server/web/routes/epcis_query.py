"""EPCIS 2.0 query interface (REST binding): `GET /epcis/events`, brand-scoped and paged."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, jsonify, request

from server.adapters.config import settings
from server.adapters.db import db
from server.adapters.models.base import utcnow
from server.core.epcis.page_token import PageTokenError, make_token, read_token
from server.core.errors import InvalidSubmission
from server.services.epcis_query import (
    QueryError,
    find_events,
    parse_query,
    position_from,
    position_of,
)
from server.web.routes.auth import bearer_brand

bp = Blueprint("epcis_query", __name__, url_prefix="/epcis")
EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"


def _bad(parameter: str, message: str) -> InvalidSubmission:
    return InvalidSubmission(
        400,
        "Invalid query parameter",
        message,
        [{"path": parameter, "parameter": parameter, "message": message}],
    )


def _next_link(token: str) -> str:
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "nextPageToken"]
    return f"{request.base_url}?{urlencode([*args, ('nextPageToken', token)])}"


@bp.get("/events")
def query_events() -> Response:
    """Answer an EPCIS SimpleEventQuery over the token's brand as an EPCISQueryDocument."""
    brand = bearer_brand()
    secret = settings().secret_key
    try:
        query = parse_query(request.args)
    except QueryError as exc:
        raise _bad(exc.parameter, str(exc)) from exc
    scope = query.scope(brand.id)
    after = None
    token = request.args.get("nextPageToken")
    if token is not None:
        try:
            after = position_from(read_token(secret, scope, token))
        except (PageTokenError, ValueError) as exc:
            raise _bad("nextPageToken", str(exc)) from exc
    events, more = find_events(db.session, brand.id, query, after)
    body: dict[str, Any] = {
        "@context": [EPCIS_CONTEXT],
        "type": "EPCISQueryDocument",
        "schemaVersion": "2.0",
        "creationDate": utcnow().isoformat().replace("+00:00", "Z"),
        "epcisBody": {
            "queryResults": {
                "queryName": "SimpleEventQuery",
                "resultsBody": {"eventList": [event.raw for event in events]},
            }
        },
    }
    next_token = make_token(secret, scope, position_of(events[-1])) if more else None
    if next_token:
        body["nextPageToken"] = next_token
    response = jsonify(body)
    response.mimetype = "application/ld+json"
    if next_token:
        response.headers["Link"] = f'<{_next_link(next_token)}>; rel="next"'
    return response
