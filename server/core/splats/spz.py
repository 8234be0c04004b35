"""Write SPZ version 3 and read SPZ versions 2 and 3 (Niantic's compressed splat format).

Layout (all little-endian, the whole file gzip-compressed): a 16-byte header — magic
"NGSP", version, point count, SH degree, fractional bits, flags, a reserved zero byte —
then, for all points in turn, positions (3 × 24-bit fixed point), alphas (1 B), colours
(3 B, SH DC × 0.15 × 255 + 127.5), scales (3 B, (ln s + 10) × 16), rotations (v3: 4 B
"smallest three"; v2: 3 B x, y, z with w ≥ 0 derived) and the SH rest coefficients
(1 B each, coefficient by coefficient with R, G, B interleaved). SPZ's frame is RUB
(three.js's); `rdf_to_rub` converts the RDF frame most 3DGS PLY files use.
"""

from __future__ import annotations

import struct
import zlib

import numpy as np
import numpy.typing as npt

from server.core.splats.errors import SplatFileError
from server.core.splats.gaussians import SH_COEFFICIENTS, Gaussians

MAGIC = 0x5053474E  # "NGSP"
HEADER = struct.Struct("<IIIBBBB")
COLOR_SCALE = 0.15
FLAG_ANTIALIASED = 0x1
_SQRT1_2 = np.float32(np.sqrt(0.5))
_OTHERS = np.array([[1, 2, 3], [0, 2, 3], [0, 1, 3], [0, 1, 2]])
# Sign of each SH rest coefficient under a 180° turn about x (y → -y, z → -z): each basis
# polynomial changes sign with the parity of its total degree in y and z.
_SH_FLIP_RDF_RUB = np.array([-1, -1, 1, -1, 1, 1, -1, 1, -1, 1, -1, -1, 1, -1, 1], dtype=np.float32)

Bits = int | npt.NDArray[np.integer]
"""A count of significant bits: one for every splat, or an (N,) array of one per splat."""


def _u8(x: npt.NDArray[np.floating]) -> npt.NDArray[np.uint8]:
    return np.clip(np.round(x), 0, 255).astype(np.uint8)


def _pack_rotations(q: npt.NDArray[np.float32], bits: Bits = 9) -> npt.NDArray[np.uint8]:
    """Pack unit quaternions (x, y, z, w) "smallest three" into 4 bytes each.

    Each magnitude is 9 bits in the format; `bits` < 9 (one count, or one per quaternion)
    keeps only that many significant ones (the rest zero, so the bytes deflate smaller; any
    reader decodes them as usual).
    """
    largest = np.argmax(np.abs(q), axis=1)
    sign = np.where(q[np.arange(len(q)), largest] < 0, -1.0, 1.0).astype(np.float32)
    others = np.take_along_axis(q * sign[:, None], _OTHERS[largest], axis=1)
    step = np.reshape(np.exp2(9.0 - np.asarray(bits, dtype=np.float64)), (-1, 1))
    exact = 511.0 * np.abs(others) / _SQRT1_2 / step
    mag = np.minimum(np.floor(exact + 0.5) * step, 511).astype(np.uint32)
    neg = (others < 0).astype(np.uint32)
    comp = largest.astype(np.uint32) << 30
    for j in range(3):
        comp |= ((neg[:, j] << 9) | mag[:, j]) << (10 * (2 - j))
    return comp.astype("<u4").view(np.uint8).reshape(-1, 4)


def _unpack_rotations(raw: npt.NDArray[np.uint8]) -> npt.NDArray[np.float32]:
    comp = raw.view("<u4").reshape(-1).astype(np.uint32)
    largest = (comp >> 30).astype(np.intp)
    q = np.zeros((len(comp), 4), dtype=np.float32)
    others = np.empty((len(comp), 3), dtype=np.float32)
    for j in range(3):
        bits = comp >> (10 * (2 - j))
        value = (bits & 511).astype(np.float32) / 511.0 * _SQRT1_2
        others[:, j] = np.where(bits & 512, -value, value)
    np.put_along_axis(q, _OTHERS[largest], others, axis=1)
    rest = np.maximum(0.0, 1.0 - np.sum(others * others, axis=1))
    q[np.arange(len(q)), largest] = np.sqrt(rest)
    return q


