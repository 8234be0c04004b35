"""Small images carried inside the page as ``data:`` URIs (pure).

The batch page's LCP image is our own SVG poster (a few KB). Fetched from /blobs it
paints a round trip or more after the page's first paint on a slow phone network;
carried in the page it paints with that first paint. The SVG goes as UTF-8 text, not
base64: text compresses with the rest of the page (base64 hides its repetition from
gzip and brotli).
"""

from __future__ import annotations

# What a data URL's body cannot hold as itself: "%" would be percent-decoded, "#" would
# start a fragment, and the URL parser drops ASCII tab and newlines.
_ESCAPES = {"%": "%25", "#": "%23", "\t": "%09", "\n": "%0A", "\r": "%0D"}
_TABLE = str.maketrans(_ESCAPES)


def svg_data_uri(svg: str) -> str:
    """Return `svg` as a ``data:image/svg+xml`` URI (UTF-8, minimally percent-encoded).

    The result is a URL, not HTML: the template escapes it as any attribute value. An
    SVG shown through ``<img>`` runs no script and loads nothing, so the page's policy
    only needs ``img-src data:``.
    """
    if not svg.lstrip().startswith("<svg"):
        raise ValueError("not an SVG document")
    return "data:image/svg+xml;charset=utf-8," + svg.translate(_TABLE)
