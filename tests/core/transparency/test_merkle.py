"""The Merkle tree against RFC 6962's vectors and a naive tree built from the RFC's text."""

from __future__ import annotations

import hashlib

import pytest

from server.core.transparency import merkle

# The leaves of the RFC 6962 reference tests (certificate-transparency's merkle tests).
LEAVES = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    b"\x50\x51\x52\x53\x54\x55\x56\x57",
    b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
]
ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


# --- an independent tree, written from RFC 9162 §2.1.1 over the leaf *data* ---------------
def naive_mth(data: list[bytes]) -> bytes:
    n = len(data)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + data[0]).digest()
    k = 1
    while k * 2 < n:
        k *= 2
    return hashlib.sha256(b"\x01" + naive_mth(data[:k]) + naive_mth(data[k:])).digest()


def naive_path(m: int, data: list[bytes]) -> list[bytes]:
    n = len(data)
    if n == 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return [*naive_path(m, data[:k]), naive_mth(data[k:])]
    return [*naive_path(m - k, data[k:]), naive_mth(data[:k])]


def naive_subproof(m: int, data: list[bytes], whole: bool) -> list[bytes]:
    n = len(data)
    if m == n:
        return [] if whole else [naive_mth(data)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return [*naive_subproof(m, data[:k], whole), naive_mth(data[k:])]
    return [*naive_subproof(m - k, data[k:], False), naive_mth(data[:k])]


def hashes(data: list[bytes]) -> list[bytes]:
    return [merkle.leaf_hash(d) for d in data]


DATA = [bytes([i]) * (i % 5) for i in range(37)]


def test_the_rfc_6962_roots() -> None:
    assert merkle.tree_hash([]).hex() == hashlib.sha256(b"").hexdigest()
    for size, expected in enumerate(ROOTS, start=1):
        assert merkle.tree_hash(hashes(LEAVES[:size])).hex() == expected
        assert naive_mth(LEAVES[:size]).hex() == expected


def test_the_rfc_6962_inclusion_and_consistency_vectors() -> None:
    # From the same reference tests: the path of leaf 0 in the tree of 8, and the
    # consistency proof from 1 to 8.
    path = merkle.inclusion_proof(hashes(LEAVES), 0)
    assert [p.hex()[:16] for p in path] == [
        "96a296d224f285c6",
        "5f083f0a1a33ca07",
        "6b47aaf29ee3c2af",
    ]
    proof = merkle.consistency_proof(hashes(LEAVES), 1)
    assert [p.hex()[:16] for p in proof] == [
        "96a296d224f285c6",
        "5f083f0a1a33ca07",
        "6b47aaf29ee3c2af",
    ]


def test_tree_hash_matches_the_naive_tree_at_every_size() -> None:
    for size in range(len(DATA) + 1):
        assert merkle.tree_hash(hashes(DATA[:size])) == naive_mth(DATA[:size])


def test_inclusion_proofs_match_the_naive_tree_and_verify() -> None:
    for size in range(1, len(DATA) + 1):
        leaves, root = hashes(DATA[:size]), naive_mth(DATA[:size])
        for index in range(size):
            proof = merkle.inclusion_proof(leaves, index)
            assert proof == naive_path(index, DATA[:size])
            assert merkle.verify_inclusion(index, size, leaves[index], proof, root)


def test_consistency_proofs_match_the_naive_tree_and_verify() -> None:
    for second in range(1, len(DATA) + 1):
        leaves, root2 = hashes(DATA[:second]), naive_mth(DATA[:second])
        for first in range(1, second + 1):
            proof = merkle.consistency_proof(leaves, first)
            assert proof == naive_subproof(first, DATA[:second], True)
            assert merkle.verify_consistency(first, second, naive_mth(DATA[:first]), root2, proof)


def test_a_changed_leaf_or_proof_fails_inclusion() -> None:
    leaves = hashes(DATA[:11])
    root = merkle.tree_hash(leaves)
    proof = merkle.inclusion_proof(leaves, 6)
    assert not merkle.verify_inclusion(6, 11, merkle.leaf_hash(b"other"), proof, root)
    assert not merkle.verify_inclusion(5, 11, leaves[6], proof, root)
    assert not merkle.verify_inclusion(6, 7, leaves[6], proof, root)
    assert not merkle.verify_inclusion(6, 11, leaves[6], proof[:-1], root)
    assert not merkle.verify_inclusion(6, 11, leaves[6], [*proof, proof[0]], root)
    bent = [proof[0], bytes(32), *proof[2:]]
    assert not merkle.verify_inclusion(6, 11, leaves[6], bent, root)
    assert not merkle.verify_inclusion(11, 11, leaves[6], proof, root)


def test_a_rewritten_history_fails_consistency() -> None:
    leaves = hashes(DATA[:13])
    old_root = merkle.tree_hash(leaves[:7])
    proof = merkle.consistency_proof(leaves, 7)
    new_root = merkle.tree_hash(leaves)
    assert merkle.verify_consistency(7, 13, old_root, new_root, proof)
    forked = [*leaves[:3], merkle.leaf_hash(b"swapped"), *leaves[4:]]
    assert not merkle.verify_consistency(7, 13, old_root, merkle.tree_hash(forked), proof)
    assert not merkle.verify_consistency(7, 13, old_root, new_root, proof[1:])
    assert not merkle.verify_consistency(8, 13, old_root, new_root, proof)
    assert not merkle.verify_consistency(7, 6, old_root, new_root, proof)
    assert merkle.verify_consistency(0, 13, merkle.EMPTY_ROOT, new_root, [])
    assert merkle.verify_consistency(13, 13, new_root, new_root, [])
    assert not merkle.verify_consistency(13, 13, old_root, new_root, [])


@pytest.mark.parametrize(("size", "index"), [(0, 0), (3, 3), (3, -1)])
def test_a_proof_outside_the_tree_is_refused(size: int, index: int) -> None:
    with pytest.raises(merkle.ProofError, match="outside a tree"):
        merkle.inclusion_proof(hashes(DATA[:size]), index)


def test_a_consistency_proof_from_nothing_or_beyond_is_refused() -> None:
    with pytest.raises(merkle.ProofError, match="between 1 and the tree size 4"):
        merkle.consistency_proof(hashes(DATA[:4]), 5)
    with pytest.raises(merkle.ProofError, match="between 1"):
        merkle.consistency_proof(hashes(DATA[:4]), 0)
