"""Password hashing with Argon2id (argon2-cffi) and the rules a new password must meet."""

from __future__ import annotations

from argon2 import Parameters, PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

from server.core.errors import N_, TranslatableError

MIN_LENGTH = 12
MAX_LENGTH = 256

# argon2-cffi's defaults follow RFC 9106's second recommendation (64 MiB, 3 passes).
PARAMETERS = profiles.RFC_9106_LOW_MEMORY
_parameters = PARAMETERS
_hasher = PasswordHasher.from_parameters(PARAMETERS)

# Verified against when the e-mail is unknown, so both paths cost the same time.
_DUMMY_HASH = _hasher.hash("originxr-no-such-user")


class WeakPassword(TranslatableError):
    """A new password that does not meet the rules; the message says which."""


def check_new_password(password: str, email: str) -> None:
    """Raise `WeakPassword` unless `password` is acceptable for the account `email`."""
    if len(password) < MIN_LENGTH:
        raise WeakPassword(N_("Use at least %(n)d characters."), n=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        raise WeakPassword(N_("Use at most %(n)d characters."), n=MAX_LENGTH)
    if password.strip().lower() == email.strip().lower():
        raise WeakPassword(N_("The password must not be your e-mail address."))
    if len(set(password)) < 4:
        raise WeakPassword(N_("The password repeats too few different characters."))


def use_parameters(parameters: Parameters) -> None:
    """Hash new passwords with `parameters` from now on (the tests use argon2's cheapest).

    Hashes made before keep verifying: Argon2 hashes carry their own parameters.
    """
    global _hasher, _parameters
    _hasher = PasswordHasher.from_parameters(parameters)
    _parameters = parameters


def current_parameters() -> Parameters:
    """The parameters new hashes are made with."""
    return _parameters


def hash_password(password: str) -> str:
    """Return the Argon2id hash of `password`."""
    return _hasher.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """Tell whether `password` matches `stored`; spends the same effort when `stored` is None."""
    try:
        return _hasher.verify(stored or _DUMMY_HASH, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """Tell whether `stored` was made with weaker parameters than today's."""
    return _hasher.check_needs_rehash(stored)
