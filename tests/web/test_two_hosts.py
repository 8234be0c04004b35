"""Two hosts simulated on one machine: two gunicorn webs and two `originxr worker`s.

Each host has its own instance folder and its own copy of the signing key; they share only
what a real deployment shares by configuration: PostgreSQL (one throw-away schema), Redis,
an S3 bucket (moto's server), the `SECRET_KEY` value and the Ed25519 key's content.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from redis import Redis
from rq import Queue
from rq.registry import StartedJobRegistry
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from server.adapters.blobs import open_blob_store
from server.adapters.config import PREFIX, UNPREFIXED
from server.adapters.db import make_engine
from server.adapters.models import Batch, Blob, Build
from server.core.signing import b64url_decode, key_id, load_private_key, verify
from tests.conftest import DEMO_PACK, unused_port

BIN = Path(sys.executable).parent
PAUSE_SECONDS = 1  # between build steps: builds last seconds, so one can be killed mid-way
LEASE_SECONDS = 3  # a running build silent this long is orphaned and enqueued again
SECRET_KEY = uuid.uuid4().hex * 2
BATCHES = tuple(
    (b["gtin"], b["lot"]) for b in json.loads((DEMO_PACK / "brand.json").read_text())["batches"]
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not (BIN / "moto_server").exists() or not (BIN / "gunicorn").exists(),
        reason="needs moto_server (the S3 server both hosts share) and gunicorn in the venv",
    ),
    pytest.mark.parametrize("database", ["postgres"], indirect=True),
]
T = TypeVar("T")


@dataclass
class Host:
    """One simulated machine: a folder of its own, the shared settings, a web and a worker."""

    name: str
    root: Path
    env: dict[str, str]
    url: str = ""
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def instance(self) -> Path:
        return self.root / "instance"

    def cli(self, *args: str) -> str:
        """Run `originxr ARGS` as this host; return its standard output."""
        done = subprocess.run(
            [str(BIN / "originxr"), *args],
            env=self.env,
            cwd=self.root,
            capture_output=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr.decode(errors="replace")
        return done.stdout.decode()

    def start(self, role: str, argv: list[str]) -> subprocess.Popen[bytes]:
        with (self.root / f"{role}.log").open("wb") as log:
            process = subprocess.Popen(
                argv,
                env=self.env,
                cwd=self.root,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: gunicorn's workers go with it
            )
        self.processes[role] = process
        return process

    def start_web(self) -> None:
        port = unused_port()
        self.url = f"http://127.0.0.1:{port}"
        self.start(
            "web",
            [
                str(BIN / "gunicorn"),
                *("--worker-class", "gthread", "--threads", "4", "--workers", "1"),
                *("--graceful-timeout", "5", "--bind", f"127.0.0.1:{port}"),
                "server.web:create_app()",
            ],
        )

    def start_worker(self) -> None:
        self.start("worker", [str(BIN / "originxr"), "worker"])

    @property
    def worker_identity(self) -> str:
        """The `Build.worker` value of this host's worker (`builds.worker_identity`)."""
        return f"{socket.gethostname()}:{self.processes['worker'].pid}"

    def logs(self) -> str:
        """Return the last lines each process of this host wrote (for a failure message)."""
        return "\n".join(
            f"--- {self.name} {log.stem} ---\n"
            + "\n".join(log.read_text(errors="replace").splitlines()[-25:])
            for log in sorted(self.root.glob("*.log"))
        )

    def stop(self) -> list[str]:
        """Stop every process this host started; return what was still running after."""
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        left = []
        for role, process in self.processes.items():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                left.append(f"{self.name} {role} ignored SIGTERM")
            try:  # the group too: a gunicorn worker outliving its master
                os.killpg(process.pid, signal.SIGKILL)
                left.append(f"{self.name} {role}'s process group outlived it")
            except ProcessLookupError:
                pass
            process.wait()
        return left


