"""Gaussian splats: PLY and SPZ reading and writing, and level-of-detail tiling.

Pure computation on numpy arrays; no Flask, Redis or database. Use::

    g = rdf_to_rub(read_ply(data, max_splats=5_000_000))
    tileset = build_tiles(g)
    tileset.to_json(), [(t.sha256, t.content) for t in tileset.tiles]
"""

from __future__ import annotations

from server.core.splats.errors import SplatFileError
from server.core.splats.gaussians import Gaussians
from server.core.splats.ply import read_ply, write_ply
from server.core.splats.spz import decode_spz, encode_spz, rdf_to_rub
from server.core.splats.tiling import Tile, Tileset, build_tiles

__all__ = [
    "Gaussians",
    "SplatFileError",
    "Tile",
    "Tileset",
    "build_tiles",
    "decode_spz",
    "encode_spz",
    "rdf_to_rub",
    "read_ply",
    "write_ply",
]
