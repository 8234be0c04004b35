"""Property-based tests of every described operation against a live server (schemathesis).

The demo app (SQLite, real Redis, builds done) is served over HTTP on a free loopback port;
schemathesis reads `/api/openapi.json` from it and sends, for every operation, generated
requests of three kinds: valid ones, invalid ones (negative mode) and valid ones about the
demo batch and site (so that the 200 answers are exercised, not only 404s). Every answer must
be no server error and conform to the description: status code, media type, headers and
schema. Failures are collected (not shrunk) and listed together; the number of requests is
printed. ORIGINXR_SCHEMATHESIS_EXAMPLES sets the examples per operation and kind (default 30).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from server.adapters.db import db
from tests.conftest import LiveServer, api_token, load_demo, make_app, work_queue

EXAMPLES = int(os.environ.get("ORIGINXR_SCHEMATHESIS_EXAMPLES", "30"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
KNOWN = {"gtin": "09520123100025", "lot": "NK25-0227", "siteKey": "farm-01"}
RATE_LIMITS_OFF = {
    f"RATE_LIMIT_{name}": 0
    for name in ("SCAN_EVENTS", "PUBLIC_JSON", "CAPTURE", "UPLOADS", "API_CLIENT")
}


@pytest.fixture
def served(tmp_path: Path, redis_url: str, sqlite_only: dict[str, Any]) -> Iterator[Any]:
    """The demo app with its builds done, served over HTTP; rate limits off (tested apart)."""
    app: Flask = make_app(tmp_path, redis_url, sqlite_only, **RATE_LIMITS_OFF)
    load_demo(app)
    assert app.test_client().get("/01/09520123100025/10/NK25-0227").status_code == 200
    work_queue(app)
    with LiveServer(app) as server:
        yield server, api_token(app)
    db.engine_for(app).dispose()


def _run(operation: Any, mode: GenerationMode, known: dict[str, str], call: Any) -> None:
    strategy = operation.as_strategy(generation_mode=mode, path_parameters=known or None)

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case: Any) -> None:
        call(case)

    try:
        run()
    except Unsatisfiable:
        # nothing to make invalid (an operation without parameters or body): nothing to send
        assert mode is GenerationMode.NEGATIVE, operation.label


def test_every_operation_answers_as_described_under_generated_requests(served: Any) -> None:
    server, token = served
    schema = schemathesis.openapi.from_url(server.url + "/api/openapi.json")
    session = requests.Session()
    auth = {"Authorization": f"Bearer {token}"}
    failures: dict[str, str] = {}
    counts = {"requests": 0, "operations": 0}

    def call(case: Any) -> None:
        counts["requests"] += 1
        response = case.call(
            base_url=server.url, session=session, headers=auth, timeout=30, allow_redirects=False
        )
        try:
            case.validate_response(response, checks=CHECKS)
        except FailureGroup as exc:  # a check failed: keep the first of each kind, go on
            for failure in exc.exceptions:
                key = f"{case.operation.label} {response.status_code} {failure.title}"
                failures.setdefault(key, f"{failure}\n    {case.as_curl_command()}"[:1200])

    for result in schema.get_all_operations():
        operation = result.ok()
        counts["operations"] += 1
        names = {p.name for p in operation.path_parameters}
        known = {name: value for name, value in KNOWN.items() if name in names}
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _run(operation, mode, {}, call)
        if known and len(known) == len(names):
            _run(operation, GenerationMode.POSITIVE, known, call)
    print(
        f"schemathesis (live server): {counts['requests']} requests over "
        f"{counts['operations']} operations, {len(failures)} kinds of failure"
    )
    assert counts["operations"] >= 30
    assert not failures, "answers that break the description:\n" + "\n".join(
        f"- {key}: {text}" for key, text in sorted(failures.items())
    )
