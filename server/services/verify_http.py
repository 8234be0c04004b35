"""The verifier's and the witness's I/O: fetching over HTTP, and their local state files.

`HttpSource` is the `server.core.verification.sources.Source` that asks the server, as a
shopper's browser or an auditor's script would. The state file remembers, per log (its
origin), the last tree head seen, so that the next run can demand that today's tree
extends it; a witness also keeps there the cosignatures it made.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from server.core.transparency.tree_head import TreeHead, TreeHeadError, read_tree_head
from server.core.verification.sources import ANY, SourceError

STATE_SCHEMA = "originxr.verify-state/1"


class HttpSource:
    """Fetch documents over HTTP(S) with a timeout; errors become `SourceError`."""

    def __init__(self, timeout: float = 10.0, parallel: int = 8) -> None:
        self.timeout = timeout
        # Each request opens its own connection: safe from several threads; the verifier
        # fetches a report's evidence documents `parallel` at a time.
        self.parallel = parallel

    def get(self, url: str, accept: str = ANY) -> bytes:
        """Return the body of a 200 answer to GET `url` asking for `accept`."""
        if not url.startswith(("http://", "https://")):
            raise SourceError(f"{url} is not an http(s) URL")
        request = urllib.request.Request(
            url, headers={"Accept": accept, "User-Agent": "originxr-verify"}
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                body: bytes = response.read()
                return body
        except urllib.error.HTTPError as exc:
            detail = exc.read()[:300].decode("utf-8", "replace")
            raise SourceError(f"HTTP {exc.code} from {url}: {detail}", exc.code) from exc
        except (urllib.error.URLError, OSError) as exc:
            raise SourceError(f"{url} did not answer: {exc}") from exc

    def post_json(self, url: str, body: Any) -> tuple[int, Any]:
        """POST `body` as JSON to `url`; return the status and the JSON answer (any status)."""
        if not url.startswith(("http://", "https://")):
            raise SourceError(f"{url} is not an http(s) URL")
        request = urllib.request.Request(
            url,
            data=json.dumps(body).encode(),
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Accept": "application/json",
                "User-Agent": "originxr-witness",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.status, _json_or_text(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, _json_or_text(exc.read())
        except (urllib.error.URLError, OSError) as exc:
            raise SourceError(f"{url} did not answer: {exc}") from exc


def _json_or_text(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return body[:300].decode("utf-8", "replace")


def read_state(path: Path) -> dict[str, Any]:
    """Return the state file at `path` (an empty state when there is none yet)."""
    try:
        state = json.loads(path.read_text())
    except FileNotFoundError:
        return {"schema": STATE_SCHEMA, "logs": {}}
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"the state file {path} is unreadable: {exc}") from exc
    if not isinstance(state, dict) or state.get("schema") != STATE_SCHEMA:
        raise ValueError(f"{path} is not an {STATE_SCHEMA} state file")
    return state


def last_head(state: dict[str, Any], origin: str) -> TreeHead | None:
    """Return the tree head last seen for the log at `origin`, if any."""
    seen = state.get("logs", {}).get(origin)
    if seen is None:
        return None
    try:
        return read_tree_head(seen["head"])
    except (KeyError, TypeError, TreeHeadError) as exc:
        raise ValueError(f"the state's tree head for {origin} is unreadable: {exc}") from exc


def remember(state: dict[str, Any], origin: str, head: TreeHead, **extra: Any) -> None:
    """Record `head` as the last tree head seen for `origin` (with `extra` fields)."""
    state.setdefault("logs", {})[origin] = {"head": head.as_json(), **extra}


def write_state(path: Path, state: dict[str, Any]) -> None:
    """Write `state` to `path` through a temporary file (a crash never leaves half of it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(json.dumps(state, indent=2, sort_keys=True) + "\n")
    temporary.replace(path)
