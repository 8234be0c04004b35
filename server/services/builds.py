"""Build bookkeeping on the request side: what is current, what to enqueue, what is orphaned.

A build is keyed by (batch, kind, fingerprint). The fingerprint hashes everything the
build's output depends on — the code version of its kind, the brand's data revision and
the batch's own (changes that reach some batches only), the published story version —
so a data or story change yields a new fingerprint: the
old build is stale and a new one is enqueued on the next request (or by whoever changed
the data). Nothing heavy happens here: only rows and one enqueue.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from server.adapters import queue
from server.adapters.models import Batch, Brand, Build, StoryVersion
from server.core.disclosure.policy import policy_of

# Bump a kind's version when its code changes what it outputs: every build goes stale.
# evidence-2 / scene-2: each build also publishes signature blobs (report_sig, manifest_sig).
# evidence-3: GS1 event hashes and uncertainty bands.
# scene-3: the manifest names each chapter's checks and carries translated labels (tour
# panels); chapter text in it is plain text (story bodies are Markdown).
# evidence-3 / scene-3: public outputs follow the brand's disclosure policy.
# evidence-4: every non-ok row of every check says why (`reason`): the price check's farms
# with payments it cannot compare, child-labour coverage, plot mapping and trace gaps.
CODE_VERSIONS = {"evidence": "evidence-4", "scene": "scene-3"}
KINDS = tuple(CODE_VERSIONS)
log = logging.getLogger(__name__)


def published_story(session: Session, brand_id: int) -> StoryVersion | None:
    """Return the brand's newest published story version, if any."""
    return session.scalars(
        select(StoryVersion)
        .where(StoryVersion.brand_id == brand_id, StoryVersion.published.is_(True))
        .order_by(StoryVersion.version.desc())
        .limit(1)
    ).first()


@dataclass(frozen=True)
class BrandInputs:
    """What every batch of a brand builds from besides its own data (read once per brand)."""

    data_revision: int
    policy: str  # digest of the disclosure policy: it shapes every public output
    story_version: int
    # (site key, tileset sha256[, capture-credential state]): scene-only inputs
    snapshots: tuple[tuple[str, ...], ...]


def brand_inputs(session: Session, brand: Brand) -> BrandInputs:
    """Return the brand-wide inputs of its builds."""
    from server.services.snapshots import site_credentials, site_tilesets

    story = published_story(session, brand.id)
    # The scene credits each snapshot's capture credentials: a state judged again under a
    # new trust list (`capture_trust`) makes the scenes stale, never the evidence. A site
    # without credentials keeps its pair, so older fingerprints stay what they were.
    states = {
        key: str(c["state"])
        for key, c in site_credentials(session, brand.id).items()
        if c.get("state")
    }
    return BrandInputs(
        brand.data_revision,
        policy_of(brand.settings).digest(),
        story.version if story else 0,
        tuple(
            (key, sha, states[key]) if key in states else (key, sha)
            for key, sha in sorted(site_tilesets(session, brand.id).items())
        ),
    )


def fingerprints(
    session: Session, batch: Batch, shared: BrandInputs | None = None
) -> dict[str, str]:
    """Return the current input fingerprint of each build kind for `batch`.

    `shared` is `brand_inputs` of the batch's brand, when the caller has it (one read for
    all of a brand's batches instead of one per batch).
    """
    inputs = shared or brand_inputs(session, batch.product.brand)
    # A batch's own revision counts once a change reached it alone (0 keeps older prints).
    own = (batch.data_revision,) if batch.data_revision else ()
    evidence = _digest(
        CODE_VERSIONS["evidence"], batch.id, inputs.data_revision, inputs.policy, *own
    )
    snapshots = [list(pair) for pair in inputs.snapshots]
    scene = _digest(CODE_VERSIONS["scene"], evidence, inputs.story_version, snapshots)
    return {"evidence": evidence, "scene": scene}


def _digest(*parts: object) -> str:
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:32]


def current_builds(
    session: Session, batch: Batch, shared: BrandInputs | None = None
) -> dict[str, Build | None]:
    """Return, per kind, the build row for the current fingerprint (or None)."""
    prints = fingerprints(session, batch, shared)
    rows = session.scalars(
        select(Build).where(Build.batch_id == batch.id, Build.fingerprint.in_(prints.values()))
    ).all()
    by_key = {(row.kind, row.fingerprint): row for row in rows}
    return {kind: by_key.get((kind, fp)) for kind, fp in prints.items()}


