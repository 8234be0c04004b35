"""Bearer-token authentication of the integrator API (RFC 6750)."""

from __future__ import annotations

from flask import request

from server.adapters.db import db
from server.adapters.models import Brand
from server.core.errors import Unauthorized
from server.services.tokens import brand_of_token


def bearer_brand() -> Brand:
    """Return the brand of the request's bearer token; raise `Unauthorized` without one."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if not header:
        raise Unauthorized(
            "Send `Authorization: Bearer <token>`; `originxr create-token` makes one."
        )
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized(
            "The Authorization header must read `Bearer <token>`.", "invalid_request"
        )
    brand = brand_of_token(db.session, token.strip())
    if brand is None:
        raise Unauthorized("The bearer token is unknown or revoked.", "invalid_token")
    return brand
