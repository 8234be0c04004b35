"""Compressed GS1 Digital Link URIs: `/{base64url}` redirects to the uncompressed URI.

The uncompressed URI is then resolved (and validated: check digits, qualifiers, characters)
like any other. A string that does not decompress answers 400 naming the problem.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, redirect, request
from flask.blueprints import BlueprintSetupState
from werkzeug.routing import BaseConverter
from werkzeug.wrappers import Response

from server.core.gs1.compressed import decompress, uncompressed

bp = Blueprint("compressed_links", __name__)


class CompressedConverter(BaseConverter):
    """One path segment of 10 or more base64url characters: what compression makes."""

    regex = "[A-Za-z0-9_-]{10,}"


@bp.record_once
def _register_converter(state: BlueprintSetupState) -> None:
    state.app.url_map.converters["compressed"] = CompressedConverter


@bp.get("/<compressed:text>")
def resolve_compressed(text: str) -> Response:
    """Redirect a compressed Digital Link URI to its uncompressed form (query kept)."""
    target = uncompressed(decompress(text))
    extra = list(request.args.items(multi=True))
    if extra:
        target += ("&" if "?" in target else "?") + urlencode(extra)
    response = redirect(target, code=308)
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response
