"""The life of one build inside a worker: claim, run its steps with progress, publish atomically.

A build's steps (`server.services.batch_builds`) read their inputs, compute, and return
what to publish as plain data (`Output`). This runner alone writes: the build row (claim,
status, progress and heartbeat, the one pointer flip, retirement of superseded builds),
the RQ job's meta, the progress messages, the blob files and rows, and the signatures.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, BinaryIO

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import current_app
from sqlalchemy.orm import Session

from server.adapters import metrics
from server.adapters.blobs import (
    CHUNK_BYTES,
    BlobStore,
    DigestMismatch,
    blob_store,
    check_digest,
    store_blob,
    store_blob_stream,
)
from server.adapters.broker import broker
from server.adapters.config import settings
from server.adapters.db import db
from server.adapters.keys import current_key
from server.adapters.models import Batch, Build
from server.core.evidence.report_json import canonical_json
from server.core.gs1.digital_link import batch_path
from server.core.signing import key_id, sign
from server.services import page_revisions
from server.services.build_retirement import retire_superseded
from server.services.builds import (
    build_state,
    claim_row,
    fingerprints,
    publish_progress,
    take_row,
)
from server.services.job_meta import current_job_id, record_job_step
from server.services.transparency_log import log_build_output

# The published outputs that the transparency log records, by output key.
LOGGED = ("report", "manifest")
# How often a worker handed a build another worker runs looks at its row again.
HOLDER_POLL_SECONDS = 0.25


class BuildFailedElsewhere(RuntimeError):
    """The build this worker waited for failed on the worker that ran it."""


@dataclass(frozen=True)
class Output:
    """One blob a build publishes under `key`.

    A public output gets a Blob row, so ``/blobs/`` serves it; a private one is only a
    file, read from the store by routes for authorised roles. A signed output is published
    with its signature record under ``<key>_sig``, public exactly when the output is.

    `data` is the bytes, or for a big output a seekable file holding them (one of
    `BuildContext.scratch`, which the runner streams to the store and closes); `digest` may
    give their sha256 when the step knows it (a wrong one fails the publication).
    """

    key: str
    data: bytes | BinaryIO
    media_type: str
    public: bool = True
    signed: bool = False
    digest: str | None = None

    @property
    def sha256(self) -> str:
        """Return the hash the output is stored under, for other outputs to name it."""
        if self.digest is not None:
            return self.digest
        if isinstance(self.data, bytes):
            return hashlib.sha256(self.data).hexdigest()
        self.data.seek(0)
        digest = hashlib.sha256()
        while chunk := self.data.read(CHUNK_BYTES * 16):
            digest.update(chunk)
        return digest.hexdigest()


def json_output(key: str, value: Any, *, public: bool = True, signed: bool = False) -> Output:
    """Return `value` as a canonical JSON output (sorted keys, no spaces, UTF-8)."""
    return Output(key, canonical_json(value), "application/json", public, signed)


class BuildContext:
    """What a build's steps get: the batch to read from, progress, and the builds they need.

    The session is for reading the batch's inputs: the runner commits, never the steps.
    `waiting` are the builds of this worker that wait for this one (it is their
    prerequisite): each step beats their hearts too, or they would look orphaned for as long
    as this build runs.
    """

    def __init__(
        self,
        session: Session,
        batch: Batch,
        row: Build,
        store: BlobStore,
        waiting: tuple[Build, ...] = (),
    ) -> None:
        self.session = session
        self.batch = batch
        self._row = row
        self._waiting = waiting
        self._store = store
        self._pause = float(current_app.config["BUILD_STEP_PAUSE"])
        self._scratch: list[BinaryIO] = []

    def step(self, name: str, progress: float) -> None:
        """Report that the build entered step `name` at `progress` (0–1), and beat the heart."""
        if self._pause:
            time.sleep(self._pause)
        self._row.step = name
        self._row.progress = progress
        now = datetime.now(UTC)
        for row in (self._row, *self._waiting):
            row.heartbeat_at = now
        record_job_step(name, progress)
        _announce(self.session, self._row)

    def scratch(self) -> BinaryIO:
        """Return a new temporary file for an output too big to hold in memory.

        It has no name on disk and is closed (so deleted) when the build is published or
        fails, whether or not an output names it.
        """
        # Not a context manager: the file outlives this call, closed by `close` (the runner).
        folder = settings().scratch_path or None
        if folder is not None:
            os.makedirs(folder, exist_ok=True)
        handle = tempfile.TemporaryFile(prefix="originxr-build-", dir=folder)  # noqa: SIM115
        self._scratch.append(handle)
        return handle

    def close(self) -> None:
        """Close (and so delete) the build's scratch files."""
        while self._scratch:
            self._scratch.pop().close()

    def prerequisite(self, kind: str, steps: StepFunction) -> dict[str, str]:
        """Return the hashes of the batch's current `kind` build, running `steps` if needed."""
        return run_build(self.batch.id, kind, steps, waiting=(*self._waiting, self._row))

    def read_json(self, sha256: str) -> Any:
        """Return the published JSON blob `sha256` (an output of a prerequisite build)."""
        return json.loads(self._store.get(sha256))


StepFunction = Callable[[BuildContext], list[Output]]


