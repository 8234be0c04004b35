"""Check an uploaded evidence record's fields and document before anything is stored."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

KINDS = ("deforestation_assessment", "clmrs_visit", "farmgate_payment", "audit", "certificate")
SUBJECT_TYPES = ("plot", "site", "batch")
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
MAX_KEY = 100
_MAGIC = ((b"%PDF-", "application/pdf"), (b"\x89PNG\r\n\x1a\n", "image/png"))
_JPEG = b"\xff\xd8\xff"
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class FieldError(ValueError):
    """A form field the upload cannot use; ``field`` names it, ``status`` is the HTTP status."""

    def __init__(self, field: str, message: str, status: int = 400) -> None:
        self.field = field
        self.status = status
        super().__init__(message)


@dataclass(frozen=True)
class EvidenceFields:
    """The checked fields of one evidence upload (the subject not yet looked up)."""

    key: str | None
    kind: str
    subject_type: str
    subject_id: str
    issuer: str
    issued_on: date
    valid_until: date | None
    payload: dict[str, Any]


def media_type(data: bytes) -> str:
    """Return the media type of a document by its content: PDF, PNG, JPEG or JSON.

    Raise `FieldError` (415) for anything else: the declared type and file name are not
    trusted.
    """
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    if data.startswith(_JPEG):
        return "image/jpeg"
    try:
        json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise FieldError(
            "file", "the file must be a PDF, PNG, JPEG or JSON document (checked by content)", 415
        ) from None
    return "application/json"


def _text(form: Mapping[str, str], name: str, limit: int, *, required: bool = True) -> str:
    value = (form.get(name) or "").strip()
    if required and not value:
        raise FieldError(name, f"`{name}` is required")
    if len(value) > limit:
        raise FieldError(name, f"`{name}` may have at most {limit} characters")
    return value


def _date(form: Mapping[str, str], name: str) -> date | None:
    value = (form.get(name) or "").strip()
    if not value:
        return None
    if not _ISO_DATE.match(value):
        raise FieldError(name, f"`{name}` must be an ISO date YYYY-MM-DD, got {value!r}")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise FieldError(name, f"`{name}` is not a calendar date: {value!r}") from None


def read_fields(form: Mapping[str, str]) -> EvidenceFields:
    """Return the checked form fields; raise `FieldError` naming the first bad one."""
    kind = _text(form, "kind", 64)
    if kind not in KINDS:
        raise FieldError("kind", f"`kind` must be one of {', '.join(KINDS)}, got {kind!r}")
    subject_type = _text(form, "subject_type", 16)
    if subject_type not in SUBJECT_TYPES:
        raise FieldError(
            "subject_type", f"`subject_type` must be one of {', '.join(SUBJECT_TYPES)}"
        )
    subject_id = _text(form, "subject_id", 200)
    issuer = _text(form, "issuer", 200)
    issued_on = _date(form, "issued_on")
    if issued_on is None:
        raise FieldError("issued_on", "`issued_on` is required (YYYY-MM-DD)")
    valid_until = _date(form, "valid_until")
    if valid_until is not None and valid_until < issued_on:
        raise FieldError("valid_until", "`valid_until` must not be before `issued_on`")
    payload: Any = {}
    if (form.get("payload") or "").strip():
        try:
            payload = json.loads(form["payload"])
        except ValueError as exc:
            raise FieldError("payload", f"`payload` is not JSON: {exc}") from None
        if not isinstance(payload, dict):
            raise FieldError("payload", "`payload` must be a JSON object")
    key = _text(form, "id", MAX_KEY, required=False) or None
    return EvidenceFields(
        key, kind, subject_type, subject_id, issuer, issued_on, valid_until, payload
    )


def record_json(fields: EvidenceFields, key: str, subject_key: str, document: str) -> bytes:
    """Return the canonical JSON of a record (the brand pack's layout), whose hash is kept."""
    item = {
        "id": key,
        "kind": fields.kind,
        "subject": {"type": fields.subject_type, "id": subject_key},
        "issuer": fields.issuer,
        "issued_on": fields.issued_on.isoformat(),
        "valid_until": fields.valid_until.isoformat() if fields.valid_until else None,
        "payload": fields.payload,
        "document": document,
    }
    return json.dumps(item, sort_keys=True, separators=(",", ":")).encode()
