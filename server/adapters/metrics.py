"""Prometheus metrics: the one set of metric families, the calls that count, and the scrape.

With ``PROMETHEUS_MULTIPROC_DIR`` set (gunicorn's several workers), prometheus-client keeps
every process's values in files in that folder and a scrape adds them up; otherwise the
values live in this process and the default registry serves them. Queue depths are not
counted at all: they are read from Redis when `/metrics` is scraped.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterator
from dataclasses import dataclass

from prometheus_client import (
    CONTENT_TYPE_PLAIN_0_0_4,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    start_http_server,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from redis import Redis, RedisError
from rq import Queue

from server.adapters import config
from server.adapters.queue import QUEUE_NAMES

log = logging.getLogger(__name__)

CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4  # what `generate_latest` writes

# Pages answer in milliseconds; builds take seconds to minutes.
_REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
_BUILD_BUCKETS = (0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0)


@dataclass(frozen=True)
class Metrics:
    """The process's metric families."""

    request_seconds: Histogram
    scans_recorded: Counter
    scans_dropped: Counter
    build_seconds: Histogram
    build_failures: Counter
    capture_events: Counter


@functools.cache
def metrics() -> Metrics:
    """Return the metric families, registering them on first use (not at import)."""
    return Metrics(
        request_seconds=Histogram(
            "originxr_http_request_duration_seconds",
            "Time to answer a request, by route (the URL rule), method and status class.",
            ("route", "method", "status"),
            buckets=_REQUEST_BUCKETS,
        ),
        scans_recorded=Counter(
            "originxr_scans_recorded", "Scan records pushed to Redis for aggregation."
        ),
        scans_dropped=Counter(
            "originxr_scans_dropped",
            "Scan records not kept: Redis failed (redis_error), recording was paused after "
            "a failure (paused), or a process's buffer of records was full (full).",
            ("reason",),
        ),
        build_seconds=Histogram(
            "originxr_build_duration_seconds",
            "Time a build ran its steps and published, by kind and outcome (done, failed).",
            ("kind", "outcome"),
            buckets=_BUILD_BUCKETS,
        ),
        build_failures=Counter(
            "originxr_build_failures", "Builds whose steps or publishing raised.", ("kind",)
        ),
        capture_events=Counter(
            "originxr_capture_events",
            "EPCIS events of accepted captures: stored, or duplicates of stored ones.",
            ("result",),
        ),
    )


def observe_request(route: str, method: str, status: int, seconds: float) -> None:
    """Count one answered request."""
    metrics().request_seconds.labels(route, method, f"{status // 100}xx").observe(seconds)


def scan_recorded(count: int = 1) -> None:
    """Count `count` scan records pushed to Redis."""
    metrics().scans_recorded.inc(count)


def scan_dropped(reason: str, count: int = 1) -> None:
    """Count `count` scan records dropped for `reason` (``redis_error``, ``paused``, ``full``)."""
    metrics().scans_dropped.labels(reason).inc(count)


def build_finished(kind: str, outcome: str, seconds: float) -> None:
    """Count one build of `kind` that ended `outcome` (``done`` or ``failed``)."""
    found = metrics()
    found.build_seconds.labels(kind, outcome).observe(seconds)
    if outcome == "failed":
        found.build_failures.labels(kind).inc()


def capture_stored(stored: int, duplicates: int) -> None:
    """Count the events of one committed capture."""
    found = metrics()
    found.capture_events.labels("stored").inc(stored)
    found.capture_events.labels("duplicate").inc(duplicates)


class QueueDepths:
    """Jobs waiting in each queue, read from Redis when collected."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """Yield the depth of each queue and whether Redis answered."""
        depth = GaugeMetricFamily(
            "originxr_queue_depth", "Jobs waiting in the RQ queue.", labels=["queue"]
        )
        up = GaugeMetricFamily(
            "originxr_queue_redis_up", "1 when Redis answered the queue-depth read, else 0."
        )
        try:
            counts = [Queue(name, connection=self.redis).count for name in QUEUE_NAMES]
        except RedisError as exc:
            # A scrape must still answer when Redis is down: that is when it matters.
            log.warning("queue depths not read (%s)", exc)
            up.add_metric([], 0)
            yield up
            return
        for name, count in zip(QUEUE_NAMES, counts, strict=True):
            depth.add_metric([name], count)
        up.add_metric([], 1)
        yield depth
        yield up


def scrape(redis: Redis) -> bytes:
    """Return every metric in the Prometheus text format, queue depths read from `redis`."""
    metrics()  # the families exist even before anything was counted
    if config.prometheus_multiproc_dir():
        counted = CollectorRegistry()
        MultiProcessCollector(counted)  # every process's files, summed
    else:
        counted = REGISTRY
    queues = CollectorRegistry()
    queues.register(QueueDepths(redis))
    return generate_latest(counted) + generate_latest(queues)


def serve_worker_metrics(port: int) -> None:
    """Serve this process's metrics on `port` from a background thread (a worker's scrape).

    A worker counts its builds but has no web server; without a shared multiprocess folder
    its figures would reach no scrape. Queue depths are left to the web processes' scrape.
    """
    metrics()
    start_http_server(port, addr="0.0.0.0")  # all interfaces: scraped from inside the network
