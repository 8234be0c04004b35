"""A witness: fetch a log's tree head, check it extends the last one, cosign it, post it.

Independent parties run witnesses: a log that showed one history to a witness and another
to a shopper would have to fork, and the cosigned heads the witnesses keep prove it. The
cosignature is posted back to the log, which serves it beside the tree head (if the
witness is one it knows, LOG_WITNESS_KEYS), so a verifier can count who vouched.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from server.core.signing import KeyEntry, load_private_key, sign
from server.core.transparency.tree_head import TreeHead
from server.core.verification.log_heads import LOG, check_consistency, fetch_signed_head
from server.core.verification.sources import Source, SourceError
from server.services.verify_http import last_head, read_state, remember, write_state

# POST url, JSON body → (status, JSON answer); HttpSource.post_json.
Poster = Callable[[str, Any], tuple[int, Any]]


@dataclass(frozen=True)
class Cosigned:
    """The head cosigned, the size seen before, the cosignature, the witness, the log's say."""

    head: TreeHead
    previous_size: int
    cosignature: dict[str, str]
    witness: KeyEntry
    # The log's answer to the post: (status, detail); None when not posted.
    posted: tuple[int, str] | None = None

    @property
    def kept_by_log(self) -> bool:
        """Tell whether the log kept the cosignature (201 new, 200 already kept)."""
        return self.posted is not None and self.posted[0] in (200, 201)


def witness(
    origin: str, source: Source, state_path: Path, key_path: Path, post: Poster | None = None
) -> Cosigned:
    """Check and cosign the tree head of the log at `origin`; keep it; post it with `post`."""
    origin = origin.rstrip("/")
    state = read_state(state_path)
    previous = last_head(state, origin)
    _, head, document = fetch_signed_head(source, origin)
    check_consistency(source, origin, previous, head)
    key = load_private_key(key_path)
    record = sign(head.text(), key)
    cosignature = {k: record[k] for k in ("alg", "kid", "signature")}
    seen: dict[str, Any] = state.get("logs", {}).get(origin, {})
    kept = [*seen.get("cosignatures", []), dict(head.as_json(), cosignature=cosignature)]
    remember(state, origin, head, cosignatures=kept[-100:])
    write_state(state_path, state)
    answer = None
    if post is not None:
        signed = {k: v for k, v in document.items() if k not in ("cosignatures", "witnessed")}
        try:
            status, body = post(
                f"{origin}{LOG}/cosignatures", {"tree_head": signed, "cosignature": cosignature}
            )
        except SourceError as exc:
            answer = (0, str(exc))
        else:
            detail = body.get("detail", "") if isinstance(body, dict) else str(body)
            answer = (status, str(detail))
    return Cosigned(
        head, previous.size if previous else 0, cosignature, KeyEntry.of(key.public_key()), answer
    )
