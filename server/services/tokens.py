"""API tokens of integrators: made once, kept only as a SHA-256, looked up by that hash."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.adapters.models import ApiToken, Brand
from server.adapters.models.base import utcnow
from server.core.errors import NotFound

TOKEN_PREFIX = "oxr_"


def token_hash(token: str) -> str:
    """Return the hex SHA-256 under which `token` is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, brand_slug: str, name: str) -> tuple[ApiToken, str]:
    """Create a token for the brand `brand_slug`; return its record and the token (shown once)."""
    brand = session.scalar(select(Brand).where(Brand.slug == brand_slug))
    if brand is None:
        raise NotFound(f"`brand_slug`: no brand {brand_slug!r}")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    record = ApiToken(brand_id=brand.id, name=name, token_sha256=token_hash(token))
    session.add(record)
    session.flush()
    return record, token


def brand_of_token(session: Session, token: str) -> Brand | None:
    """Return the brand a live (not revoked) `token` belongs to, or None."""
    record = session.scalar(select(ApiToken).where(ApiToken.token_sha256 == token_hash(token)))
    if record is None or record.revoked_at is not None:
        return None
    return session.get(Brand, record.brand_id)


def revoke_token(session: Session, token_id: int) -> None:
    """Mark the token `token_id` revoked (kept for the record)."""
    record = session.get(ApiToken, token_id)
    if record is None:
        raise NotFound(f"`token_id`: no token {token_id}")
    if record.revoked_at is None:
        record.revoked_at = utcnow()
