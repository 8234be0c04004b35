"""Retire the outputs of superseded builds so `/blobs/` stops serving them.

A build's outputs are public blobs addressed by hash. Once a newer build of the same batch
and kind is published, the older outputs must not stay reachable: they may carry what a
tightened disclosure policy now withholds (exact places, names, prices), or text a brand
has since withdrawn. Retiring deletes their Blob rows (the files stay for the record; the
blob route serves only blobs with a row) and marks the old build rows ``retired``: should
the inputs come back to an old fingerprint (a policy switched back), that build runs again
instead of pointing at retired blobs. A hash still used by any batch's latest build is
kept: blobs are content-addressed and can be shared.
"""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from server.adapters.models import Blob, Build


def _hashes(outputs: dict[str, object] | None) -> set[str]:
    return {
        value for value in (outputs or {}).values() if isinstance(value, str) and len(value) == 64
    }


def retire_superseded(session: Session, batch_id: int, kind: str, current_id: int) -> int:
    """Delete the Blob rows only superseded `kind` builds of `batch_id` use; return how many.

    Call after build `current_id` was published (committed as done). The caller commits.
    """
    older = session.scalars(
        select(Build).where(
            Build.batch_id == batch_id,
            Build.kind == kind,
            Build.status == "done",
            Build.id != current_id,
        )
    ).all()
    stale = set().union(*(_hashes(row.outputs) for row in older)) if older else set()
    for row in older:
        row.status = "retired"
    if not stale:
        return 0
    latest = (
        select(Build.batch_id, Build.kind, func.max(Build.id).label("id"))
        .where(Build.status == "done")
        .group_by(Build.batch_id, Build.kind)
        .subquery()
    )
    in_use: set[str] = set()
    for outputs in session.scalars(select(Build.outputs).join(latest, Build.id == latest.c.id)):
        in_use |= _hashes(outputs)
    retired = stale - in_use
    if retired:
        session.execute(delete(Blob).where(Blob.sha256.in_(sorted(retired))))
    return len(retired)
