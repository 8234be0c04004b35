"""Studio accounts: users, roles per brand, invitations and sign-in.

Functions take a SQLAlchemy session and never commit (the caller owns the transaction),
except the studio's sign-in steps at the end, `check_sign_in` and `accept_invitation`.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.adapters.models import Brand, Invitation, Membership, User
from server.adapters.models.account import ROLES
from server.adapters.models.base import utcnow
from server.core.errors import N_, NotFound, TranslatableError
from server.core.passwords import check_new_password, hash_password, needs_rehash, verify_password

INVITATION_LIFETIME = timedelta(days=7)


class AccountError(TranslatableError):
    """A request about accounts that cannot be carried out; the message says why."""


@dataclass(frozen=True)
class Access:
    """What a signed-in user may do at one brand."""

    brand: Brand
    role: str  # "viewer", "editor" or "admin"

    @property
    def can_edit(self) -> bool:
        """Tell whether the user may change the brand's stories, settings and tokens."""
        return self.role in ("editor", "admin")


def normalise_email(email: str) -> str:
    """Return `email` trimmed and lower-cased, or raise `AccountError` if it is not one."""
    value = email.strip().lower()
    local, _, domain = value.partition("@")
    if not local or "." not in domain or len(value) > 254 or any(c.isspace() for c in value):
        raise AccountError(N_("%(email)s is not an e-mail address."), email=email.strip())
    return value


def user_by_email(session: Session, email: str) -> User | None:
    """Return the user with `email` (any case), or None."""
    return session.scalar(select(User).where(User.email == email.strip().lower()))


def ensure_user(session: Session, email: str, *, admin: bool = False) -> User:
    """Return the user with `email`, creating them (without a password) if new."""
    address = normalise_email(email)
    user = user_by_email(session, address)
    if user is None:
        user = User(email=address, is_admin=admin)
        session.add(user)
        session.flush()
    elif admin:
        user.is_admin = True
    return user


def grant(session: Session, user: User, brand: Brand, role: str) -> Membership:
    """Give `user` the `role` at `brand` (replacing an earlier role there)."""
    if role not in ROLES:
        raise AccountError(N_("Unknown role %(role)s."), role=role)
    membership = session.scalar(
        select(Membership).where(Membership.user_id == user.id, Membership.brand_id == brand.id)
    )
    if membership is None:
        membership = Membership(user_id=user.id, brand_id=brand.id, role=role)
        session.add(membership)
    else:
        membership.role = role
    session.flush()
    return membership


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite(
    session: Session, user: User, *, by: User | None = None, now: datetime | None = None
) -> str:
    """Make a one-time sign-in token for `user`; return it (only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    issued = now or utcnow()
    session.add(
        Invitation(
            user_id=user.id,
            token_sha256=_token_hash(token),
            created_by=by.id if by else None,
            created_at=issued,
            expires_at=issued + INVITATION_LIFETIME,
        )
    )
    session.flush()
    return token


def live_invitation(session: Session, token: str, now: datetime | None = None) -> Invitation:
    """Return the unused, unexpired invitation of `token`, or raise `AccountError`."""
    invitation = session.scalar(
        select(Invitation).where(Invitation.token_sha256 == _token_hash(token))
    )
    moment = now or utcnow()
    if invitation is None or invitation.used_at is not None:
        raise AccountError(N_("This sign-in link is not valid (it may have been used already)."))
    if _aware(invitation.expires_at) <= moment:
        raise AccountError(N_("This sign-in link has expired; ask for a new one."))
    return invitation


def redeem(session: Session, token: str, password: str, now: datetime | None = None) -> User:
    """Set the password of the invitation's user and use the invitation up."""
    invitation = live_invitation(session, token, now)
    user = session.get(User, invitation.user_id)
    if user is None or user.disabled_at is not None:
        raise AccountError(N_("This sign-in link is not valid (it may have been used already)."))
    check_new_password(password, user.email)
    user.password_hash = hash_password(password)
    user.session_epoch += 1
    invitation.used_at = now or utcnow()
    session.flush()
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    """Return the user whose e-mail and password match, or None (same effort either way)."""
    user = user_by_email(session, email)
    stored = user.password_hash if user and user.disabled_at is None else None
    if not verify_password(stored, password) or user is None:
        return None
    if stored and needs_rehash(stored):
        user.password_hash = hash_password(password)
    return user


def accesses(session: Session, user: User) -> list[Access]:
    """Return the brands `user` may open, by name, with the role at each."""
    if user.is_admin:
        brands = session.scalars(select(Brand).order_by(Brand.name)).all()
        return [Access(b, "admin") for b in brands]
    rows = session.execute(
        select(Brand, Membership.role)
        .join(Membership, Membership.brand_id == Brand.id)
        .where(Membership.user_id == user.id)
        .order_by(Brand.name)
    ).all()
    return [Access(brand, role) for brand, role in rows]


def access_to(session: Session, user: User, slug: str) -> Access:
    """Return `user`'s access to the brand `slug`; `NotFound` when they have none.

    A brand the user may not open is reported exactly like one that does not exist.
    """
    brand = session.scalar(select(Brand).where(Brand.slug == slug))
    if brand is None:
        raise NotFound(f"no brand {slug!r}")
    if user.is_admin:
        return Access(brand, "admin")
    role = session.scalar(
        select(Membership.role).where(
            Membership.user_id == user.id, Membership.brand_id == brand.id
        )
    )
    if role is None:
        raise NotFound(f"no brand {slug!r}")
    return Access(brand, role)


def signed_in_user(session: Session, user_id: int, epoch: object) -> User | None:
    """Return the user of a session's `user_id` if the account is live and `epoch` current."""
    user = session.get(User, user_id)
    if user is None or user.disabled_at is not None or epoch != user.session_epoch:
        return None
    return user


def check_sign_in(session: Session, email: str, password: str) -> User | None:
    """Return the user whose e-mail and password match, or None; commit a rehashed password."""
    user = authenticate(session, email, password)
    session.commit()
    return user


def invited_email(session: Session, token: str) -> str:
    """Return the e-mail of the live invitation `token`, or raise `AccountError`."""
    user = session.get(User, live_invitation(session, token).user_id)
    return user.email if user else ""


def accept_invitation(session: Session, token: str, password: str) -> User:
    """Set the invited user's password, use the link up and commit; return the user.

    Raises `WeakPassword` or `AccountError` before anything is changed.
    """
    user = redeem(session, token, password)
    session.commit()
    return user


def _aware(moment: datetime) -> datetime:
    # SQLite returns naive datetimes for timezone-aware columns; they were stored in UTC.
    from datetime import UTC

    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
