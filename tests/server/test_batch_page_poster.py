"""The batch page carries its poster (the LCP image) in the page, and links to its blob."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from server.web.routes import batch_page
from tests.conftest import work_queue

PAGE = "/01/09520123100025/10/NK25-0227"
POSTER = re.compile(r'<a href="(/blobs/[0-9a-f]{64})"[^>]*><img class="poster" src="([^"]+)"')


def test_poster_is_carried_and_linked(sqlite_app: Flask) -> None:
    client = sqlite_app.test_client()
    client.get(PAGE)
    work_queue(sqlite_app)
    html = client.get(PAGE).get_data(as_text=True)
    found = POSTER.search(html)
    assert found, "no linked poster <img>"
    assert found.group(2).startswith("data:image/svg+xml;charset=utf-8,")
    assert client.get(found.group(1)).mimetype == "image/svg+xml"
    assert 'rel="preload"' not in html  # nothing left to fetch for the LCP


def test_a_large_poster_is_linked_not_carried(
    sqlite_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(batch_page, "POSTER_CARRIED_MAX", 100)
    client = sqlite_app.test_client()
    client.get(PAGE)
    work_queue(sqlite_app)
    found = POSTER.search(client.get(PAGE).get_data(as_text=True))
    assert found and found.group(2) == found.group(1)
