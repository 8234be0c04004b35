"""Select the evidence records a check may use for one batch."""

from __future__ import annotations

from typing import Any

from server.core.evidence.inputs import BatchInputs, EvidenceRecord


def records_of(inputs: BatchInputs, kind: str) -> list[EvidenceRecord]:
    """Return records of `kind` issued on or before `inputs.as_of` (or undated), sorted by id.

    Records issued after the report date did not exist for it, so they are left out.
    """
    return sorted(
        (
            r
            for r in inputs.evidence
            if r.kind == kind and (r.issued_on is None or r.issued_on <= inputs.as_of)
        ),
        key=lambda r: r.id,
    )


def record_site(record: EvidenceRecord) -> str | None:
    """Return the site a record is about: its payload's ``site``, else a site subject."""
    return site_named(record.payload, record.subject_type, record.subject_id)


def site_named(payload: dict[str, Any], subject_type: str, subject_id: str) -> str | None:
    """Return the site a record with this payload and subject is about (see `record_site`)."""
    site = payload.get("site") if isinstance(payload, dict) else None
    if isinstance(site, str) and site:
        return site
    return subject_id if subject_type == "site" else None
