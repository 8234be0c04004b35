"""The log's leaves in the database: append (insert only), read, and check what is stored.

Appends are serialised (a PostgreSQL advisory lock held to the end of the transaction;
on SQLite the write lock, taken before the log's size is read), so indexes run without gaps
even with several workers publishing at once. The leaf goes in the caller's transaction: the
publication and its leaf are committed together or not at all, with the hashes of the
complete subtrees it closes (`log_nodes`), from which tree hashes and proofs read O(log n)
rows (`server.core.transparency.stored_hashes`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import and_, func, or_, select, text
from sqlalchemy.orm import Session

from server.adapters.models import LogLeaf, LogNode
from server.core.transparency import stored_hashes
from server.core.transparency.merkle import leaf_hash
from server.core.transparency.stored_hashes import NodeId, Span

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
    wanted = stored_hashes.append_siblings(size)
    found = read_nodes(session, wanted)
    if len(found) != len(wanted):
        raise LogIntegrityError(f"the log lacks the subtree hashes leaf {size} is appended to")
    closed = stored_hashes.nodes_to_store(
        size, bytes.fromhex(leaf.leaf_hash), [found[n] for n in wanted]
    )
    session.add_all(LogNode(level=lv, index=i, hash=h) for (lv, i), h in closed)
    session.flush()
    return leaf


def read_nodes(session: Session, nodes: Iterable[NodeId]) -> dict[NodeId, bytes]:
    """Return the stored hashes of `nodes` (those that are stored), in one query."""
    wanted = list(set(nodes))
    if not wanted:
        return {}
    # OR of pairs, not a row-value IN: SQLite answers that by scanning the whole table.
    rows = session.execute(
        select(LogNode.level, LogNode.index, LogNode.hash).where(
            or_(*(and_(LogNode.level == level, LogNode.index == index) for level, index in wanted))
        )
    )
    return {(level, index): bytes(value) for level, index, value in rows}


def span_hashes(session: Session, spans: list[Span]) -> list[bytes]:
    """Return the Merkle tree hash of each span of leaves (a proof, or [(0, size)])."""
    wanted = stored_hashes.needed(spans)
    nodes = read_nodes(session, wanted)
    if len(nodes) != len(wanted):
        raise LogIntegrityError("the log lacks subtree hashes of leaves it holds")
    return stored_hashes.proof_from(spans, nodes)


def log_size(session: Session) -> int:
    """Return the number of leaves: the newest index + 1, as indexes run without gaps.

    (The primary key's maximum is one index lookup; a count reads every row.)
    """
    newest = session.scalar(select(func.max(LogLeaf.index)))
    return 0 if newest is None else int(newest) + 1


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
    """Check that indexes run 0…n-1, every leaf hash is that of its bytes, and the stored
    subtree hashes are exactly those of the leaves; return n."""
    expected = 0
    nodes: dict[NodeId, bytes] = {}
    for leaf in session.scalars(select(LogLeaf).order_by(LogLeaf.index)):
        if leaf.index != expected:
            raise LogIntegrityError(f"the log has no leaf {expected} (next is {leaf.index})")
        if leaf_hash(leaf.data).hex() != leaf.leaf_hash:
            raise LogIntegrityError(f"leaf {leaf.index}'s bytes do not hash to its leaf hash")
        siblings = [nodes[n] for n in stored_hashes.append_siblings(expected)]
        nodes.update(
            stored_hashes.nodes_to_store(expected, bytes.fromhex(leaf.leaf_hash), siblings)
        )
        expected += 1
    for level, index, value in session.execute(select(LogNode.level, LogNode.index, LogNode.hash)):
        if nodes.pop((level, index), None) != bytes(value):
            raise LogIntegrityError(
                f"the stored hash of subtree ({level}, {index}) is not that of its leaves"
            )
    if nodes:
        level, index = min(nodes)
        raise LogIntegrityError(f"the log lacks the hash of subtree ({level}, {index})")
    return expected
