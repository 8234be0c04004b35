"""Purge a CDN by surrogate key (cache tag): one POST to CDN_PURGE_URL, run as a job.

The request speaks both common APIs at once: Fastly's purge by surrogate key
(``Surrogate-Key`` header or ``{"surrogate_keys": [...]}``, token in ``Fastly-Key``) and
Cloudflare's purge by cache tag (``{"tags": [...]}``, ``Authorization: Bearer``).
"""

from __future__ import annotations

import json
import urllib.request

from server.adapters.config import Settings

TIMEOUT_SECONDS = 10.0


def purge_request(config: Settings, keys: list[str]) -> urllib.request.Request:
    """Return the purge request for `keys` (ValueError when no CDN_PURGE_URL is set)."""
    if not config.cdn_purge_url:
        raise ValueError("`CDN_PURGE_URL` is not set: there is no CDN to purge")
    if not config.cdn_purge_url.startswith(("https://", "http://")):
        raise ValueError("`CDN_PURGE_URL` must be an http(s) URL")
    body = json.dumps({"surrogate_keys": keys, "tags": keys}).encode()
    headers = {"Content-Type": "application/json", "Surrogate-Key": " ".join(keys)}
    if config.cdn_purge_token:
        headers["Fastly-Key"] = config.cdn_purge_token
        headers["Authorization"] = f"Bearer {config.cdn_purge_token}"
    return urllib.request.Request(config.cdn_purge_url, body, headers, method="POST")


def purge(config: Settings, keys: list[str]) -> int:
    """Ask the CDN to drop every answer tagged with one of `keys`; return its HTTP status.

    An error answer raises (urllib's HTTPError), so the job is marked failed with why.
    """
    with urllib.request.urlopen(purge_request(config, keys), timeout=TIMEOUT_SECONDS) as answer:
        return int(answer.status)
