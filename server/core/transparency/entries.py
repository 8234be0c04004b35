"""What a leaf of the log holds: one publication, as canonical JSON bytes.

Kinds: ``report`` and ``manifest`` (a batch's signed evidence report or scene manifest:
the blob, its signature blob and the key), ``story`` (a brand's published story version
and the hash of its text), ``key`` (a key rotated or revoked). The leaf's bytes are the
canonical JSON (sorted keys, no spaces, UTF-8), so a verifier that has the fields can
recompute the leaf hash.
"""

from __future__ import annotations

import json
from typing import Any

SCHEMA = "originxr.log-entry/1"
KINDS = ("report", "manifest", "story", "key")


def entry_bytes(kind: str, logged_at: str, fields: dict[str, Any]) -> bytes:
    """Return the leaf bytes of a `kind` entry logged at `logged_at` (ISO UTC)."""
    if kind not in KINDS:
        raise ValueError(f"`kind` must be one of {', '.join(KINDS)}, not {kind!r}")
    body = dict(fields, schema=SCHEMA, kind=kind, logged_at=logged_at)
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def read_entry(data: bytes) -> dict[str, Any]:
    """Return the fields of leaf bytes `data`; raise ValueError if it is not a log entry."""
    try:
        body = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"the log entry is not JSON: {exc}") from exc
    if not isinstance(body, dict) or body.get("schema") != SCHEMA or body.get("kind") not in KINDS:
        raise ValueError(f"the log entry is not an {SCHEMA} document")
    return body
