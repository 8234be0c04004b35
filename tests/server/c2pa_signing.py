"""Make C2PA-signed test images: a throw-away CA and signing certificate (cryptography)
and c2pa-python's Builder. The signer is on no trust list, as a real capture app's would be
until its CA is configured."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from functools import cache

import c2pa
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from PIL import Image

from server.services.capture_credentials import ASSERTION


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Field Capture Test Co"),
        ]
    )


def _usage(*, sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=sign,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=not sign,
        crl_sign=not sign,
        encipher_only=False,
        decipher_only=False,
    )


@cache
def _ca() -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """The test CA, one per test process (so that a trust list can name it)."""
    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("Test capture CA"))
        .issuer_name(_name("Test capture CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_usage(sign=False), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    return ca_key, ca


def ca_pem() -> str:
    """Return the test CA's certificate (PEM), for a C2PA_TRUST_ANCHORS_PATH bundle."""
    return _ca()[1].public_bytes(serialization.Encoding.PEM).decode()


def _signer() -> c2pa.Signer:
    now = datetime.now(UTC)
    ca_key, ca = _ca()
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(_name("Field capture app"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(sign=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    chain = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in (leaf, ca)).decode()
    return c2pa.Signer.from_callback(
        lambda data: key.sign(data, ec.ECDSA(hashes.SHA256())), c2pa.C2paSigningAlg.ES256, chain
    )


def signed_still(capture_sha256: str | None) -> bytes:
    """Return a small JPEG with a C2PA manifest saying it was captured by a camera app,
    naming the capture `capture_sha256` in our assertion (left out when None)."""
    image = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 80, 40)).save(image, "JPEG")
    image.seek(0)
    assertions: list[dict[str, object]] = [
        {
            "label": "c2pa.actions",
            "data": {
                "actions": [
                    {
                        "action": "c2pa.created",
                        "digitalSourceType": "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture",
                    }
                ]
            },
        }
    ]
    if capture_sha256:
        assertions.append({"label": ASSERTION, "data": {"sha256": capture_sha256}})
    manifest = {
        "claim_generator_info": [{"name": "FieldCapture", "version": "2.1"}],
        "title": "farm-01 capture still",
        "assertions": assertions,
    }
    out = io.BytesIO()
    with c2pa.Builder(json.dumps(manifest)) as builder, _signer() as signer:
        builder.sign(signer, "image/jpeg", image, out)
    return out.getvalue()
