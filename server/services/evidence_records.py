"""The evidence records a check used, as its public page lists them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.adapters.models import EvidenceRecord
from server.services.household_documents import is_household_record


@dataclass(frozen=True)
class UsedEvidence:
    """One evidence id a check cites, its record if the brand has one, and its privacy."""

    key: str
    record: EvidenceRecord | None
    # A household's document: the page names its hash but does not link the file.
    private: bool

    @property
    def public_document(self) -> str | None:
        """Return the hash of the record's document if the public may fetch it."""
        if self.private or self.record is None:
            return None
        return self.record.document_sha256


def evidence_used(session: Session, brand_id: int, keys: Sequence[str]) -> list[UsedEvidence]:
    """Return the brand's records of the evidence ids `keys`, in their order."""
    records = {
        r.key: r
        for r in session.scalars(
            select(EvidenceRecord).where(
                EvidenceRecord.brand_id == brand_id, EvidenceRecord.key.in_(list(keys))
            )
        )
    }
    used = []
    for key in keys:
        record = records.get(key)
        private = bool(record and record.document_sha256 and is_household_record(session, record))
        used.append(UsedEvidence(key, record, private))
    return used
