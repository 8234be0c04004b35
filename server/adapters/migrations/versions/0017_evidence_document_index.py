"""index evidence records by their document

Every `/blobs/{sha256}` answer asks whether the blob is a farm household's document
(`server.services.household_documents`), and a 404 whether a record names it: both look
records up by `document_sha256`, which had no index, so each blob request (a tour's tiles
among them) scanned all of a brand's records (5.3 ms at 40,000 records on SQLite).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 14:10:00
"""

from __future__ import annotations

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_evidence_records_document_sha256", "evidence_records", ["document_sha256"])


def downgrade() -> None:
    op.drop_index("ix_evidence_records_document_sha256", table_name="evidence_records")
