"""The transparency log: the Merkle tree (RFC 9162), its tree heads and its entries."""
