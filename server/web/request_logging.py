"""Logging: one handler on the root logger, as text or JSON lines, each with its request id.

Every request gets an id: the caller's ``X-Request-ID`` when it is a sane token (a proxy
or a client tracing a call), else a new one; it is echoed in the response's
``X-Request-ID`` and set on every log record made while the request is handled. Records
made outside a request carry ``-``. Neither the client's address nor the raw path is
logged: paths may hold invitation tokens, and scans keep no addresses.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any, TextIO

from flask import Flask, Response, g, has_request_context, request

HEADER = "X-Request-ID"
FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
_SANE_ID = re.compile(r"[A-Za-z0-9._:+=/-]{1,128}")
# What every LogRecord has; anything else on a record came from `extra=` and is logged.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "request_id",
}

log = logging.getLogger("server.web.requests")


class RequestIdFilter(logging.Filter):
    """Set ``record.request_id``: the current request's id, or ``-``."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Add the id and let the record through."""
        found = g.get("request_id") if has_request_context() else None
        # a line logged outside Flask for a request (the fast path) names its id itself
        record.request_id = found or getattr(record, "request_id", None) or "-"
        return True


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON object: time, level, logger, message, request id, extras."""

    def format(self, record: logging.LogRecord) -> str:
        """Return the record as a JSON line."""
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


class _StderrHandler(logging.StreamHandler[TextIO]):
    """Write to whatever `sys.stderr` is at the time (a test's capture, a reopened stream)."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        """Ignore: the stream is always the current `sys.stderr`."""


def configure_logging(log_format: str) -> None:
    """Give the root logger our one handler in `log_format` (replacing an earlier one)."""
    if log_format not in FORMATS:
        raise ValueError(f"`LOG_FORMAT` must be one of {', '.join(FORMATS)}, got {log_format!r}")
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _StderrHandler)]:
        root.removeHandler(handler)  # a second app in the process (tests) sets it again
    handler = _StderrHandler()
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(
        JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)
    )
    root.addHandler(handler)
    root.setLevel(logging.INFO)


def request_id(header: str | None) -> str:
    """Return the caller's id if it is a sane token, else a new one."""
    if header and _SANE_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


def current_route() -> str:
    """Return the request's URL rule: one name per route, whatever the path (logs, metrics)."""
    return request.url_rule.rule if request.url_rule else "<unmatched>"


def _begin() -> None:
    g.request_id = request_id(request.headers.get(HEADER))
    g.log_started = time.perf_counter()


def _finish(response: Response) -> Response:
    response.headers[HEADER] = g.get("request_id") or request_id(None)
    started = g.get("log_started")
    log_request(
        request.method,
        current_route(),
        response.status_code,
        None if started is None else (time.perf_counter() - started) * 1000,
    )
    return response


def log_request(
    method: str, route: str, status: int, duration_ms: float | None, **extra: Any
) -> None:
    """Log the line of one answered request (`extra`: more fields, e.g. its ``request_id``)."""
    if not log.isEnabledFor(logging.INFO):
        return
    log.info(
        "%s %s %s",
        method,
        route,
        status,
        extra={
            "method": method,
            "route": route,
            "status": status,
            "duration_ms": duration_ms,
            **extra,
        },
    )


def init_app(app: Flask) -> None:
    """Set up logging in the app's LOG_FORMAT and give every request its id."""
    configure_logging(str(app.config["LOG_FORMAT"]))
    app.before_request(_begin)
    app.after_request(_finish)
