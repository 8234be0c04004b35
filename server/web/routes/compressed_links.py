"""Compressed GS1 Digital Link URIs: `/{base64url}` redirects to the uncompressed URI, and so
does a partially compressed one, `/01/{gtin}/{base64url}` (the resolver asks `partial_target`).

The uncompressed URI is then resolved (and validated: check digits, qualifiers, characters)
like any other. A string that does not decompress answers 400 naming the problem.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, redirect, request
from flask.blueprints import BlueprintSetupState
from werkzeug.routing import BaseConverter
from werkzeug.wrappers import Response

from server.core.gs1.compressed import PARTIAL, decompress, partially_compressed, uncompressed

bp = Blueprint("compressed_links", __name__)


class CompressedConverter(BaseConverter):
    """One path segment of 10 or more base64url characters: what compression makes."""

    regex = "[A-Za-z0-9_-]{10,}"


@bp.record_once
def _register_converter(state: BlueprintSetupState) -> None:
    state.app.url_map.converters["compressed"] = CompressedConverter


def redirect_uncompressed(target: str) -> Response:
    """Redirect (308) to the uncompressed Digital Link `target`, keeping this request's query."""
    extra = list(request.args.items(multi=True))
    if extra:
        target += ("&" if "?" in target else "?") + urlencode(extra)
    response = redirect(target, code=308)
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


def partial_target(ai: str, rest: str) -> str | None:
    """Return the uncompressed path of `/{ai}/{rest}` if `rest` is `{value}/{compressed}`.

    None when it is not partially compressed (the resolver parses it as it is): the second
    segment of an uncompressed URI is an AI, all digits.
    """
    value, slash, text = rest.partition("/")
    if not slash or not value or not PARTIAL.match(text):
        return None
    return partially_compressed(ai, value, text)


@bp.get("/<compressed:text>")
def resolve_compressed(text: str) -> Response:
    """Redirect a compressed Digital Link URI to its uncompressed form (query kept)."""
    return redirect_uncompressed(uncompressed(decompress(text)))
