"""The blob store behaves the same on both backends: the local folder and a real S3 server."""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

import boto3
import pytest

from server.adapters.blobs import (
    CHUNK_BYTES,
    BlobNotFound,
    BlobStore,
    DigestMismatch,
    LocalBlobStore,
    open_blob_store,
)
from server.adapters.blobs.s3 import S3BlobStore, s3_client

# Longer than a few chunks, and no two chunks alike, so a range read from the wrong offset
# cannot pass.
DATA = b"".join(hashlib.sha256(str(i).encode()).digest() for i in range(4 * CHUNK_BYTES // 32))
MISSING = "0" * 64


@pytest.fixture
def store(tmp_path: Path, blob_settings: dict[str, str]) -> BlobStore:
    """A blob store of each backend (parametrised by `blob_settings`)."""
    return open_blob_store({"BLOB_PATH": str(tmp_path / "blobs"), **blob_settings})


def test_put_is_content_addressed_and_idempotent(store: BlobStore) -> None:
    digest = store.put(b"cocoa")
    assert digest == hashlib.sha256(b"cocoa").hexdigest()
    assert store.put(b"cocoa") == digest
    assert store.get(digest) == b"cocoa"
    assert store.exists(digest) and store.size(digest) == 5
    assert not store.exists(MISSING)
    assert list(store.shas()) == [digest]


def test_a_stream_is_stored_as_its_bytes_are(store: BlobStore, tmp_path: Path) -> None:
    data = DATA * 5  # more than one read of the stream
    with (tmp_path / "report.json").open("w+b") as stream:
        stream.write(data)  # left at its end: stored from its start all the same
        digest = store.put_stream(stream)
        assert digest == hashlib.sha256(data).hexdigest() == store.put(data)
        assert store.put_stream(stream) == digest  # stored again: a no-op
    assert store.get(digest) == data and store.size(digest) == len(data)
    assert list(store.shas()) == [digest]
    if isinstance(store, LocalBlobStore):  # no temporary file is left behind
        assert sorted(p.name for p in store.root.iterdir()) == [digest[:2]]


def test_a_stream_that_does_not_hash_to_the_expected_digest_stores_nothing(
    store: BlobStore, tmp_path: Path
) -> None:
    data = DATA * 2
    with (tmp_path / "report.json").open("w+b") as stream:
        stream.write(data)
        with pytest.raises(DigestMismatch) as raised:
            store.put_stream(stream, expected=MISSING)
        assert raised.value.actual == hashlib.sha256(data).hexdigest()
        assert list(store.shas()) == []  # no blob, and no file left for the collector
        if isinstance(store, LocalBlobStore):
            assert list(store.root.iterdir()) == []
        # The digest that is right stores it.
        digest = store.put_stream(stream, expected=hashlib.sha256(data).hexdigest())
    assert store.get(digest) == data


def test_an_empty_stream_is_an_empty_blob(store: BlobStore, tmp_path: Path) -> None:
    with (tmp_path / "empty").open("w+b") as stream:
        digest = store.put_stream(stream)
    assert digest == hashlib.sha256(b"").hexdigest() and store.get(digest) == b""


def test_an_empty_blob_is_a_blob(store: BlobStore) -> None:
    digest = store.put(b"")
    assert store.get(digest) == b"" and store.size(digest) == 0
    with store.open(digest) as stream:
        assert stream.read() == b""


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (0, None),
        (0, 1),
        (0, CHUNK_BYTES + 7),
        (CHUNK_BYTES - 3, 2 * CHUNK_BYTES + 5),
        (len(DATA) - 1, None),
        (len(DATA) - 10, len(DATA) + 1000),  # past the end: cut short, as a slice is
        (len(DATA), None),
        (len(DATA) + 5, None),
        (17, 17),
    ],
)
def test_open_streams_the_slice_asked_for(store: BlobStore, start: int, end: int | None) -> None:
    digest = store.put(DATA)
    with store.open(digest, start, end) as stream:
        first = stream.read(100)
        rest = stream.read()
    assert first + rest == DATA[start:end]
    assert len(first) == min(100, len(DATA[start:end]))


