"""Probes: /livez answers alone; /readyz names what is down (a real Redis stopped, started)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from redis import Redis, RedisError

from server.adapters.db import db
from server.web import create_app
from tests.conftest import make_app, unused_port

REDIS_SERVER = shutil.which("redis-server") or str(Path(".venv/bin/redis-server").resolve())


def test_livez_and_healthz_answer_ok_and_are_never_cached(sqlite_app: Flask) -> None:
    client = sqlite_app.test_client()
    for path in ("/livez", "/healthz"):
        response = client.get(path)
        assert response.status_code == 200
        assert response.get_json() == {"status": "ok"}
        assert response.headers["Cache-Control"] == "no-store"


def test_readyz_reports_each_check_when_all_answer(sqlite_app: Flask) -> None:
    response = sqlite_app.test_client().get("/readyz")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.get_json() == {
        "status": "ok",
        "checks": {"database": "ok", "redis": "ok", "blobs": "ok"},
    }


class RedisServer:
    """A throw-away redis-server on a fixed loopback port, stopped and started at will."""

    def __init__(self, port: int, folder: Path) -> None:
        self.port = port
        self.folder = folder
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        argv = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        argv += ["--appendonly", "no", "--dir", str(self.folder)]
        self.process = subprocess.Popen(argv, stdout=subprocess.DEVNULL)
        client = Redis.from_url(self.url, socket_timeout=1)
        for _ in range(200):  # until it accepts connections
            try:
                client.ping()
                return
            except RedisError:
                try:
                    self.process.wait(timeout=0.05)  # a pause that also notices an early exit
                except subprocess.TimeoutExpired:
                    continue
                raise RuntimeError("redis-server exited") from None
        raise RuntimeError("redis-server did not answer")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(unused_port(), tmp_path)
    server.start()
    yield server
    server.stop()


def _ready(app: Flask) -> tuple[int, dict[str, object]]:
    response = app.test_client().get("/readyz")
    return response.status_code, response.get_json()


def test_readyz_names_redis_while_it_is_stopped_and_recovers(
    tmp_path: Path, own_redis: RedisServer
) -> None:
    app = make_app(
        tmp_path, own_redis.url, {"DATABASE_URL": f"sqlite:///{tmp_path / 'test.sqlite3'}"}
    )
    assert _ready(app)[0] == 200
    own_redis.stop()
    status, body = _ready(app)
    assert status == 503
    assert body["status"] == "unavailable" and body["down"] == ["redis"]
    assert body["checks"] == {"database": "ok", "redis": "down", "blobs": "ok"}
    assert app.test_client().get("/livez").status_code == 200  # liveness does not care
    own_redis.start()
    assert _ready(app) == (200, {"status": "ok", "checks": {k: "ok" for k in body["checks"]}})


def test_readyz_names_the_database_while_its_folder_is_gone(tmp_path: Path, redis_url: str) -> None:
    folder = tmp_path / "data"
    app = create_app(
        {
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "REDIS_URL": redis_url,
            "DATABASE_URL": f"sqlite:///{folder / 'originxr.sqlite3'}",
            "TESTING": True,
        }
    )
    status, body = _ready(app)
    assert (status, body["down"]) == (503, ["database"])
    folder.mkdir()
    assert _ready(app)[0] == 200
    shutil.rmtree(folder)
    db.engine_for(app).dispose()  # an open SQLite file outlives its folder; a new one cannot
    assert _ready(app)[1]["down"] == ["database"]
    db.engine_for(app).dispose()
