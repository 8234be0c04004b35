"""The poster carried in the page: a data: URI that decodes to the very SVG it was given."""

from __future__ import annotations

import urllib.parse

import pytest

from server.core.data_uri import svg_data_uri


def test_svg_round_trips_through_the_data_uri() -> None:
    svg = '<svg xmlns="http://www.w3.org/2000/svg"><title>100 % cocoa #1 — Café\n</title></svg>'
    uri = svg_data_uri(svg)
    prefix, _, body = uri.partition(",")
    assert prefix == "data:image/svg+xml;charset=utf-8"
    assert "#" not in uri and "\n" not in uri  # no fragment, nothing the URL parser drops
    assert urllib.parse.unquote(body) == svg


def test_only_svg_is_carried() -> None:
    with pytest.raises(ValueError, match="not an SVG"):
        svg_data_uri("<script>alert(1)</script>")
