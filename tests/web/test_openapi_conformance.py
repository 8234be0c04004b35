"""The response check every test client runs (tests/openapi_conformance.py) catches drift."""

from __future__ import annotations

import json

import pytest
from flask import Flask

from tests.openapi_conformance import ResponseDrift, check

SUMMARY = "/api/v1/batches/09520123100025/NK25-0227/summary"


def test_described_answers_pass_and_drifted_ones_fail(sqlite_app: Flask) -> None:
    client = sqlite_app.test_client()
    unknown = client.get("/api/v1/batches/09520123100025/NOPE/summary")  # checked on the way
    assert unknown.status_code == 404

    unknown.status_code = 299  # a status the description does not list
    with pytest.raises(ResponseDrift, match="299"):
        check(unknown)

    unknown.status_code = 404
    unknown.set_data(json.dumps({"type": 7}))  # a problem document of the wrong shape
    with pytest.raises(ResponseDrift, match="/summary"):
        check(unknown)

    unknown.set_data(b"<p>not found</p>")
    unknown.mimetype = "text/html"  # a media type the description does not list
    with pytest.raises(ResponseDrift):
        check(unknown)


def test_undescribed_paths_are_left_to_the_coverage_test(sqlite_app: Flask) -> None:
    response = sqlite_app.test_client().get("/api/no-such-route")
    assert response.status_code == 404
    check(response)  # nothing to compare with: no error