def run_build(
    batch_id: int, kind: str, steps: StepFunction, waiting: tuple[Build, ...] = ()
) -> dict[str, str]:
    """Run the `kind` build of `batch_id` unless its current fingerprint is already built.

    Return the published outputs' hashes by key. They become visible in one commit that
    also sets ``status = "done"``; a failure before that leaves the previous build in place
    and marks this one failed. `waiting`: the builds that need this one (`prerequisite`).
    """
    session = db.session
    batch = session.get(Batch, batch_id)
    if batch is None:
        raise LookupError(f"batch {batch_id} does not exist")
    fingerprint = fingerprints(session, batch)[kind]
    row = claim_row(session, batch_id, kind, fingerprint)
    lease = settings().build_lease_seconds
    while row.status != "done" and not take_row(session, row, lease):
        _wait_for_holder(session, row, waiting)
    if row.status == "done":
        return dict(row.outputs)
    row.attempts += 1
    row.job_id = current_job_id() or row.job_id
    row.progress, row.step, row.error = 0.0, "start", None
    store = blob_store()
    _announce(session, row)
    started = time.perf_counter()
    ctx = BuildContext(session, batch, row, store, waiting)
    try:
        built = steps(ctx)
        outputs = _publish(session, store, built, batch_path(batch.product.gtin, batch.lot))
        del built
        ctx.close()
    except Exception as exc:
        ctx.close()
        session.rollback()
        row.status, row.error = "failed", f"{type(exc).__name__}: {exc}"[:2000]
        row.finished_at = datetime.now(UTC)
        _announce(session, row)
        metrics.build_finished(kind, "failed", time.perf_counter() - started)
        raise
    row.outputs = outputs
    row.status, row.progress, row.step = "done", 1.0, "done"
    row.finished_at = datetime.now(UTC)
    session.commit()  # the one pointer flip that publishes the build (and its blob rows)
    # The batch's pages get a new revision now that its build is visible (not before).
    page_revisions.batch_published(
        broker.redis, batch.product.brand_id, batch.id, batch.product.gtin, batch.lot
    )
    retire_superseded(session, batch_id, kind, row.id)
    _announce(session, row)
    metrics.build_finished(kind, "done", time.perf_counter() - started)
    return outputs


def _wait_for_holder(session: Session, row: Build, waiting: tuple[Build, ...]) -> None:
    """Wait while another worker runs `row` (the same build handed to two workers).

    Returns once the row is done, or no longer held (its worker stopped beating, for the
    caller to take over); raises if the holder's run failed: the same inputs would fail
    here too. The builds waiting for this one keep their hearts beating meanwhile.
    """
    while row.status == "running":
        time.sleep(HOLDER_POLL_SECONDS)
        now = datetime.now(UTC)
        for other in waiting:
            other.heartbeat_at = now
        session.commit()
        session.refresh(row)
        beat = row.heartbeat_at
        if beat is not None and beat.tzinfo is None:
            beat = beat.replace(tzinfo=UTC)
        if beat is None or (now - beat).total_seconds() > settings().build_lease_seconds:
            return  # the holder is gone: the caller takes the row over
    if row.status == "failed":
        raise BuildFailedElsewhere(f"the {row.kind} build failed on {row.worker}: {row.error}")


def _announce(session: Session, row: Build) -> None:
    """Commit the row's state, then tell whoever watches the batch."""
    session.commit()
    publish_progress(broker.redis, row.batch_id, build_state(row, row.kind))


def _publish(
    session: Session, store: BlobStore, outputs: list[Output], batch: str
) -> dict[str, str]:
    """Store `outputs` and the signatures of the signed ones; return their hashes by key.

    Files are written first and Blob rows added to the session: the caller's commit of the
    build makes the rows visible together with the build that names them. The public
    report and manifest are appended to the transparency log in the same transaction.
    """
    published: dict[str, str] = {}
    key: Ed25519PrivateKey | None = None
    for output in outputs:
        _put(session, store, output, published)
        if output.signed:
            key = key or current_key(settings())
            _put(session, store, _signature(store, output, published[output.key], key), published)
            if output.public and output.key in LOGGED:
                sig = published[f"{output.key}_sig"]
                kid = key_id(key.public_key())
                log_build_output(session, output.key, batch, published[output.key], sig, kid)
    return published


def _put(session: Session, store: BlobStore, output: Output, published: dict[str, str]) -> None:
    if output.key in published:
        raise ValueError(f"the build returned two outputs named `{output.key}`")
    data, expected = output.data, output.digest
    try:
        # A wrong digest stores nothing: checked before the bytes are written, not after.
        if isinstance(data, bytes):
            if expected is not None:
                check_digest(expected, hashlib.sha256(data).hexdigest())
            if output.public:
                published[output.key] = store_blob(session, store, data, output.media_type)
            else:
                published[output.key] = store.put(data)
        elif output.public:
            published[output.key] = store_blob_stream(
                session, store, data, output.media_type, expected
            )
        else:
            published[output.key] = store.put_stream(data, expected)
    except DigestMismatch as exc:
        message = f"output `{output.key}` does not hash to the digest its step gave"
        raise ValueError(message) from exc


def _signature(store: BlobStore, output: Output, sha256: str, key: Ed25519PrivateKey) -> Output:
    """Return the signature record of stored `output`, signed over its bytes as on disk.

    Ed25519 signs the whole document, not a hash of it: a big output is read back whole
    here, one at a time, once the step that made it has let go of its inputs.
    """
    record = sign(store.get(sha256), key)
    if record["signed"] != sha256:
        raise ValueError(f"blob `{sha256}` does not hash to its name; refusing to sign it")
    value = {
        "schema": "originxr.signature/1",
        "blob": sha256,
        "alg": record["alg"],
        "kid": record["kid"],
        "signature": record["signature"],
    }
    return json_output(f"{output.key}_sig", value, public=output.public)
