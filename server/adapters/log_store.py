"""The log's leaves in the database: append (insert only), read, and check what is stored.

Appends are serialised (a PostgreSQL advisory lock held to the end of the transaction;
on SQLite the write lock, taken before the log's size is read), so indexes run without gaps
even with several workers publishing at once. The leaf goes in the caller's transaction: the
publication and its leaf are committed together or not at all.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from server.adapters.models import LogLeaf
from server.core.transparency.merkle import leaf_hash

# Any fixed 64-bit number: the advisory lock that orders appends to the log.
_APPEND_LOCK = 0x6F72_6967_6C6F_67


class LogIntegrityError(RuntimeError):
    """The stored log is not what was appended: a gap, or a leaf whose hash does not match."""


def append_leaf(session: Session, kind: str, subject: str, data: bytes, when: datetime) -> LogLeaf:
    """Insert `data` as the log's next leaf (not committed: the caller's commit publishes it)."""
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _APPEND_LOCK})
    else:
        # SQLite: a write (changing nothing) takes the database's write lock before the
        # count is read, so that no other writer can append between the count and the insert.
        session.execute(text("UPDATE log_leaves SET kind = kind WHERE 0 = 1"))
    # Rows added earlier in this transaction count too: they are flushed by the query.
    size = log_size(session)
    leaf = LogLeaf(
        index=size,
        leaf_hash=leaf_hash(data).hex(),
        kind=kind,
        subject=subject,
        data=data,
        logged_at=when,
    )
    session.add(leaf)
    session.flush()
    return leaf


def log_size(session: Session) -> int:
    """Return the number of leaves."""
    return int(session.scalar(select(func.count()).select_from(LogLeaf)) or 0)


def leaf_hashes(session: Session, size: int) -> list[bytes]:
    """Return the hashes of the first `size` leaves, in index order."""
    rows = session.scalars(
        select(LogLeaf.leaf_hash).where(LogLeaf.index < size).order_by(LogLeaf.index)
    )
    return [bytes.fromhex(h) for h in rows]


def leaf_at(session: Session, index: int) -> LogLeaf | None:
    """Return leaf `index`, or None past the end."""
    return session.get(LogLeaf, index)


def leaf_by_hash(session: Session, hex_hash: str) -> LogLeaf | None:
    """Return the leaf whose hash is `hex_hash` (lower-case hex), or None."""
    return session.scalar(select(LogLeaf).where(LogLeaf.leaf_hash == hex_hash))


def leaves_about(session: Session, subject: str) -> list[LogLeaf]:
    """Return the leaves whose subject is `subject`, oldest first."""
    return list(
        session.scalars(select(LogLeaf).where(LogLeaf.subject == subject).order_by(LogLeaf.index))
    )


def last_leaf(session: Session) -> LogLeaf | None:
    """Return the newest leaf, or None for an empty log."""
    return session.scalar(select(LogLeaf).order_by(LogLeaf.index.desc()).limit(1))


def check_log(session: Session) -> int:
    """Check that indexes run 0…n-1 and every leaf hash is that of its bytes; return n."""
    expected = 0
    for leaf in session.scalars(select(LogLeaf).order_by(LogLeaf.index)):
        if leaf.index != expected:
            raise LogIntegrityError(f"the log has no leaf {expected} (next is {leaf.index})")
        if leaf_hash(leaf.data).hex() != leaf.leaf_hash:
            raise LogIntegrityError(f"leaf {leaf.index}'s bytes do not hash to its leaf hash")
        expected += 1
    return expected
