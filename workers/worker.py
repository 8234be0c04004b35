"""The worker process: an RQ worker whose jobs run inside the Flask app's context."""

from __future__ import annotations

from flask import Flask
from redis import Redis

from server.adapters import queue


def run_worker(app: Flask, redis: Redis, queue_names: list[str], burst: bool = False) -> bool:
    """Work the queues `queue_names` in `app`'s context (with `burst`, until they are empty)."""
    with app.app_context():
        return queue.run_worker(redis, queue_names, burst=burst)
