"""`originxr verify` against a real server, and against bundles tampered with one at a time."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import Flask

from server.adapters.config import settings
from server.adapters.db import db
from server.adapters.keys import revoke_key, rotate_key
from server.core.signing import sign
from server.core.verification.sources import BundleSource
from server.core.verification.verifier import VerificationFailure, verify_batch
from server.web.cli import main
from tests.conftest import REDIS_URL, LiveServer, load_demo, make_app, work_queue

BATCH = "/01/09520123100025/10/NK25-0227"
SIGS = "api/v1/batches/09520123100025/NK25-0227/signatures"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Flask, str]]:
    """The demo app, its batch built, served over HTTP on a free loopback port."""
    folder = tmp_path_factory.mktemp("verify")
    app = make_app(folder, REDIS_URL, {"DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}"})
    load_demo(app)
    app.test_client().get(BATCH)
    work_queue(app)
    with LiveServer(app) as server:
        yield app, server.url
    db.engine_for(app).dispose()


@pytest.fixture(scope="module")
def bundle(served: tuple[Flask, str], tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The batch's bundle, as `verify --save-bundle` writes it."""
    _app, url = served
    path = tmp_path_factory.mktemp("bundle") / "batch.zip"
    state = path.with_name("state.json")
    result = CliRunner().invoke(
        main, ["verify", url + BATCH, "--state", str(state), "--save-bundle", str(path)]
    )
    assert result.exit_code == 0, result.output
    return path.read_bytes()


def test_an_untampered_batch_verifies_over_http_and_again_later(
    served: tuple[Flask, str], tmp_path: Path
) -> None:
    _app, url = served
    state = tmp_path / "state.json"
    first = CliRunner().invoke(main, ["verify", url + BATCH, "--state", str(state), "--json"])
    assert first.exit_code == 0, first.output
    body = json.loads(first.output.splitlines()[-1])
    assert body["ok"] and body["tree"]["size"] >= 2
    assert any("page figures come from the signed report" in c for c in body["checked"])
    documents = body["evidence_documents"]
    # The demo's certificates and reviews have public documents; its other records none.
    assert documents["checked"] and documents["without_document"]
    second = CliRunner().invoke(main, ["verify", url + BATCH, "--state", str(state)])
    assert second.exit_code == 0, second.output
    assert f"VERIFIED {url}{BATCH}" in second.output


def test_a_log_that_forgot_its_past_fails_against_the_state(
    served: tuple[Flask, str], tmp_path: Path
) -> None:
    _app, url = served
    state = tmp_path / "state.json"
    assert CliRunner().invoke(main, ["verify", url + BATCH, "--state", str(state)]).exit_code == 0
    saved = json.loads(state.read_text())
    (origin,) = saved["logs"]
    head = saved["logs"][origin]["head"]
    saved["logs"][origin]["head"] = dict(head, root_hash="ab" * 32)
    state.write_text(json.dumps(saved))
    result = CliRunner().invoke(main, ["verify", url + BATCH, "--state", str(state)])
    assert result.exit_code == 1
    assert "history was rewritten" in result.output


def _edit(bundle: bytes, change: Callable[[dict[str, bytes]], None]) -> BundleSource:
    source = BundleSource(bundle)
    members = dict(source.members)
    change(members)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, body in members.items():
            archive.writestr(name, body)
    return BundleSource(buffer.getvalue())


def _signatures(members: dict[str, bytes]) -> dict[str, Any]:
    return json.loads(members[f"{SIGS}#application/json"])["signatures"]


