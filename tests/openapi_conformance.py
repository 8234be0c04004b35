"""Every /api/* and /epcis/* response a test's Flask client sees must match the description.

`install()` (called by tests/conftest.py) wraps `FlaskClient.open`: after each request to a
described path, the response — status, media type, headers and body — is validated with
openapi-core against server/web/openapi.yaml, and a drift fails the test that made the
request, naming the operation and the problem. Requests are not validated: tests send bad
requests on purpose, and their answers (4xx problem details) must be described too.
Paths the description does not hold (a 404 for a made-up route) are skipped; the coverage
test in tests/web/test_openapi.py keeps every route described.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from flask.testing import FlaskClient
from openapi_core import Config, OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from openapi_core.templating.paths.exceptions import (
    OperationNotFound,
    PathNotFound,
    ServerNotFound,
)
from werkzeug.test import TestResponse

from server.web.routes.api_docs import load_document

CHECKED_PREFIXES = ("/api/", "/epcis/")
_ORIGINAL_OPEN = FlaskClient.open
# JSON media types openapi-core does not decode by itself.
JSON_TYPES = (
    "application/problem+json",
    "application/linkset+json",
    "application/ld+json",
    "application/geo+json",
)


class _SentRequest(WerkzeugOpenAPIRequest):
    """The request a response answered, without its body (read by the app already)."""

    @property
    def body(self) -> bytes | None:
        return None


class ResponseDrift(AssertionError):
    """A response that the OpenAPI description does not allow."""


@cache
def openapi() -> OpenAPI:
    config = Config(extra_media_type_deserializers=dict.fromkeys(JSON_TYPES, json.loads))
    return OpenAPI.from_dict(load_document(), config=config)


def check(response: TestResponse) -> None:
    """Raise ResponseDrift when `response` (to a described request) breaks the description."""
    if response.request.path.startswith(CHECKED_PREFIXES):
        validate(response)


def validate(response: TestResponse) -> None:
    """Raise ResponseDrift when `response` breaks the description, whatever its path."""
    request = response.request
    try:
        openapi().validate_response(_SentRequest(request), WerkzeugOpenAPIResponse(response))
    except (PathNotFound, OperationNotFound, ServerNotFound):
        return
    except Exception as exc:
        details = "; ".join(str(e) for e in getattr(exc, "schema_errors", ()) or ())
        cause = f" ({exc.__cause__})" if exc.__cause__ else ""
        raise ResponseDrift(
            f"{request.method} {request.full_path.rstrip('?')} answered {response.status} "
            f"({response.mimetype}), which server/web/openapi.yaml does not describe: "
            f"{exc}{cause} {details}\nbody: {response.get_data(as_text=True)[:400]}"
        ) from exc


def _open(self: FlaskClient, *args: Any, **kwargs: Any) -> TestResponse:
    response: TestResponse = _ORIGINAL_OPEN(self, *args, **kwargs)
    for seen in [*response.history, response]:
        check(seen)
    return response


def install() -> None:
    """Validate every response of every Flask test client from now on."""
    FlaskClient.open = _open  # type: ignore[method-assign]
