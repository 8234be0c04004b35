"""A witness: fetch a log's tree head, check it extends the last one, cosign it.

Independent parties run witnesses: a log that showed one history to a witness and another
to a shopper would have to fork, and the cosigned heads the witnesses keep prove it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from server.core.signing import load_private_key, sign
from server.core.transparency.tree_head import TreeHead
from server.core.verification.sources import Source
from server.core.verification.verifier import check_consistency, signed_tree_head
from server.services.verify_http import last_head, read_state, remember, write_state


@dataclass(frozen=True)
class Cosigned:
    """The head a witness cosigned, the size it had seen before, and the cosignature."""

    head: TreeHead
    previous_size: int
    cosignature: dict[str, str]


def witness(origin: str, source: Source, state_path: Path, key_path: Path) -> Cosigned:
    """Check and cosign the tree head of the log at `origin`; keep it in the state file."""
    origin = origin.rstrip("/")
    state = read_state(state_path)
    previous = last_head(state, origin)
    _, head = signed_tree_head(source, origin)
    check_consistency(source, origin, previous, head)
    record = sign(head.text(), load_private_key(key_path))
    cosignature = {k: record[k] for k in ("alg", "kid", "signature")}
    seen: dict[str, Any] = state.get("logs", {}).get(origin, {})
    kept = [*seen.get("cosignatures", []), dict(head.as_json(), cosignature=cosignature)]
    remember(state, origin, head, cosignatures=kept[-100:])
    write_state(state_path, state)
    return Cosigned(head, previous.size if previous else 0, cosignature)
