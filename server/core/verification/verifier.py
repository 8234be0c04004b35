"""Check a batch end to end: hashes, signatures, the log, the page's figures, the log's past.

`verify_batch` reads, through a `Source`, what a shopper or an auditor can see of the batch
at `uri` — the page, its linkset, the signature records, the signed report and manifest,
the blobs the manifest names, the evidence documents the report names (as far as the
public may fetch them), the key list, the log's tree head with its witnesses'
cosignatures, leaves and proofs — and
stops at the first thing that does not hold, naming it (`VerificationFailure`). `previous`
is the tree head this verifier saw last time for that log: today's must extend it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

from server.core.signing import KeyEntry, verify
from server.core.transparency import merkle
from server.core.transparency.entries import read_entry
from server.core.transparency.tree_head import (
    TreeHead,
    TreeHeadError,
    decode_hashes,
)
from server.core.verification.blob_fetch import blob_url, changed_hash, fetch_all
from server.core.verification.documents import DocumentFailure, DocumentTally, check_documents
from server.core.verification.log_heads import (
    LOG,
    VerificationFailure,
    check_consistency,
    check_witnesses,
    fetch_json,
    fetch_signed_head,
)
from server.core.verification.page_figures import figure_problem, read_page
from server.core.verification.sources import Source, SourceError

LINKSET = "application/linkset+json"
BLOB_PATH = re.compile(r"/blobs/([0-9a-f]{64})")


@dataclass
class Verified:
    """What a passing verification checked, for the summary and ``--json``."""

    uri: str
    origin: str
    report: str = ""
    manifest: str = ""
    tree: TreeHead | None = None
    checked: list[str] = field(default_factory=list)
    documents: DocumentTally = field(default_factory=DocumentTally)
    cosignatures_served: int = 0
    cosigners: list[str] = field(default_factory=list)
    # Each cosigner's tree size: the head's, or an earlier one the head extends.
    witnessed: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """Return the result as JSON."""
        tree = self.tree
        return {
            "ok": True,
            "uri": self.uri,
            "report": self.report,
            "manifest": self.manifest,
            "tree": None if tree is None else {"size": tree.size, "root_hash": tree.root.hex()},
            "checked": self.checked,
            "evidence_documents": self.documents.as_json(),
            "witnesses": {
                "served": self.cosignatures_served,
                "cosigned": self.cosigners,
                "tree_sizes": self.witnessed,
            },
        }


def _judged(body: bytes | SourceError, sha256: str, what: str) -> bytes:
    """Return a fetched blob's bytes, or fail naming `what` was refused or changed."""
    if isinstance(body, SourceError):
        raise VerificationFailure(f"could not fetch the {what}: {body}") from body
    actual = changed_hash(body, sha256)
    if actual is not None:
        raise VerificationFailure(
            f"the {what} {sha256[:12]}… has been changed: its bytes hash to {actual[:12]}…"
        )
    return body


def _blob(source: Source, origin: str, sha256: str, what: str) -> bytes:
    url = blob_url(origin, sha256)
    return _judged(fetch_all(source, [url])[url], sha256, what)


def _check_signature(
    what: str, blob: bytes, record: dict[str, Any], keys: list[KeyEntry], signed_at: str | None
) -> None:
    kid = record.get("kid")
    entry = next((k for k in keys if k.kid == kid), None)
    if entry is None:
        raise VerificationFailure(f"the {what} is signed by key {kid!r}, which is not listed")
    if not entry.may_sign_at(signed_at):
        if entry.revoked_at is not None and (signed_at is None or signed_at >= entry.revoked_at):
            raise VerificationFailure(
                f"the {what} is signed by key {kid}, revoked at {entry.revoked_at}, "
                f"and was published at {signed_at or 'an unknown time'}"
            )
        raise VerificationFailure(
            f"the {what} is signed by key {kid} at {signed_at}, outside its period "
            f"({entry.not_before or '…'} to {entry.not_after or '…'})"
        )
    if not verify(blob, record, entry.public()):
        raise VerificationFailure(f"the {what}'s signature does not verify with key {kid}")


