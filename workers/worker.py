"""The worker process: an RQ worker whose jobs run inside the Flask app's context."""

from __future__ import annotations

from flask import Flask
from redis import Redis
from rq import Queue, SimpleWorker


def run_worker(app: Flask, redis: Redis, queue_names: list[str], burst: bool = False) -> bool:
    """Work the queues `queue_names` until stopped (or, with `burst`, until they are empty).

    SimpleWorker runs jobs in this process rather than a fork: the jobs are short, the
    app (and trimesh, numpy) is loaded once, and no database connection crosses a fork.
    """
    queues = [Queue(name, connection=redis) for name in queue_names]
    worker = SimpleWorker(queues, connection=redis)
    with app.app_context():
        return bool(worker.work(burst=burst, logging_level="INFO"))
