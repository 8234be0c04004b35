"""The S3 backend: blobs as objects ``prefix/ab/cdef...`` in any S3-compatible bucket.

boto3 finds the endpoint, credentials and region itself (``AWS_ENDPOINT_URL``,
``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_DEFAULT_REGION``, or its config
files); this module only reads the bucket and prefix from ``BLOB_STORE_URL``.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import threading
from collections.abc import Iterator
from typing import Any, BinaryIO
from urllib.parse import urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from server.adapters.blobs.store import (
    CHUNK_BYTES,
    BlobNotFound,
    BlobStore,
    check_digest,
    check_sha256,
)

_MISSING = frozenset({"404", "NoSuchKey", "NotFound"})
_clients: dict[tuple[int, str], Any] = {}
_clients_lock = threading.Lock()


def s3_client(url: str) -> Any:
    """Return this process's S3 client for the store at `url`, made on first use.

    A client holds a connection pool and takes tens of milliseconds to make, so it is made
    once per URL; the process id is part of the key because a forked child must not share
    its parent's sockets. Clients are thread-safe once made; making them is not.
    """
    key = (os.getpid(), url)
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            config = Config(
                retries={"mode": "standard"},
                # Checksums only where S3 requires them: many S3-compatible servers refuse
                # the CRC trailers newer boto3 sends by default. Puts carry Content-MD5.
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
            )
            client = boto3.session.Session().client("s3", config=config)
            _clients[key] = client
    return client


def _is_missing(exc: ClientError) -> bool:
    return str(exc.response.get("Error", {}).get("Code")) in _MISSING


class S3BlobStore(BlobStore):
    """Blobs as objects in `bucket` under `prefix`, laid out as the local folder is."""

    def __init__(self, bucket: str, prefix: str, client: Any) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self._client = client

    @classmethod
    def from_url(cls, url: str) -> S3BlobStore:
        """Return the store ``s3://bucket/prefix`` names (`url` is ``BLOB_STORE_URL``)."""
        parts = urlsplit(url)
        if parts.scheme != "s3" or not parts.netloc or parts.query or parts.fragment:
            raise ValueError(f"`BLOB_STORE_URL` must look like s3://bucket/prefix, got {url!r}")
        return cls(parts.netloc, parts.path, s3_client(url))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, S3BlobStore) and (other.bucket, other.prefix) == (
            self.bucket,
            self.prefix,
        )

    def __hash__(self) -> int:
        return hash((self.bucket, self.prefix))

    def __repr__(self) -> str:
        return f"S3BlobStore('s3://{self.bucket}/{self.prefix}')"

    def key(self, sha256: str) -> str:
        """Return the object key of the blob `sha256` (it may not exist)."""
        check_sha256(sha256)
        name = f"{sha256[:2]}/{sha256[2:]}"
        return f"{self.prefix}/{name}" if self.prefix else name

    def put(self, data: bytes) -> str:
        """Store `data` in one PUT under its hash and return the sha256 (skipped if stored)."""
        digest = hashlib.sha256(data).hexdigest()
        if self.exists(digest):
            return digest
        # One PUT is atomic in S3: the object appears whole or not at all. Content-MD5
        # makes the server refuse a body damaged on the way.
        md5 = base64.b64encode(hashlib.md5(data).digest()).decode("ascii")
        self._client.put_object(Bucket=self.bucket, Key=self.key(digest), Body=data, ContentMD5=md5)
        return digest

    def put_stream(self, stream: BinaryIO, expected: str | None = None) -> str:
        """Store the bytes of `stream` from its start in one PUT; return their sha256.

        The stream is read twice: once for the hashes (the sha256 names the object, the
        MD5 is its Content-MD5), once by the upload, which sends it a chunk at a time.
        """
        stream.seek(0)
        digest, md5 = hashlib.sha256(), hashlib.md5()
        while chunk := stream.read(CHUNK_BYTES * 16):
            digest.update(chunk)
            md5.update(chunk)
        size = stream.tell()
        sha256 = digest.hexdigest()
        check_digest(expected, sha256)
        if self.exists(sha256):
            return sha256
        stream.seek(0)
        self._client.put_object(
            Bucket=self.bucket,
            Key=self.key(sha256),
            Body=stream,
            ContentLength=size,
            ContentMD5=base64.b64encode(md5.digest()).decode("ascii"),
        )
        return sha256

    def get(self, sha256: str) -> bytes:
        """Return the blob's bytes."""
        with self.open(sha256) as stream:
            return stream.read()

    def exists(self, sha256: str) -> bool:
        """Tell whether the blob is stored."""
        try:
            self._head(sha256)
        except BlobNotFound:
            return False
        return True

    def size(self, sha256: str) -> int:
        """Return the blob's length in bytes."""
        return int(self._head(sha256)["ContentLength"])

    def shas(self) -> Iterator[str]:
        """Yield the sha256 of every blob under the prefix (other objects are skipped)."""
        start = f"{self.prefix}/" if self.prefix else ""
        pages = self._client.get_paginator("list_objects_v2")
        for page in pages.paginate(Bucket=self.bucket, Prefix=start):
            for item in page.get("Contents", ()):
                name = str(item["Key"])[len(start) :].replace("/", "", 1)
                try:
                    yield check_sha256(name)
                except ValueError:
                    continue

    def _head(self, sha256: str) -> dict[str, Any]:
        try:
            head: dict[str, Any] = self._client.head_object(
                Bucket=self.bucket, Key=self.key(sha256)
            )
        except ClientError as exc:
            if _is_missing(exc):
                raise BlobNotFound(sha256) from None
            raise
        return head

    def _open(self, sha256: str, start: int, end: int | None) -> BinaryIO:
        if end == start:
            if not self.exists(sha256):
                raise BlobNotFound(sha256)
            return io.BytesIO(b"")
        request: dict[str, str] = {"Bucket": self.bucket, "Key": self.key(sha256)}
        if start or end is not None:
            # HTTP ranges are inclusive; ours, like slices, are not.
            request["Range"] = f"bytes={start}-" + ("" if end is None else str(end - 1))
        try:
            body = self._client.get_object(**request)["Body"]
        except ClientError as exc:
            if _is_missing(exc):
                raise BlobNotFound(sha256) from None
            if exc.response.get("Error", {}).get("Code") == "InvalidRange":
                # `start` at or past the end: an empty slice, as the local backend gives.
                return io.BytesIO(b"")
            raise
        return io.BufferedReader(body)
