"""Key rotation and revocation: earlier keys keep verifying what they signed in their time."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from server.adapters import config
from server.adapters.config import Settings, SettingsError, settings
from server.adapters.keys import KeyListError, key_list, revoke_key, rotate_key
from server.core.signing import KeyEntry, load_private_key, sign, verify_with_keys

BEFORE, ROTATED, BETWEEN, REVOKED, AFTER = (
    "2026-01-01T00:00:00Z",
    "2026-02-01T00:00:00Z",
    "2026-02-15T00:00:00Z",
    "2026-03-01T00:00:00Z",
    "2026-04-01T00:00:00Z",
)


def _settings(tmp_path: Path) -> Settings:
    values = config.load(None, environ={"ORIGINXR_INSTANCE_PATH": str(tmp_path)})
    return Settings.from_values(values)


def test_a_rotated_key_verifies_what_it_signed_before_it_stopped(tmp_path: Path) -> None:
    keys = _settings(tmp_path)
    old_key = load_private_key(keys.signing_key_path)
    signed_before = sign(b"report", old_key)
    old, new = rotate_key(keys, now=ROTATED)
    assert old.kid == signed_before["kid"] and old.not_after == ROTATED
    listed = key_list(keys)
    assert [e.kid for e in listed] == [new.kid, old.kid]  # the current key first
    assert verify_with_keys(b"report", signed_before, listed, signed_at=BEFORE)
    # The old key's signature claimed after it stopped signing is not its own.
    assert not verify_with_keys(b"report", signed_before, listed, signed_at=AFTER)
    signed_now = sign(b"manifest", load_private_key(keys.signing_key_path))
    assert signed_now["kid"] == new.kid
    assert verify_with_keys(b"manifest", signed_now, listed, signed_at=AFTER)
    assert not verify_with_keys(b"manifest", signed_now, listed, signed_at=BEFORE)


def test_a_revoked_key_fails_for_what_it_signs_after_the_revocation(tmp_path: Path) -> None:
    keys = _settings(tmp_path)
    record = sign(b"report", load_private_key(keys.signing_key_path))
    old, _ = rotate_key(keys, now=ROTATED)
    with pytest.raises(KeyListError, match="rotate it first"):
        revoke_key(keys, key_list(keys)[0].kid)
    with pytest.raises(KeyListError, match="no key 'nope'"):
        revoke_key(keys, "nope")
    revoke_key(keys, old.kid, now=REVOKED)
    listed = key_list(keys)
    assert listed[1].revoked_at == REVOKED
    # Stolen keys sign with any date: only a time before the revocation and before the
    # rotation is the key's own; an unknown time is not accepted for a revoked key.
    assert verify_with_keys(b"report", record, listed, signed_at=BEFORE)
    assert not verify_with_keys(b"report", record, listed, signed_at=AFTER)
    assert not verify_with_keys(b"report", record, listed, signed_at=None)
    assert not verify_with_keys(b"report", record, listed, signed_at=BETWEEN)  # retired


def test_the_key_list_route_lists_every_key_with_its_period(sqlite_app: Flask) -> None:
    before = sqlite_app.test_client().get("/.well-known/originxr-keys.json").json["keys"]
    assert len(before) == 1 and before[0]["current"] is True
    old, new = rotate_key(settings(sqlite_app), now=ROTATED)
    listed = sqlite_app.test_client().get("/.well-known/originxr-keys.json").json["keys"]
    assert [(k["kid"], k["current"], k["not_after"]) for k in listed] == [
        (new.kid, True, None),
        (old.kid, False, ROTATED),
    ]
    entries = [
        KeyEntry(k["kid"], k["public_key"], k["not_before"], k["not_after"], k["revoked_at"])
        for k in listed
    ]
    assert entries == key_list(settings(sqlite_app))


def test_a_broken_key_list_is_refused_by_name(tmp_path: Path) -> None:
    keys = _settings(tmp_path)
    Path(keys.signing_keyring_path).write_text('{"keys": 1}')
    with pytest.raises(KeyListError, match=r"is not an originxr\.keyring/1 key list"):
        key_list(keys)


def test_a_shared_database_requires_the_shared_keys(tmp_path: Path) -> None:
    env = {"ORIGINXR_INSTANCE_PATH": str(tmp_path), "DATABASE_URL": "postgresql://db/x"}
    with pytest.raises(SettingsError, match="SECRET_KEY"):
        config.load(None, environ=env)
    secret = tmp_path / "secret"
    secret.write_text("s3cret\n")
    with pytest.raises(SettingsError, match="SIGNING_KEY_PATH must name an existing"):
        config.load(None, environ={**env, "ORIGINXR_SECRET_KEY_FILE": str(secret)})
    key = tmp_path / "key.pem"
    load_private_key(key)
    values = config.load(
        None,
        environ={
            **env,
            "ORIGINXR_SECRET_KEY_FILE": str(secret),
            "ORIGINXR_SIGNING_KEY_PATH": str(key),
        },
    )
    assert values["SECRET_KEY"] == "s3cret"
    # The embedded default (SQLite in the instance folder) still makes its own keys.
    assert config.load(None, environ={"ORIGINXR_INSTANCE_PATH": str(tmp_path)})["SECRET_KEY"]
