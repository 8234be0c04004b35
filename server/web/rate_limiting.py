"""Rate limits of the API routes: a decorator that refuses a request over its limit with 429.

A request is counted before anything of it is read (no body, no token lookup), so a
refused one stores nothing. The beacon is counted per client address; the bearer-token
routes per token (the raw header's token, valid or not) and per client address over all of
them, which also slows a client trying tokens. The client address is the one ProxyFix
took from `TRUSTED_PROXY_HOPS` trusted proxies.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import ParamSpec

from flask import Response, request
from flask_babel import ngettext

from server.adapters.config import Settings, settings
from server.services.rate_limits import Bucket, Refusal, limiter
from server.web.routes.errors import problem

P = ParamSpec("P")


@dataclass(frozen=True)
class Rule:
    """A group of routes counted together, and its limit in the settings."""

    name: str
    limit: Callable[[Settings], int]
    per_token: bool


BEACON = Rule("scan-events", lambda s: s.rate_limit_scan_events, per_token=False)
CAPTURE = Rule("capture", lambda s: s.rate_limit_capture, per_token=True)
UPLOADS = Rule("uploads", lambda s: s.rate_limit_uploads, per_token=True)


def _token() -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


def _buckets(rule: Rule, config: Settings) -> list[Bucket]:
    client = request.remote_addr or "unknown"
    if not rule.per_token:
        return [Bucket(f"{rule.name}:client", client, rule.limit(config))]
    buckets = [Bucket("api:client", client, config.rate_limit_api_client)]
    token = _token()
    if token is not None:
        buckets.append(Bucket(f"{rule.name}:token", token, rule.limit(config)))
    return buckets


def too_many(refusal: Refusal, window: int) -> Response:
    """Return the 429 problem for `refusal`: when to retry, in the header and the body."""
    seconds = refusal.retry_after
    if refusal.bucket.scope.endswith(":token"):
        detail = ngettext(
            "Too many requests with this bearer token; retry in %(num)d second.",
            "Too many requests with this bearer token; retry in %(num)d seconds.",
            seconds,
        )
    else:
        detail = ngettext(
            "Too many requests from this client address; retry in %(num)d second.",
            "Too many requests from this client address; retry in %(num)d seconds.",
            seconds,
        )
    response = problem(
        429,
        "Too many requests",
        detail,
        retryAfter=seconds,
        limit=refusal.bucket.limit,
        window=window,
    )
    response.headers["Retry-After"] = str(seconds)
    response.headers["Cache-Control"] = "no-store"
    return response


def rate_limited(rule: Rule) -> Callable[[Callable[P, Response]], Callable[P, Response]]:
    """Count each request of the decorated view under `rule`; refuse it with 429 when over."""

    def decorate(view: Callable[P, Response]) -> Callable[P, Response]:
        @functools.wraps(view)
        def limited(*args: P.args, **kwargs: P.kwargs) -> Response:
            config = settings()
            window = config.rate_limit_window
            refusal = limiter().hit(_buckets(rule, config), window)
            if refusal is not None:
                return too_many(refusal, window)
            return view(*args, **kwargs)

        return limited

    return decorate
