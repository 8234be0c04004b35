"""One published answer as the page cache keeps it: bodies per coding and what to send (pure)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from server.core.http_caching import body_hash, encode, representations

# Headers of a rendered answer that belong to the answer itself (kept with it); the rest
# (Vary, Cache-Control, security headers, request ids) are the serving side's.
KEPT_HEADERS = ("Link", "Content-Location", "Originxr-Build", "Content-Security-Policy")


@dataclass(frozen=True)
class CachedPage:
    """An answer ready to serve bytes-for-bytes: meta and the bodies by content coding."""

    status: int
    media_type: str  # the Content-Type, with its charset
    digest: str  # body_hash of the identity body: the ETag's stem
    headers: tuple[tuple[str, str], ...]
    stamp: str  # the generation tokens it was rendered under ("" when unknown)
    brand_id: int
    batch_id: int | None
    bodies: dict[str, bytes] = field(default_factory=dict)

    def meta_json(self) -> str:
        """Return everything but the bodies, in the stored form."""
        return json.dumps(
            {
                "status": self.status,
                "type": self.media_type,
                "digest": self.digest,
                "headers": [list(h) for h in self.headers],
                "stamp": self.stamp,
                "brand": self.brand_id,
                "batch": self.batch_id,
                "codings": sorted(self.bodies),
            }
        )

    @classmethod
    def from_stored(cls, meta: bytes | str, coding: str, body: bytes | None) -> CachedPage:
        """Read a stored entry with the one body fetched (ValueError etc. when damaged)."""
        data = json.loads(meta)
        return cls(
            status=int(data["status"]),
            media_type=str(data["type"]),
            digest=str(data["digest"]),
            headers=tuple((str(k), str(v)) for k, v in data["headers"]),
            stamp=str(data["stamp"]),
            brand_id=int(data["brand"]),
            batch_id=None if data["batch"] is None else int(data["batch"]),
            bodies={coding: body} if body is not None else {},
        )

    def body(self, coding: str, *, fast: bool = False) -> bytes:
        """Return the body in `coding`, compressing it now if it was not kept that way."""
        if coding in self.bodies:
            return self.bodies[coding]
        return encode(self.bodies["identity"], coding, fast=fast)


def cached_page(
    body: bytes,
    media_type: str,
    headers: dict[str, str],
    *,
    status: int,
    stamp: str,
    brand_id: int,
    batch_id: int | None,
    compress: bool = True,
) -> CachedPage:
    """Return the entry of a rendered answer; `compress` makes its br and gzip bodies now."""
    kept = tuple(sorted((k, v) for k, v in headers.items() if v))
    bodies = representations(body, media_type) if compress else {"identity": body}
    return CachedPage(status, media_type, body_hash(body), kept, stamp, brand_id, batch_id, bodies)
