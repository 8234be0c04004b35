"""Witness cosignatures of tree heads: the known witnesses' keys, checking and counting them.

A witness cosigns the very text the log signs (`TreeHead.text`): size, root and the head's
timestamp. A cosignature is kept with that timestamp, so anyone holding the witness's public
key can rebuild the text and check it; two heads of the same size and root differ only in
their timestamp, and a cosignature of either vouches for the same tree.
"""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from server.core.signing import ALG, KeyEntry, b64url_decode, verify
from server.core.transparency.tree_head import TreeHead


class CosignatureError(ValueError):
    """A cosignature that is malformed or does not verify; says why."""


class UnknownWitness(CosignatureError):
    """A cosignature by a key that is not on the list of known witnesses."""


def witness_key(public_key: str) -> KeyEntry:
    """Return the key entry of a raw Ed25519 public key (base64url); ValueError if it is not."""
    try:
        raw = b64url_decode(public_key.strip())
    except ValueError as exc:
        raise ValueError(f"witness key {public_key[:60]!r} is not base64url") from exc
    if len(raw) != 32:
        raise ValueError(f"witness key {public_key[:60]!r} is not a raw 32-byte Ed25519 key")
    return KeyEntry.of(Ed25519PublicKey.from_public_bytes(raw))


def parse_witness_keys(text: str) -> list[KeyEntry]:
    """Return the keys of `text`: raw Ed25519 public keys, base64url, comma or space apart."""
    return [witness_key(k) for k in text.replace(",", " ").split()]


def read_cosignature(record: Any) -> dict[str, str]:
    """Return the alg, kid and signature of `record`; CosignatureError naming a bad field."""
    if not isinstance(record, dict):
        raise CosignatureError("the cosignature is not an object with alg, kid and signature")
    if record.get("alg") != ALG:
        raise CosignatureError(f"the cosignature's `alg` must be {ALG}")
    for name in ("kid", "signature"):
        if not isinstance(record.get(name), str) or not record[name] or len(record[name]) > 200:
            raise CosignatureError(f"the cosignature has no `{name}`")
    return {"alg": ALG, "kid": record["kid"], "signature": record["signature"]}


def check_cosignature(head: TreeHead, record: Any, witnesses: list[KeyEntry]) -> KeyEntry:
    """Return the known witness whose signature `record` is of `head`'s text.

    Raise UnknownWitness for a key not in `witnesses`, CosignatureError for a bad signature.
    """
    cosignature = read_cosignature(record)
    witness = next((w for w in witnesses if w.kid == cosignature["kid"]), None)
    if witness is None:
        raise UnknownWitness(
            f"witness key {cosignature['kid']!r} is not one this log knows "
            "(LOG_WITNESS_KEYS lists the witnesses whose cosignatures it keeps)"
        )
    if not verify(head.text(), cosignature, witness.public()):
        raise CosignatureError(
            f"the cosignature does not verify with witness key {witness.kid} over the "
            f"tree head of {head.size} leaves at {head.timestamp}"
        )
    return witness


def cosigners(head: TreeHead, served: Any, witnesses: list[KeyEntry]) -> list[str]:
    """Return the ids of the `witnesses` with a valid cosignature among `served` of `head`.

    `served` is the tree head's ``cosignatures`` list (``kid``, ``alg``, ``signature``,
    ``timestamp``); entries that are malformed, of other keys, or do not verify are skipped:
    the caller counts who vouched, and a bad entry vouches for nothing.
    """
    found: list[str] = []
    for item in served if isinstance(served, list) else []:
        if not isinstance(item, dict) or not isinstance(item.get("timestamp"), str):
            continue
        cosigned = TreeHead(head.size, head.root, item["timestamp"])
        try:
            witness = check_cosignature(cosigned, item, witnesses)
        except CosignatureError:
            continue
        if witness.kid not in found:
            found.append(witness.kid)
    return found
