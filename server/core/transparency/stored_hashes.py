"""The log's stored interior hashes: which to keep, which a proof needs, proofs made from them.

As Go's `tlog` stores hashes: the hash of every complete (perfect, aligned) subtree is kept
once, when its last leaf is appended, and never changes. Node ``(level, index)`` is the
subtree over leaves ``[index << level, (index + 1) << level)``; level 0 holds the leaf hashes.
Every subtree an RFC 9162 proof names splits into at most ``log2(n)`` such nodes, and only
the one along the tree's right edge is not itself a node, so a tree hash, an inclusion or a
consistency proof reads O(log n) stored hashes instead of all n leaves.

Pure: callers ask which nodes are needed (`*_nodes`), read them, and pass them back as a
mapping (`*_from`). The proofs are the same lists of hashes `merkle` makes from the leaves.
"""

from __future__ import annotations

from collections.abc import Mapping

from server.core.transparency.merkle import EMPTY_ROOT, ProofError, node_hash

NodeId = tuple[int, int]
Span = tuple[int, int]


def append_siblings(index: int) -> list[NodeId]:
    """Return the nodes that leaf `index`'s append completes subtrees with (left siblings)."""
    siblings, level = [], 0
    while (index >> level) & 1:
        siblings.append((level, (index >> level) - 1))
        level += 1
    return siblings


def nodes_to_store(index: int, leaf: bytes, siblings: list[bytes]) -> list[tuple[NodeId, bytes]]:
    """Return the nodes appending `leaf` at `index` completes, leaf first.

    `siblings` are the hashes of `append_siblings(index)`, in that order.
    """
    wanted = append_siblings(index)
    if len(siblings) != len(wanted):
        raise ValueError(f"`siblings` must hold the {len(wanted)} hashes of append_siblings")
    stored = [((0, index), leaf)]
    value = leaf
    for (level, position), sibling in zip(wanted, siblings, strict=True):
        value = node_hash(sibling, value)
        stored.append(((level + 1, position >> 1), value))
    return stored


def span_nodes(start: int, end: int) -> list[NodeId]:
    """Return the complete subtrees that make up leaves ``[start, end)``, left to right.

    The spans a proof names start at a multiple of a power of two at least as large as
    their width, so they split by the bits of their width, largest first.
    """
    width, position, nodes = end - start, start, []
    if width <= 0:
        raise ValueError(f"the span [{start}, {end}) holds no leaves")
    for level in range(width.bit_length() - 1, -1, -1):
        if width >> level & 1:
            if position % (1 << level):
                raise ValueError(f"the span [{start}, {end}) is not one a Merkle proof names")
            nodes.append((level, position >> level))
            position += 1 << level
    return nodes


def span_hash(start: int, end: int, nodes: Mapping[NodeId, bytes]) -> bytes:
    """Return the Merkle tree hash of leaves ``[start, end)`` from stored `nodes`."""
    parts = [nodes[n] for n in span_nodes(start, end)]
    value = parts.pop()
    while parts:
        value = node_hash(parts.pop(), value)
    return value


def _split(n: int) -> int:
    return 1 << ((n - 1).bit_length() - 1)


def inclusion_spans(index: int, size: int) -> list[Span]:
    """Return the subtrees whose hashes are leaf `index`'s audit path, in the RFC's order."""
    if not 0 <= index < size:
        raise ProofError(f"`index` {index} is outside a tree of {size} leaves")
    spans: list[Span] = []
    start, end = 0, size
    while end - start > 1:  # walk down to the leaf; the path lists siblings bottom up
        k = _split(end - start)
        if index < start + k:
            spans.append((start + k, end))
            end = start + k
        else:
            spans.append((start, start + k))
            start += k
    return spans[::-1]


def consistency_spans(first: int, size: int) -> list[Span]:
    """Return the subtrees whose hashes prove the first `first` leaves a prefix (§2.1.4.1)."""
    if not 0 < first <= size:
        raise ProofError(f"`first` must be between 1 and the tree size {size}, not {first}")
    spans: list[Span] = []
    start, end, whole = 0, size, True
    while first - start != end - start:
        k = _split(end - start)
        if first - start <= k:
            spans.append((start + k, end))
            end = start + k
        else:
            spans.append((start, start + k))
            start, whole = start + k, False
    if not whole:
        spans.append((start, end))
    return spans[::-1]


def needed(spans: list[Span]) -> set[NodeId]:
    """Return the stored nodes the hashes of `spans` are made from."""
    return {node for start, end in spans for node in span_nodes(start, end)}


def tree_hash_from(size: int, nodes: Mapping[NodeId, bytes]) -> bytes:
    """Return the tree hash of the first `size` leaves (nodes: `needed([(0, size)])`)."""
    return EMPTY_ROOT if size == 0 else span_hash(0, size, nodes)


def proof_from(spans: list[Span], nodes: Mapping[NodeId, bytes]) -> list[bytes]:
    """Return the hashes of `spans` (an inclusion or consistency proof) from `nodes`."""
    return [span_hash(start, end, nodes) for start, end in spans]
