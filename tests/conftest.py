"""Shared fixtures: real Redis (own database number), SQLite or PostgreSQL, the demo brand."""

from __future__ import annotations

import dataclasses
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from argon2 import profiles as argon2_profiles
from flask import Flask
from redis import Redis
from sqlalchemy import create_engine, select, text
from werkzeug.serving import make_server

from server.adapters.db import db
from server.adapters.migrate import upgrade
from server.adapters.models import EpcisEvent, EvidenceRecord, Plot, Site
from server.core import passwords
from server.core.evidence.inputs import BatchInputs
from server.services.batch_inputs import plain_event, plain_plot, plain_record, plain_site
from server.web import create_app
from tests import db_templates, openapi_conformance

ROOT = Path(__file__).resolve().parent.parent
DEMO_PACK = ROOT / "brands" / "nkabom"


def _worker_redis_url(base: str, worker: str | None) -> str:
    """The Redis URL of this pytest-xdist worker: database base + worker index (gw0 keeps base).

    Each test empties its database before and after, so parallel workers must not share one.
    """
    if not worker or not worker.startswith("gw"):
        return base
    prefix, _, number = base.rpartition("/")
    index = int(worker[2:])
    database = (int(number) if number.isdigit() else 0) + index
    if database > 15:
        raise pytest.UsageError(
            f"xdist worker {worker} would need Redis database {database} (from {base}); "
            "use fewer workers or a lower database number in ORIGINXR_TEST_REDIS_URL"
        )
    return f"{prefix}/{database}"


REDIS_URL = _worker_redis_url(
    os.environ.get("ORIGINXR_TEST_REDIS_URL", "redis://127.0.0.1:6379/13"),
    os.environ.get("PYTEST_XDIST_WORKER"),
)
POSTGRES_URL = os.environ.get("ORIGINXR_TEST_POSTGRES_URL")


# Argon2id at argon2-cffi's cheapest parameters in the test process: still real Argon2id
# hashes, verified the same way, but ~1 ms instead of ~0.5 s each (a studio test makes four).
# tests/core/test_passwords.py checks the production parameters (RFC 9106, second choice).
passwords.use_parameters(argon2_profiles.CHEAPEST)


def pytest_configure(config: pytest.Config) -> None:
    """Validate every /api and /epcis response of a Flask test client against the description."""
    openapi_conformance.install()