def _blob_change(what: str) -> Callable[[dict[str, bytes]], None]:
    def change(members: dict[str, bytes]) -> None:
        name = f"blobs/{_signatures(members)[what]['blob']}"
        body = bytearray(members[name])
        body[len(body) // 2] ^= 1
        members[name] = bytes(body)

    return change


def _swap_report(members: dict[str, bytes]) -> None:
    name = next(n for n in members if n.endswith("/evidence#application/json"))
    report = json.loads(members[name])
    members[name] = json.dumps(dict(report, as_of="1999-01-01")).encode()


def _unlog_manifest(members: dict[str, bytes]) -> None:
    body = json.loads(members[f"{SIGS}#application/json"])
    body["signatures"]["manifest"]["log"] = None
    members[f"{SIGS}#application/json"] = json.dumps(body).encode()


def _resign_with(key: Ed25519PrivateKey) -> Callable[[dict[str, bytes]], None]:
    """Sign the report with `key` and publish that signature as the report's (a new blob)."""

    def change(members: dict[str, bytes]) -> None:
        body = json.loads(members[f"{SIGS}#application/json"])
        record = body["signatures"]["report"]
        blob = members[f"blobs/{record['blob']}"]
        signature = json.loads(members[f"blobs/{record['signature_blob']}"])
        forged = json.dumps(
            dict(signature, **{k: sign(blob, key)[k] for k in ("kid", "signature")})
        ).encode()
        sha = hashlib.sha256(forged).hexdigest()
        members[f"blobs/{sha}"] = forged
        record["signature_blob"] = sha
        members[f"{SIGS}#application/json"] = json.dumps(body).encode()

    return change


def _edit_leaf(members: dict[str, bytes]) -> None:
    index = _signatures(members)["manifest"]["log"]["index"]
    name = f".well-known/originxr-log/leaves/{index}#application/json"
    leaf = json.loads(members[name])
    entry = json.loads(base64.b64decode(leaf["data"]))
    data = json.dumps(dict(entry, batch="/01/09520123100025/10/OTHER")).encode()
    leaf["data"] = base64.b64encode(data).decode()
    members[name] = json.dumps(leaf).encode()


def _checked_document(members: dict[str, bytes]) -> str:
    """Return the bundle member of an evidence document the public may fetch."""
    name = next(n for n in members if n.endswith("/evidence#application/json"))
    report = json.loads(members[name])
    hashes = [r["source_hash"] for r in report["evidence_records"] if r.get("source_hash")]
    return next(f"blobs/{sha}" for sha in hashes if f"blobs/{sha}" in members)


def _edit_document(members: dict[str, bytes]) -> None:
    name = _checked_document(members)
    body = bytearray(members[name])
    body[len(body) // 2] ^= 1
    members[name] = bytes(body)


def _drop_document(members: dict[str, bytes]) -> None:
    del members[_checked_document(members)]


def _edit_figure(members: dict[str, bytes]) -> None:
    name = next(n for n in members if n.endswith("#text/html"))
    page = members[name].decode()
    found = re.search(
        r'(data-report-field="checks\.[a-z_]+\.value" data-report-value="[^"]*">)'
        r"([^<]*?)(\d)",
        page,
    )
    assert found is not None
    digit = str((int(found.group(3)) + 1) % 10)
    page = page[: found.start(3)] + digit + page[found.end(3) :]
    members[name] = page.encode()


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (_blob_change("report"), "evidence report .* has been changed"),
        (_blob_change("manifest"), "scene manifest .* has been changed"),
        (_swap_report, "is not the signed one .*swapped"),
        (_unlog_manifest, "scene manifest is not in the transparency log"),
        (_resign_with(Ed25519PrivateKey.generate()), "signed by key .*which is not listed"),
        (_edit_leaf, "does not hash to its leaf hash"),
        (_edit_figure, "does not show the signed value"),
        (_edit_document, "evidence document of record .* has been changed: its bytes hash"),
        (_drop_document, "could not fetch the evidence document of record"),
    ],
    ids=[
        "blob",
        "manifest-blob",
        "report",
        "unlogged",
        "unknown-key",
        "leaf",
        "figure",
        "document",
        "document-dropped",
    ],
)
def test_each_tampering_is_caught_with_a_clear_message(
    bundle: bytes, change: Callable[[dict[str, bytes]], None], says: str
) -> None:
    untouched = BundleSource(bundle)
    assert verify_batch(untouched.uri, untouched).report
    tampered = _edit(bundle, change)
    with pytest.raises(VerificationFailure, match=says):
        verify_batch(tampered.uri, tampered)


def test_a_withheld_document_is_counted_not_failed_offline_as_online(bundle: bytes) -> None:
    def withhold(members: dict[str, bytes]) -> None:
        name = _checked_document(members)
        del members[name]
        meta = json.loads(members["bundle.json"])
        meta["refused"][name] = 403  # as a farm household's document answers the public
        members["bundle.json"] = json.dumps(meta).encode()

    untouched = BundleSource(bundle)
    before = verify_batch(untouched.uri, untouched).documents
    assert not before.withheld
    assert all(status == 404 for status in untouched.refused.values())
    tampered = _edit(bundle, withhold)
    after = verify_batch(tampered.uri, tampered).documents
    assert len(after.withheld) == 1
    assert len(after.checked) == len(before.checked) - 1
    assert after.withheld[0] in before.checked


