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


def brand_tokens(session: Session, brand_id: int) -> list[ApiToken]:
    """Return the brand's tokens, revoked ones too, newest first."""
    query = select(ApiToken).where(ApiToken.brand_id == brand_id).order_by(ApiToken.id.desc())
    return list(session.scalars(query))


def issue_token(session: Session, brand_slug: str, name: str) -> str:
    """Create a token named `name` for the brand `brand_slug`, commit, and return the token."""
    _record, token = create_token(session, brand_slug, name)
    session.commit()
    return token


def revoke_brand_token(session: Session, brand_id: int, token_id: int) -> None:
    """Revoke the brand's token `token_id` and commit; `NotFound` if it is not the brand's."""
    record = session.get(ApiToken, token_id)
    if record is None or record.brand_id != brand_id:
        raise NotFound("no such token")
    revoke_token(session, token_id)
    session.commit()