def last_done(session: Session, batch_id: int, kind: str) -> Build | None:
    """Return the newest finished build of `kind`, current or stale (shown while rebuilding)."""
    return session.scalars(
        select(Build)
        .where(Build.batch_id == batch_id, Build.kind == kind, Build.status == "done")
        .order_by(Build.finished_at.desc(), Build.id.desc())
        .limit(1)
    ).first()


def claim_row(session: Session, batch_id: int, kind: str, fingerprint: str) -> Build:
    """Return the build row for (batch, kind, fingerprint), creating it if needed.

    Two requests may race to create it; the unique constraint picks one and the
    loser reads the winner's row.
    """
    query = select(Build).where(
        Build.batch_id == batch_id, Build.kind == kind, Build.fingerprint == fingerprint
    )
    row = session.scalars(query).first()
    if row is not None:
        return row
    row = Build(batch_id=batch_id, kind=kind, fingerprint=fingerprint, status="queued")
    session.add(row)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        row = session.scalars(query).one()
    return row


def take_row(session: Session, row: Build, lease_seconds: int) -> bool:
    """Mark `row` running for this worker unless another worker holds it; tell whether taken.

    One conditional UPDATE, so of two workers handed the same build only one runs it: the
    row is taken when it is not done and not running with a heartbeat younger than the
    lease (a worker that stopped beating is taken over). The row is read again after.
    """
    now = datetime.now(UTC)
    stale = now - timedelta(seconds=lease_seconds)
    taken = session.execute(
        update(Build)
        .where(
            Build.id == row.id,
            Build.status != "done",
            or_(
                Build.status != "running",
                Build.heartbeat_at.is_(None),
                Build.heartbeat_at < stale,
            ),
        )
        .values(status="running", worker=worker_identity(), heartbeat_at=now, started_at=now)
        .returning(Build.id)
        .execution_options(synchronize_session=False)
    ).first()
    session.commit()
    session.refresh(row)
    return taken is not None


def ensure_builds(
    session: Session,
    redis: Redis,
    batch: Batch,
    lease_seconds: int,
    enqueued: list[Build] | None = None,
    shared: BrandInputs | None = None,
) -> dict[str, Build]:
    """Make sure every kind has a current build that is done or on its way; return them.

    Builds enqueued by this call are appended to `enqueued`, if given. With Redis down the
    rows are still returned (queued, shown as being built): the next request, or a worker
    starting (`server.services.recovery`), enqueues them; a page must not fail for the queue.
    """
    result: dict[str, Build] = {}
    for kind, fingerprint in fingerprints(session, batch, shared).items():
        row = claim_row(session, batch.id, kind, fingerprint)
        try:
            if row.status != "done" and needs_enqueue(row, redis, lease_seconds):
                enqueue(session, redis, row)
                if enqueued is not None:
                    enqueued.append(row)
        except RedisError as exc:
            log.warning("could not enqueue the %s build of batch %s: %s", kind, batch.id, exc)
        result[kind] = row
    return result


def enqueue_brand_builds(
    session: Session,
    redis: Redis,
    brand: Brand,
    lease_seconds: int,
    batch_ids: set[int] | None = None,
) -> int:
    """Enqueue the current builds of the brand's batches (after its data or story changed).

    `batch_ids` limits it to those batches (None: every batch). Return how many builds were
    enqueued. Up-to-date or running builds are left alone.
    """
    from server.adapters.models import Product

    query = select(Batch).join(Product).where(Product.brand_id == brand.id).order_by(Batch.id)
    if batch_ids is not None:
        query = query.where(Batch.id.in_(sorted(batch_ids)))
    enqueued: list[Build] = []
    shared = brand_inputs(session, brand)
    for batch in session.scalars(query).all():
        ensure_builds(session, redis, batch, lease_seconds, enqueued, shared)
    return len(enqueued)


def brand_rebuild_key(brand_id: int) -> str:
    """Return the Redis key held while a rebuild of the brand's batches waits in the queue."""
    return f"originxr:rebuild-brand:{brand_id}"


def rebuild_batches_key(brand_id: int) -> str:
    """Return the Redis set of the batches a waiting rebuild is for (``*``: every batch)."""
    return f"originxr:rebuild-brand:{brand_id}:batches"


EVERY_BATCH = "*"