def _quantise_sh(sh: npt.NDArray[np.float32], bits: Bits | None = None) -> npt.NDArray[np.uint8]:
    """Quantise SH rest coefficients: 5 significant bits for degree 1, 4 above (the reference
    encoder's), or `bits` significant bits (one count, or one per splat) for every one."""
    q = np.round(sh.astype(np.float64) * 128.0) + 128.0
    if bits is None:
        bucket = np.full(sh.shape[1], 16.0)
        bucket[:3] = 8.0
        b = bucket[None, :, None]
    else:
        b = np.reshape(np.exp2(8.0 - np.asarray(bits, dtype=np.float64)), (-1, 1, 1))
    q = np.floor((q + b / 2) / b) * b
    return np.clip(q, 0, 255).astype(np.uint8)


def _byte(x: npt.NDArray[np.floating], bits: Bits) -> npt.NDArray[np.uint8]:
    """Return `x` rounded to a byte with `bits` significant bits (one count, or one per row)."""
    step = np.reshape(np.exp2(8.0 - np.asarray(bits, dtype=np.float64)), (-1, 1))
    return _u8(np.round(x / step) * step)


def _check_bits(name: str, bits: Bits | None, top: int, n: int) -> None:
    if bits is None:
        return
    arr = np.asarray(bits)
    if arr.ndim > 1 or (arr.ndim == 1 and len(arr) != n):
        raise ValueError(f"`{name}` must be one count or one per splat")
    if arr.size and not ((arr >= 1) & (arr <= top)).all():
        raise ValueError(f"`{name}` must lie in 1–{top}")


def encode_spz(
    g: Gaussians,
    fractional_bits: int = 12,
    antialiased: bool = False,
    level: int = 6,
    runs_only: bool = False,
    *,
    sh_bits: Bits | None = None,
    rotation_bits: Bits = 9,
    color_bits: Bits = 8,
    scale_bits: Bits = 8,
    per_array: bool = False,
) -> bytes:
    """Return `g` as a gzip-compressed SPZ version 3 file (positions must already be RUB).

    `level` is the gzip level: 6 is the reference encoder's; 1 is ~5× faster on noisy
    data for ~3 % more bytes. `runs_only` deflates with zlib's Z_RLE strategy (matches of
    the previous byte only, any inflater reads it): on splat arrays, which are noise to
    LZ77 but for runs, it is ~3 % smaller and faster. `sh_bits` (1–8) keeps that many
    significant bits of every SH rest coefficient instead of the reference's 5 (degree 1)
    and 4 (above); `rotation_bits` (1–9) of each rotation magnitude; `color_bits` and
    `scale_bits` (1–8) of each DC colour and log-scale byte. Each is one count or an (N,)
    array of one per splat. All only round the format's own bytes to coarser steps: every
    SPZ v3 reader decodes the file as usual.
    `per_array` deflates each array with the strategy that suits it (see
    `DEFLATE_STRATEGIES`; `runs_only` is then ignored): ~0.4 B/splat less on a capture's positions.
    """
    if not 0 <= fractional_bits <= 23:
        raise ValueError("`fractional_bits` must lie in 0–23")
    if not 0 <= level <= 9:
        raise ValueError("`level` must lie in 0–9")
    n, degree = len(g), g.sh_degree
    for name, bits, top in (
        ("sh_bits", sh_bits, 8),
        ("rotation_bits", rotation_bits, 9),
        ("color_bits", color_bits, 8),
        ("scale_bits", scale_bits, 8),
    ):
        _check_bits(name, bits, top, n)
    fixed = np.round(g.positions.astype(np.float64) * (1 << fractional_bits))
    if n and np.abs(fixed).max() >= 1 << 23:
        limit = (1 << 23) / (1 << fractional_bits)
        raise ValueError(
            f"`g.positions` reach beyond ±{limit:g}: use fewer `fractional_bits` to encode them"
        )
    pos = fixed.astype("<i4").view(np.uint8).reshape(n, 3, 4)[:, :, :3]
    with np.errstate(divide="ignore"):
        log_scales = np.log(g.scales.astype(np.float64))
    parts = [
        HEADER.pack(MAGIC, 3, n, degree, fractional_bits, FLAG_ANTIALIASED * antialiased, 0),
        pos.tobytes(),
        _u8(g.alphas * 255.0).tobytes(),
        _byte(g.colors * (COLOR_SCALE * 255.0) + 127.5, color_bits).tobytes(),
        _byte((np.maximum(log_scales, -20.0) + 10.0) * 16.0, scale_bits).tobytes(),
        _pack_rotations(g.rotations, rotation_bits).tobytes(),
    ]
    if g.sh is not None:
        parts.append(_quantise_sh(g.sh, sh_bits).tobytes())
    if per_array:
        return _gzip_per_array(parts, level)
    strategy = zlib.Z_RLE if runs_only else zlib.Z_DEFAULT_STRATEGY
    packer = zlib.compressobj(level, zlib.DEFLATED, 16 + zlib.MAX_WBITS, 8, strategy)  # gzip
    return b"".join(packer.compress(part) for part in parts) + packer.flush()


