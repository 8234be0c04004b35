"""log nodes and cosignatures

The transparency log's stored subtree hashes, so that a proof reads O(log n) rows instead
of every leaf, filled in for the leaves already logged; and the cosignatures of tree heads
that known witnesses post (issue #15).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 18:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from server.core.transparency import stored_hashes

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    nodes = op.create_table(
        "log_nodes",
        sa.Column("level", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("index", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("level", "index", name=op.f("pk_log_nodes")),
    )
    op.create_table(
        "log_cosignatures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("witness_kid", sa.String(length=64), nullable=False),
        sa.Column("tree_size", sa.Integer(), nullable=False),
        sa.Column("root_hash", sa.String(length=64), nullable=False),
        sa.Column("timestamp", sa.String(length=40), nullable=False),
        sa.Column("signature", sa.String(length=200), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_log_cosignatures")),
        sa.UniqueConstraint(
            "witness_kid", "tree_size", name=op.f("uq_log_cosignatures_witness_kid")
        ),
    )
    with op.batch_alter_table("log_cosignatures", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_log_cosignatures_tree_size"), ["tree_size"], unique=False
        )
    _fill_nodes(nodes)


def _fill_nodes(nodes: sa.Table) -> None:
    """Store the subtree hashes of the leaves logged before this migration."""
    bind = op.get_bind()
    leaves = sa.table("log_leaves", sa.column("index", sa.Integer), sa.column("leaf_hash"))
    stored: dict[tuple[int, int], bytes] = {}
    rows = bind.execute(sa.select(leaves.c.index, leaves.c.leaf_hash).order_by(leaves.c.index))
    for index, hex_hash in rows:
        siblings = [stored[n] for n in stored_hashes.append_siblings(index)]
        stored.update(stored_hashes.nodes_to_store(index, bytes.fromhex(hex_hash), siblings))
    if stored:
        op.bulk_insert(
            nodes, [{"level": lv, "index": i, "hash": h} for (lv, i), h in sorted(stored.items())]
        )


def downgrade() -> None:
    with op.batch_alter_table("log_cosignatures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_log_cosignatures_tree_size"))
    op.drop_table("log_cosignatures")
    op.drop_table("log_nodes")
