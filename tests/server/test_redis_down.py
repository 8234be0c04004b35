"""With Redis down, shoppers still get pages: builds wait in the database, not in a 500."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import api_token, load_demo, make_app, unused_port, work_queue

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


def test_a_capture_is_stored_while_redis_is_down(tmp_path: Path) -> None:
    from tests.server.test_epcis_capture import _document, _event

    down = make_app(
        tmp_path,
        f"redis://127.0.0.1:{unused_port()}/0",
        {"DATABASE_URL": f"sqlite:///{tmp_path / 'down.sqlite3'}"},
    )
    load_demo(down)
    response = down.test_client().post(
        "/epcis/capture",
        json=_document(_event()),
        headers={"Authorization": f"Bearer {api_token(down)}"},
    )
    # stored, and its rebuild left to the next page request: no 500 after the commit
    assert response.status_code == 202, response.get_json()
    assert response.get_json()["storedCount"] == 1
