"""The API description: valid OpenAPI 3.1, complete, served as JSON and as a page."""

from __future__ import annotations

import re
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openapi_spec_validator import validate
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from server.web.routes.api_docs import METHODS, load_document

CONFORMANCE = [status_code_conformance, content_type_conformance, response_schema_conformance]

# Everything an integrator or auditor's tool calls: the JSON API, EPCIS, blobs, keys, probes.
DESCRIBED_PREFIXES = ("/api/", "/epcis/", "/blobs/", "/.well-known/")
DESCRIBED_PATHS = ("/livez", "/readyz", "/healthz", "/metrics")
# The resolver answers every GS1 key; the two it resolves give linksets, the rest a 404.
RESOLVER_PATHS = {"/01/{gtin}/10/{lot}": "get", "/414/{gln}": "get", "/{compressed}": "get"}


def _shape(path: str) -> str:
    """Return `path` with its parameters blanked: `<a>`, `<int:a>` and `{a}` alike."""
    return re.sub(r"<[^>]+>|\{[^}]+\}", "{}", path)


def test_the_document_is_valid_openapi_3_1() -> None:
    document = load_document()
    assert document["openapi"].startswith("3.1")
    validate(document)  # raises naming the first problem


def test_every_registered_api_route_is_described(sqlite_app: Flask) -> None:
    described = {
        (_shape(path), method.upper())
        for path, item in load_document()["paths"].items()
        for method in METHODS
        if method in item
    }
    missing = []
    for rule in sqlite_app.url_map.iter_rules():
        if not (rule.rule.startswith(DESCRIBED_PREFIXES) or rule.rule in DESCRIBED_PATHS):
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            if (_shape(rule.rule), method) not in described:
                missing.append(f"{method} {rule.rule}")
    assert not missing, f"routes missing from server/web/openapi.yaml: {missing}"
    paths = load_document()["paths"]
    assert all(method in paths[path] for path, method in RESOLVER_PATHS.items())


def test_every_described_operation_has_a_route(sqlite_app: Flask) -> None:
    adapter = sqlite_app.url_map.bind("localhost")
    for path, item in load_document()["paths"].items():
        for method in METHODS:
            if method in item:
                example = re.sub(r"\{[^}]+\}", "x", path)
                if path in RESOLVER_PATHS:
                    example = path.replace("{gtin}", "09520123100025").replace("{lot}", "L1")
                    example = example.replace("{gln}", "9520123000008")
                    example = example.replace("{compressed}", "C1nYUc1gmiAHJJF3")
                adapter.match(example, method=method.upper())  # raises if nothing answers


def test_the_document_is_served_as_json(sqlite_app: Flask) -> None:
    response = sqlite_app.test_client().get("/api/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.get_json() == load_document()


def test_the_docs_page_lists_every_operation_under_the_csp(sqlite_app: Flask) -> None:
    response = sqlite_app.test_client().get("/api/docs?lang=en")
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "<script" not in html  # nothing to allow: the page is rendered on the server
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    for path, item in load_document()["paths"].items():
        assert path in html
        for method in METHODS:
            if method in item:
                assert f'id="{item[method]["operationId"]}"' in html
    assert 'id="schema-CaptureStatus"' in html and "Example" in html
    assert "Parameters" in html and "Responses" in html


@pytest.mark.parametrize(
    ("locale", "heading"),
    [("de", "API-Referenz"), ("fr", "Référence de l’API"), ("nl", "API-naslag")],
)
def test_the_docs_page_is_translated(sqlite_app: Flask, locale: str, heading: str) -> None:
    html = sqlite_app.test_client().get(f"/api/docs?lang={locale}").get_data(as_text=True)
    assert f"<h1>{heading}</h1>" in html and f'lang="{locale}"' in html


# Public GET operations a shopper's phone or an auditor's script meets, generated from the
# description: malformed identifiers must be 4xx, never a server error.
GENERATED = [
    "/01/{gtin}/10/{lot}",
    "/414/{gln}",
    "/blobs/{sha256}",
    "/api/v1/batches/{gtin}/{lot}/summary",
    "/api/v1/batches/{gtin}/{lot}/signatures",
    "/epcis/events",
]


def _no_server_error(operation: Any, statuses: set[int]) -> None:
    """Send generated requests for `operation`; fail on the first 5xx."""

    @settings(
        max_examples=25,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(), lang=st.sampled_from(["en", "de"]))
    def call(case: Any, lang: str) -> None:
        case.headers = {**(case.headers or {}), "Accept-Language": lang}
        response = case.call()
        assert response.status_code < 500, (case.as_curl_command(), response.text[:300])
        # Every answer is one the description lists, in its media type and schema.
        case.validate_response(response, checks=CONFORMANCE)
        statuses.add(response.status_code)

    call()


def test_generated_get_requests_meet_no_server_error(sqlite_app: Flask) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", sqlite_app)
    for path in GENERATED:
        statuses: set[int] = set()
        _no_server_error(schema[path]["GET"], statuses)
        assert statuses, path


def test_the_interactive_page_loads_swagger_ui_from_npm_and_nothing_else(
    sqlite_app: Flask,
) -> None:
    client = sqlite_app.test_client()
    page = client.get("/api/docs/ui?lang=en")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'href="/api/docs"' in html  # the no-JS page
    assert "<noscript>" in html and "/api/docs/assets/swagger-ui-bundle.js" in html
    with client.get("/api/docs/assets/swagger-ui-bundle.js") as bundle:
        assert bundle.status_code == 200 and b"SwaggerUIBundle" in bundle.get_data()
    assert client.get("/api/docs/assets/package.json").status_code == 404
    assert client.get("/api/docs/assets/..%2Fpackage.json").status_code == 404
    assert 'href="/api/docs/ui"' in client.get("/api/docs").get_data(as_text=True)
