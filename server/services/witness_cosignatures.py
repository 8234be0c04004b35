"""Collect the cosignatures known witnesses post of the log's tree heads, and serve them.

A witness (`originxr witness URL`) posts the signed tree head it checked with its own
signature of the head's text. The log keeps it only if all holds: the witness's key is one
of LOG_WITNESS_KEYS, its signature verifies, the log's own key signed that head, and the
head is the log's tree of that size (same root). Anything else is refused and nothing is
stored. One cosignature is kept per witness and tree size (the first: a second post of the
same size vouches for the same tree).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from server.adapters import log_store
from server.adapters.models import LogCosignature
from server.core.signing import KeyEntry
from server.core.transparency.cosignatures import (
    CosignatureError,
    UnknownWitness,
    check_cosignature,
    read_cosignature,
)
from server.core.transparency.tree_head import (
    TreeHead,
    TreeHeadError,
    read_tree_head,
    verify_tree_head,
)
from server.services.transparency_log import LogRequestError, tree_root


def _signed_head(document: Any, log_keys: list[KeyEntry], session: Session) -> TreeHead:
    """Return the head in `document` if this log signed it and it is the log's tree."""
    try:
        read_tree_head(document)
    except TreeHeadError as exc:
        raise LogRequestError(f"`tree_head`: {exc}") from exc
    try:
        head = verify_tree_head(document, log_keys)
    except TreeHeadError as exc:
        raise LogRequestError(f"this log did not sign that tree head: {exc}", 422) from exc
    size = log_store.log_size(session)
    if head.size > size:
        raise LogRequestError(
            f"this log never signed a tree of {head.size} leaves: it has {size}", 422
        )
    if tree_root(session, head.size) != head.root:
        raise LogRequestError(
            f"this log's tree of {head.size} leaves has another root than the head posted",
            422,
        )
    return head


def accept_cosignature(
    session: Session, body: Any, log_keys: list[KeyEntry], witnesses: list[KeyEntry]
) -> tuple[dict[str, Any], bool]:
    """Check and keep a witness's cosignature; return it and whether it is new.

    `body` is ``{"tree_head": signed head, "cosignature": {alg, kid, signature}}``.
    Raise LogRequestError: 400 malformed, 403 an unknown witness, 422 a signature that
    does not verify or a head this log did not sign.
    """
    if not isinstance(body, dict):
        raise LogRequestError("send a JSON object with `tree_head` and `cosignature`")
    try:
        record = read_cosignature(body.get("cosignature"))
    except CosignatureError as exc:
        raise LogRequestError(f"`cosignature`: {exc}") from exc
    head = _signed_head(body.get("tree_head"), log_keys, session)
    try:
        witness = check_cosignature(head, record, witnesses)
    except UnknownWitness as exc:
        raise LogRequestError(str(exc), 403) from exc
    except CosignatureError as exc:
        raise LogRequestError(str(exc), 422) from exc
    kept = _kept(session, witness.kid, head.size)
    if kept is not None:
        return _view(kept), False
    row = LogCosignature(
        witness_kid=witness.kid,
        tree_size=head.size,
        root_hash=head.root.hex(),
        timestamp=head.timestamp,
        signature=record["signature"],
        received_at=datetime.now(UTC),
    )
    session.add(row)
    try:
        session.commit()
    except IntegrityError:  # the same witness posted the same size at the same moment
        session.rollback()
        kept = _kept(session, witness.kid, head.size)
        if kept is None:
            raise
        return _view(kept), False
    return _view(row), True


def _kept(session: Session, kid: str, size: int) -> LogCosignature | None:
    return session.scalar(
        select(LogCosignature).where(
            LogCosignature.witness_kid == kid, LogCosignature.tree_size == size
        )
    )


def _view(row: LogCosignature) -> dict[str, Any]:
    return {
        "kid": row.witness_kid,
        "alg": "Ed25519",
        "signature": row.signature,
        "timestamp": row.timestamp,
        "tree_size": row.tree_size,
        "root_hash": row.root_hash,
    }


def latest_cosignatures(session: Session, below: int) -> list[dict[str, Any]]:
    """Return each witness's cosignature of its largest tree under `below` leaves, by kid.

    A witness cosigns the heads it sees; the log grows between its visits. This is what it
    last vouched for before the current head, for verifiers to check by consistency.
    """
    latest = (
        select(LogCosignature.witness_kid, func.max(LogCosignature.tree_size).label("size"))
        .where(LogCosignature.tree_size < below)
        .group_by(LogCosignature.witness_kid)
        .subquery()
    )
    rows = session.scalars(
        select(LogCosignature)
        .join(
            latest,
            (LogCosignature.witness_kid == latest.c.witness_kid)
            & (LogCosignature.tree_size == latest.c.size),
        )
        .order_by(LogCosignature.witness_kid)
    )
    return [_view(row) for row in rows]


def cosignatures_of(session: Session, size: int, root: bytes) -> list[dict[str, Any]]:
    """Return the kept cosignatures of the tree of `size` leaves with `root`, oldest first."""
    rows = session.scalars(
        select(LogCosignature)
        .where(LogCosignature.tree_size == size, LogCosignature.root_hash == root.hex())
        .order_by(LogCosignature.id)
    )
    return [_view(row) for row in rows]
