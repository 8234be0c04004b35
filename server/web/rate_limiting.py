"""Rate limits of the API routes: which endpoints count in which bucket, and the 429 answer.

A request is counted before its view runs (nothing of it is read: no body, no token
lookup), so a refused one stores nothing. The beacon is counted per client address, and so
are the public JSON routes, together; the bearer-token routes per token (the raw header's
token, valid or not) and per client address over all of them, which also slows a client
trying tokens. The client address is the one ProxyFix took from `TRUSTED_PROXY_HOPS`
trusted proxies. Limits are read from the app config on every request; 0 turns one off.

A cached answer the page fast path serves from memory, below Flask, is not counted: it
costs no Redis, database or rendering, and a client walking many batches meets Flask (and
its count) on each new one.

The rules name endpoints, not view functions, so that each app's limiter wraps its own
app's views (`apply`) and route modules hold no limiter of a particular app.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, current_app, request
from flask.typing import ResponseReturnValue
from flask_babel import ngettext
from flask_limiter import Limiter, RateLimitExceeded, RequestLimit, RouteLimit

from server.services.rate_limits import counting, digest
from server.services.rate_limits import init_app as init_limiter
from server.web.routes.errors import problem


@dataclass(frozen=True)
class Rule:
    """A bucket: the endpoints counted in it together, its limit, and what it is keyed by."""

    scope: str
    endpoints: tuple[str, ...]
    setting: str  # the app config key of its limit (0 turns it off)
    per_token: bool


BEACON_ENDPOINTS = ("scan_events.scan_event", "scan_events.scan_pixel")
CAPTURE_ENDPOINTS = ("epcis_capture.capture_document", "epcis_capture.capture_event")
UPLOAD_ENDPOINTS = (
    "plot_upload.upload_plots",
    "evidence_upload.upload_evidence",
    "snapshots.upload_snapshot",
)
PUBLIC_JSON_ENDPOINTS = (
    "api.evidence_report",
    "api.consumer_summary",
    "api.batch_events",
    "signatures.batch_signatures",
    "signatures.keys",
    "how_we_know.bundle",
    "transparency_log.tree_head",
    "transparency_log.leaf",
    "transparency_log.inclusion",
    "transparency_log.consistency",
    "transparency_log.cosignatures",
    "transparency_log.cosign",  # a witness posts one a run: the same budget as its reads
)

# In this order: a token route counts the client first, so a client trying tokens is
# refused on its own count whatever the token.
RULES = (
    Rule("scan-events", BEACON_ENDPOINTS, "RATE_LIMIT_SCAN_EVENTS", per_token=False),
    Rule(
        "public-json",
        PUBLIC_JSON_ENDPOINTS,
        "RATE_LIMIT_PUBLIC_JSON",
        per_token=False,
    ),
    Rule(
        "api-client",
        CAPTURE_ENDPOINTS + UPLOAD_ENDPOINTS,
        "RATE_LIMIT_API_CLIENT",
        per_token=False,
    ),
    Rule("capture", CAPTURE_ENDPOINTS, "RATE_LIMIT_CAPTURE", per_token=True),
    Rule("uploads", UPLOAD_ENDPOINTS, "RATE_LIMIT_UPLOADS", per_token=True),
)


def _token() -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


def _client_key() -> str:
    return digest(request.remote_addr or "unknown")


def _token_key() -> str:
    return digest(_token() or "")


def _retry_after(refused: RequestLimit, window: int) -> int:
    # reset_at is a whole second past the window's end: never promise more than the window.
    return max(1, min(window, int(refused.reset_at - time.time())))


def too_many(seconds: int, limit: int, window: int, per_token: bool) -> Response:
    """Return the 429 problem: when to retry, in the header and the body."""
    if per_token:
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
        429, "Too many requests", detail, retryAfter=seconds, limit=limit, window=window
    )
    response.headers["Retry-After"] = str(seconds)
    response.headers["Cache-Control"] = "no-store"
    return response


def _refused(exc: RateLimitExceeded) -> ResponseReturnValue:
    if exc.response is not None:  # made by the breached rule's `on_breach`
        return exc.response
    # Its callback failed (Redis gone between the count and the read of its window): the
    # whole window is then the honest answer.
    window = _window()
    per_token = any(rule.per_token for rule in RULES if rule.scope == exc.limit.scope)
    return too_many(window, exc.limit.limit.amount, window, per_token)


def _window() -> int:
    # current_app.config, not settings(): these run on every limited request, once per rule.
    return int(current_app.config["RATE_LIMIT_WINDOW"])


def _limit(limiter: Limiter, rule: Rule) -> RouteLimit:
    def amount() -> int:
        return int(current_app.config[rule.setting])

    def value() -> str:
        return f"{amount()}/{_window()} second"

    def exempt() -> bool:
        return amount() <= 0 or (rule.per_token and _token() is None) or not counting(limiter)

    def on_breach(refused: RequestLimit) -> Response:
        window = _window()
        return too_many(_retry_after(refused, window), refused.limit.amount, window, rule.per_token)

    return limiter.shared_limit(
        value,
        scope=rule.scope,
        key_func=_token_key if rule.per_token else _client_key,
        exempt_when=exempt,
        on_breach=on_breach,
    )


def apply(limiter: Limiter, app: Flask) -> None:
    """Wrap each rate-limited view of `app` in its rules (call after its blueprints)."""
    for endpoint in dict.fromkeys(e for rule in RULES for e in rule.endpoints):
        if endpoint not in app.view_functions:
            raise LookupError(f"rate limit rules name `{endpoint}`, which is not an endpoint")
        view: Callable[..., Any] = app.view_functions[endpoint]
        # The innermost decorator counts every rule of the view, in the order they were added.
        for rule in (rule for rule in RULES if endpoint in rule.endpoints):
            view = _limit(limiter, rule)(view)
        app.view_functions[endpoint] = view


def init_app(app: Flask) -> None:
    """Count `app`'s rate-limited routes in its Redis and answer a refusal with a 429 problem."""
    apply(init_limiter(app), app)
    app.register_error_handler(RateLimitExceeded, _refused)
