"""The public transparency log: what a build publishes is a leaf, proofs verify, bad asks 4xx."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest
from flask import Flask

from server.adapters import log_store
from server.adapters.config import settings
from server.adapters.db import db
from server.adapters.keys import key_list
from server.core.transparency import merkle
from server.core.transparency.tree_head import verify_tree_head
from server.services.transparency_log import log_key_change
from tests.conftest import work_queue

FLAGGED = "/01/09520123100025/10/NK25-0227"
LOG = "/.well-known/originxr-log"


def _naive_root(data: list[bytes]) -> bytes:
    # From RFC 9162 §2.1.1 directly, independent of server.core.transparency.merkle.
    if not data:
        return hashlib.sha256(b"").digest()
    if len(data) == 1:
        return hashlib.sha256(b"\x00" + data[0]).digest()
    k = 1
    while k * 2 < len(data):
        k *= 2
    return hashlib.sha256(b"\x01" + _naive_root(data[:k]) + _naive_root(data[k:])).digest()


def test_published_outputs_are_leaves_with_proofs_that_verify(app: Flask) -> None:
    client = app.test_client()
    client.get(FLAGGED)
    work_queue(app)
    with app.app_context():
        keys = key_list(settings())
    head = verify_tree_head(client.get(f"{LOG}/tree-head").get_json(), keys)
    leaves = [client.get(f"{LOG}/leaves/{i}").get_json() for i in range(head.size)]
    data = [base64.b64decode(leaf["data"]) for leaf in leaves]
    assert _naive_root(data) == head.root
    kinds = {leaf["entry"]["kind"] for leaf in leaves}
    assert {"report", "manifest"} <= kinds
    signatures = client.get("/api/v1/batches/09520123100025/NK25-0227/signatures").get_json()
    for output in ("report", "manifest"):
        record = signatures["signatures"][output]
        leaf = leaves[record["log"]["index"]]
        assert leaf["entry"]["blob"] == record["blob"]
        assert leaf["entry"]["signature"] == record["signature_blob"]
        assert leaf["entry"]["batch"] == FLAGGED
        proof = client.get(
            f"{LOG}/inclusion",
            query_string={"leaf_hash": leaf["leaf_hash"], "tree_size": head.size},
        ).get_json()
        path = [bytes.fromhex(p) for p in proof["inclusion_path"]]
        leaf_hash = bytes.fromhex(leaf["leaf_hash"])
        assert merkle.verify_inclusion(leaf["index"], head.size, leaf_hash, path, head.root)

    # A later publication grows the tree; the earlier one is a prefix of it.
    with app.app_context():
        log_key_change(db.session, "rotate", "0123456789abcdef", "2026-12-03T12:00:00Z")
        assert log_store.check_log(db.session) == head.size + 1
    new = verify_tree_head(client.get(f"{LOG}/tree-head").get_json(), keys)
    assert new.size == head.size + 1
    proof = client.get(
        f"{LOG}/consistency", query_string={"first": head.size, "second": new.size}
    ).get_json()
    path = [bytes.fromhex(p) for p in proof["consistency_path"]]
    assert merkle.verify_consistency(head.size, new.size, head.root, new.root, path)

    # Building again publishes nothing new: the same signed bytes are not logged twice.
    client.get(FLAGGED)
    work_queue(app)
    with app.app_context():
        assert log_store.log_size(db.session) == new.size


def test_a_tampered_leaf_is_found_by_the_log_check(sqlite_app: Flask) -> None:
    with sqlite_app.app_context():
        log_key_change(db.session, "rotate", "0123456789abcdef", "2026-12-03T12:00:00Z")
        leaf = log_store.leaf_at(db.session, 0)
        assert leaf is not None
        body = json.loads(leaf.data)
        leaf.data = json.dumps(dict(body, kid="fedcba9876543210")).encode()
        db.session.commit()
        with pytest.raises(log_store.LogIntegrityError, match="leaf 0's bytes do not hash"):
            log_store.check_log(db.session)


def test_a_tampered_subtree_hash_is_found_by_the_log_check(sqlite_app: Flask) -> None:
    from server.adapters.models import LogNode

    with sqlite_app.app_context():
        for n in range(3):
            log_key_change(db.session, "rotate", f"{n:016x}", "2026-12-03T12:00:00Z")
        assert log_store.check_log(db.session) == 3
        node = db.session.get(LogNode, (1, 0))  # leaves 0 and 1
        assert node is not None
        node.hash = b"\x00" * 32
        db.session.commit()
        with pytest.raises(log_store.LogIntegrityError, match=r"subtree \(1, 0\)"):
            log_store.check_log(db.session)


def test_proofs_from_stored_subtree_hashes_are_those_from_all_leaves(sqlite_app: Flask) -> None:
    from server.services import transparency_log as log

    with sqlite_app.app_context():
        for n in range(37):
            log_key_change(db.session, "rotate", f"{n:016x}", "2026-12-03T12:00:00Z")
        hashes = log_store.leaf_hashes(db.session, 37)
        for size in (1, 2, 5, 16, 17, 37):
            assert log.tree_root(db.session, size) == _naive_tree(hashes[:size])
            for index in range(size):
                body = log.inclusion(db.session, hashes[index].hex(), size)
                path = [bytes.fromhex(p) for p in body["inclusion_path"]]
                assert path == merkle.inclusion_proof(hashes[:size], index)
            for first in range(1, size + 1):
                body = log.consistency(db.session, first, size)
                path = [bytes.fromhex(p) for p in body["consistency_path"]]
                assert path == merkle.consistency_proof(hashes[:size], first)


def _naive_tree(hashes: list[bytes]) -> bytes:
    # The tree hash from leaf hashes, written from RFC 9162 §2.1.1 (not core.merkle).
    if len(hashes) == 1:
        return hashes[0]
    k = 1
    while k * 2 < len(hashes):
        k *= 2
    left, right = _naive_tree(hashes[:k]), _naive_tree(hashes[k:])
    return hashlib.sha256(b"\x01" + left + right).digest()


@pytest.mark.parametrize(
    ("path", "status", "says"),
    [
        ("/leaves/abc", 400, "whole number"),
        ("/leaves/0", 404, "no leaf 0"),
        ("/inclusion", 400, "64 lower-case hex"),
        ("/inclusion?leaf_hash=" + "0" * 64, 404, "no leaf has hash"),
        ("/consistency", 400, "give `first`"),
        ("/consistency?first=-1", 400, "whole number"),
        ("/consistency?first=3", 400, "between 1 and `second` (1)"),
        ("/consistency?first=1&second=9", 400, "between 0 and 1"),
    ],
)
def test_bad_log_requests_are_4xx_naming_the_problem(
    sqlite_app: Flask, path: str, status: int, says: str
) -> None:
    client = sqlite_app.test_client()
    if "leaf_hash" not in path and path != "/leaves/0":
        with sqlite_app.app_context():
            log_key_change(db.session, "rotate", "0123456789abcdef", "2026-12-03T12:00:00Z")
    response = client.get(LOG + path)
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    assert says in response.get_json()["detail"]


def test_a_published_story_version_is_a_leaf_naming_its_text(sqlite_app: Flask) -> None:
    from server.services.catalog import brand_by_slug
    from server.services.story_versions import chapter_layout, publish, save_draft

    with sqlite_app.app_context():
        brand = brand_by_slug(db.session, "nkabom")
        assert brand is not None
        current = next(v for v in brand.stories if v.published)
        save_draft(db.session, brand, current.chapters, chapter_layout(brand, current), None)
        story = publish(db.session, brand, None, "the test's claims are the pack's own")
        newest = log_store.last_leaf(db.session)
        assert newest is not None
        entry = json.loads(newest.data)
        text = json.dumps(
            {"chapters": story.chapters, "layout": chapter_layout(brand, story)},
            sort_keys=True,
            separators=(",", ":"),
        ).encode()
    assert entry["kind"] == "story"
    assert entry["brand"] == "nkabom" and entry["version"] == story.version
    assert entry["text_sha256"] == hashlib.sha256(text).hexdigest() == newest.subject


def test_concurrent_appends_leave_no_gaps(app: Flask) -> None:
    import threading
    from datetime import UTC, datetime

    from sqlalchemy.orm import Session

    from server.core.transparency.entries import entry_bytes

    engine = db.engine_for(app)
    errors: list[BaseException] = []

    def append(writer: int) -> None:
        try:
            for n in range(10):
                with Session(engine) as session:
                    data = entry_bytes(
                        "key", f"2026-12-03T12:00:{n:02d}Z", {"kid": f"{writer}-{n}"}
                    )
                    log_store.append_leaf(session, "key", f"{writer}-{n}", data, datetime.now(UTC))
                    session.commit()
        except BaseException as exc:  # reported below: a thread's failure must fail the test
            errors.append(exc)

    threads = [threading.Thread(target=append, args=(w,)) for w in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    with Session(engine) as session:
        assert log_store.check_log(session) == 30