# Set by scripts/test when CI=true: there every service and tool a skip names is installed, so
# a skip means a test that did not run where it must. The run fails naming the skipped tests.
NO_SKIPS = os.environ.get("ORIGINXR_TESTS_NO_SKIPS") == "1"
_SKIPPED: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Note each skipped test (with xdist, the controller sees every worker's reports)."""
    if NO_SKIPS and report.skipped and not hasattr(report, "wasxfail"):
        _SKIPPED.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail a run that skipped tests when skips are forbidden (ORIGINXR_TESTS_NO_SKIPS=1)."""
    if _SKIPPED and exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Name the tests that were skipped where skips are forbidden."""
    if _SKIPPED:
        terminalreporter.write_sep("=", "skipped where ORIGINXR_TESTS_NO_SKIPS=1", red=True)
        for nodeid in sorted(set(_SKIPPED)):
            terminalreporter.write_line(nodeid)


@pytest.fixture
def redis_url() -> Iterator[str]:
    """A Redis database of the tests' own, emptied before and after each test."""
    conn = Redis.from_url(REDIS_URL)
    try:
        conn.ping()
    except Exception as exc:
        pytest.fail(f"Redis at {REDIS_URL} is not answering ({exc}); scripts/test starts one")
    conn.flushdb()
    yield REDIS_URL
    conn.flushdb()
    conn.close()


def _postgres_schema() -> Iterator[tuple[str, str]]:
    if not POSTGRES_URL:
        pytest.skip(
            "ORIGINXR_TEST_POSTGRES_URL is unset (scripts/test sets it when PostgreSQL answers)"
        )
    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = create_engine(POSTGRES_URL)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield POSTGRES_URL, schema
    finally:
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


def shared_signing_key(folder: Path) -> str:
    """Return the path of an Ed25519 key file made in `folder`, as an operator makes one."""
    from server.core.signing import load_private_key

    path = folder / "shared_signing_key.pem"
    load_private_key(path)  # generates it on first use
    return str(path)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """Settings for a fresh database: SQLite in tmp_path, or a throw-away PostgreSQL schema."""
    if request.param == "sqlite":
        yield {"DATABASE_URL": f"sqlite:///{tmp_path / 'test.sqlite3'}"}
    else:
        for url, schema in _postgres_schema():
            # A shared database requires the keys every machine shares (config.py).
            yield {
                "DATABASE_URL": url,
                "DATABASE_SCHEMA": schema,
                "SECRET_KEY": f"test-{schema}",
                "SIGNING_KEY_PATH": shared_signing_key(tmp_path),
            }


@pytest.fixture
def sqlite_only(tmp_path: Path) -> dict[str, Any]:
    """Settings for a fresh SQLite database (for tests whose subject is not the database)."""
    return {"DATABASE_URL": f"sqlite:///{tmp_path / 'test.sqlite3'}"}


def make_app(tmp_path: Path, redis_url: str, db_settings: dict[str, Any], **extra: Any) -> Flask:
    """Create a migrated app whose instance folder is `tmp_path`."""
    url = str(db_settings.get("DATABASE_URL", ""))
    if db_settings.get("DATABASE_SCHEMA"):
        db_templates.seed_postgres(url, str(db_settings["DATABASE_SCHEMA"]))
    else:
        db_templates.seed_sqlite(url)
    settings = {
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "REDIS_URL": redis_url,
        "TESTING": True,
    }
    settings.update(db_settings)
    settings.update(extra)
    app = create_app(settings)
    upgrade(db.engine_for(app))
    return app


def load_demo(app: Flask, pack: Path = DEMO_PACK) -> None:
    """Import the demo brand pack into `app`'s database."""
    from server.adapters.blobs import blob_store
    from server.services.brand_pack import load_pack

    with app.app_context():
        load_pack(db.session, blob_store(app), pack)


def built_demo_app(tmp: Path, page: str, **extra: Any) -> Flask:
    """The demo brand on SQLite in `tmp` with the builds of `page` done (Redis flushed first)."""
    Redis.from_url(REDIS_URL).flushdb()
    app = make_app(tmp, REDIS_URL, {"DATABASE_URL": f"sqlite:///{tmp / 'db.sqlite3'}"}, **extra)
    load_demo(app)
    app.test_client().get(page)  # enqueues the builds
    work_queue(app)
    return app


def work_queue(app: Flask, queues: tuple[str, ...] = ("builds",)) -> None:
    """Run a real RQ worker over `queues` (default: the builds queue) until they are empty."""
    from server.adapters.broker import broker
    from workers.worker import run_worker

    with app.app_context():
        run_worker(app, broker.redis, list(queues), burst=True)


@pytest.fixture
def app(tmp_path: Path, redis_url: str, database: dict[str, Any]) -> Iterator[Flask]:
    """An app on SQLite and on PostgreSQL (parametrised) with the demo brand loaded."""
    application = make_app(tmp_path, redis_url, database)
    load_demo(application)
    yield application
    db.engine_for(application).dispose()


@pytest.fixture
def sqlite_app(tmp_path: Path, redis_url: str, sqlite_only: dict[str, Any]) -> Iterator[Flask]:
    """An app on SQLite with the demo brand loaded."""
    application = make_app(tmp_path, redis_url, sqlite_only)
    load_demo(application)
    yield application
    db.engine_for(application).dispose()


@pytest.fixture
def copied_pack(tmp_path: Path) -> Path:
    """A writable copy of the demo pack, for tests that change data."""
    target = tmp_path / "pack"
    shutil.copytree(DEMO_PACK, target, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    return target


def worker_process(
    app: Flask, *args: str, capture: bool = False, **settings: str
) -> subprocess.Popen[bytes]:
    """Start `originxr worker` as its own process on `app`'s database and Redis."""
    env = dict(
        os.environ,
        ORIGINXR_INSTANCE_PATH=app.config["INSTANCE_PATH"],
        DATABASE_URL=app.config["DATABASE_URL"],
        REDIS_URL=app.config["REDIS_URL"],
        SECRET_KEY=app.config["SECRET_KEY"],
        ORIGINXR_SIGNING_KEY_PATH=app.config["SIGNING_KEY_PATH"],
        **{f"ORIGINXR_{k}": v for k, v in settings.items()},
    )
    if app.config.get("DATABASE_SCHEMA"):
        env["ORIGINXR_DATABASE_SCHEMA"] = app.config["DATABASE_SCHEMA"]
    out = subprocess.PIPE if capture else subprocess.DEVNULL
    originxr = Path(sys.executable).parent / "originxr"
    return subprocess.Popen(
        [str(originxr), "worker", *args], env=env, stdout=out, stderr=subprocess.STDOUT
    )


def api_token(app: Flask, slug: str = "nkabom") -> str:
    """Create an integrator API token for brand `slug` and return it."""
    from server.services.tokens import create_token

    with app.app_context(), db.transaction() as session:
        return create_token(session, slug, "test")[1]


class LiveServer:
    """The app served by a threaded Werkzeug server on a free loopback port."""

    def __init__(self, app: Flask) -> None:
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)


@pytest.fixture
def live_server(sqlite_app: Flask) -> Iterator[LiveServer]:
    """The demo app (SQLite, real Redis) served over HTTP, for WebSocket and browser tests."""
    with LiveServer(sqlite_app) as server:
        yield server


def stored_counts(app: Flask) -> tuple[int, int, frozenset[Path]]:
    """Return the snapshot rows, blob rows and blob files there are (nothing-stored checks)."""
    from sqlalchemy import func, select

    from server.adapters.models import Blob, Snapshot

    with app.app_context():
        snapshots = db.session.scalar(select(func.count()).select_from(Snapshot)) or 0
        blobs = db.session.scalar(select(func.count()).select_from(Blob)) or 0
    files = frozenset(p for p in Path(app.config["BLOB_PATH"]).rglob("*") if p.is_file())
    return int(snapshots), int(blobs), files


def whole_brand_inputs(inputs: BatchInputs, brand_id: int) -> BatchInputs:
    """Return `inputs` with every event, site, plot and record of the brand instead."""
    session = db.session
    of_brand = {
        model: list(session.scalars(select(model).where(model.brand_id == brand_id)))
        for model in (EpcisEvent, Site, Plot, EvidenceRecord)
    }
    events = sorted(of_brand[EpcisEvent], key=lambda e: (e.event_time, e.id))
    return dataclasses.replace(
        inputs,
        events=tuple(plain_event(e) for e in events),
        sites=tuple(plain_site(s) for s in sorted(of_brand[Site], key=lambda s: s.id)),
        plots=tuple(plain_plot(p) for p in sorted(of_brand[Plot], key=lambda p: p.id)),
        evidence=tuple(
            plain_record(r) for r in sorted(of_brand[EvidenceRecord], key=lambda r: r.id)
        ),
    )


def unused_port() -> int:
    """Return a loopback TCP port nothing listens on (for a service that must be down)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """A real S3-compatible server (moto's standalone `moto_server`) on a free loopback port.

    Sets the standard AWS_* variables boto3 reads for the whole session, so every S3 client
    made in this process (and in worker processes started from it) talks to this server.
    """
    port = unused_port()
    url = f"http://127.0.0.1:{port}"
    server = Path(sys.executable).parent / "moto_server"
    process = subprocess.Popen(
        [str(server), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_until_answering(url, process)
        with pytest.MonkeyPatch.context() as env:
            env.setenv("AWS_ENDPOINT_URL", url)
            env.setenv("AWS_ACCESS_KEY_ID", "originxr-test")
            env.setenv("AWS_SECRET_ACCESS_KEY", "originxr-test")
            env.setenv("AWS_DEFAULT_REGION", "us-east-1")
            # A developer's own AWS profile or config file must not redirect the tests.
            env.delenv("AWS_PROFILE", raising=False)
            env.setenv("AWS_CONFIG_FILE", os.devnull)
            env.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
            yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_answering(url: str, process: subprocess.Popen[bytes]) -> None:
    """Return once `url` answers HTTP; fail if the server exits or stays silent for 60 s."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"moto_server exited with {process.returncode} before answering")
        try:
            urllib.request.urlopen(url, timeout=10).close()
            return
        except urllib.error.HTTPError:
            return  # an HTTP error is still an answer
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            # Not listening yet, or listening but slow to answer its first request (a
            # loaded machine): ask again until the deadline.
            time.sleep(0.1)
    pytest.fail(f"moto_server did not answer at {url}")


@pytest.fixture
def s3_url(moto_endpoint: str) -> str:
    """A new, empty bucket on the moto server, as a BLOB_STORE_URL (``s3://bucket/blobs``)."""
    import boto3

    bucket = f"originxr-{uuid.uuid4().hex[:12]}"
    client = boto3.session.Session().client("s3")
    client.create_bucket(Bucket=bucket)
    client.close()
    return f"s3://{bucket}/blobs"


@pytest.fixture(params=["local", "s3"])
def blob_settings(request: pytest.FixtureRequest) -> dict[str, str]:
    """The blob-store settings of each backend: the local folder, then an S3 bucket."""
    if request.param == "local":
        return {"BLOB_STORE_URL": ""}
    return {"BLOB_STORE_URL": request.getfixturevalue("s3_url")}
