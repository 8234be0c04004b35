"""Logs: JSON lines (or text) carrying the request id, which the response echoes."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from server.web.request_logging import request_id
from tests.conftest import make_app

SQLITE = "sqlite:///{}"


def _app(tmp_path: Path, redis_url: str, log_format: str) -> Flask:
    app = make_app(
        tmp_path,
        redis_url,
        {"DATABASE_URL": SQLITE.format(tmp_path / "test.sqlite3")},
        LOG_FORMAT=log_format,
    )

    def noisy() -> str:
        # A module logger of ours, as the services use them.
        logging.getLogger("server.services.builds").warning("inside the request")
        return "ok"

    app.add_url_rule("/test-noisy", view_func=noisy)
    return app


def _json_lines(err: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in err.splitlines() if line.strip()]


def test_json_log_lines_carry_the_request_s_id(
    tmp_path: Path, redis_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    app = _app(tmp_path, redis_url, "json")
    capsys.readouterr()
    response = app.test_client().get("/test-noisy", headers={"X-Request-ID": "trace-42.a"})
    assert response.headers["X-Request-ID"] == "trace-42.a"
    lines = _json_lines(capsys.readouterr().err)  # every line is JSON
    mine = [line for line in lines if line["request_id"] == "trace-42.a"]
    assert {(line["logger"], line["message"]) for line in mine} == {
        ("server.services.builds", "inside the request"),
        ("server.web.requests", "GET /test-noisy 200"),
    }
    access = next(line for line in mine if line["logger"] == "server.web.requests")
    assert (access["route"], access["status"], access["level"]) == ("/test-noisy", 200, "INFO")


def test_each_request_gets_its_own_id_when_none_sane_is_given(
    tmp_path: Path, redis_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    app = _app(tmp_path, redis_url, "json")
    client = app.test_client()
    capsys.readouterr()
    given = ["", "has spaces", "x" * 129, "<script>", None]
    ids = []
    for header in given:
        headers = {} if header is None else {"X-Request-ID": header}
        ids.append(client.get("/livez", headers=headers).headers["X-Request-ID"])
    assert all(re.fullmatch(r"[0-9a-f]{32}", found) for found in ids)
    assert len(set(ids)) == len(given)
    logged = [line["request_id"] for line in _json_lines(capsys.readouterr().err)]
    assert logged == ids
    assert request_id("x" * 128) == "x" * 128


def test_text_log_lines_show_the_id_and_outside_a_request_a_dash(
    tmp_path: Path, redis_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    app = _app(tmp_path, redis_url, "text")
    capsys.readouterr()
    app.test_client().get("/test-noisy", headers={"X-Request-ID": "abc"})
    logging.getLogger("server.services.builds").warning("outside")
    err = capsys.readouterr().err
    assert "WARNING server.services.builds [abc] inside the request" in err
    assert "WARNING server.services.builds [-] outside" in err


def test_an_unknown_log_format_is_refused(tmp_path: Path, redis_url: str) -> None:
    with pytest.raises(ValueError, match="LOG_FORMAT"):
        _app(tmp_path, redis_url, "xml")