@pytest.fixture
def hosts(
    tmp_path: Path, redis_url: str, database: dict[str, Any], s3_url: str
) -> Iterator[tuple[Host, Host]]:
    """Hosts A and B (nothing started yet); every process they start is stopped after."""
    original = tmp_path / "signing_key.pem"  # made once, as an operator makes it
    load_private_key(original)
    # The environment of this test run, less every originxr setting (and the metrics folder
    # of whoever ran pytest); the AWS_* variables of the moto fixture stay.
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(PREFIX) and k not in UNPREFIXED and k != "PROMETHEUS_MULTIPROC_DIR"
    }
    made = []
    for name in ("A", "B"):
        root = tmp_path / name
        root.mkdir()
        key = root / "keys" / "signing_key.pem"  # each host's own copy, at its own path
        key.parent.mkdir()
        shutil.copy(original, key)
        env = dict(
            base,
            DATABASE_URL=database["DATABASE_URL"],
            REDIS_URL=redis_url,
            SECRET_KEY=SECRET_KEY,
            **{
                PREFIX + k: str(v)
                for k, v in {
                    "DATABASE_SCHEMA": database["DATABASE_SCHEMA"],
                    "INSTANCE_PATH": root / "instance",
                    "SIGNING_KEY_PATH": key,
                    "BLOB_STORE_URL": s3_url,
                    "BUILD_STEP_PAUSE": PAUSE_SECONDS,
                    "BUILD_LEASE_SECONDS": LEASE_SECONDS,
                }.items()
            },
        )
        made.append(Host(name, root, env))
    a, b = made
    try:
        yield a, b
    finally:
        left = a.stop() + b.stop()
        assert not left, left


@pytest.fixture
def engine(database: dict[str, Any]) -> Iterator[Engine]:
    """The shared database, as the test itself reads it (it is neither host)."""
    shared = make_engine(database["DATABASE_URL"], database["DATABASE_SCHEMA"])
    yield shared
    shared.dispose()


def _poll(what: str, probe: Callable[[], T | None], hosts: tuple[Host, ...], timeout: float) -> T:
    """Return `probe()` once it is not None; fail after `timeout` s (or a process's end)."""
    deadline = time.monotonic() + timeout
    while (found := probe()) is None:
        # Only the worker the test kills (SIGKILL) may have ended.
        dead = [
            f"{h.name} {role}"
            for h in hosts
            for role, process in h.processes.items()
            if process.poll() not in (None, -signal.SIGKILL)
        ]
        if time.monotonic() > deadline or dead:
            logs = "\n".join(h.logs() for h in hosts)
            pytest.fail(f"{what}: not within {timeout:g} s (exited: {dead})\n{logs}")
        time.sleep(0.25)
    return found


