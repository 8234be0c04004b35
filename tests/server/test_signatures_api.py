"""Published reports and scene manifests verify against the served public key."""

from __future__ import annotations

import base64
import hashlib
import json
import stat
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from flask import Flask

from tests.conftest import work_queue

FLAGGED = "/01/09520123100025/10/NK25-0227"
SIGNATURES = "/api/v1/batches/09520123100025/NK25-0227/signatures"


def _b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_signatures_answer_503_until_the_first_build(sqlite_app: Flask) -> None:
    response = sqlite_app.test_client().get(SIGNATURES)
    assert response.status_code == 503
    assert response.headers["Retry-After"]


def test_report_and_manifest_verify_with_the_published_key(sqlite_app: Flask) -> None:
    client = sqlite_app.test_client()
    client.get(FLAGGED)
    work_queue(sqlite_app)

    keys = client.get("/.well-known/originxr-keys.json")
    assert keys.status_code == 200
    (key,) = keys.get_json()["keys"]
    raw = _b64url(key["public_key"])
    assert key["alg"] == "Ed25519"
    assert key["kid"] == hashlib.sha256(raw).hexdigest()[:16]
    # Deliberately not server.core.signing.verify: an auditor's own code must be enough.
    public = Ed25519PublicKey.from_public_bytes(raw)

    response = client.get(SIGNATURES)
    assert response.status_code == 200
    body = response.get_json()
    assert body["keys"] == "/.well-known/originxr-keys.json"
    report_sha = (
        client.get("/api/v1/batches/09520123100025/NK25-0227/evidence").headers["ETag"].strip('"')
    )
    signed: dict[str, bytes] = {}
    for output in ("report", "manifest"):
        record = body["signatures"][output]
        assert record["schema"] == "originxr.signature/1"
        assert record["alg"] == "Ed25519" and record["kid"] == key["kid"]
        blob = client.get(record["blob_url"]).data
        assert hashlib.sha256(blob).hexdigest() == record["blob"]
        public.verify(_b64url(record["signature"]), blob)
        with pytest.raises(InvalidSignature):
            public.verify(_b64url(record["signature"]), blob + b" ")
        # The signature blob itself is published content-addressed too.
        stored = json.loads(client.get(record["signature_url"]).data)
        assert stored == {k: record[k] for k in ("schema", "blob", "alg", "kid", "signature")}
        signed[output] = blob
    assert body["signatures"]["report"]["blob"] == report_sha
    # The signed manifest names the report its statuses came from.
    assert json.loads(signed["manifest"])["report"] == report_sha

    key_file = Path(sqlite_app.config["SIGNING_KEY_PATH"])
    assert key_file.parent == Path(sqlite_app.config["INSTANCE_PATH"])
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
