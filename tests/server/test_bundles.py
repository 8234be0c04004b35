"""Front-end bundles are served precompressed to clients that accept gzip."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from flask import Flask


def _boot(app: Flask) -> str:
    manifest = Path(app.config["STATIC_DIST"]) / "manifest.json"
    if not manifest.is_file():
        pytest.skip("front end not built (scripts/setup runs `npm run build`)")
    return str(json.loads(manifest.read_text())["viewer"]["file"])


def test_bundles_are_sent_gzipped_when_accepted_and_plain_otherwise(sqlite_app: Flask) -> None:
    name = _boot(sqlite_app)
    client = sqlite_app.test_client()
    plain = client.get(f"/static/dist/{name}", headers={"Accept-Encoding": "identity"})
    packed = client.get(f"/static/dist/{name}", headers={"Accept-Encoding": "gzip, br"})
    assert plain.status_code == packed.status_code == 200
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.data) == plain.data
    assert len(packed.data) < len(plain.data) / 2
    for response in (plain, packed):
        assert response.mimetype == "text/javascript"
        assert "Accept-Encoding" in response.headers["Vary"]
        assert "immutable" in response.headers["Cache-Control"]
        response.close()  # file-backed responses hold the file open until closed


def test_bundle_paths_cannot_escape_or_fetch_the_gz_directly(sqlite_app: Flask) -> None:
    name = _boot(sqlite_app)
    client = sqlite_app.test_client()
    assert client.get("/static/dist/../../../pyproject.toml").status_code == 404
    assert client.get(f"/static/dist/{name}.gz").status_code == 404
    assert client.get("/static/dist/nope.js").status_code == 404
