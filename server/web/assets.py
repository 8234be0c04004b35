"""Front-end bundles: map entry names to the hashed files esbuild wrote."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flask import Flask, url_for

from server.adapters.config import settings


def bundle_url(app: Flask, entry: str) -> str | None:
    """Return the URL of the built bundle `entry` (e.g. "boot"), or None if not built."""
    item = _manifest(app).get(entry)
    name = item.get("file") if isinstance(item, dict) else item
    return url_for("static", filename=f"dist/{name}") if name else None


def _manifest(app: Flask) -> dict[str, Any]:
    cache: dict[str, Any] | None = app.extensions.get("originxr.assets")
    if not cache or app.debug:
        path = Path(settings(app).static_dist) / "manifest.json"
        try:
            cache = json.loads(path.read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return {}  # not built yet: the page renders without the 3D entry
        app.extensions["originxr.assets"] = cache
    return cache