def test_a_missing_blob_is_the_same_error_on_both_backends(store: BlobStore) -> None:
    for read in (store.get, store.size, store.open):
        with pytest.raises(BlobNotFound, match=MISSING) as caught:
            read(MISSING)
        assert isinstance(caught.value, FileNotFoundError)
    with pytest.raises(BlobNotFound):
        store.open(MISSING, 3, 3)


def test_bad_addresses_and_ranges_are_refused_by_name(store: BlobStore) -> None:
    digest = store.put(b"cocoa")
    for call in (store.get, store.exists, store.size, store.open):
        with pytest.raises(ValueError, match="64 lowercase hex"):
            call("../../etc/passwd")
    with pytest.raises(ValueError, match="`start`"):
        store.open(digest, -1)
    with pytest.raises(ValueError, match="`end`"):
        store.open(digest, 4, 2)


def test_readers_never_see_a_partial_blob(store: BlobStore) -> None:
    data = DATA * 16  # some megabytes: a put takes long enough for reads to overlap it
    digest = hashlib.sha256(data).hexdigest()
    writer = threading.Thread(target=store.put, args=(data,))
    writer.start()
    while True:
        writing = writer.is_alive()  # read before the get: if False, the put has ended
        try:
            got = store.get(digest)
        except BlobNotFound:
            assert writing, "the put ended without storing the blob"
            continue
        assert got == data
        break
    writer.join()


def test_local_blobs_are_files_named_by_their_hash(tmp_path: Path) -> None:
    store = open_blob_store({"BLOB_PATH": str(tmp_path)})
    assert isinstance(store, LocalBlobStore)
    digest = store.put(b"cocoa")
    assert [p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()] == [
        f"{digest[:2]}/{digest[2:]}"
    ]
    (tmp_path / digest[:2] / ".tmp-unfinished").write_bytes(b"co")
    assert list(store.shas()) == [digest]


def test_an_interrupted_local_put_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = open_blob_store({"BLOB_PATH": str(tmp_path)})

    def disk_fails(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", disk_fails)
    with pytest.raises(OSError, match="Input/output"):
        store.put(b"cocoa")
    assert not store.exists(hashlib.sha256(b"cocoa").hexdigest())
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_s3_blobs_are_objects_under_the_prefix_put_once(s3_url: str) -> None:
    store = open_blob_store({"BLOB_PATH": "unused", "BLOB_STORE_URL": s3_url})
    assert isinstance(store, S3BlobStore)
    client = boto3.session.Session().client("s3")
    client.put_bucket_versioning(Bucket=store.bucket, VersioningConfiguration={"Status": "Enabled"})
    digest = store.put(b"cocoa")
    store.put(b"cocoa")
    versions = client.list_object_versions(Bucket=store.bucket)["Versions"]
    # The second put found the object and sent nothing: one version only.
    assert [v["Key"] for v in versions] == [f"blobs/{digest[:2]}/{digest[2:]}"]
    client.put_object(Bucket=store.bucket, Key="blobs/notes.txt", Body=b"not a blob")
    client.put_object(Bucket=store.bucket, Key="elsewhere/ab/" + "c" * 62, Body=b"x")
    assert list(store.shas()) == [digest]
    client.close()


def test_the_s3_client_is_made_once_per_url(s3_url: str) -> None:
    settings = {"BLOB_PATH": "unused", "BLOB_STORE_URL": s3_url}
    first, second = open_blob_store(settings), open_blob_store(settings)
    assert first == second
    assert first._client is second._client is s3_client(s3_url)  # type: ignore[attr-defined]


@pytest.mark.parametrize("url", ["http://bucket/x", "s3://", "s3:///prefix", "s3://b/p?x=1"])
def test_a_malformed_store_url_is_refused_by_name(url: str) -> None:
    with pytest.raises(ValueError, match="BLOB_STORE_URL"):
        open_blob_store({"BLOB_PATH": "unused", "BLOB_STORE_URL": url})
