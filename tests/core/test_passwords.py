"""Password hashing: production parameters, parameter changes, verification across them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from argon2 import Type, profiles

from server.core import passwords


@pytest.fixture
def production_parameters() -> Iterator[None]:
    """Hash with the production parameters for one test, then restore the tests' own."""
    before = passwords.current_parameters()
    passwords.use_parameters(passwords.PARAMETERS)
    yield
    passwords.use_parameters(before)


def test_production_parameters_are_rfc_9106_second_choice() -> None:
    assert passwords.PARAMETERS.type is Type.ID
    assert passwords.PARAMETERS.memory_cost == 64 * 1024
    assert passwords.PARAMETERS.time_cost == 3
    assert passwords.PARAMETERS.parallelism == 4


@pytest.mark.usefixtures("production_parameters")
def test_a_production_hash_verifies_and_names_its_parameters() -> None:
    stored = passwords.hash_password("cocoa-harvest-2026")
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert passwords.verify_password(stored, "cocoa-harvest-2026")
    assert not passwords.verify_password(stored, "cocoa-harvest-2027")
    assert not passwords.needs_rehash(stored)


def test_a_hash_made_with_weaker_parameters_verifies_and_asks_for_a_rehash() -> None:
    before = passwords.current_parameters()
    passwords.use_parameters(profiles.CHEAPEST)
    try:
        weak = passwords.hash_password("cocoa-harvest-2026")
    finally:
        passwords.use_parameters(before)
    passwords.use_parameters(passwords.PARAMETERS)
    try:
        assert passwords.verify_password(weak, "cocoa-harvest-2026")
        assert passwords.needs_rehash(weak)
    finally:
        passwords.use_parameters(before)


def test_no_stored_hash_never_verifies() -> None:
    assert not passwords.verify_password(None, "originxr-no-such-user")
