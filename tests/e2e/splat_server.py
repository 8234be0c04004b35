"""The splat tests' throwaway web server, its test pages and the synthetic assets they show.

It serves (127.0.0.1, a free port) the pages in splat_page/, the splat code of web/xr/splats
unbundled (three.js and Spark from node_modules through an import map), the built bundles,
and blobs by sha256 under /blobs/ as the app does. Every HTML response carries the app's own
Content-Security-Policy (server/routes/security.py), with a fresh nonce.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import struct
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from flask import Flask

from server.core.splats.gaussians import Gaussians
from server.web.routes import security
from tests.e2e.conftest import ROOT

PAGE_DIR = Path(__file__).parent / "splat_page"
SH_C0 = 0.28209479177387814  # the SH DC basis constant: colour = 0.5 + SH_C0 * dc

IMPORT_MAP = {
    "imports": {
        "three": "/node_modules/three/build/three.module.js",
        "three/addons/": "/node_modules/three/examples/jsm/",
        "@sparkjsdev/spark": "/node_modules/@sparkjsdev/spark/dist/spark.module.js",
    }
}
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>splats</title><link rel="icon" href="data:,">
<script type="importmap" nonce="{nonce}">{import_map}</script>
<style nonce="{nonce}">#xr-stage {{ width: 480px; }} #xr-stage canvas {{ display: block;
  width: 480px; height: 320px; }}</style>
<script type="module" src="/{script}"></script>
</head><body><div id="xr-stage"></div></body></html>
"""
SCRIPTS = {"/": "page.js", "/viewer": "viewer_page.js", "/tour": "tour_page.js"}
# URL prefix -> folder served under it (nothing else of the checkout is reachable)
FOLDERS = {
    "/node_modules/three/": ROOT / "node_modules" / "three",
    "/node_modules/@sparkjsdev/spark/dist/": ROOT
    / "node_modules"
    / "@sparkjsdev"
    / "spark"
    / "dist",
    "/web/xr/": ROOT / "web" / "xr",
    "/static/dist/": ROOT / "web" / "static" / "dist",
}
TYPES = {
    ".js": "text/javascript",
    ".json": "application/json",
    ".map": "application/json",
    ".wasm": "application/wasm",  # Spark's, split out of its chunk by web/build.mjs
}


def coloured_ball(n: int, seed: int = 7) -> Gaussians:
    """Return `n` splats on a unit sphere, coloured by direction (red x, green y, blue z)."""
    rng = np.random.default_rng(seed)
    directions = rng.normal(size=(n, 3))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    rgb = 0.15 + 0.7 * (directions + 1) / 2
    return Gaussians(
        positions=directions.astype(np.float32),
        scales=np.full((n, 3), 0.04, dtype=np.float32),
        rotations=np.tile([0.0, 0.0, 0.0, 1.0], (n, 1)).astype(np.float32),
        alphas=np.full(n, 0.9, dtype=np.float32),
        colors=((rgb - 0.5) / SH_C0).astype(np.float32),
    )


def app_csp() -> str:
    """Return the app's Content-Security-Policy with `{nonce}` where its nonce goes."""
    app = Flask(__name__)
    security.init_app(app)
    app.add_url_rule("/", "page", lambda: "<p>page</p>")
    response = app.test_client().get("/")
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"])
    assert nonce, "the app's CSP should carry a nonce"
    return response.headers["Content-Security-Policy"].replace(nonce[1], "{nonce}")


