"""A verification `Source` answered by this very app, for building a batch's bundle."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask

from server.core.verification.sources import ANY, SourceError


class AppSource:
    """Ask the app in process, as a client with no User-Agent (never counted as a scan)."""

    def __init__(self, app: Flask) -> None:
        self.client = app.test_client()

    def get(self, url: str, accept: str = ANY) -> bytes:
        """Return the body of the app's 200 answer to GET `url` asking for `accept`."""
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        response = self.client.get(
            path, headers={"Accept": accept}, base_url=f"{parts.scheme}://{parts.netloc}"
        )
        if response.status_code != 200:
            raise SourceError(f"HTTP {response.status_code} from {url}", response.status_code)
        return response.get_data()
