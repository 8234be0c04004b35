"""The transparency log's leaves: one row per publication, never changed once written."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import LargeBinary, String
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
