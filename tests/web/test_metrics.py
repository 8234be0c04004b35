"""`/metrics`: the Prometheus families after a scan, a capture and a build; multiprocess mode."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from flask import Flask
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import api_token, work_queue

FLAGGED = "/01/09520123100025/10/NK25-0227"
PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) Version/17.5 Mobile Safari/604.1"
FAMILIES = {
    "originxr_http_request_duration_seconds",
    "originxr_scans_recorded",
    "originxr_scans_dropped",
    "originxr_build_duration_seconds",
    "originxr_build_failures",
    "originxr_capture_events",
    "originxr_queue_depth",
    "originxr_queue_redis_up",
}
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def _scrape(app: Flask) -> tuple[set[str], Samples]:
    response = app.test_client().get("/metrics")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    families = list(text_string_to_metric_families(response.get_data(as_text=True)))
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value for f in families for s in f.samples
    }
    return {f.name for f in families}, samples


def _capture(app: Flask) -> None:
    event = {
        "type": "ObjectEvent",
        "eventTime": "2025-02-03T10:00:00.000+00:00",
        "eventTimeZoneOffset": "+00:00",
        "action": "OBSERVE",
        "bizStep": "inspecting",
        "quantityList": [
            {"epcClass": "urn:epc:class:lgtin:9520123.012345.M1", "quantity": 3, "uom": "KGM"}
        ],
    }
    document = {
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2025-02-03T11:00:00Z",
        "epcisBody": {"eventList": [event, event]},  # the second is a duplicate
    }
    headers = {"Authorization": f"Bearer {api_token(app)}"}
    response = app.test_client().post("/epcis/capture", json=document, headers=headers)
    assert response.status_code == 202, response.get_data(as_text=True)


def test_metrics_count_requests_scans_captures_builds_and_read_queue_depths(
    sqlite_app: Flask,
) -> None:
    _, before = _scrape(sqlite_app)
    assert sqlite_app.test_client().get(FLAGGED, headers={"User-Agent": PHONE}).status_code == 200
    names, queued = _scrape(sqlite_app)
    assert names >= FAMILIES
    assert queued[("originxr_queue_depth", (("queue", "builds"),))] > 0  # the page asked
    _capture(sqlite_app)
    work_queue(sqlite_app)
    names, after = _scrape(sqlite_app)
    assert names >= FAMILIES

    def grew(name: str, *labels: tuple[str, str]) -> float:
        key = (name, tuple(sorted(labels)))
        return after.get(key, 0.0) - before.get(key, 0.0)

    page = (("route", "/01/<linkpath:rest>"), ("method", "GET"), ("status", "2xx"))
    assert grew("originxr_http_request_duration_seconds_count", *page) == 1  # the rule, not path
    assert grew("originxr_scans_recorded_total") == 1
    assert grew("originxr_capture_events_total", ("result", "stored")) == 1
    assert grew("originxr_capture_events_total", ("result", "duplicate")) == 1
    for kind in ("evidence", "scene"):
        done = (("kind", kind), ("outcome", "done"))
        assert grew("originxr_build_duration_seconds_count", *done) >= 1
    assert after[("originxr_queue_depth", (("queue", "builds"),))] == 0
    assert after[("originxr_queue_redis_up", ())] == 1


COUNT_ONE_SCAN = """
from server.adapters import metrics
metrics.scan_recorded()
metrics.build_finished("scene", "failed", 0.5)
"""
SCRAPE = """
import sys
from redis import Redis
from server.adapters import metrics
sys.stdout.write(metrics.scrape(Redis.from_url(sys.argv[1])).decode())
"""


def test_with_a_multiprocess_folder_a_scrape_adds_up_every_process(
    tmp_path: Path, redis_url: str
) -> None:
    env = dict(os.environ, PROMETHEUS_MULTIPROC_DIR=str(tmp_path))
    root = Path(__file__).resolve().parents[2]
    for _ in range(2):  # two workers, each its own process
        subprocess.run([sys.executable, "-c", COUNT_ONE_SCAN], env=env, cwd=root, check=True)
    text = subprocess.run(
        [sys.executable, "-c", SCRAPE, redis_url],
        env=env,
        cwd=root,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }
    assert samples[("originxr_scans_recorded_total", ())] == 2
    assert samples[("originxr_build_failures_total", (("kind", "scene"),))] == 2
    assert samples[("originxr_queue_depth", (("queue", "builds"),))] == 0


def test_a_worker_serves_its_own_metrics_on_its_port(tmp_path: Path, redis_url: str) -> None:
    import time
    import urllib.request

    from tests.conftest import unused_port

    port = unused_port()
    env = {
        **os.environ,
        "ORIGINXR_INSTANCE_PATH": str(tmp_path),
        "REDIS_URL": redis_url,
        "ORIGINXR_WORKER_METRICS_PORT": str(port),
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    command = Path(sys.executable).parent / "originxr"
    subprocess.run([command, "migrate"], env=env, check=True, capture_output=True)
    worker = subprocess.Popen([command, "worker"], env=env, stderr=subprocess.DEVNULL)
    try:
        text = None
        for _ in range(150):  # the worker imports the app first: wait, do not time it
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as answer:
                    text = answer.read().decode()
                break
            except OSError:
                assert worker.poll() is None, "the worker exited"
                time.sleep(0.2)
        assert text is not None, "the worker's metrics port never answered"
        names = {f.name for f in text_string_to_metric_families(text)}
        assert {"originxr_build_duration_seconds", "originxr_build_failures"} <= names
    finally:
        worker.terminate()
        worker.wait(timeout=30)
