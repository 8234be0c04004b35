"""The people of a brand: who has which role, inviting someone, taking a role away.

Each change is its own transaction: the functions commit.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.adapters.models import Brand, Membership, User
from server.core.errors import NotFound
from server.services.accounts import AccountError, ensure_user, grant, invite


def members_of(session: Session, brand_id: int) -> list[tuple[User, str]]:
    """Return the brand's users with their role there, by e-mail."""
    rows = session.execute(
        select(User, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.brand_id == brand_id)
        .order_by(User.email)
    )
    return [(user, role) for user, role in rows]


def invite_member(
    session: Session, brand: Brand, email: str, role: str, inviter: User | None
) -> str:
    """Give the person at `email` the `role` at `brand`; return their one-time sign-in token.

    Raises `AccountError` (and stores nothing) when the address or the role is not valid.
    """
    try:
        user = ensure_user(session, email)
        grant(session, user, brand, role)
        token = invite(session, user, by=inviter)
    except AccountError:
        session.rollback()  # a new user may have been flushed before `grant` refused the role
        raise
    session.commit()
    return token


def remove_member(session: Session, brand_id: int, user_id: int, me: User | None) -> bool:
    """Take `user_id`'s role at the brand away; return False (nothing changed) if that is `me`.

    Raises `NotFound` when the user has no role at the brand.
    """
    membership = session.scalar(
        select(Membership).where(Membership.brand_id == brand_id, Membership.user_id == user_id)
    )
    if membership is None:
        raise NotFound("no such member")
    if me is not None and membership.user_id == me.id:
        return False
    session.delete(membership)
    session.commit()
    return True
