"""The job queue (RQ on Redis): the one registry of job names and the one place that enqueues.

Jobs are named here, by their dotted path under ``workers/``, and enqueued by name: the
server never imports the worker package, so the arrows point down (workers → services).
A test checks that every name resolves to a function in ``workers/``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from redis import Redis
from rq import Queue, SimpleWorker
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus


@dataclass(frozen=True)
class JobSpec:
    """One kind of job: the function that runs it, its queue, and how long it may run."""

    function: str
    queue: str
    timeout: int
    result_ttl: int = 3600
    failure_ttl: int = 86400


# "builds" is worked before "default": a shopper's batch page should not wait behind tiling.
JOBS: dict[str, JobSpec] = {
    "evidence": JobSpec("workers.jobs.compute_evidence", "builds", 600),
    "scene": JobSpec("workers.jobs.build_scene", "builds", 600),
    "rebuild_brand": JobSpec("workers.jobs.rebuild_brand", "builds", 600),
    "tile_snapshot": JobSpec("workers.snapshot_jobs.tile_snapshot", "default", 3600),
    "aggregate_scans": JobSpec("workers.scan_jobs.aggregate_scans", "default", 600, result_ttl=0),
    "purge_cdn": JobSpec("workers.cdn_jobs.purge_cdn", "default", 60, result_ttl=0),
    "refresh_capture_trust": JobSpec("workers.capture_jobs.refresh_capture_trust", "default", 3600),
}
QUEUE_NAMES = ("builds", "default")


def enqueue(
    redis: Redis,
    job: str,
    *args: Any,
    job_id: str | None = None,
    description: str | None = None,
) -> str:
    """Put the job `job` (a key of `JOBS`) with `args` on its queue; return the job's id."""
    spec = JOBS[job]
    queued = Queue(spec.queue, connection=redis).enqueue_call(
        spec.function,
        args=args,
        job_id=job_id,
        timeout=spec.timeout,
        result_ttl=spec.result_ttl,
        failure_ttl=spec.failure_ttl,
        description=description,
    )
    return str(queued.id)


def job_is_lost(redis: Redis, job_id: str) -> bool:
    """Tell whether the job `job_id` will not run: gone from Redis, failed, stopped or cancelled."""
    try:
        status = Job.fetch(job_id, connection=redis).get_status()
    except NoSuchJobError:
        return True
    return status in (JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED, None)


def run_worker(redis: Redis, queue_names: list[str], burst: bool = False) -> bool:
    """Work the queues `queue_names` until stopped (or, with `burst`, until they are empty).

    SimpleWorker runs jobs in this process rather than a fork: the jobs are short, the
    app (and trimesh, numpy) is loaded once, and no database connection crosses a fork.
    The caller provides whatever context the jobs need (the Flask app context).
    """
    queues = [Queue(name, connection=redis) for name in queue_names]
    worker = SimpleWorker(queues, connection=redis)
    return bool(worker.work(burst=burst, logging_level="INFO"))
