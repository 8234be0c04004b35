from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from server.adapters import config

README = Path(__file__).resolve().parents[2] / "README.md"


def test_environment_overrides_defaults_and_test_config_overrides_both(tmp_path: Path) -> None:
    env = {
        "ORIGINXR_INSTANCE_PATH": str(tmp_path),
        "REDIS_URL": "redis://x:1/2",
        "ORIGINXR_BUILD_LEASE_SECONDS": "7",
    }
    values = config.load({"BUILD_LEASE_SECONDS": 9}, environ=env)
    assert values["REDIS_URL"] == "redis://x:1/2"
    assert values["BUILD_LEASE_SECONDS"] == 9
    assert config.load(None, environ=env)["BUILD_LEASE_SECONDS"] == 7
    assert values["DATABASE_URL"] == f"sqlite:///{tmp_path / 'originxr.sqlite3'}"
    assert values["BLOB_PATH"] == str(tmp_path / "blobs")


def test_secret_key_is_generated_once_into_the_instance(tmp_path: Path) -> None:
    env = {"ORIGINXR_INSTANCE_PATH": str(tmp_path)}
    first = config.load(None, environ=env)["SECRET_KEY"]
    assert len(first) > 40
    assert config.load(None, environ=env)["SECRET_KEY"] == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_unknown_test_settings_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="REDIS_ULR"):
        config.load({"REDIS_ULR": "x"}, environ={"ORIGINXR_INSTANCE_PATH": str(tmp_path)})


def test_every_setting_is_documented_in_the_readme() -> None:
    text = README.read_text()
    missing = [s.name for s in config.SETTINGS if f"`{s.name}`" not in text]
    assert not missing, f"settings missing from README.md: {missing}"


def test_every_setting_has_a_typed_field_of_its_default_s_type(tmp_path: Path) -> None:
    fields = {f.name: f for f in dataclasses.fields(config.Settings)}
    assert set(fields) == {s.name.lower() for s in config.SETTINGS}
    typed = config.Settings.from_values(
        config.load(None, environ={"ORIGINXR_INSTANCE_PATH": str(tmp_path)})
    )
    for setting in config.SETTINGS:
        if setting.default is not None:
            assert type(getattr(typed, setting.name.lower())) is type(setting.default)
    assert typed.queues == ["builds", "default"]