def _leaf(source: Source, origin: str, what: str, place: Any) -> tuple[int, bytes, dict[str, Any]]:
    """Return index, hash and entry of the leaf the server says logs `what`."""
    if not isinstance(place, dict) or not isinstance(place.get("index"), int):
        raise VerificationFailure(f"the {what} is not in the transparency log")
    body = fetch_json(source, f"{origin}{LOG}/leaves/{place['index']}", f"log leaf of the {what}")
    try:
        data = base64.b64decode(body["data"], validate=True)
        entry = read_entry(data)
    except (KeyError, TypeError, ValueError, binascii.Error) as exc:
        raise VerificationFailure(f"the log leaf of the {what} is unreadable ({exc})") from exc
    leaf_hash = merkle.leaf_hash(data)
    if leaf_hash.hex() != body.get("leaf_hash") or leaf_hash.hex() != place.get("leaf_hash"):
        raise VerificationFailure(f"the log leaf of the {what} does not hash to its leaf hash")
    return place["index"], leaf_hash, entry


def _logs(index: int, entry: dict[str, Any], what: str, expect: dict[str, Any]) -> None:
    """Check that log entry `index` is about what was fetched (`expect`: its fields)."""
    for name, value in expect.items():
        if entry.get(name) != value:
            raise VerificationFailure(
                f"log leaf {index} does not log this {what}: its {name} is "
                f"{entry.get(name)!r}, not {value!r}"
            )


def _included(
    source: Source, origin: str, what: str, index: int, leaf: bytes, head: TreeHead
) -> None:
    query = urlencode({"leaf_hash": leaf.hex(), "tree_size": head.size})
    body = fetch_json(source, f"{origin}{LOG}/inclusion?{query}", f"inclusion proof of the {what}")
    try:
        path = decode_hashes(body.get("inclusion_path"), "inclusion proof")
    except (TreeHeadError, AttributeError) as exc:
        raise VerificationFailure(f"the inclusion proof of the {what} is malformed") from exc
    if not merkle.verify_inclusion(index, head.size, leaf, path, head.root):
        raise VerificationFailure(
            f"the {what}'s log leaf {index} is not in the signed tree of {head.size} leaves"
        )


def _signed_output(
    source: Source,
    origin: str,
    what: str,
    record: Any,
    keys: list[KeyEntry],
    head: TreeHead,
    batch: str,
) -> tuple[bytes, int]:
    """Return the signed output `record` names, checked, and the index of its log leaf."""
    if not isinstance(record, dict) or not isinstance(record.get("blob"), str):
        raise VerificationFailure(f"the batch has no signed {what} yet")
    sha, sig_sha = record["blob"], str(record.get("signature_blob", ""))
    blob = _blob(source, origin, sha, what)
    signature = json.loads(_blob(source, origin, sig_sha, f"{what}'s signature"))
    if signature.get("blob") != sha:
        raise VerificationFailure(f"the {what}'s signature names another blob")
    index, leaf, entry = _leaf(source, origin, what, record.get("log"))
    # The signature first: it is checked at the time the log says it was published.
    _check_signature(what, blob, signature, keys, entry.get("logged_at"))
    expect = {
        "kind": what.split()[-1],
        "blob": sha,
        "signature": sig_sha,
        "batch": batch,
        "kid": signature.get("kid"),
    }
    _logs(index, entry, what, expect)
    _included(source, origin, what, index, leaf, head)
    return blob, index


