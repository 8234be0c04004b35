"""Orders of a tile's splats: along a Morton curve, and by opacity within Morton runs."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from server.core.splats.gaussians import Gaussians

DEPTH = 21  # bits per axis of the Morton code; 63 bits in all


def morton(cells: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """Interleave the bits of (N, 3) cell numbers < 2**DEPTH into (N,) codes, x lowest."""
    code = np.zeros(len(cells), dtype=np.uint64)
    for bit in range(DEPTH):
        for axis in range(3):
            b = (cells[:, axis] >> np.uint64(bit)) & np.uint64(1)
            code |= b << np.uint64(3 * bit + axis)
    return code


def by_opacity(g: Gaussians, chunk: int | None) -> npt.NDArray[np.intp]:
    """Return the order of Morton-ordered `g` by its SPZ opacity byte within each run of
    `chunk` splats (the whole tile with None; stable: ties keep the Morton order).

    Opacity order makes the opacity bytes runs; runs of neighbours keep some of the
    locality that makes the positions' deflate codes short (their high bytes are alike).
    """
    key = np.clip(np.round(g.alphas * 255.0), 0, 255).astype(np.intp)
    if chunk is not None:
        key = key + (np.arange(len(g)) // chunk) * 256
    return np.argsort(key, kind="stable").astype(np.intp)
