"""The Content Security Policy of the pages, and the hashes of a page's inline code (pure).

Pages that shared caches keep cannot carry a per-request nonce (every reader would get
the same one): their policy allows their inline ``<style>`` and ``<script>`` elements by
the SHA-256 of each element's text instead, computed once when the page is rendered.
"""

from __future__ import annotations

import base64
import hashlib
from html.parser import HTMLParser


class _InlineCode(HTMLParser):
    """Collect the text of inline <script> (without src) and <style> elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.scripts: list[str] = []
        self.styles: list[str] = []
        self._open: list[str] | None = None
        self._parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "style" or (tag == "script" and not dict(attrs).get("src")):
            self._open = self.styles if tag == "style" else self.scripts
            self._parts = []

    def handle_endtag(self, tag: str) -> None:
        if self._open is not None and tag in ("script", "style"):
            self._open.append("".join(self._parts))
            self._open = None

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._parts.append(data)


def _source(text: str) -> str:
    digest = base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")
    return f"'sha256-{digest}'"


def inline_hashes(html: str) -> tuple[list[str], list[str]]:
    """Return the CSP hash sources of `html`'s inline scripts and styles (each once)."""
    parser = _InlineCode()
    parser.feed(html)
    parser.close()
    scripts = sorted({_source(t) for t in parser.scripts})
    styles = sorted({_source(t) for t in parser.styles})
    return scripts, styles


def policy(script_sources: list[str], style_sources: list[str]) -> str:
    """Return the Content-Security-Policy header allowing our origin plus the given sources.

    Brand fonts and logos are served from our own origin (/blobs), never a font service.
    The 3D viewer needs blob: workers and WebAssembly compilation (Spark); no
    'unsafe-inline' or 'unsafe-eval' anywhere.
    """
    scripts = " ".join(["'self'", *script_sources, "'wasm-unsafe-eval'"])
    styles = " ".join(["'self'", *style_sources])
    return (
        "default-src 'self'; "
        f"script-src {scripts}; "
        f"style-src {styles}; "
        "img-src 'self' data: blob:; font-src 'self'; connect-src 'self' ws: wss: blob: data:; "
        "worker-src 'self' blob:; object-src 'none'; base-uri 'none'; "
        "frame-ancestors 'none'; form-action 'self'"
    )


def policy_for_page(html: str) -> str:
    """Return the policy of a cached page: its own inline code allowed by hash, nothing else."""
    scripts, styles = inline_hashes(html)
    return policy(scripts, styles)
