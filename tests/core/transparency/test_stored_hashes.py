"""Proofs from stored interior hashes are the proofs made from all the leaves."""

from __future__ import annotations

import pytest

from server.core.transparency import merkle
from server.core.transparency import stored_hashes as stored
from tests.core.transparency.test_merkle import LEAVES, ROOTS, naive_path, naive_subproof


def _store(leaves: list[bytes]) -> dict[stored.NodeId, bytes]:
    """Append `leaves` one by one as the log does, keeping what each append completes."""
    nodes: dict[stored.NodeId, bytes] = {}
    for index, leaf in enumerate(leaves):
        siblings = [nodes[n] for n in stored.append_siblings(index)]
        for node, value in stored.nodes_to_store(index, leaf, siblings):
            assert node not in nodes  # a stored node never changes
            nodes[node] = value
    return nodes


def _leaves(n: int) -> list[bytes]:
    return [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(n)]


def test_every_complete_subtree_is_stored_once_and_nothing_else() -> None:
    nodes = _store(_leaves(13))
    # 13 leaves: 13 + 6 + 3 + 1 complete subtrees of 1, 2, 4 and 8 leaves.
    assert len(nodes) == 13 + 6 + 3 + 1
    assert nodes[(3, 0)] == merkle.tree_hash(_leaves(8))
    assert nodes[(2, 2)] == merkle.tree_hash(_leaves(13)[8:12])


@pytest.mark.parametrize("size", range(1, 70))
def test_tree_hash_and_proofs_equal_those_from_all_leaves(size: int) -> None:
    leaves = _leaves(size)
    nodes = _store(leaves)
    assert stored.tree_hash_from(size, nodes) == merkle.tree_hash(leaves)
    for index in range(size):
        spans = stored.inclusion_spans(index, size)
        assert stored.proof_from(spans, nodes) == merkle.inclusion_proof(leaves, index)
    for first in range(1, size + 1):
        spans = stored.consistency_spans(first, size)
        assert stored.proof_from(spans, nodes) == merkle.consistency_proof(leaves, first)


def test_a_proof_reads_logarithmically_many_nodes() -> None:
    size = 100_003
    reads = len(stored.needed(stored.inclusion_spans(size // 3, size)))
    reads_consistency = len(stored.needed(stored.consistency_spans(size // 2 + 1, size)))
    assert reads <= 2 * size.bit_length()
    assert reads_consistency <= 2 * size.bit_length()


def test_the_rfc_6962_vectors_and_the_naive_tree_from_stored_nodes() -> None:
    leaves = [merkle.leaf_hash(d) for d in LEAVES]
    nodes = _store(leaves)
    for size, expected in enumerate(ROOTS, start=1):
        assert stored.tree_hash_from(size, nodes).hex() == expected
        for index in range(size):
            spans = stored.inclusion_spans(index, size)
            assert stored.proof_from(spans, nodes) == naive_path(index, LEAVES[:size])
        for first in range(1, size + 1):
            spans = stored.consistency_spans(first, size)
            assert stored.proof_from(spans, nodes) == naive_subproof(first, LEAVES[:size], True)


def test_bad_asks_are_refused() -> None:
    with pytest.raises(merkle.ProofError):
        stored.inclusion_spans(5, 5)
    with pytest.raises(merkle.ProofError):
        stored.consistency_spans(0, 5)
    with pytest.raises(ValueError, match="not one a Merkle proof names"):
        stored.span_nodes(1, 3)
    with pytest.raises(ValueError, match="siblings"):
        stored.nodes_to_store(3, b"\0" * 32, [])
