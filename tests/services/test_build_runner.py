"""The build runner: steps return plain outputs; the runner alone stores, signs and records."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from server.adapters.blobs import blob_store
from server.adapters.db import db
from server.adapters.models import Batch, Blob, Build
from server.core.signing import load_private_key, verify
from server.services.build_runner import (
    BuildContext,
    BuildFailedElsewhere,
    Output,
    json_output,
    run_build,
)


def _batch_id(app: Flask) -> int:
    with app.app_context():
        batch = db.session.scalars(select(Batch).order_by(Batch.id)).first()
        assert batch is not None
        return batch.id


def _row(batch_id: int, kind: str) -> Build:
    return db.session.scalars(
        select(Build).where(Build.batch_id == batch_id, Build.kind == kind)
    ).one()


def test_the_runner_publishes_what_the_steps_return(sqlite_app: Flask) -> None:
    seen: list[tuple[str, float]] = []
    before: set[str] = set()

    def steps(ctx: BuildContext) -> list[Output]:
        ctx.step("compute", 0.5)
        row = _row(ctx.batch.id, "evidence")
        seen.append((row.step, row.progress))
        # Nothing is stored while the steps run.
        assert set(db.session.scalars(select(Blob.sha256))) == before
        secret = json_output("report_full", {"b": 1, "a": "é"}, public=False, signed=True)
        return [json_output("report", {"full": secret.sha256}, signed=True), secret]

    batch_id = _batch_id(sqlite_app)
    with sqlite_app.app_context():
        before.update(db.session.scalars(select(Blob.sha256)))
        outputs = run_build(batch_id, "evidence", steps)
        assert list(outputs) == ["report", "report_sig", "report_full", "report_full_sig"]
        store = blob_store()
        assert store.get(outputs["report_full"]) == '{"a":"é","b":1}'.encode()
        added = set(db.session.scalars(select(Blob.sha256))) - before
        assert added == {outputs["report"], outputs["report_sig"]}  # private: files only
        key = load_private_key(sqlite_app.config["SIGNING_KEY_PATH"]).public_key()
        for name in ("report", "report_full"):
            record = json.loads(store.get(outputs[f"{name}_sig"]))
            assert record["schema"] == "originxr.signature/1"
            assert record["blob"] == outputs[name]
            assert verify(store.get(outputs[name]), record, key)
        row = _row(batch_id, "evidence")
        assert (row.status, row.step, row.progress, row.outputs) == ("done", "done", 1.0, outputs)
        # The current fingerprint is built: the steps do not run again.
        assert run_build(batch_id, "evidence", steps) == outputs
    assert seen == [("compute", 0.5)]


def test_a_scratch_file_output_is_streamed_signed_and_then_deleted(sqlite_app: Flask) -> None:
    data = b'{"rows":[' + b",".join(b"%d" % i for i in range(300_000)) + b"]}"  # > 1 MB
    files = []

    def steps(ctx: BuildContext) -> list[Output]:
        public, private = ctx.scratch(), ctx.scratch()
        files.extend((public, private))
        for handle in files:
            handle.write(data[:10])  # a file written in pieces, left at its end
            handle.write(data[10:])
        digest = hashlib.sha256(data).hexdigest()
        return [
            Output("report", public, "application/json", signed=True, digest=digest),
            Output("report_full", private, "application/json", public=False, signed=True),
        ]

    batch_id = _batch_id(sqlite_app)
    with sqlite_app.app_context():
        outputs = run_build(batch_id, "evidence", steps)
        store = blob_store()
        assert outputs["report"] == outputs["report_full"] == hashlib.sha256(data).hexdigest()
        assert store.get(outputs["report"]) == data
        blob = db.session.get(Blob, outputs["report"])
        assert blob is not None and blob.size == len(data)
        key = load_private_key(sqlite_app.config["SIGNING_KEY_PATH"]).public_key()
        record = json.loads(store.get(outputs["report_sig"]))
        assert record["blob"] == outputs["report"] and verify(data, record, key)
    assert all(handle.closed for handle in files)


def test_scratch_files_go_to_the_scratch_folder(sqlite_app: Flask, tmp_path: Path) -> None:
    folder = tmp_path / "scratch" / "builds"  # made if missing
    sqlite_app.config["SCRATCH_PATH"] = str(folder)
    where: list[str] = []

    def steps(ctx: BuildContext) -> list[Output]:
        handle = ctx.scratch()
        handle.write(b"{}")
        # The file has no name (O_TMPFILE or unlinked); its descriptor shows the folder.
        where.append(os.readlink(f"/proc/self/fd/{handle.fileno()}"))
        return [Output("report", handle, "application/json")]

    batch_id = _batch_id(sqlite_app)
    with sqlite_app.app_context():
        run_build(batch_id, "evidence", steps)
    (path,) = where
    assert Path(path).parent == folder
    assert list(folder.iterdir()) == []  # nothing left once the build is published


def test_a_scratch_file_that_does_not_hash_to_its_digest_is_not_published(
    sqlite_app: Flask,
) -> None:
    files = []

    def steps(ctx: BuildContext) -> list[Output]:
        handle = ctx.scratch()
        files.append(handle)
        handle.write(b"{}")
        return [Output("report", handle, "application/json", digest="0" * 64)]

    batch_id = _batch_id(sqlite_app)
    with sqlite_app.app_context():
        with pytest.raises(ValueError, match="does not hash to the digest"):
            run_build(batch_id, "evidence", steps)
        row = _row(batch_id, "evidence")
        assert row.status == "failed" and row.outputs == {}
        assert db.session.get(Blob, hashlib.sha256(b"{}").hexdigest()) is None
        assert not blob_store().exists(hashlib.sha256(b"{}").hexdigest())  # no file either
    assert files[0].closed


@pytest.mark.parametrize("failure", ["step", "outputs"])
def test_a_failing_build_is_marked_failed_and_publishes_nothing(
    sqlite_app: Flask, failure: str
) -> None:
    def steps(ctx: BuildContext) -> list[Output]:
        ctx.step("compute", 0.5)
        if failure == "step":
            raise RuntimeError("no data " + "x" * 3000)
        twice = Output("glb", b"glTF", "model/gltf-binary")
        return [twice, twice]

    batch_id = _batch_id(sqlite_app)
    with sqlite_app.app_context():
        before = set(db.session.scalars(select(Blob.sha256)))
        with pytest.raises((RuntimeError, ValueError)):
            run_build(batch_id, "scene", steps)
        row = _row(batch_id, "scene")
        assert row.status == "failed" and row.outputs == {}
        if failure == "step":
            assert row.error == ("RuntimeError: no data " + "x" * 3000)[:2000]
        else:
            assert row.error == "ValueError: the build returned two outputs named `glb`"
        assert set(db.session.scalars(select(Blob.sha256))) == before


def test_a_prerequisites_steps_beat_the_heart_of_the_build_waiting_for_it(
    sqlite_app: Flask,
) -> None:
    """While a scene waits for its evidence build, the scene is not taken as orphaned."""
    beats: list[tuple[object, object]] = []

    def evidence(ctx: BuildContext) -> list[Output]:
        ctx.step("trace", 0.5)
        beats.append(
            (_row(ctx.batch.id, "scene").heartbeat_at, _row(ctx.batch.id, "evidence").heartbeat_at)
        )
        return [json_output("report", {"ok": True})]

    def scene(ctx: BuildContext) -> list[Output]:
        ctx.step("evidence", 0.05)
        ctx.prerequisite("evidence", evidence)
        return [Output("glb", b"glTF", "model/gltf-binary")]

    batch_id = _batch_id(sqlite_app)
    with sqlite_app.app_context():
        run_build(batch_id, "scene", scene)
    ((scene_beat, evidence_beat),) = beats
    assert scene_beat is not None and scene_beat == evidence_beat


def _held_build(app: Flask, batch_id: int, fail: bool) -> tuple[threading.Thread, Any, Any]:
    """Start the evidence build on a thread whose steps wait for a release; return it."""
    started, release = threading.Event(), threading.Event()

    def steps(ctx: BuildContext) -> list[Output]:
        ctx.step("trace", 0.4)
        started.set()
        assert release.wait(30)
        if fail:
            raise RuntimeError("the holder's inputs are bad")
        return [json_output("report", {"by": "holder"})]

    def holder() -> None:
        with app.app_context(), contextlib.suppress(RuntimeError):
            run_build(batch_id, "evidence", steps)

    thread = threading.Thread(target=holder)
    thread.start()
    assert started.wait(30)
    return thread, release, steps


@pytest.mark.parametrize("fail", [False, True], ids=["holder-done", "holder-failed"])
def test_a_build_another_worker_runs_is_waited_for_not_run_twice(
    sqlite_app: Flask, fail: bool
) -> None:
    """Two workers handed the same build: the second waits for the first's outputs."""
    batch_id = _batch_id(sqlite_app)
    thread, release, _ = _held_build(sqlite_app, batch_id, fail)
    ran_again: list[str] = []
    answers: list[object] = []

    def second(ctx: BuildContext) -> list[Output]:
        ran_again.append("second")
        return [json_output("report", {"by": "second"})]

    def waiter() -> None:
        with sqlite_app.app_context():
            try:
                answers.append(run_build(batch_id, "evidence", second))
            except BuildFailedElsewhere as exc:
                answers.append(exc)

    other = threading.Thread(target=waiter)
    other.start()
    other.join(1.0)
    assert other.is_alive() and answers == []  # waiting while the holder runs
    release.set()
    thread.join(30)
    other.join(30)
    assert ran_again == []
    with sqlite_app.app_context():
        row = _row(batch_id, "evidence")
        if fail:
            assert row.status == "failed"
            (error,) = answers
            assert isinstance(error, BuildFailedElsewhere)
            assert "the holder's inputs are bad" in str(error)
        else:
            assert answers == [row.outputs] and row.status == "done"
            assert json.loads(blob_store().get(row.outputs["report"])) == {"by": "holder"}


def test_a_build_whose_worker_stopped_beating_is_taken_over(sqlite_app: Flask) -> None:
    batch_id = _batch_id(sqlite_app)
    with sqlite_app.app_context():
        with pytest.raises(IndexError):
            run_build(batch_id, "scene", lambda ctx: [][0])  # makes the row, fails
        row = _row(batch_id, "scene")
        lease = sqlite_app.config["BUILD_LEASE_SECONDS"]
        row.status, row.worker = "running", "gone-host:1"
        row.heartbeat_at = datetime.now(UTC) - timedelta(seconds=lease + 5)
        db.session.commit()
        outputs = run_build(batch_id, "scene", lambda ctx: [Output("glb", b"glTF", "model/gltf")])
        row = _row(batch_id, "scene")
        assert row.status == "done" and row.outputs == outputs
        assert row.worker != "gone-host:1"