def verify_batch(
    uri: str,
    source: Source,
    previous: TreeHead | None = None,
    witnesses: list[KeyEntry] | None = None,
    required_witnesses: int = 0,
) -> Verified:
    """Verify the batch at Digital Link `uri` through `source`; raise VerificationFailure.

    `witnesses` are the witness keys the caller trusts (never the server's word): the tree
    head must be cosigned by `required_witnesses` of them.
    """
    parts = urlsplit(uri)
    result = Verified(uri, f"{parts.scheme}://{parts.netloc}")
    try:
        page = source.get(uri, "text/html").decode("utf-8", "replace")
    except SourceError as exc:
        raise VerificationFailure(f"could not fetch the batch page: {exc}") from exc
    linkset = fetch_json(source, uri, "linkset", LINKSET)
    try:
        links = linkset["linkset"][0]
        evidence_url = links["https://gs1.org/voc/traceability"][0]["href"]
    except (KeyError, IndexError, TypeError) as exc:
        raise VerificationFailure("the linkset has no gs1:traceability link") from exc
    api = urlsplit(evidence_url)
    origin = result.origin = f"{api.scheme}://{api.netloc}"
    batch = parts.path
    keys, head, document = fetch_signed_head(source, origin)
    result.tree = head
    result.checked.append(f"log tree head signed: {head.size} leaves")
    served = document.get("cosignatures")
    result.cosignatures_served = len(served) if isinstance(served, list) else 0
    signatures_url = evidence_url.rsplit("/", 1)[0] + "/signatures"
    records = fetch_json(source, signatures_url, "signature records").get("signatures") or {}
    report_bytes, report_leaf = _signed_output(
        source, origin, "evidence report", records.get("report"), keys, head, batch
    )
    result.report = hashlib.sha256(report_bytes).hexdigest()
    result.checked.append(f"evidence report {result.report[:12]}…: hash, signature, log")
    linked = hashlib.sha256(_raw(source, evidence_url, "evidence report")).hexdigest()
    if linked != result.report:
        raise VerificationFailure(
            f"the evidence report the batch links to ({linked[:12]}…) is not the signed "
            f"one ({result.report[:12]}…): it was swapped"
        )
    report = json.loads(report_bytes)
    try:
        result.documents = check_documents(source, origin, report)
    except DocumentFailure as exc:
        raise VerificationFailure(str(exc)) from exc
    result.checked.append(result.documents.summary())
    manifest_bytes, manifest_leaf = _signed_output(
        source, origin, "scene manifest", records.get("manifest"), keys, head, batch
    )
    result.manifest = hashlib.sha256(manifest_bytes).hexdigest()
    manifest = json.loads(manifest_bytes)
    if manifest.get("report") != result.report:
        raise VerificationFailure("the scene manifest was built from another evidence report")
    count = _manifest_blobs(source, origin, manifest)
    result.checked.append(f"scene manifest {result.manifest[:12]}…: hash, signature, log")
    result.checked.append(f"{count} blobs the manifest names: hashes")
    if witnesses:
        holds = max(report_leaf, manifest_leaf) + 1  # a tree holding both of the batch's leaves
        result.witnessed = check_witnesses(
            source, origin, head, document, witnesses, required_witnesses, holds
        )
        result.cosigners = list(result.witnessed)
        earlier = sum(size < head.size for size in result.witnessed.values())
        result.checked.append(
            f"tree head cosigned by {len(result.cosigners)} of the {len(witnesses)} witnesses "
            "named"
            + (
                f", {earlier} of them at an earlier size that holds the batch's entries and "
                "that today's head extends"
                if earlier
                else ""
            )
        )
    else:
        result.checked.append(
            f"{result.cosignatures_served} witness cosignatures served with the tree head "
            "(not checked: name witnesses with --witness-key)"
        )
    marks = read_page(page)
    if marks.report_sha256 != result.report:
        raise VerificationFailure(
            f"the page was made from report {str(marks.report_sha256)[:12]}…, "
            f"not the signed one ({result.report[:12]}…)"
        )
    problem = figure_problem(marks, report)
    if problem:
        raise VerificationFailure(problem)
    result.checked.append(f"{len(marks.figures)} page figures come from the signed report")
    check_consistency(source, origin, previous, head)
    if previous is not None and previous.size:
        result.checked.append(f"the log extends the tree of {previous.size} leaves seen before")
    return result


def _raw(source: Source, url: str, what: str) -> bytes:
    try:
        return source.get(url, "application/json")
    except SourceError as exc:
        raise VerificationFailure(f"could not fetch the {what}: {exc}") from exc


def _manifest_blobs(source: Source, origin: str, manifest: dict[str, Any]) -> int:
    """Check the GLB, snapshot tilesets (and their tiles) and capture credentials named."""
    checked = 0
    if isinstance(manifest.get("glb"), str):
        _blob(source, origin, manifest["glb"], "scene blob")
        checked += 1
    for snapshot in manifest.get("snapshots") or []:
        found = BLOB_PATH.search(str(snapshot.get("tileset", "")))
        if found:
            body = _blob(source, origin, found.group(1), "snapshot tileset")
            checked += 1
            tiles = list(dict.fromkeys(BLOB_PATH.findall(body.decode("utf-8", "replace"))))
            bodies = fetch_all(source, (blob_url(origin, tile) for tile in tiles))
            for tile in tiles:  # judged in the tileset's order, fetched several at once
                _judged(bodies[blob_url(origin, tile)], tile, "snapshot tile")
                checked += 1
        credentials = (snapshot.get("capture") or {}).get("credentials_sha256")
        if isinstance(credentials, str):
            _blob(source, origin, credentials, "capture credentials")
            checked += 1
    return checked
