"""Witnesses post their cosignatures to the log, which keeps known ones; verify counts them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from werkzeug.test import TestResponse

from server.adapters.config import settings
from server.adapters.db import db
from server.adapters.keys import current_key
from server.adapters.models import LogCosignature
from server.core.signing import KeyEntry, load_private_key, sign
from server.core.transparency.tree_head import TreeHead, signed_tree_head
from server.services.transparency_log import log_story_version
from server.web.cli import main
from tests.openapi_conformance import validate
from tests.web.test_verify import BATCH, served  # noqa: F401  (the live demo server)

LOG = "/.well-known/originxr-log"


def _witness_key(path: Path) -> str:
    """Make a witness key at `path`; return its raw public key (base64url)."""
    return KeyEntry.of(load_private_key(path).public_key()).public_key


@pytest.fixture
def known(served: tuple[Flask, str], tmp_path: Path) -> Iterator[tuple[Path, str]]:  # noqa: F811
    """A witness key the log knows (LOG_WITNESS_KEYS), and its public key; no cosignatures."""
    app, _url = served
    key = tmp_path / "witness.pem"
    public = _witness_key(key)
    other = _witness_key(tmp_path / "another.pem")
    app.config["LOG_WITNESS_KEYS"] = f"{other}, {public}"
    yield key, public
    app.config["LOG_WITNESS_KEYS"] = ""
    with app.app_context():
        db.session.query(LogCosignature).delete()
        db.session.commit()


def _kept(app: Flask) -> int:
    with app.app_context():
        return db.session.query(LogCosignature).count()


def _post(app: Flask, body: Any) -> TestResponse:
    response = app.test_client().post(f"{LOG}/cosignatures", json=body)
    validate(response)
    return response


def _cosign(url: str, key: Path, state: Path) -> str:
    """Run `originxr witness` on the log at `url` (posting to it); return its output."""
    args = ["witness", url, "--state", str(state), "--key", str(key)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    return result.output


def test_a_known_witness_is_kept_served_and_counted_by_verify(
    served: tuple[Flask, str],  # noqa: F811
    known: tuple[Path, str],
    tmp_path: Path,
) -> None:
    app, url = served
    key, public = known
    first = _cosign(url, key, tmp_path / "w.json")
    assert "the log keeps the cosignature" in first
    assert public in first  # the operator adds this to the log's LOG_WITNESS_KEYS
    _cosign(url, key, tmp_path / "w.json")
    assert _kept(app) == 1  # one per witness and tree size

    head = app.test_client().get(f"{LOG}/tree-head")
    validate(head)
    (cosignature,) = head.get_json()["cosignatures"]
    assert cosignature["tree_size"] == head.get_json()["size"]
    listed = app.test_client().get(f"{LOG}/cosignatures")
    validate(listed)
    assert listed.get_json()["cosignatures"] == [cosignature]

    state = str(tmp_path / "v.json")
    checked = CliRunner().invoke(
        main, ["verify", url + BATCH, "--state", state, "--witness-key", public, "--json"]
    )
    assert checked.exit_code == 0, checked.output
    body = json.loads(checked.output.splitlines()[-1])
    assert body["witnesses"] == {
        "served": 1,
        "cosigned": [cosignature["kid"]],
        "tree_sizes": {cosignature["kid"]: head.get_json()["size"]},
    }

    stranger = _witness_key(tmp_path / "stranger.pem")
    refused = CliRunner().invoke(
        main, ["verify", url + BATCH, "--state", state, "--witness-key", stranger]
    )
    assert refused.exit_code == 1
    assert "is cosigned by 0 of the witnesses named" in refused.output
    both = CliRunner().invoke(
        main,
        [
            *("verify", url + BATCH, "--state", state, "--witness-key", public),
            *("--witness-key", stranger, "--min-witnesses", "2"),
        ],
    )
    assert both.exit_code == 1
    assert "is cosigned by 1 of the witnesses named" in both.output


def test_an_unknown_witness_is_told_so_and_nothing_is_kept(
    served: tuple[Flask, str],  # noqa: F811
    tmp_path: Path,
) -> None:
    app, url = served
    key = tmp_path / "w.pem"
    result = CliRunner().invoke(
        main, ["witness", url, "--state", str(tmp_path / "w.json"), "--key", str(key)]
    )
    assert result.exit_code == 2, result.output
    assert "NOT KEPT by the log (HTTP 403)" in result.output
    assert "is not one this log knows" in result.output
    assert _kept(app) == 0


def _head_and_cosignature(app: Flask, key: Path) -> tuple[dict[str, Any], dict[str, str]]:
    document = app.test_client().get(f"{LOG}/tree-head").get_json()
    head = TreeHead(document["size"], bytes.fromhex(document["root_hash"]), document["timestamp"])
    record = sign(head.text(), load_private_key(key))
    signed = {k: v for k, v in document.items() if k != "cosignatures"}
    return signed, {k: record[k] for k in ("alg", "kid", "signature")}


def _log_signed(app: Flask, head: TreeHead) -> dict[str, Any]:
    with app.app_context():
        return signed_tree_head(head, current_key(settings()))


def test_bad_cosignatures_are_refused_with_problem_details_and_nothing_kept(
    served: tuple[Flask, str],  # noqa: F811
    known: tuple[Path, str],
    tmp_path: Path,
) -> None:
    app, _url = served
    key, _public = known
    signed, cosignature = _head_and_cosignature(app, key)
    size, root = signed["size"], bytes.fromhex(signed["root_hash"])
    unknown = sign(b"x", load_private_key(tmp_path / "stranger.pem"))
    other_text = sign(b"not the head", load_private_key(key))
    forged_root = TreeHead(size, b"\x07" * 32, signed["timestamp"])
    too_big = TreeHead(size + 5, root, signed["timestamp"])
    cases = [
        ("not json", 400, "send a JSON object"),
        ({"tree_head": signed}, 400, "`cosignature`"),
        ({"tree_head": {"size": 1}, "cosignature": cosignature}, 400, "`tree_head`"),
        (
            {"tree_head": signed, "cosignature": dict(cosignature, kid=unknown["kid"])},
            403,
            "is not one this log knows",
        ),
        (
            {
                "tree_head": signed,
                "cosignature": dict(cosignature, signature=other_text["signature"]),
            },
            422,
            "does not verify with witness key",
        ),
        (
            {"tree_head": dict(signed, root_hash="ab" * 32), "cosignature": cosignature},
            422,
            "this log did not sign that tree head",
        ),
        (
            {"tree_head": _log_signed(app, forged_root), "cosignature": cosignature},
            422,
            "has another root",
        ),
        (
            {"tree_head": _log_signed(app, too_big), "cosignature": cosignature},
            422,
            f"never signed a tree of {size + 5} leaves",
        ),
    ]
    for body, status, says in cases:
        response = _post(app, body)
        assert response.status_code == status, (body, response.get_json())
        assert response.mimetype == "application/problem+json"
        assert says in response.get_json()["detail"]
    assert _kept(app) == 0
    kept = _post(app, {"tree_head": signed, "cosignature": cosignature})
    assert kept.status_code == 201
    assert _post(app, {"tree_head": signed, "cosignature": cosignature}).status_code == 200
    assert _kept(app) == 1


def test_a_cosigned_earlier_head_counts_once_the_log_has_grown(
    served: tuple[Flask, str],  # noqa: F811
    known: tuple[Path, str],
    tmp_path: Path,
) -> None:
    """The log grows between a witness's visits: what it cosigned still vouches, by proof."""
    app, url = served
    key, public = known
    _cosign(url, key, tmp_path / "w.json")
    before = app.test_client().get(f"{LOG}/tree-head").get_json()
    with app.app_context():  # one more leaf: a story version published after the visit
        log_story_version(db.session, "nkabom", 10_000 + before["size"], [], {})
        db.session.commit()
    head = app.test_client().get(f"{LOG}/tree-head")
    validate(head)
    grown = head.get_json()
    assert grown["size"] == before["size"] + 1 and grown["cosignatures"] == []
    (earlier,) = grown["witnessed"]
    assert (earlier["tree_size"], earlier["root_hash"]) == (before["size"], before["root_hash"])

    state = str(tmp_path / "v.json")
    checked = CliRunner().invoke(
        main, ["verify", url + BATCH, "--state", state, "--witness-key", public, "--json"]
    )
    assert checked.exit_code == 0, checked.output
    body = json.loads(checked.output.splitlines()[-1])
    assert body["witnesses"]["cosigned"] == [earlier["kid"]]
    assert body["witnesses"]["tree_sizes"] == {earlier["kid"]: before["size"]}
    assert any("1 of them at an earlier size" in line for line in body["checked"])
