"""Redact the evidence report for the public a section at a time, as it is written.

The evidence job writes the full report and its public copy in one pass
(`server.core.evidence.report_stream.report_pair`); `PublicSections` is the redaction it
applies to each piece (a small section, a check's head, a chunk of rows), so the public
report is never held as a dict beside the full one's bytes. Each piece gets exactly what
`redaction.redact_report` does to the whole report: the checks' redactions change a check's
head or one detail row at a time, and scrubbing names is a walk over values, so the
pieces' canonical bytes, put together, are the whole public report's.

Most pieces the public sees as they are: only three checks are redacted, and a withheld
name is rarely in a report at all. Each piece comes with its full form's canonical bytes,
which are searched for the withheld names at once (one pattern over the bytes, C speed):
where none is there, scrubbing would change nothing, and the full bytes are the public
ones, without walking the rows again or serialising them twice.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

import orjson

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
from server.core.evidence.report_json import canonical_json

# A name whose JSON form differs from its UTF-8 (a quote, a backslash, a control character)
# may be written escaped: the bytes are not searched for it, its pieces are always scrubbed.
_ESCAPED = re.compile(r'["\\\x00-\x1f]')


class PublicSections:
    """The public derivation of the report under `policy` (a `report_stream.Derivative`)."""

    def __init__(self, policy: DisclosurePolicy, sites: Iterable[SiteInfo]) -> None:
        self.policy = policy
        replacements = withheld_names(sites, policy)
        self._names_withheld = bool(replacements)
        self._scrub = scrubber(replacements)
        self._mentions = _finder(replacements)

    def value(self, path: str, value: Any, data: bytes) -> bytes:
        """Return the canonical bytes of a small section or trace field as the public sees
        it (`data`: its full form's canonical bytes)."""
        if path == "consumer_summary":
            value = [dict(entry) for entry in value]
            for entry in value:
                redact_summary_entry(entry, self.policy)
            data = canonical_json(value)
        return self._public(value, data)

    def check_head(self, head: dict[str, Any]) -> dict[str, Any]:
        """Return a check's fields other than its details as the public sees them."""
        check = dict(head, details=[])
        redact_check(check, self.policy)
        del check["details"]
        return dict(self._scrub(check))

    def rows(self, path: str, rows: list[Any], data: bytes) -> bytes:
        """Return the canonical bytes of a chunk of a check's detail rows (or a trace
        list's) as the public sees it (`data`: the chunk's full canonical bytes)."""
        if path in REDACTED_CHECKS:
            # Parsing the chunk's bytes back is a deep copy at C speed: the redaction changes
            # rows in place, and the rows given must stay as they are.
            check: dict[str, Any] = {"key": path, "details": orjson.loads(data)}
            redact_check(check, self.policy)
            rows = check["details"]
            data = canonical_json(rows)
        return self._public(rows, data)

    def _public(self, value: Any, data: bytes) -> bytes:
        """Return the canonical bytes of `value` scrubbed (`data`: those of `value`)."""
        if self._mentions(data):
            return canonical_json(self._scrub(value))
        return data

    def sections(self, derived_from: str) -> dict[str, Any]:
        """Return the ``disclosure`` section, naming the full report by its SHA-256."""
        return {"disclosure": disclosure_section(self.policy, derived_from, self._names_withheld)}


def _finder(replacements: dict[str, str]) -> Callable[[bytes], bool]:
    """Return a test of whether canonical JSON bytes may hold a string naming one of
    `replacements` (never false when one does; true now and then when none does)."""
    if not replacements:
        return _never
    if any(_ESCAPED.search(name) for name in replacements):
        return _always
    pattern = re.compile(_trie([name.encode() for name in replacements]))

    def mentions(data: bytes) -> bool:
        return pattern.search(data) is not None

    return mentions


def _trie(words: list[bytes]) -> bytes:
    """Return a pattern matching where any of `words` starts, as a trie of alternatives.

    A flat alternation of ten thousand names tries each of them wherever the bytes could
    start one (every farm id, when names start as keys do); the trie tries one byte's
    alternatives at a time.
    """
    root: dict[int, Any] = {}
    for word in words:
        node = root
        for byte in word:
            node = node.setdefault(byte, {})
        node[-1] = {}  # a word ends here: longer ones need not be looked for
    return _alternatives(root)


def _alternatives(node: dict[int, Any]) -> bytes:
    # A run of bytes without a choice is one literal (recursion only where words part).
    run = bytearray()
    while -1 not in node and len(node) == 1:
        ((byte, node),) = node.items()
        run.append(byte)
    literal = re.escape(bytes(run))
    if -1 in node:
        return literal
    branches = [re.escape(bytes([byte])) + _alternatives(node[byte]) for byte in sorted(node)]
    return literal + b"(?:" + b"|".join(branches) + b")"


def _never(data: bytes) -> bool:
    return False


def _always(data: bytes) -> bool:
    return True
