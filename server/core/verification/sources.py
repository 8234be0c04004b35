"""Where the verifier reads from: a `Source` (HTTP, or an exported bundle) and bundles.

A source answers ``get(url, accept)`` with the bytes a client would receive. A bundle is a
zip of those answers, each member named by `member_name` (the path and query, and the
media type asked for when it is not the default), plus ``bundle.json`` naming the URI and
the requests the server refused with their status (a household's document answers 403:
offline, the verifier must see the same refusal it saw online, not a hole in the bundle).
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Protocol
from urllib.parse import urlsplit

BUNDLE_SCHEMA = "originxr.bundle/1"
ANY = "*/*"


class SourceError(Exception):
    """A document that could not be fetched; says which and why (`status`: HTTP, if any)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class Source(Protocol):
    """Anything that returns the bytes behind a URL, asked for as `accept`."""

    def get(self, url: str, accept: str = ANY) -> bytes:
        """Return the body at `url`; raise SourceError when there is none."""
        ...


def member_name(url: str, accept: str = ANY) -> str:
    """Return the bundle member that holds the answer to `url` asked for as `accept`."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/") + (f"?{parts.query}" if parts.query else "")
    return name if accept == ANY else f"{name}#{accept}"


class Recorder:
    """A source that passes requests on and keeps every answer, for writing a bundle."""

    def __init__(self, inner: Source) -> None:
        self.inner = inner
        self.answers: dict[str, bytes] = {}
        self.refused: dict[str, int] = {}
        # As safe to ask from several threads as the inner source (a dict write each).
        self.parallel = int(getattr(inner, "parallel", 1))

    def get(self, url: str, accept: str = ANY) -> bytes:
        """Return the inner source's answer and keep it (or the status it was refused with)."""
        name = member_name(url, accept)
        try:
            body = self.inner.get(url, accept)
        except SourceError as exc:
            if exc.status is not None:
                self.refused[name] = exc.status
            raise
        self.answers[name] = body
        return body


def write_bundle(
    uri: str, answers: dict[str, bytes], refused: dict[str, int] | None = None
) -> bytes:
    """Return the zip bundle of `answers` fetched for batch `uri` (and the `refused` ones)."""
    buffer = io.BytesIO()
    meta = {"schema": BUNDLE_SCHEMA, "uri": uri, "refused": dict(sorted((refused or {}).items()))}
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bundle.json", json.dumps(meta))
        for name, body in sorted(answers.items()):
            archive.writestr(name, body)
    return buffer.getvalue()


class BundleSource:
    """A source that answers from an exported bundle only (offline)."""

    def __init__(self, data: bytes) -> None:
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
            self.members = {i.filename: archive.read(i) for i in archive.infolist()}
            meta = json.loads(self.members.get("bundle.json", b"{}"))
        except (zipfile.BadZipFile, json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise SourceError(f"the bundle is not an {BUNDLE_SCHEMA} zip: {exc}") from exc
        if not isinstance(meta, dict) or meta.get("schema") != BUNDLE_SCHEMA:
            raise SourceError(f"the bundle has no {BUNDLE_SCHEMA} bundle.json")
        self.uri = str(meta.get("uri", ""))
        refused = meta.get("refused") or {}
        self.refused = (
            {str(k): v for k, v in refused.items() if isinstance(v, int)}
            if isinstance(refused, dict)
            else {}
        )

    def get(self, url: str, accept: str = ANY) -> bytes:
        """Return the bundled answer to `url`; SourceError when the bundle lacks it."""
        name = member_name(url, accept)
        if name in self.refused:
            status = self.refused[name]
            raise SourceError(f"HTTP {status} from {url} (as recorded in the bundle)", status)
        if name not in self.members:
            raise SourceError(f"the bundle does not hold {url} ({name})")
        return self.members[name]
