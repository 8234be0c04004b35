"""With Redis down, shoppers still get pages: builds wait in the database, not in a 500."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import load_demo, make_app, unused_port, work_queue

FLAGGED = "/01/09520123100025/10/NK25-0227"


def test_an_unbuilt_batch_page_answers_while_redis_is_down_and_builds_later(
    tmp_path: Path, redis_url: str
) -> None:
    database = {"DATABASE_URL": f"sqlite:///{tmp_path / 'shared.sqlite3'}"}
    blobs = str(tmp_path / "blobs")
    down = make_app(
        tmp_path / "down", f"redis://127.0.0.1:{unused_port()}/0", database, BLOB_PATH=blobs
    )
    load_demo(down)
    page = down.test_client().get(FLAGGED)
    assert page.status_code == 200
    assert b"NK25-0227" in page.data and b'id="progress"' in page.data  # shown as being built
    # Redis is back: the next request enqueues the waiting builds and a worker runs them.
    up = make_app(tmp_path / "up", redis_url, database, BLOB_PATH=blobs)
    up.test_client().get(FLAGGED)
    work_queue(up)
    built = up.test_client().get(FLAGGED)
    assert built.status_code == 200 and b'id="check-yield_plausibility"' in built.data
