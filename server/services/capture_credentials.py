"""Capture credentials: a C2PA manifest that comes with a reality-snapshot upload.

Splat files (.ply, .spz) cannot carry a C2PA manifest themselves, so a capture app proves
where a capture came from with a still image (JPEG or PNG) carrying an embedded manifest,
signed by the app. `read_credentials` verifies that manifest with c2pa-python (the
Content Authenticity Initiative's reference implementation) and reduces it to what the
studio and the tour show:

- ``state``: ``verified`` (signature valid, signer chains to a CA of the trust list,
  C2PA_TRUST_ANCHORS_PATH), ``untrusted`` (signature and hashes valid, but the signer is
  not on the trust list, or none is configured) or
  refused (any other validation failure: tampered, expired, malformed — `CredentialError`);
- who signed (certificate common name and issuer), when (the signature's time), with which
  app (claim generator), what it says happened (actions, digital source type);
- ``binds_capture``: whether the manifest names the uploaded capture by its sha256 in the
  ``org.originxr.capture`` assertion (True / False), or says nothing of it (None).
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from werkzeug.datastructures import FileStorage

from server.core.errors import InvalidSubmission

ASSERTION = "org.originxr.capture"
MAX_BYTES = 20 * 1024 * 1024
_MAGIC = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}
_UNTRUSTED = "signingCredential.untrusted"


class CredentialError(InvalidSubmission):
    """Credentials that were sent but cannot be accepted; nothing is stored."""

    def __init__(self, detail: str) -> None:
        super().__init__(422, "Invalid capture credentials", f"{detail}; nothing was stored.")


@dataclass(frozen=True)
class Credentials:
    """What a verified C2PA manifest says about a capture."""

    state: str  # "verified" or "untrusted"
    signer: str | None
    issuer: str | None
    generator: str | None
    title: str | None
    actions: list[str] = field(default_factory=list)
    source_type: str | None = None
    binds_capture: bool | None = None
    image_sha256: str | None = None
    signed_at: str | None = None  # the signature's time, as the manifest states it

    def as_json(self) -> dict[str, Any]:
        """Return the credentials as stored with the snapshot and put in its tileset."""
        return asdict(self)


def uploaded_credentials(files: Mapping[str, FileStorage]) -> bytes | None:
    """Return the upload's optional credentials image (multipart field `credentials`)."""
    upload = files.get("credentials")
    if upload is None or not upload.filename:
        return None
    return upload.stream.read(MAX_BYTES + 1)


def media_type_of(data: bytes) -> str:
    """Return the image media type of `data` by its magic bytes, or raise CredentialError."""
    for magic, media_type in _MAGIC.items():
        if data.startswith(magic):
            return media_type
    raise CredentialError("credentials must be a JPEG or PNG image with an embedded C2PA manifest")


def read_credentials(
    data: bytes, capture_sha256: str, trust_anchors: str | None = None
) -> Credentials:
    """Verify the C2PA manifest embedded in image `data`; raise CredentialError if refused.

    With `trust_anchors` (PEM CA certificates, C2PA_TRUST_ANCHORS_PATH) a signer that
    chains to one of them is ``verified``; any other valid signer stays ``untrusted``.
    """
    if len(data) > MAX_BYTES:
        raise CredentialError(f"the credentials image is over {MAX_BYTES // 1048576} MB")
    media_type = media_type_of(data)
    import c2pa  # 50 MB native library: loaded on the first upload that brings credentials

    try:
        if trust_anchors:
            trust = {"verify": {"verify_trust": True}, "trust": {"trust_anchors": trust_anchors}}
            with (
                c2pa.Context(c2pa.Settings.from_dict(trust)) as context,
                c2pa.Reader(media_type, io.BytesIO(data), context=context) as reader,
            ):
                store = json.loads(reader.json())
        else:
            with c2pa.Reader(media_type, io.BytesIO(data)) as reader:
                store = json.loads(reader.json())
    except c2pa.C2paError as exc:
        raise CredentialError(f"the image carries no readable C2PA manifest ({exc})") from exc
    return summarise(store, capture_sha256)


def summarise(store: dict[str, Any], capture_sha256: str) -> Credentials:
    """Reduce a C2PA manifest store (the Reader's JSON) to `Credentials`, or refuse it."""
    active = store.get("active_manifest")
    manifest = (store.get("manifests") or {}).get(active) if active else None
    if not manifest:
        raise CredentialError("the C2PA manifest store has no active manifest")
    codes = [s.get("code", "") for s in store.get("validation_status") or []]
    failures = [c for c in codes if c != _UNTRUSTED]
    if failures:
        raise CredentialError("the C2PA manifest failed verification: " + ", ".join(failures))
    signature = manifest.get("signature_info") or {}
    generator: dict[str, Any] = next(iter(manifest.get("claim_generator_info") or []), {}) or {}
    actions: list[str] = []
    source_type = None
    binds: bool | None = None
    for assertion in manifest.get("assertions") or []:
        label, data = assertion.get("label", ""), assertion.get("data") or {}
        if label.startswith("c2pa.actions"):
            for action in data.get("actions") or []:
                actions.append(str(action.get("action", "")))
                source_type = source_type or action.get("digitalSourceType")
        elif label == ASSERTION:
            binds = data.get("sha256") == capture_sha256
    return Credentials(
        state="untrusted" if _UNTRUSTED in codes else "verified",
        signer=signature.get("common_name"),
        issuer=signature.get("issuer"),
        generator=" ".join(str(generator.get(k)) for k in ("name", "version") if generator.get(k))
        or manifest.get("claim_generator"),
        title=manifest.get("title"),
        actions=actions,
        source_type=source_type,
        binds_capture=binds,
        signed_at=signature.get("time"),
    )


def public_credit(credentials: Mapping[str, Any] | None) -> dict[str, Any]:
    """Return what the public may see of a snapshot's credentials (in its scene manifest).

    ``state`` is ``verified``, ``untrusted`` or ``none`` (no credentials were sent);
    ``credentials_sha256`` names the still that carries the manifest, a public blob;
    ``captured_on`` is the date the uploader stated (signed by nobody but us).
    """
    credentials = credentials or {}
    if not credentials.get("state"):
        return {"state": "none", "captured_on": credentials.get("captured_on")}
    return {
        "captured_on": credentials.get("captured_on"),
        "state": credentials.get("state"),
        "signer": credentials.get("signer"),
        "issuer": credentials.get("issuer"),
        "generator": credentials.get("generator"),
        "signed_at": credentials.get("signed_at"),
        "binds_capture": credentials.get("binds_capture"),
        "credentials_sha256": credentials.get("image_sha256"),
    }
