"""Front-end bundles are served precompressed (brotli or gzip) as the client accepts."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import brotli
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
    packed = client.get(f"/static/dist/{name}", headers={"Accept-Encoding": "gzip, deflate"})
    assert plain.status_code == packed.status_code == 200
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.data) == plain.data
    assert len(packed.data) < len(plain.data) / 2
    for response in (plain, packed):
        assert response.mimetype == "text/javascript"
        assert "Accept-Encoding" in response.headers["Vary"]
        assert "immutable" in response.headers["Cache-Control"]
        assert "max-age=31536000" in response.headers["Cache-Control"]
        response.close()  # file-backed responses hold the file open until closed


@pytest.mark.parametrize(
    ("accept", "coding"),
    [
        ("gzip, deflate, br", "br"),
        ("br", "br"),
        ("*", "br"),
        ("gzip;q=1, br;q=0.5", "gzip"),
        ("br;q=0, gzip", "gzip"),
        ("br;q=0, gzip;q=0", None),
    ],
)
def test_bundles_negotiate_brotli_over_gzip(
    sqlite_app: Flask, accept: str, coding: str | None
) -> None:
    name = _boot(sqlite_app)
    client = sqlite_app.test_client()
    plain = client.get(f"/static/dist/{name}", headers={"Accept-Encoding": "identity"})
    response = client.get(f"/static/dist/{name}", headers={"Accept-Encoding": accept})
    assert response.status_code == 200
    assert response.headers.get("Content-Encoding") == coding
    decode = {"br": brotli.decompress, "gzip": gzip.decompress, None: bytes}[coding]
    assert decode(response.data) == plain.data
    if coding == "br":  # quality 11 beats gzip -9
        packed = client.get(f"/static/dist/{name}", headers={"Accept-Encoding": "gzip"})
        assert len(response.data) < len(packed.data)
        assert response.headers["ETag"] != packed.headers["ETag"]
        packed.close()
    assert "Accept-Encoding" in response.headers["Vary"]
    plain.close()
    response.close()


def test_every_bundle_has_brotli_and_gzip_siblings(sqlite_app: Flask) -> None:
    _boot(sqlite_app)
    dist = Path(sqlite_app.config["STATIC_DIST"])
    bundles = sorted(dist.glob("*.js"))
    assert bundles
    for path in bundles:
        source = path.read_bytes()
        assert brotli.decompress(path.with_name(path.name + ".br").read_bytes()) == source
        assert gzip.decompress(path.with_name(path.name + ".gz").read_bytes()) == source


def test_sparks_wasm_is_sent_as_wasm_in_brotli(sqlite_app: Flask) -> None:
    """`WebAssembly.compileStreaming` takes only `application/wasm` (web/build.mjs)."""
    _boot(sqlite_app)
    dist = Path(sqlite_app.config["STATIC_DIST"])
    wasm = sorted(dist.glob("spark-*.wasm"))
    assert len(wasm) == 1
    response = sqlite_app.test_client().get(
        f"/static/dist/{wasm[0].name}", headers={"Accept-Encoding": "br, gzip"}
    )
    assert response.status_code == 200
    assert response.mimetype == "application/wasm"
    assert response.headers["Content-Encoding"] == "br"
    assert brotli.decompress(response.data) == wasm[0].read_bytes()
    response.close()


def test_a_matching_etag_is_answered_304(sqlite_app: Flask) -> None:
    name = _boot(sqlite_app)
    client = sqlite_app.test_client()
    first = client.get(f"/static/dist/{name}", headers={"Accept-Encoding": "br"})
    again = client.get(
        f"/static/dist/{name}",
        headers={"Accept-Encoding": "br", "If-None-Match": first.headers["ETag"]},
    )
    assert again.status_code == 304
    assert again.data == b""
    first.close()
    again.close()


def test_bundle_paths_cannot_escape_or_fetch_the_gz_directly(sqlite_app: Flask) -> None:
    name = _boot(sqlite_app)
    client = sqlite_app.test_client()
    assert client.get("/static/dist/../../../pyproject.toml").status_code == 404
    assert client.get(f"/static/dist/{name}.gz").status_code == 404
    assert client.get(f"/static/dist/{name}.br").status_code == 404
    assert client.get("/static/dist/nope.js").status_code == 404
