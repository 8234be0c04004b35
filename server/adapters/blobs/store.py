"""The blob store's interface: bytes named by their sha256, the same on every backend."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from typing import BinaryIO

_HEX = frozenset("0123456789abcdef")
# Big enough to keep per-read overhead (a syscall, an S3 socket read) small, small enough
# that a streamed response holds little memory per request.
CHUNK_BYTES = 64 * 1024


class BlobNotFound(FileNotFoundError):
    """No blob with this sha256 is stored; every backend raises this one error."""

    def __init__(self, sha256: str) -> None:
        super().__init__(f"no blob {sha256} is stored")
        self.sha256 = sha256


def check_sha256(sha256: str) -> str:
    """Return `sha256` if it is a blob address (64 lowercase hex digits); else raise."""
    if len(sha256) != 64 or not set(sha256) <= _HEX:
        raise ValueError(f"`sha256` must be 64 lowercase hex digits, got {sha256!r}")
    return sha256


class DigestMismatch(ValueError):
    """The bytes to store do not hash to the sha256 the caller said they would."""

    def __init__(self, expected: str, actual: str) -> None:
        super().__init__(f"the bytes hash to {actual}, not to the expected {expected}")
        self.expected, self.actual = expected, actual


def check_digest(expected: str | None, actual: str) -> None:
    """Raise `DigestMismatch` unless `expected` is None or equals `actual`."""
    if expected is not None and expected != actual:
        raise DigestMismatch(expected, actual)


class BlobStore(ABC):
    """Content-addressed bytes: a blob's name is the sha256 of its content.

    Make one only with `open_blob_store(settings)` or `blob_store(app)`. Every method
    refuses a malformed address with ValueError and a missing blob with `BlobNotFound`.
    """

    @abstractmethod
    def put(self, data: bytes) -> str:
        """Store `data` atomically and return its sha256; storing it again is a no-op."""

    @abstractmethod
    def put_stream(self, stream: BinaryIO, expected: str | None = None) -> str:
        """Store the bytes of the seekable `stream` from its start, read a chunk at a time
        (a big blob is never held in memory); return their sha256, as `put` does.

        With `expected`, bytes that do not hash to it raise `DigestMismatch` and nothing
        is stored (no file left behind for the collector)."""

    @abstractmethod
    def get(self, sha256: str) -> bytes:
        """Return the blob's bytes."""

    @abstractmethod
    def exists(self, sha256: str) -> bool:
        """Tell whether the blob is stored."""

    @abstractmethod
    def size(self, sha256: str) -> int:
        """Return the blob's length in bytes."""

    @abstractmethod
    def shas(self) -> Iterator[str]:
        """Yield the sha256 of every stored blob, in no particular order."""

    def open(self, sha256: str, start: int = 0, end: int | None = None) -> BinaryIO:
        """Return a stream of the blob's bytes from `start` up to `end` (exclusive).

        The bytes are those of ``get(sha256)[start:end]``: a range past the end is cut
        short, never an error. Close the stream when done (it is a context manager).
        """
        check_sha256(sha256)
        if start < 0:
            raise ValueError(f"`start` must be 0 or more, got {start}")
        if end is not None and end < start:
            raise ValueError(f"`end` must be None or at least `start` ({start}), got {end}")
        return self._open(sha256, start, end)

    @abstractmethod
    def _open(self, sha256: str, start: int, end: int | None) -> BinaryIO:
        """Return the stream `open` promises, its arguments already checked."""