# Per array (header, positions, alphas, colours, scales, rotations, SH rest), its deflate
# strategy. LZ77 finds repeats among neighbours' positions and among the opacity runs of a
# tile's chunks (see tiling's `opacity_chunk`, each a run of rising values); colours,
# scales and rotations are noise to it but for a few repeats, whose 3-byte matches cost
# more than the literals (Z_FILTERED and Huffman only are 2–12 % smaller there); SH bytes
# are runs of a few values. (Level 9 finds 8 % more in a capture's SH1, but takes 50 µs a
# splat, eight times all the rest of tiling.)
DEFLATE_STRATEGIES = (
    zlib.Z_DEFAULT_STRATEGY,
    zlib.Z_DEFAULT_STRATEGY,
    zlib.Z_DEFAULT_STRATEGY,
    zlib.Z_FILTERED,
    zlib.Z_FILTERED,
    zlib.Z_HUFFMAN_ONLY,
    zlib.Z_RLE,
)
_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03"  # deflate, no name, mtime 0, Unix
_FINAL_BLOCK = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS).flush()  # empty, last


def _gzip_per_array(parts: list[bytes], level: int) -> bytes:
    """Return one gzip member holding `parts`, each deflated with its own strategy.

    Each part is a raw deflate stream ended by a sync flush (an empty stored block, so it
    ends on a byte and is not the last block); the streams joined, then an empty last block,
    are one valid deflate stream, which any gzip reader inflates as usual.
    """
    body = bytearray(_GZIP_HEADER)
    crc, size = 0, 0
    for part, strategy in zip(parts, DEFLATE_STRATEGIES, strict=False):
        packer = zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS, 8, strategy)
        body += packer.compress(part) + packer.flush(zlib.Z_SYNC_FLUSH)
        crc, size = zlib.crc32(part, crc), size + len(part)
    body += _FINAL_BLOCK
    body += struct.pack("<II", crc, size & 0xFFFFFFFF)
    return bytes(body)


def _inflate(data: bytes, limit: int) -> bytes:
    """Return gzip `data` decompressed, refusing it as soon as it passes `limit` bytes."""
    if data[:2] != b"\x1f\x8b":
        raise SplatFileError("not an SPZ file: it is not gzip-compressed")
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = bytearray()
    pending = data
    try:
        while not inflater.eof:
            piece = inflater.decompress(pending, limit + 1 - len(out))
            out += piece
            if len(out) > limit:
                raise SplatFileError(f"SPZ file inflates to more than {limit} bytes")
            pending = inflater.unconsumed_tail
            if not pending and not piece and not inflater.eof:
                raise SplatFileError("SPZ file is truncated: its gzip stream ends early")
    except zlib.error as exc:
        raise SplatFileError(f"SPZ file is corrupt: {exc}") from exc
    return bytes(out)


