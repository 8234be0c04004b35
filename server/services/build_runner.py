"""The life of one build inside a worker: claim, run steps with progress, publish atomically."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import current_app
from rq import get_current_job
from sqlalchemy.orm import Session

from server.adapters.blobs import BlobStore, blob_store, store_blob
from server.adapters.broker import broker
from server.adapters.db import db
from server.adapters.models import Batch, Build
from server.core.signing import load_private_key, sign
from server.services.build_retirement import retire_superseded
from server.services.builds import (
    build_state,
    claim_row,
    fingerprints,
    publish_progress,
    worker_identity,
)


class BuildContext:
    """What a build's step function gets: the session, the batch, and progress/blob helpers."""

    def __init__(self, session: Session, batch: Batch, row: Build, store: BlobStore) -> None:
        self.session = session
        self.batch = batch
        self.row = row
        self.store = store
        self._pause = float(current_app.config["BUILD_STEP_PAUSE"])

    def step(self, name: str, progress: float) -> None:
        """Report that the build entered step `name` at `progress` (0–1), and beat the heart."""
        if self._pause:
            time.sleep(self._pause)
        self.row.step = name
        self.row.progress = progress
        self.row.heartbeat_at = datetime.now(UTC)
        self.session.commit()
        job = get_current_job()
        if job is not None:
            job.meta.update({"step": name, "progress": progress})
            job.save_meta()
        publish_progress(broker.redis, self.batch.id, build_state(self.row, self.row.kind))

    def put_blob(self, data: bytes, media_type: str, *, public: bool = True) -> str:
        """Store `data` content-addressed (file first, then its row) and return its sha256.

        A blob stored with ``public=False`` gets no row, so ``/blobs/`` does not serve it;
        only routes for authorised roles read it from the store.
        """
        if not public:
            return self.store.put(data)
        digest = store_blob(self.session, self.store, data, media_type)
        self.session.commit()
        return digest

    def put_json(self, value: Any, *, public: bool = True) -> str:
        """Store `value` as canonical JSON and return its sha256."""
        text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return self.put_blob(text.encode(), "application/json", public=public)

    def put_signature(self, sha256: str, *, public: bool = True) -> str:
        """Sign the stored blob `sha256` as it is on disk; store the record, return its sha256."""
        key = load_private_key(current_app.config["SIGNING_KEY_PATH"])
        record = sign(self.store.get(sha256), key)
        if record["signed"] != sha256:
            raise ValueError(f"blob `{sha256}` does not hash to its name; refusing to sign it")
        return self.put_json(
            {
                "schema": "originxr.signature/1",
                "blob": sha256,
                "alg": record["alg"],
                "kid": record["kid"],
                "signature": record["signature"],
            },
            public=public,
        )


StepFunction = Callable[[BuildContext], dict[str, str]]


def run_build(batch_id: int, kind: str, steps: StepFunction) -> dict[str, str]:
    """Run the `kind` build of `batch_id` unless its current fingerprint is already built.

    The outputs (blob hashes) become visible in one commit that also sets
    ``status = "done"``; a crash before that leaves the previous build in place.
    """
    session = db.session
    batch = session.get(Batch, batch_id)
    if batch is None:
        raise LookupError(f"batch {batch_id} does not exist")
    fingerprint = fingerprints(session, batch)[kind]
    row = claim_row(session, batch_id, kind, fingerprint)
    if row.status == "done":
        return dict(row.outputs)
    job = get_current_job()
    row.status = "running"
    row.attempts += 1
    row.worker = worker_identity()
    row.job_id = job.id if job is not None else row.job_id
    row.started_at = row.heartbeat_at = datetime.now(UTC)
    row.progress, row.step, row.error = 0.0, "start", None
    session.commit()
    ctx = BuildContext(session, batch, row, blob_store())
    publish_progress(broker.redis, batch_id, build_state(row, kind))
    try:
        outputs = steps(ctx)
    except Exception as exc:
        session.rollback()
        row.status, row.error = "failed", f"{type(exc).__name__}: {exc}"[:2000]
        row.finished_at = datetime.now(UTC)
        session.commit()
        publish_progress(broker.redis, batch_id, build_state(row, kind))
        raise
    row.outputs = outputs
    row.status, row.progress, row.step = "done", 1.0, "done"
    row.finished_at = datetime.now(UTC)
    session.commit()  # the one pointer flip that publishes the build
    retire_superseded(session, batch_id, kind, row.id)
    session.commit()
    publish_progress(broker.redis, batch_id, build_state(row, kind))
    return outputs
