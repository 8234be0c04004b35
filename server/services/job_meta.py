"""Tell RQ which step the current job is in, for whoever watches the job rather than a row."""

from __future__ import annotations

from rq import get_current_job


def record_job_step(name: str, progress: float) -> None:
    """Note step `name` at `progress` (0–1) in the running RQ job's meta; outside a job, nothing."""
    job = get_current_job()
    if job is not None:
        job.meta.update({"step": name, "progress": progress})
        job.save_meta()


def current_job_id() -> str | None:
    """Return the id of the RQ job running this code, if any."""
    job = get_current_job()
    return job.id if job is not None else None