class _Handler(BaseHTTPRequestHandler):
    # set on the subclass SplatServer makes for each server
    blobs: ClassVar[dict[str, bytes]] = {}
    requested: ClassVar[list[str]] = []
    csp: ClassVar[str] = ""

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep pytest's output clean; failures show in the browser's state instead

    def _send(self, body: bytes, content_type: str, extra: dict[str, str] | None = None) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        self.requested.append(path)
        if path in SCRIPTS:
            nonce = secrets.token_urlsafe(16)
            script = SCRIPTS[path]
            html = PAGE.format(nonce=nonce, import_map=json.dumps(IMPORT_MAP), script=script)
            csp = self.csp.format(nonce=nonce)
            self._send(html.encode(), "text/html; charset=utf-8", {"Content-Security-Policy": csp})
            return
        if path[1:] in SCRIPTS.values():
            self._send((PAGE_DIR / path[1:]).read_bytes(), "text/javascript")
            return
        # as the app sends blobs and hashed bundles: their names change with their bytes
        immutable = {"Cache-Control": "public, max-age=31536000, immutable"}
        if path.startswith("/blobs/") and path[len("/blobs/") :] in self.blobs:
            self._send(self.blobs[path[len("/blobs/") :]], "application/octet-stream", immutable)
            return
        for prefix, folder in FOLDERS.items():
            if path.startswith(prefix):
                file = (folder / path[len(prefix) :]).resolve()
                if file.is_relative_to(folder.resolve()) and file.is_file():
                    self._send(
                        file.read_bytes(),
                        TYPES.get(file.suffix, "application/octet-stream"),
                        immutable if prefix == "/static/dist/" else None,
                    )
                    return
        self.send_error(HTTPStatus.NOT_FOUND)


class SplatServer:
    """The throwaway server: `add` stores a blob, `url` is where it listens, `requested`
    lists the paths asked for (Spark fetches tiles from a worker, out of Playwright's sight)."""

    def __init__(self, csp: str) -> None:
        self.blobs: dict[str, bytes] = {}
        self.requested: list[str] = []
        handler = type(
            "Handler", (_Handler,), {"blobs": self.blobs, "requested": self.requested, "csp": csp}
        )
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def add(self, data: bytes) -> str:
        """Store `data` under /blobs/<sha256> and return its sha256."""
        sha = hashlib.sha256(data).hexdigest()
        self.blobs[sha] = data
        return sha


def tiny_glb(*site_ids: str) -> bytes:
    """Return a GLB of a 2 m ground square and a small square marking each site of
    `site_ids` (the first at (0.4, 0.2), the next ones further along x and z)."""
    positions = np.array([[-1, 0, -1], [1, 0, -1], [1, 0, 1], [-1, 0, 1]], dtype="<f4")
    indices = np.array([0, 2, 1, 0, 3, 2], dtype="<u2")
    binary = positions.tobytes() + indices.tobytes()
    markers = [
        {
            "mesh": 0,
            "translation": [0.4 - 0.8 * i, 0.01, 0.2 - 0.5 * i],
            "scale": [0.1, 1, 0.1],
            "extras": {"type": "site", "id": site_id},
        }
        for i, site_id in enumerate(site_ids)
    ]
    document = {
        "asset": {"version": "2.0"},
        "scene": 0,
        "scenes": [{"nodes": list(range(1 + len(markers)))}],
        "nodes": [{"mesh": 0}, *markers],
        "meshes": [{"primitives": [{"attributes": {"POSITION": 0}, "indices": 1}]}],
        "accessors": [
            {
                "bufferView": 0,
                "componentType": 5126,
                "count": 4,
                "type": "VEC3",
                "min": [-1, 0, -1],
                "max": [1, 0, 1],
            },
            {"bufferView": 1, "componentType": 5123, "count": 6, "type": "SCALAR"},
        ],
        "bufferViews": [
            {"buffer": 0, "byteOffset": 0, "byteLength": positions.nbytes},
            {"buffer": 0, "byteOffset": positions.nbytes, "byteLength": indices.nbytes},
        ],
        "buffers": [{"byteLength": len(binary)}],
    }
    text = json.dumps(document).encode()
    text += b" " * (-len(text) % 4)
    binary += b"\0" * (-len(binary) % 4)
    chunks = struct.pack("<I4s", len(text), b"JSON") + text
    chunks += struct.pack("<I4s", len(binary), b"BIN\0") + binary
    return struct.pack("<4sII", b"glTF", 2, 12 + len(chunks)) + chunks
