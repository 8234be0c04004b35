"""The local backend: files under ``root/ab/cdef...``, written atomically."""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from server.adapters.blobs.store import (
    CHUNK_BYTES,
    BlobNotFound,
    BlobStore,
    check_digest,
    check_sha256,
)

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

_HEX = frozenset("0123456789abcdef")


class LocalBlobStore(BlobStore):
    """Blobs as files in a folder: ``root/ab/cdef...`` holds the blob whose sha256 is abcdef..."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LocalBlobStore) and other.root == self.root

    def __hash__(self) -> int:
        return hash(self.root)

    def __repr__(self) -> str:
        return f"LocalBlobStore({str(self.root)!r})"

    def path(self, sha256: str) -> Path:
        """Return where the blob `sha256` lives (it may not exist)."""
        check_sha256(sha256)
        return self.root / sha256[:2] / sha256[2:]

    def put(self, data: bytes) -> str:
        """Store `data` and return its sha256; storing the same bytes twice is a no-op."""
        digest = hashlib.sha256(data).hexdigest()
        target = self.path(digest)
        if target.exists():
            return digest
        target.parent.mkdir(parents=True, exist_ok=True)
        # Write to a temporary file in the same folder, fsync, then rename: readers see
        # either no file or the whole file, never a partial one.
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return digest

    def put_stream(self, stream: BinaryIO, expected: str | None = None) -> str:
        """Store the bytes of `stream` from its start; return their sha256 (see `put`)."""
        stream.seek(0)
        self.root.mkdir(parents=True, exist_ok=True)
        # The name is known only once every byte is read: the copy is hashed as it is made,
        # in the root (the same file system as its folder, so the rename is atomic).
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".tmp-")
        digest = hashlib.sha256()
        try:
            with os.fdopen(fd, "wb") as handle:
                while chunk := stream.read(CHUNK_BYTES * 16):
                    digest.update(chunk)
                    handle.write(chunk)
                handle.flush()
                os.fsync(handle.fileno())
            check_digest(expected, digest.hexdigest())
            target = self.path(digest.hexdigest())
            if target.exists():
                Path(tmp).unlink()
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return digest.hexdigest()

    def get(self, sha256: str) -> bytes:
        """Return the blob's bytes."""
        try:
            return self.path(sha256).read_bytes()
        except FileNotFoundError:
            raise BlobNotFound(sha256) from None

    def exists(self, sha256: str) -> bool:
        """Tell whether the blob is stored."""
        return self.path(sha256).is_file()

    def size(self, sha256: str) -> int:
        """Return the blob's length in bytes."""
        try:
            return self.path(sha256).stat().st_size
        except FileNotFoundError:
            raise BlobNotFound(sha256) from None

    def shas(self) -> Iterator[str]:
        """Yield the sha256 of every stored blob (temporary files of unfinished puts are not)."""
        if not self.root.is_dir():
            return
        for folder in self.root.iterdir():
            if len(folder.name) != 2 or not set(folder.name) <= _HEX or not folder.is_dir():
                continue
            for file in folder.iterdir():
                name = folder.name + file.name
                if len(name) == 64 and set(name) <= _HEX and file.is_file():
                    yield name

    def _open(self, sha256: str, start: int, end: int | None) -> BinaryIO:
        try:
            handle = self.path(sha256).open("rb")
        except FileNotFoundError:
            raise BlobNotFound(sha256) from None
        handle.seek(start)
        return io.BufferedReader(_Window(handle, None if end is None else end - start))


class _Window(io.RawIOBase):
    """At most `length` bytes of an open file from where it stands (all of it if None)."""

    def __init__(self, handle: io.BufferedReader, length: int | None) -> None:
        self._handle = handle
        self._left = length

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        view = memoryview(buffer).cast("B")
        if self._left is not None:
            view = view[: self._left]
        count = self._handle.readinto(view)
        if self._left is not None:
            self._left -= count
        return count

    def close(self) -> None:
        self._handle.close()
        super().close()
