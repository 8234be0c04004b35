"""The transparency log: its leaves, its stored subtree hashes, witnesses' cosignatures.

Leaves and nodes are only ever inserted; a cosignature is kept once per witness and tree size.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.adapters.models.base import Base


class LogLeaf(Base):
    """Leaf `index` of the log: its bytes (a canonical JSON entry) and their leaf hash.

    `subject` is the sha256 of what the entry publishes (a report or manifest blob, a story
    text, a key id), for finding a publication's leaf. Rows are only ever inserted
    (`server.adapters.log_store`); indexes run 0, 1, 2, … without gaps.
    """

    __tablename__ = "log_leaves"

    index: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    leaf_hash: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(64), index=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    logged_at: Mapped[datetime]


class LogNode(Base):
    """A complete subtree's hash: leaves ``[index << level, (index + 1) << level)``.

    Written once, in the transaction that appends the subtree's last leaf
    (`server.core.transparency.stored_hashes`), so that a proof reads O(log n) rows.
    """

    __tablename__ = "log_nodes"

    level: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    index: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary)


class LogCosignature(Base):
    """A known witness's cosignature of a tree head the log signed (one per witness and size).

    `timestamp` is the head's, as signed: with size and root it rebuilds the cosigned text.
    """

    __tablename__ = "log_cosignatures"
    __table_args__ = (UniqueConstraint("witness_kid", "tree_size"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    witness_kid: Mapped[str] = mapped_column(String(64))
    tree_size: Mapped[int] = mapped_column(index=True)
    root_hash: Mapped[str] = mapped_column(String(64))
    timestamp: Mapped[str] = mapped_column(String(40))
    signature: Mapped[str] = mapped_column(String(200))
    received_at: Mapped[datetime]