def test_the_bundle_verifies_offline_from_the_command(bundle: bytes, tmp_path: Path) -> None:
    path = tmp_path / "batch.zip"
    path.write_bytes(bundle)
    result = CliRunner().invoke(
        main, ["verify", "--bundle", str(path), "--state", str(tmp_path / "s.json")]
    )
    assert result.exit_code == 0, result.output
    path.write_bytes(b"not a zip")
    result = CliRunner().invoke(main, ["verify", "--bundle", str(path)])
    assert result.exit_code == 1
    assert "not an originxr.bundle/1 zip" in result.output


def test_a_key_revoked_before_it_signed_fails_on_the_live_server(
    served: tuple[Flask, str], tmp_path: Path
) -> None:
    app, url = served
    with app.app_context():
        configured = settings()
        ring = Path(configured.signing_keyring_path)
        key = Path(configured.signing_key_path)
        saved = {p: p.read_bytes() if p.exists() else None for p in (ring, key)}
        try:
            old, _new = rotate_key(configured)
            revoke_key(configured, old.kid, now="2000-01-01T00:00:00Z")
            result = CliRunner().invoke(
                main, ["verify", url + BATCH, "--state", str(tmp_path / "s.json")]
            )
        finally:
            for path, body in saved.items():
                if body is None:
                    path.unlink(missing_ok=True)
                else:
                    path.write_bytes(body)
    assert result.exit_code == 1
    # The tree head is signed by the new key; the report by the old one, revoked since 2000.
    assert f"signed by key {old.kid}, revoked at 2000-01-01T00:00:00Z" in result.output


def test_a_witness_cosigns_and_refuses_a_forked_log(
    served: tuple[Flask, str], tmp_path: Path
) -> None:
    _app, url = served
    state, key = tmp_path / "w.json", tmp_path / "w.pem"
    # Kept here only: posting to the log is test_witness_cosignatures's.
    args = ["witness", url, "--state", str(state), "--key", str(key), "--no-post"]
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 0, first.output
    assert "cosigned the tree of" in first.output
    saved = json.loads(state.read_text())
    (seen,) = saved["logs"].values()
    assert seen["cosignatures"][0]["cosignature"]["alg"] == "Ed25519"
    seen["head"] = dict(seen["head"], root_hash=hashlib.sha256(b"fork").hexdigest())
    state.write_text(json.dumps(saved))
    forked = CliRunner().invoke(main, args)
    assert forked.exit_code == 1
    assert "history was rewritten" in forked.output


def test_the_downloaded_bundle_verifies_offline(served: tuple[Flask, str]) -> None:
    app, _url = served
    response = app.test_client().get("/api/v1/batches/09520123100025/NK25-0227/bundle")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert "originxr-09520123100025-NK25-0227.zip" in response.headers["Content-Disposition"]
    source = BundleSource(response.data)
    assert verify_batch(source.uri, source).manifest


def test_how_do_we_know_is_reached_from_each_figure_and_names_the_log_entry(
    served: tuple[Flask, str],
) -> None:
    app, _url = served
    client = app.test_client()
    page = client.get(BATCH).get_data(as_text=True)
    links = re.findall(r'href="(/batches/[^"]+/how-we-know\?check=[a-z_]+)"', page)
    figures = re.findall(r'data-report-field="checks\.[a-z_]+\.value"', page)
    assert links and len(links) == len(figures)
    answer = client.get(links[0].replace("&amp;", "&"))
    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    signatures = client.get(f"/{SIGS}").get_json()["signatures"]
    assert signatures["report"]["blob"] in html
    index = signatures["report"]["log"]["index"]
    assert f'href="/.well-known/originxr-log/leaves/{index}"' in html
    assert f"originxr verify http://localhost{BATCH}" in html
    german = client.get(links[0], headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert "Woher wissen wir das?" in german
    missing = client.get("/batches/09520123100025/NK25-0227/how-we-know?check=nope")
    assert missing.status_code == 404