def decode_spz(data: bytes, max_splats: int, max_uncompressed: int) -> Gaussians:
    """Return the Gaussians of an SPZ file (version 2 or 3), refusing anything hostile.

    Raise SplatFileError for non-gzip data, a gzip stream that is corrupt, truncated or
    inflates past `max_uncompressed` bytes, a wrong magic or version, more than
    `max_splats` points, or a payload whose length does not match its header exactly.
    """
    raw = _inflate(data, max_uncompressed)
    if len(raw) < HEADER.size:
        raise SplatFileError("SPZ file is shorter than its 16-byte header")
    magic, version, n, degree, bits, flags, _ = HEADER.unpack_from(raw)
    if magic != MAGIC:
        raise SplatFileError("not an SPZ file: wrong magic number (expected 'NGSP')")
    if version not in (2, 3):
        raise SplatFileError(f"SPZ version {version} is not supported: use version 2 or 3")
    if degree not in SH_COEFFICIENTS:
        raise SplatFileError(f"SPZ SH degree {degree} is not supported: use 0 to 3")
    if bits > 23 or flags & ~FLAG_ANTIALIASED:
        raise SplatFileError("SPZ header has unsupported fractional bits or flags")
    if n > max_splats:
        raise SplatFileError(f"SPZ declares {n} splats; the limit is {max_splats}")
    k = SH_COEFFICIENTS[degree]
    rot_bytes = 4 if version == 3 else 3
    stride = 9 + 1 + 3 + 3 + rot_bytes + 3 * k
    if len(raw) != HEADER.size + n * stride:
        raise SplatFileError(
            f"SPZ payload is {len(raw) - HEADER.size} bytes but {n} splats need {n * stride}: "
            "the file is truncated or its header lies"
        )
    body = np.frombuffer(raw, dtype=np.uint8, offset=HEADER.size)
    at = 0

    def chunk(width: int) -> npt.NDArray[np.uint8]:
        nonlocal at
        part = body[at : at + n * width].reshape(n, width)
        at += n * width
        return part

    pos = chunk(9).reshape(n, 3, 3).astype(np.int32)
    fixed = pos[:, :, 0] | (pos[:, :, 1] << 8) | (pos[:, :, 2] << 16)
    fixed = np.where(fixed & 0x800000, fixed - (1 << 24), fixed)
    positions = fixed.astype(np.float32) / np.float32(1 << bits)
    alphas = chunk(1)[:, 0].astype(np.float32) / 255.0
    colors = (chunk(3).astype(np.float32) - 127.5) / (COLOR_SCALE * 255.0)
    scales = np.exp(chunk(3).astype(np.float32) / 16.0 - 10.0)
    if version == 3:
        rotations = _unpack_rotations(np.ascontiguousarray(chunk(4)))
    else:
        xyz = chunk(3).astype(np.float32) / 127.5 - 1.0
        w = np.sqrt(np.maximum(0.0, 1.0 - np.sum(xyz * xyz, axis=1)))
        rotations = np.concatenate([xyz, w[:, None]], axis=1)
        degenerate = np.linalg.norm(rotations, axis=1) < 1e-6
        rotations[degenerate] = (0.0, 0.0, 0.0, 1.0)
    sh = None
    if k:
        sh = (chunk(3 * k).astype(np.float32).reshape(n, k, 3) - 128.0) / 128.0
    return Gaussians(positions, scales, rotations, alphas, colors, sh)


def rdf_to_rub(g: Gaussians) -> Gaussians:
    """Return `g` turned from the RDF frame (x right, y down, z forward) to RUB.

    The change is a 180° rotation about x: positions (x, y, z) → (x, -y, -z); quaternions
    are conjugated by it, (qx, qy, qz, qw) → (qx, -qy, -qz, qw); scales, opacities and DC
    colours are unchanged; each SH rest coefficient is multiplied by ±1, the parity of its
    real SH basis polynomial in y and z (exact, since the rotation only flips signs).
    """
    flip = np.array([1, -1, -1], dtype=np.float32)
    sh = None
    if g.sh is not None:
        sh = g.sh * _SH_FLIP_RDF_RUB[: g.sh.shape[1], None]
    rotations = g.rotations * np.array([1, -1, -1, 1], dtype=np.float32)
    return Gaussians(g.positions * flip, g.scales, rotations, g.alphas, g.colors, sh)
