"""Redact the evidence report for the public a section at a time, as it is written.

The evidence job writes the full report and its public copy in one pass
(`server.core.evidence.report_stream.report_pair`); `PublicSections` is the redaction it
applies to each piece (a small section, a check's head, a chunk of rows), so the public
report is never held as a dict beside the full one's bytes. Each piece gets exactly what
`redaction.redact_report` does to the whole report: the checks' redactions change a check's
head or one detail row at a time, and scrubbing names is a walk over values, so the
pieces' canonical bytes, put together, are the whole public report's.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from server.core.disclosure.policy import DisclosurePolicy
from server.core.disclosure.redaction import (
    REDACTED_CHECKS,
    SiteInfo,
    disclosure_section,
    redact_check,
    redact_summary_entry,
    scrubber,
    withheld_names,
)


class PublicSections:
    """The public derivation of the report under `policy` (a `report_stream.Derivative`)."""

    def __init__(self, policy: DisclosurePolicy, sites: Iterable[SiteInfo]) -> None:
        self.policy = policy
        replacements = withheld_names(sites, policy)
        self._names_withheld = bool(replacements)
        self._scrub = scrubber(replacements)

    def value(self, path: str, value: Any) -> Any:
        """Return a small section or trace field as the public sees it."""
        if path == "consumer_summary":
            value = [dict(entry) for entry in value]
            for entry in value:
                redact_summary_entry(entry, self.policy)
        return self._scrub(value)

    def check_head(self, head: dict[str, Any]) -> dict[str, Any]:
        """Return a check's fields other than its details as the public sees them."""
        check = dict(head, details=[])
        redact_check(check, self.policy)
        del check["details"]
        return dict(self._scrub(check))

    def rows(self, path: str, rows: list[Any]) -> list[Any]:
        """Return a chunk of a check's detail rows (or a trace list's) as the public sees it."""
        if path in REDACTED_CHECKS:
            check: dict[str, Any] = {"key": path, "details": copy.deepcopy(rows)}
            redact_check(check, self.policy)
            rows = check["details"]
        scrubbed: list[Any] = self._scrub(rows)
        return scrubbed

    def sections(self, derived_from: str) -> dict[str, Any]:
        """Return the ``disclosure`` section, naming the full report by its SHA-256."""
        return {"disclosure": disclosure_section(self.policy, derived_from, self._names_withheld)}
