"""The CDN purge job: drop a brand's or a batch's cached answers at the CDN."""

from __future__ import annotations

from server.adapters.config import settings
from server.services.cdn_purge import purge


def purge_cdn(keys: list[str]) -> int:
    """Purge every CDN answer tagged with one of `keys`; return the CDN's HTTP status."""
    return purge(settings(), keys)