def run_brand_rebuild(session: Session, redis: Redis, brand_id: int, lease_seconds: int) -> int:
    """Enqueue the current builds of the batches asked for; return how many were enqueued.

    Run for a coalesced request (`request_brand_rebuild`): the request's key is dropped
    first, so a change committed while this runs requests another run; then the set of
    batches asked for is taken (and emptied) at once. An empty set means another run took
    it: nothing is left to do.
    """
    redis.delete(brand_rebuild_key(brand_id))
    pipe = redis.pipeline()  # MULTI: read and empty the set in one step
    pipe.smembers(rebuild_batches_key(brand_id))
    pipe.delete(rebuild_batches_key(brand_id))
    members = {m.decode() if isinstance(m, bytes) else str(m) for m in pipe.execute()[0]}
    brand = session.get(Brand, brand_id)
    if brand is None or not members:
        return 0
    wanted = None if EVERY_BATCH in members else {int(m) for m in members}
    return enqueue_brand_builds(session, redis, brand, lease_seconds, wanted)


def request_brand_rebuild(
    redis: Redis, brand_id: int, lease_seconds: int, batch_ids: set[int] | None = None
) -> bool:
    """Enqueue one job that will enqueue the brand's builds, unless one is already waiting.

    `batch_ids` names the batches the change reached (None: every batch of the brand).
    Captures arrive by the thousand: enqueuing the builds after each would cost a few
    queries per batch per capture and flood the queue with builds of revisions that are
    stale a moment later. Requests coalesce instead: the batches are added to a set, and
    while a rebuild job waits (its key is held, for at most `lease_seconds`), further
    requests add nothing else; the job drops the key before taking the set, so a change
    committed after that asks anew. Return whether a job was enqueued.
    """
    wanted = [EVERY_BATCH] if batch_ids is None else [str(i) for i in sorted(batch_ids)]
    if not wanted:
        return False
    redis.sadd(rebuild_batches_key(brand_id), *wanted)
    redis.expire(rebuild_batches_key(brand_id), max(lease_seconds, 86400))
    if not redis.set(brand_rebuild_key(brand_id), "1", nx=True, ex=lease_seconds):
        return False
    queue.enqueue(
        redis,
        "rebuild_brand",
        brand_id,
        job_id=f"rebuild-brand-{brand_id}-{secrets.token_hex(6)}",
        description=f"rebuilds of brand {brand_id}",
    )
    return True


def needs_enqueue(row: Build, redis: Redis, lease_seconds: int) -> bool:
    """Tell whether a build that is not done has nobody working on it."""
    if row.job_id is None or row.status == "retired":
        return True  # never enqueued, or superseded and its outputs retired: build it again
    if row.status == "failed":
        return False  # a failed build is shown as failed; a data change makes a new one
    if row.status == "running":
        beat = row.heartbeat_at
        if beat is not None and beat.tzinfo is None:
            beat = beat.replace(tzinfo=UTC)
        return beat is None or datetime.now(UTC) - beat > timedelta(seconds=lease_seconds)
    return queue.job_is_lost(redis, row.job_id)


def enqueue(session: Session, redis: Redis, row: Build) -> str:
    """Enqueue the RQ job for `row` and record its id; return the job id."""
    job_id = queue.enqueue(
        redis,
        row.kind,
        row.batch_id,
        job_id=f"build-{row.id}-{row.attempts + 1}-{row.fingerprint[:8]}",
        description=f"{row.kind} build of batch {row.batch_id}",
    )
    row.job_id = job_id
    row.status = "queued"
    session.commit()
    return job_id


def progress_channel(batch_id: int) -> str:
    """Return the Redis pub/sub channel carrying `batch_id`'s build progress."""
    return f"originxr:builds:{batch_id}"


def publish_progress(redis: Redis, batch_id: int, message: dict[str, Any]) -> None:
    """Send a progress message to whoever watches `batch_id` (best effort)."""
    redis.publish(progress_channel(batch_id), json.dumps(message))


def build_state(row: Build | None, kind: str) -> dict[str, Any]:
    """Return the JSON-able state of a build row, as the progress socket sends it."""
    if row is None:
        return {"kind": kind, "status": "missing", "progress": 0.0, "step": None}
    return {
        "kind": kind,
        "build": row.id,
        "status": row.status,
        "progress": round(row.progress, 3),
        "step": row.step,
        "error": row.error if row.status == "failed" else None,
    }


def worker_identity() -> str:
    """Return ``host:pid`` of this process, stored on builds it runs."""
    import os

    return f"{socket.gethostname()}:{os.getpid()}"
