"""Check the evidence documents a signed report names, as far as the public may fetch them.

The signed report lists the evidence records its checks cite, each with a `source_hash`:
the sha256 of the record's document, or of the record itself when it has none. The
verifier asks for each at ``/blobs/{source_hash}``. A document the public may see must hash
to that name (a changed byte fails). The disclosure rules keep some back — a farm
household's case files answer 403 — and a record without a document has no blob (404):
those are counted, not failed, because the report names their hash and an auditor with
access can check it; the summary says how many there were, so nothing is hidden silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from server.core.verification.blob_fetch import blob_url, changed_hash, fetch_all
from server.core.verification.sources import Source, SourceError

WITHHELD = 403
NOT_PUBLISHED = 404


class DocumentFailure(Exception):
    """An evidence document that could not be checked, or that does not match its hash."""


@dataclass
class DocumentTally:
    """How the evidence records' documents came out: checked, withheld, without a document."""

    checked: list[str] = field(default_factory=list)
    withheld: list[str] = field(default_factory=list)
    unpublished: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, list[str]]:
        """Return the record ids of each outcome."""
        return {
            "checked": self.checked,
            "withheld": self.withheld,
            "without_document": self.unpublished,
        }

    def summary(self) -> str:
        """Return one line for the human summary."""
        return (
            f"{len(self.checked)} evidence documents the public may see: hashes "
            f"({len(self.withheld)} withheld by the disclosure rules, "
            f"{len(self.unpublished)} records without a document; hashes named in the report)"
        )


def _records(report: dict[str, Any]) -> list[tuple[str, str]]:
    """Return (record id, source hash) of each evidence record the report names."""
    records = report.get("evidence_records")
    if not isinstance(records, list):
        raise DocumentFailure("the signed report has no `evidence_records` list")
    found: list[tuple[str, str]] = []
    for record in records:
        sha = record.get("source_hash") if isinstance(record, dict) else None
        if sha is None:
            continue
        if not isinstance(sha, str) or len(sha) != 64 or sha.strip("0123456789abcdef"):
            raise DocumentFailure(
                f"evidence record {record.get('id')!r} names a source hash that is not a sha256"
            )
        found.append((str(record.get("id")), sha))
    return found


def check_documents(source: Source, origin: str, report: dict[str, Any]) -> DocumentTally:
    """Fetch each evidence document the signed `report` names and check its hash.

    They are fetched several at once where the source allows (`blob_fetch.fetch_all`) and
    judged in report order, so the first failure named is the same either way.
    """
    records = _records(report)
    bodies = fetch_all(source, (blob_url(origin, sha) for _, sha in records))
    tally = DocumentTally()
    for record_id, sha in records:
        body = bodies[blob_url(origin, sha)]
        if isinstance(body, SourceError):
            if body.status == WITHHELD:
                tally.withheld.append(record_id)
                continue
            if body.status == NOT_PUBLISHED:
                tally.unpublished.append(record_id)
                continue
            raise DocumentFailure(
                f"could not fetch the evidence document of record {record_id}: {body}"
            ) from body
        actual = changed_hash(body, sha)
        if actual is not None:
            raise DocumentFailure(
                f"the evidence document of record {record_id} ({sha[:12]}…) has been changed: "
                f"its bytes hash to {actual[:12]}…, not to the hash the signed report names"
            )
        tally.checked.append(record_id)
    return tally