def _http(
    url: str, data: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()
    except OSError:
        return 0, {}, b""  # not listening (yet)


def _ready(host: Host) -> bool | None:
    """Tell (True) when `host`'s web answers /readyz: database, Redis and the bucket up."""
    return _http(f"{host.url}/readyz")[0] == 200 or None


def _batch_class(gtin: str, lot: str) -> str:
    """The EPC class URN of a demo batch (company prefix 9520123, seven digits)."""
    return f"urn:epc:class:lgtin:{gtin[1:8]}.{gtin[0]}{gtin[8:13]}.{lot}"


def _capture(host: Host, token: str, note: str, *, classes: tuple[str, ...] = ()) -> dict[str, Any]:
    """POST a one-event EPCIS document to `host`'s capture interface; return its answer.

    The event observes `classes` (it reaches their batches, so they are rebuilt) or, without
    them, a lot of its own that reaches no batch.
    """
    observed = classes or (f"urn:epc:class:lgtin:9520123.012345.{note}",)
    event = {
        "type": "ObjectEvent",
        "eventID": f"urn:uuid:{uuid.uuid4()}",
        "eventTime": "2025-05-02T10:00:00.000+00:00",
        "eventTimeZoneOffset": "+00:00",
        "action": "OBSERVE",
        "bizStep": "inspecting",
        "quantityList": [{"epcClass": c, "quantity": 2, "uom": "KGM"} for c in observed],
    }
    document = {
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2025-05-02T11:00:00Z",
        "epcisBody": {"eventList": [event]},
    }
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/ld+json"}
    status, _, body = _http(f"{host.url}/epcis/capture", json.dumps(document).encode(), headers)
    assert status == 202, body
    answer: dict[str, Any] = json.loads(body)
    assert answer["newCount"] == 1
    return answer


def _signatures(host: Host, gtin: str, lot: str) -> dict[str, Any] | None:
    """Return the batch's signature records on `host` once both are of current builds."""
    status, headers, body = _http(f"{host.url}/api/v1/batches/{gtin}/{lot}/signatures")
    if status != 200 or headers.get("Originxr-Build") != "current":
        return None
    records: dict[str, Any] = json.loads(body)["signatures"]
    return records if all(records.values()) else None


def _builds(engine: Engine) -> list[Build]:
    with Session(engine, expire_on_commit=False) as session:
        return list(session.scalars(select(Build).order_by(Build.id)))


def _who(rows: list[Build], hosts: tuple[Host, ...]) -> dict[str, list[str]]:
    """Return which host's worker finished which done builds (`kind:batch id`)."""
    names = {h.worker_identity: h.name for h in hosts}
    built: dict[str, list[str]] = {}
    for row in (r for r in rows if r.status == "done"):
        built.setdefault(names.get(row.worker or "", str(row.worker)), []).append(
            f"{row.kind}:{row.batch_id}"
        )
    return built


def _queue_idle(redis_url: str) -> bool | None:
    """Tell (True) when no build job waits or runs: no leftover job may join the next round."""
    with Redis.from_url(redis_url) as redis:
        idle = Queue("builds", connection=redis).count == 0
        return (idle and StartedJobRegistry("builds", connection=redis).count == 0) or None


def _batch_at(engine: Engine, batch_id: int) -> tuple[str, str]:
    with Session(engine) as session:
        batch = session.get(Batch, batch_id)
        assert batch is not None
        return batch.product.gtin, batch.lot


def test_two_hosts_share_one_deployment_and_take_over_a_killed_build(
    hosts: tuple[Host, Host], engine: Engine, s3_url: str, redis_url: str
) -> None:
    a, b = hosts
    both = (a, b)

    # 1. Migrated once, the demo brand loaded and a token made, all through host A.
    assert "database is up to date" in a.cli("migrate")
    assert "brand nkabom: updated" in a.cli("load-brand", str(DEMO_PACK))
    token = a.cli("create-token", "--brand", "nkabom").strip().splitlines()[-1]
    for host in both:
        host.start_web()
        host.start_worker()
    for host in both:
        _poll(f"{host.name} ready", lambda h=host: _ready(h), both, 60)

    # 2. A capture on web A is built by the workers and served, current, by web B.
    answer = _capture(a, token, "HOSTA")
    status, _, body = _http(
        f"{b.url}/epcis/capture/{answer['captureID']}",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert status == 200 and json.loads(body)["success"], body
    records = {
        batch: _poll(f"batch {batch} current on B", lambda k=batch: _signatures(b, *k), both, 90)
        for batch in BATCHES
    }
    gtin, lot = BATCHES[0]
    status, _, page = _http(f"{b.url}/01/{gtin}/10/{lot}")
    assert status == 200
    assert f'data-manifest-url="{records[BATCHES[0]]["manifest"]["blob_url"]}"'.encode() in page
    print("built after the capture on A:", _who(_builds(engine), both))  # the current builds

    # 3. One key on both hosts, and what either signed verifies with it, fetched from either.
    keys = {host.name: _http(f"{host.url}/.well-known/originxr-keys.json")[2] for host in both}
    assert keys["A"] == keys["B"]
    (published,) = json.loads(keys["A"])["keys"]
    public = Ed25519PublicKey.from_public_bytes(b64url_decode(published["public_key"]))
    assert published["kid"] == key_id(
        load_private_key(a.root / "keys/signing_key.pem").public_key()
    )
    for batch, signed in records.items():
        assert _signatures(a, *batch) == signed  # A reports what B reports
        for what, record in signed.items():
            assert record["kid"] == published["kid"]
            for host in both:
                status, _, document = _http(host.url + record["blob_url"])
                assert status == 200, (batch, what, host.name)
                assert verify(document, record, public), (batch, what, host.name)

    # 4. A worker killed mid-build leaves the build to the other one.
    _poll("the builds queue drained", lambda: _queue_idle(redis_url), both, 60)
    # (an event that reaches every batch: a capture rebuilds only the batches it reaches)
    _capture(b, token, "HOSTB", classes=tuple(_batch_class(*batch) for batch in BATCHES))
    _take_over_a_killed_build(engine, both, records)
    for batch in BATCHES:
        _poll(f"batch {batch} current on A", lambda k=batch: _signatures(a, *k), both, 90)

    # Nothing half-published: no build running or failed, every done one's outputs all in
    # the bucket (the public ones with their Blob row), nothing in either host's folder.
    rows = _builds(engine)
    # (a queued row of a superseded fingerprint may stay: its job built the newer one)
    assert not [(r.id, r.status) for r in rows if r.status in ("running", "failed")]
    bucket = open_blob_store({"BLOB_STORE_URL": s3_url})
    with Session(engine) as session:
        for row in rows:
            for key, sha in row.outputs.items() if row.status == "done" else ():
                assert bucket.exists(sha), (row.id, key)
                if not key.startswith("report_full"):  # the full report is private
                    assert session.get(Blob, sha) is not None, (row.id, key)
    print("built after the takeover:", _who(rows, both))
    for host in both:
        assert not [p for p in (host.instance / "blobs").rglob("*") if p.is_file()]
        assert not (host.instance / "signing_key.pem").exists()  # the configured key was used
        assert not (host.instance / "secret_key").exists()


def _take_over_a_killed_build(
    engine: Engine, both: tuple[Host, Host], records: dict[tuple[str, str], dict[str, Any]]
) -> None:
    """SIGKILL the worker of a scene under way; the other worker must finish it."""

    def mid_build() -> Build | None:
        # A scene past its evidence step (whose build may be another worker's: a scene's
        # worker waits for an evidence build it needs that another worker runs) and before
        # its last (a step pause, at least, away from publishing).
        running = [
            row
            for row in _builds(engine)
            if row.kind == "scene" and row.status == "running" and 0.2 <= row.progress < 0.85
        ]
        return running[0] if running else None

    identities = {host.worker_identity: host for host in both}
    victim = identities[_poll("a scene build under way", mid_build, both, 60).worker or ""]
    survivor = both[1] if victim is both[0] else both[0]
    os.kill(victim.processes["worker"].pid, signal.SIGKILL)
    killed_at = time.monotonic()
    assert victim.processes["worker"].wait(timeout=10) == -signal.SIGKILL
    rows = _builds(engine)
    orphans = {
        r.id: r for r in rows if r.worker == victim.worker_identity and r.status == "running"
    }
    assert orphans, "the killed worker left no build running"
    batches = {_batch_at(engine, row.batch_id) for row in orphans.values()}
    for gtin, lot in batches:  # meanwhile the last whole build is served, marked stale
        status, headers, body = _http(f"{survivor.url}/api/v1/batches/{gtin}/{lot}/signatures")
        assert (status, headers.get("Originxr-Build")) == (200, "stale"), body
        assert json.loads(body)["signatures"]["manifest"] == records[gtin, lot]["manifest"]
    seen: dict[str, dict[int, float]] = {"requeued": {}, "taken": {}}

    def taken_over() -> list[Build] | None:
        for gtin, lot in batches:  # a page request notices the lapsed lease and enqueues
            _http(f"{both[1].url}/01/{gtin}/10/{lot}")
        now = time.monotonic() - killed_at
        found = [row for row in _builds(engine) if row.id in orphans]
        for row in found:
            if row.job_id != orphans[row.id].job_id:
                seen["requeued"].setdefault(row.id, now)
            if row.worker == survivor.worker_identity:
                seen["taken"].setdefault(row.id, now)
        return found if all(row.status == "done" for row in found) else None

    finished = _poll("the takeover", taken_over, both, 60)
    done_after = time.monotonic() - killed_at
    assert {row.worker for row in finished} == {survivor.worker_identity}
    assert all(row.job_id != orphans[row.id].job_id for row in finished)  # enqueued again
    print(
        f"killed {victim.name}'s worker in",
        [f"{r.kind}:{r.batch_id} at step {r.step!r}" for r in orphans.values()],
        "; after the kill: re-enqueued",
        {k: f"{v:.1f} s" for k, v in seen["requeued"].items()},
        f"taken by {survivor.name}'s worker",
        {k: f"{v:.1f} s" for k, v in seen["taken"].items()},
        f"done {done_after:.1f} s",
    )
