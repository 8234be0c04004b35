"""The API's description: `GET /api/openapi.json` (OpenAPI 3.1) and `GET /api/docs` (a page).

The document is `server/web/openapi.yaml`, read once when the blueprint is registered (a
broken file stops the app at startup, not at the first request). The page is rendered on
the server from the same document: no script, so it works under the strict CSP.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from flask import Blueprint, Response, abort, current_app, jsonify, render_template
from flask.blueprints import BlueprintSetupState

from server.adapters.config import PROJECT_ROOT
from server.web.routes.locales import locale_context

bp = Blueprint("api_docs", __name__, url_prefix="/api")
DOCUMENT_PATH = Path(__file__).resolve().parents[1] / "openapi.yaml"
METHODS = ("get", "put", "post", "patch", "delete")
# Swagger UI (npm swagger-ui-dist), served from node_modules: the interactive reference.
RENDERER = PROJECT_ROOT / "node_modules" / "swagger-ui-dist"
RENDERER_FILES = {"swagger-ui-bundle.js": "text/javascript", "swagger-ui.css": "text/css"}
_EXTENSION = "originxr.openapi"


def load_document(path: Path = DOCUMENT_PATH) -> dict[str, Any]:
    """Return the OpenAPI document at `path` as plain data."""
    with path.open(encoding="utf-8") as handle:
        document: dict[str, Any] = yaml.safe_load(handle)
    return document


@bp.record_once
def _load(state: BlueprintSetupState) -> None:
    state.app.extensions[_EXTENSION] = load_document()


def document() -> dict[str, Any]:
    """Return the current app's OpenAPI document."""
    loaded: dict[str, Any] = current_app.extensions[_EXTENSION]
    return loaded


@bp.get("/openapi.json")
def openapi() -> Response:
    """Return the OpenAPI 3.1 description of the API."""
    response = jsonify(document())
    response.headers["Cache-Control"] = "public, max-age=300"
    # Integrators' tools (code generators, API clients) fetch it from anywhere.
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@dataclass(frozen=True)
class Parameter:
    """One parameter of an operation, as the page lists it."""

    name: str
    location: str
    required: bool
    type: str
    description: str


@dataclass(frozen=True)
class Body:
    """A request or response body in one media type, its schema and example as JSON text."""

    media_type: str
    schema_name: str | None
    schema: str
    example: str | None


@dataclass(frozen=True)
class Answer:
    """One response of an operation."""

    status: str
    description: str
    headers: list[str]
    bodies: list[Body]


@dataclass(frozen=True)
class Operation:
    """One operation (method and path) with what the page shows of it."""

    anchor: str
    method: str
    path: str
    summary: str
    description: str
    bearer: bool
    parameters: list[Parameter]
    request: list[Body]
    responses: list[Answer]


@dataclass
class Tag:
    """The operations under one tag."""

    name: str
    description: str
    operations: list[Operation] = field(default_factory=list)


def _resolve(doc: dict[str, Any], item: dict[str, Any]) -> dict[str, Any]:
    """Follow a local `$ref` (#/components/…) to what it names."""
    ref = item.get("$ref")
    if not isinstance(ref, str):
        return item
    target: Any = doc
    for part in ref.removeprefix("#/").split("/"):
        target = target[part]
    resolved: dict[str, Any] = target
    return resolved


def _json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


def _type(schema: dict[str, Any]) -> str:
    kind = schema.get("type", "")
    text = " | ".join(kind) if isinstance(kind, list) else str(kind)
    if "enum" in schema:
        text += " (" + ", ".join(str(v) for v in schema["enum"]) + ")"
    return text


def _bodies(doc: dict[str, Any], content: dict[str, Any]) -> list[Body]:
    bodies = []
    for media_type, entry in content.items():
        schema = entry.get("schema", {})
        ref = schema.get("$ref", "")
        example = entry.get("example", _resolve(doc, schema).get("example"))
        bodies.append(
            Body(
                media_type=media_type,
                schema_name=ref.rsplit("/", 1)[-1] if ref else None,
                schema=_json(schema),
                example=None if example is None else _json(example),
            )
        )
    return bodies


def _operation(doc: dict[str, Any], path: str, method: str, op: dict[str, Any]) -> Operation:
    parameters = []
    for raw in op.get("parameters", []):
        param = _resolve(doc, raw)
        parameters.append(
            Parameter(
                name=param["name"],
                location=param["in"],
                required=bool(param.get("required")),
                type=_type(param.get("schema", {})),
                description=param.get("description", ""),
            )
        )
    body = _resolve(doc, op.get("requestBody", {}))
    responses = []
    for status, raw in op.get("responses", {}).items():
        answer = _resolve(doc, raw)
        responses.append(
            Answer(
                status=str(status),
                description=answer.get("description", ""),
                headers=sorted(answer.get("headers", {})),
                bodies=_bodies(doc, answer.get("content", {})),
            )
        )
    return Operation(
        anchor=op.get("operationId", f"{method}-{path}"),
        method=method.upper(),
        path=path,
        summary=op.get("summary", ""),
        description=op.get("description", ""),
        bearer=bool(op.get("security", doc.get("security", []))),
        parameters=parameters,
        request=_bodies(doc, body.get("content", {})),
        responses=responses,
    )


def tags(doc: dict[str, Any]) -> list[Tag]:
    """Return the document's operations grouped by their first tag, in the tags' order."""
    grouped = {t["name"]: Tag(t["name"], t.get("description", "")) for t in doc.get("tags", [])}
    for path, item in doc["paths"].items():
        for method in METHODS:
            if method in item:
                op = item[method]
                name = (op.get("tags") or ["Other"])[0]
                tag = grouped.setdefault(name, Tag(name, ""))
                tag.operations.append(_operation(doc, path, method, op))
    return [tag for tag in grouped.values() if tag.operations]


@bp.get("/docs")
def docs() -> Response:
    """Show the API description as a page: operations, parameters, schemas and examples."""
    doc = document()
    schemas = {name: _json(schema) for name, schema in doc["components"]["schemas"].items()}
    html = render_template(
        "api_docs.html", info=doc["info"], tags=tags(doc), schemas=schemas, **locale_context()
    )
    return Response(html, mimetype="text/html")


@bp.get("/docs/ui")
def docs_ui() -> Response:
    """The interactive reference (Swagger UI) over the same document; /api/docs without JS."""
    html = render_template("api_docs_ui.html", info=document()["info"], **locale_context())
    return Response(html, mimetype="text/html")


@bp.get("/docs/assets/<name>")
def docs_asset(name: str) -> Response:
    """One file of Swagger UI's npm distribution (the bundle or its stylesheet)."""
    if name not in RENDERER_FILES or not (RENDERER / name).is_file():
        abort(404)
    response = Response((RENDERER / name).read_bytes(), mimetype=RENDERER_FILES[name])
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response
