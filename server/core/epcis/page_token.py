"""Opaque, tamper-checked page tokens: a keyset position signed with the app's secret."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from typing import Any

_MAC_BYTES = 16


class PageTokenError(ValueError):
    """A page token that was not made here, was altered, or belongs to another query."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: str, body: bytes) -> bytes:
    return hmac.new(secret.encode(), body, hashlib.sha256).digest()[:_MAC_BYTES]


def make_token(secret: str, scope: str, position: list[Any]) -> str:
    """Return a token carrying `position` (JSON-able), valid only for the query `scope`."""
    body = json.dumps([scope, position], separators=(",", ":")).encode()
    return f"{_b64(body)}.{_b64(_mac(secret, body))}"


def read_token(secret: str, scope: str, token: str) -> list[Any]:
    """Return the position inside `token`; raise `PageTokenError` if it is not genuine."""
    head, dot, tail = token.partition(".")
    try:
        body, mac = _unb64(head), _unb64(tail)
    except (binascii.Error, ValueError) as exc:
        raise PageTokenError("`nextPageToken` is not a token this server made") from exc
    if not dot or not hmac.compare_digest(mac, _mac(secret, body)):
        raise PageTokenError("`nextPageToken` is not a token this server made (or was altered)")
    found_scope, position = json.loads(body)
    if found_scope != scope:
        raise PageTokenError(
            "`nextPageToken` belongs to another query: repeat the query's parameters unchanged"
        )
    if not isinstance(position, list):
        raise PageTokenError("`nextPageToken` holds no position")
    return position
