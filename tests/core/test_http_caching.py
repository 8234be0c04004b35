"""Content-coding negotiation, ETags and the CSP hashes of cached pages (pure)."""

from __future__ import annotations

import base64
import hashlib

import pytest

from server.core.content_policy import inline_hashes, policy_for_page
from server.core.http_caching import choose_coding, not_modified, representations, vary


@pytest.mark.parametrize(
    ("header", "coding"),
    [
        (None, "identity"),  # a client that says nothing may not decode
        ("", "identity"),
        ("gzip, deflate, br", "br"),
        ("gzip;q=1.0, br;q=0.5", "gzip"),
        ("br;q=0.5", "br"),  # unnamed, identity is the last resort
        ("identity;q=1, br;q=0.5", "identity"),
        ("*", "br"),
        ("gzip;q=0, *", "br"),
        ("br;q=0, gzip;q=0", "identity"),
        ("identity;q=0", None),
        ("*;q=0", None),
        ("br;q=nonsense, gzip", "gzip"),
    ],
)
def test_choose_coding(header: str | None, coding: str | None) -> None:
    assert choose_coding(header) == coding


def test_if_none_match_names_any_coding_of_the_body() -> None:
    assert not_modified('"abc-br"', "abc") and not_modified('W/"abc-gz", "x"', "abc")
    assert not_modified("*", "abc") and not_modified('"abc"', "abc")
    assert not not_modified('"abcd"', "abc") and not not_modified(None, "abc")


def test_representations_keep_only_codings_that_gain() -> None:
    assert set(representations(b"<p>hello</p>" * 100, "text/html")) == {"identity", "br", "gzip"}
    assert set(representations(b"x" * 100, "text/html")) == {"identity"}  # too small
    assert set(representations(bytes(range(256)) * 8, "image/png")) == {"identity"}


def test_vary_names_only_what_the_answer_depends_on() -> None:
    assert vary(True, True, True) == ["Accept", "Accept-Encoding", "Accept-Language"]
    assert vary(False, False, True) == ["Accept-Encoding"]
    assert vary(False, False, False) == []


def test_the_policy_of_a_cached_page_names_its_inline_code_by_hash() -> None:
    style = ":root{--primary:#123456}"
    html = f'<style>{style}</style><script type="module" src="/x.js"></script><script>a()</script>'
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    scripts, styles = inline_hashes(html)
    assert styles == [f"'sha256-{digest}'"] and len(scripts) == 1  # src= scripts need none
    policy = policy_for_page(html)
    assert f"style-src 'self' 'sha256-{digest}'" in policy
    assert "nonce" not in policy and "unsafe-inline" not in policy
