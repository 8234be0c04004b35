"""What the request path may show of a batch's builds: current if done, else the last one."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from server.adapters.blobs import BlobStore, blob_store
from server.adapters.broker import broker
from server.adapters.config import settings
from server.adapters.db import db
from server.adapters.models import Batch, Build
from server.services.builds import build_state, ensure_builds, last_done


@dataclass
class BatchOutputs:
    """The outputs a page can use now, and the state of the builds still under way."""

    report: dict[str, Any] | None = None
    report_sha: str | None = None
    report_sig: str | None = None  # the report's signature blob; None for older builds
    # The full report the public one was redacted from (for authorised roles only).
    report_full_sha: str | None = None
    scene: dict[str, str] | None = None
    stale: set[str] = field(default_factory=set)
    states: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def building(self) -> bool:
        """Tell whether any build is still queued or running."""
        return any(s["status"] in ("queued", "running") for s in self.states.values())


@lru_cache(maxsize=256)
def _json_blob(store: BlobStore, sha256: str) -> Any:
    # Blobs are immutable, so a cache keyed by hash is never wrong.
    return json.loads(store.get(sha256))


def json_blob(sha256: str) -> Any:
    """Return the parsed JSON blob `sha256` (cached: blobs never change)."""
    return _json_blob(blob_store(), sha256)


def batch_outputs(batch: Batch) -> BatchOutputs:
    """Make sure the batch's builds are current or under way; return what can be shown now."""
    session = db.session
    rows = ensure_builds(session, broker.redis, batch, settings().build_lease_seconds)
    result = BatchOutputs(states={kind: build_state(row, kind) for kind, row in rows.items()})
    chosen: dict[str, Build | None] = {}
    for kind, row in rows.items():
        if row.status == "done":
            chosen[kind] = row
        else:
            chosen[kind] = last_done(session, batch.id, kind)
            if chosen[kind] is not None:
                result.stale.add(kind)
    evidence = chosen.get("evidence")
    if evidence is not None:
        result.report_sha = evidence.outputs["report"]
        result.report_sig = evidence.outputs.get("report_sig")
        result.report_full_sha = evidence.outputs.get("report_full")
        result.report = json_blob(result.report_sha)
    scene = chosen.get("scene")
    if scene is not None:
        result.scene = dict(scene.outputs)
    return result
