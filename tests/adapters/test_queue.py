"""The job registry names real worker functions, and enqueue puts jobs where they belong."""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Iterator

import pytest
from redis import Redis
from rq import Queue

from server.adapters import queue


@pytest.mark.parametrize("name", sorted(queue.JOBS))
def test_every_job_name_is_a_function_in_workers(name: str) -> None:
    spec = queue.JOBS[name]
    module_name, _, function_name = spec.function.rpartition(".")
    assert module_name.startswith("workers."), spec.function
    function = getattr(importlib.import_module(module_name), function_name)
    assert inspect.isfunction(function)
    assert spec.queue in queue.QUEUE_NAMES


def test_the_default_queue_names_are_the_registry_s() -> None:
    from server.adapters.config import SETTINGS

    default = next(s.default for s in SETTINGS if s.name == "QUEUE_NAMES")
    assert tuple(n.strip() for n in default.split(",")) == queue.QUEUE_NAMES


@pytest.fixture
def redis_db(redis_url: str) -> Iterator[Redis]:
    client = Redis.from_url(redis_url)
    yield client
    client.close()


def test_enqueue_uses_the_spec_of_the_job(redis_db: Redis) -> None:
    job_id = queue.enqueue(redis_db, "tile_snapshot", 7, job_id="snapshot-7", description="t")
    assert job_id == "snapshot-7"
    jobs = Queue("default", connection=redis_db).jobs
    assert [j.id for j in jobs] == ["snapshot-7"]
    job = jobs[0]
    assert job.func_name == "workers.snapshot_jobs.tile_snapshot"
    assert job.args == (7,)
    assert job.timeout == 3600
    assert Queue("builds", connection=redis_db).count == 0


def test_a_job_that_is_gone_or_failed_is_lost(redis_db: Redis) -> None:
    assert queue.job_is_lost(redis_db, "no-such-job")
    job_id = queue.enqueue(redis_db, "evidence", 1, job_id="build-1-1-abc")
    assert not queue.job_is_lost(redis_db, job_id)
