"""Judge kept capture credentials again against the trust list configured now.

A snapshot's C2PA credentials are verified when it is uploaded, against the trust list of
that moment (C2PA_TRUST_ANCHORS_PATH). When the list changes — a capture app's CA added, or
one removed after a compromise — what the consumer page and the signed manifest say must
follow: `refresh_capture_trust` reads each kept credentials still again with c2pa-python
under the current list, records the state it finds (and the list's digest, so an unchanged
list costs nothing next time), and asks for the rebuild of the brands where a state
changed. The state is an input of the scenes only (`builds.brand_inputs`), so only scenes
are rebuilt: their new signed manifests, and so their pages, show the new state; the
evidence reports (and their log leaves) stay as they were. A still that
is gone or no longer validates is shown as not verified: never "verified" on old evidence.

An upload is stamped with the digest of the list it was judged under, so only credentials
judged under another list are read again; a snapshot superseded by a newer finished one of
its site is never shown again and is not read. A worker that starts under a list some
credential was not judged under enqueues one refresh job (`request_trust_refresh`, one per
list however many workers start) instead of reading stills before it takes any job.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import select
from sqlalchemy.orm import Session

from server.adapters import queue
from server.adapters.blobs import BlobNotFound, BlobStore
from server.adapters.models import Snapshot
from server.services.brand_changes import request_rebuild
from server.services.capture_credentials import CredentialError, read_credentials


@dataclass
class TrustRefresh:
    """What a refresh found: snapshots read again, those whose state changed, brands rebuilt."""

    read: int = 0
    changed: dict[str, tuple[str, str]] = field(default_factory=dict)  # id → (was, now)
    brands: set[int] = field(default_factory=set)


def trust_digest(trust_anchors: str | None) -> str:
    """Return a digest of the trust list's PEM text ("none" when there is no list)."""
    if not trust_anchors:
        return "none"
    return hashlib.sha256(trust_anchors.encode()).hexdigest()[:16]


def _state_now(store: BlobStore, snapshot: Snapshot, trust_anchors: str | None) -> str:
    credentials = snapshot.credentials or {}
    image = credentials.get("image_sha256")
    if not isinstance(image, str):
        return "untrusted"
    try:
        data = store.get(image)
        return read_credentials(data, snapshot.source_sha256, trust_anchors).state
    except (BlobNotFound, CredentialError):
        # Accepted once, refused now (gone, expired, no longer valid): not verified.
        return "untrusted"


def refresh_capture_trust(
    session: Session, store: BlobStore, trust_anchors: str | None, force: bool = False
) -> TrustRefresh:
    """Judge every kept credential under `trust_anchors`; rebuild brands whose state changed.

    Credentials already judged under this very list are skipped unless `force`.
    """
    digest = trust_digest(trust_anchors)
    done = TrustRefresh()
    for snapshot in _shown_or_pending(session):
        credentials = dict(snapshot.credentials or {})
        if not credentials.get("state") or (credentials.get("trust") == digest and not force):
            continue
        done.read += 1
        state = _state_now(store, snapshot, trust_anchors)
        if state != credentials["state"]:
            done.changed[snapshot.id] = (str(credentials["state"]), state)
            done.brands.add(snapshot.brand_id)
        snapshot.credentials = dict(credentials, state=state, trust=digest)
    session.commit()
    for brand_id in done.brands:
        request_rebuild(brand_id)
    return done


def _shown_or_pending(session: Session) -> list[Snapshot]:
    """Return the snapshots with credentials but those a newer finished one supersedes.

    A site shows its newest finished snapshot (`snapshots.site_credentials`); one still
    being tiled may become that, so it is kept; failed ones are never shown.
    """
    rows = session.scalars(
        select(Snapshot)
        .where(Snapshot.credentials.is_not(None), Snapshot.status != "failed")
        .order_by(Snapshot.captured_on, Snapshot.created_at)
    ).all()
    newest = {(row.brand_id, row.site_key): row.id for row in rows if row.status == "done"}
    return [
        row
        for row in rows
        if row.status != "done" or newest[(row.brand_id, row.site_key)] == row.id
    ]


def needs_refresh(session: Session, trust_anchors: str | None) -> bool:
    """Tell whether a shown or pending credential was judged under another trust list."""
    digest = trust_digest(trust_anchors)
    return any(
        (s.credentials or {}).get("state") and (s.credentials or {}).get("trust") != digest
        for s in _shown_or_pending(session)
    )


def request_trust_refresh(redis: Redis, trust_anchors: str | None, lease_seconds: int) -> bool:
    """Enqueue one refresh under `trust_anchors`; return whether this call enqueued it.

    Workers starting together under the same list enqueue it once: the first takes the
    list's key for `lease_seconds`. With Redis down nothing is enqueued (the worker cannot
    run jobs either); the next worker start asks again.
    """
    key = f"originxr:capture-trust:{trust_digest(trust_anchors)}"
    try:
        if not redis.set(key, "1", nx=True, ex=lease_seconds):
            return False
        queue.enqueue(redis, "refresh_capture_trust", description="judge capture credentials")
    except RedisError:
        return False
    return True
