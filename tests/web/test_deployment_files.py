"""The deployment files: the image runs gunicorn (gthread), compose wires the shared state."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_the_image_serves_the_app_factory_with_gthread() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "FROM python:3.11-slim" in dockerfile
    assert "pip install" in dockerfile and "npm run" in dockerfile  # built into the image
    assert "--worker-class gthread" in dockerfile and "'server.web:create_app()'" in dockerfile


def test_compose_runs_two_webs_and_two_workers_on_shared_state() -> None:
    yaml = pytest.importorskip("yaml")
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert {"web", "worker", "redis", "postgres", "minio"} <= set(services)
    for name in ("web", "worker"):
        service = services[name]
        assert service["deploy"]["replicas"] == 2
        env = service["environment"]
        for key in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "AWS_ACCESS_KEY_ID"):
            assert env[key], key
        assert env["ORIGINXR_BLOB_STORE_URL"] == "s3://originxr/blobs"
        assert env["ORIGINXR_TRUSTED_PROXY_HOPS"] == "1"  # the one proxy in front
    assert services["worker"]["command"] == ["originxr", "worker"]
    assert "/readyz" in " ".join(services["web"]["healthcheck"]["test"])


def _pins(lock: Path) -> dict[str, str]:
    pins = {}
    for line in lock.read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?==([^ ;\\]+)", line)
        if match:
            pins[_normal(match[1])] = match[2]
    return pins


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_the_image_installs_the_runtime_lock_at_the_pins_of_the_full_lock() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "pip install --require-hashes --no-deps -r requirements-runtime.lock" in dockerfile
    runtime, full = _pins(ROOT / "requirements-runtime.lock"), _pins(ROOT / "requirements.lock")
    assert runtime and {name: full.get(name) for name in runtime} == runtime  # same versions
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {
        _normal(re.split(r"[\[<>=!~; ]", dep, maxsplit=1)[0]) for dep in project["dependencies"]
    }
    assert wanted <= set(runtime), f"not in requirements-runtime.lock: {wanted - set(runtime)}"
    assert "pytest" not in runtime and "schemathesis" not in runtime  # dev tools stay out
