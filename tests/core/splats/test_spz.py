from __future__ import annotations

import gzip
import struct
import tracemalloc
from collections.abc import Callable

import numpy as np
import pytest

from server.core.splats.errors import SplatFileError
from server.core.splats.gaussians import Gaussians
from server.core.splats.merge import quaternions_to_matrices
from server.core.splats.spz import decode_spz, encode_spz, rdf_to_rub

LIMITS = {"max_splats": 100_000, "max_uncompressed": 50_000_000}


def _same_rotation(a: np.ndarray, b: np.ndarray, atol: float) -> None:
    sign = np.where((a * b).sum(axis=1) < 0, -1.0, 1.0)[:, None]
    np.testing.assert_allclose(a, b * sign, atol=atol)


@pytest.mark.parametrize("degree", [0, 1, 2, 3])
def test_decode_encode_within_quantisation_error(
    capture: Callable[..., Gaussians], degree: int
) -> None:
    g = capture(3000, degree)
    data = encode_spz(g)
    raw = gzip.decompress(data)
    assert struct.unpack_from("<IIIBBBB", raw) == (0x5053474E, 3, 3000, degree, 12, 0, 0)
    assert len(raw) == 16 + 3000 * (20 + 3 * (0, 3, 8, 15)[degree])
    back = decode_spz(data, **LIMITS)
    assert back.sh_degree == degree
    np.testing.assert_allclose(back.positions, g.positions, atol=2**-13 + 1e-5)
    np.testing.assert_allclose(back.alphas, g.alphas, atol=0.5 / 255 + 1e-6)
    np.testing.assert_allclose(back.colors, g.colors, atol=0.5 / (0.15 * 255) + 1e-5)
    np.testing.assert_allclose(np.log(back.scales), np.log(g.scales), atol=1 / 32 + 1e-5)
    _same_rotation(back.rotations, g.rotations, atol=0.5 * np.sqrt(0.5) / 511 * 2 + 1e-4)
    if degree:
        assert back.sh is not None and g.sh is not None
        error = np.abs(back.sh - g.sh)
        assert error[:, :3].max() <= (0.5 + 4) / 128 + 1e-6  # degree 1: buckets of 8
        assert error.max() <= (0.5 + 8) / 128 + 1e-6  # higher: buckets of 16


def test_encoding_is_deterministic_and_flags_antialiasing(
    capture: Callable[..., Gaussians],
) -> None:
    g = capture(100)
    assert encode_spz(g) == encode_spz(g)
    assert gzip.decompress(encode_spz(g, fractional_bits=8, antialiased=True))[13:15] == b"\x08\x01"


def test_runs_only_deflate_is_plain_gzip_and_smaller_on_sorted_runs(
    capture: Callable[..., Gaussians],
) -> None:
    g = capture(3000, 1)
    ordered = g.take(np.argsort(g.alphas, kind="stable"))
    default, runs = encode_spz(ordered), encode_spz(ordered, runs_only=True)
    assert gzip.decompress(runs) == gzip.decompress(default)  # any inflater reads it
    assert len(runs) < len(default)


def test_positions_out_of_fixed_point_range_are_named(capture: Callable[..., Gaussians]) -> None:
    g = capture(10)
    far = Gaussians(g.positions + 5000, g.scales, g.rotations, g.alphas, g.colors)
    with pytest.raises(ValueError, match=r"`g\.positions` reach beyond"):
        encode_spz(far)
    assert len(decode_spz(encode_spz(far, fractional_bits=8), **LIMITS)) == 10


def _v2(g: Gaussians) -> bytes:
    """Write SPZ version 2 by hand: v3 without smallest-three rotations."""
    raw = bytearray(gzip.decompress(encode_spz(g)))
    n = len(g)
    raw[4:8] = struct.pack("<I", 2)
    at = 16 + n * 16
    q = g.rotations * np.where(g.rotations[:, 3:] < 0, -1, 1)
    first_three = np.clip(np.round(q[:, :3] * 127.5 + 127.5), 0, 255).astype(np.uint8)
    raw[at : at + 4 * n] = first_three.tobytes()
    return gzip.compress(bytes(raw))


def test_version_2_is_read(capture: Callable[..., Gaussians]) -> None:
    g = capture(500, 1)
    back = decode_spz(_v2(g), **LIMITS)
    np.testing.assert_allclose(back.positions, g.positions, atol=2**-13 + 1e-5)
    # v2 derives w from x, y, z: small w are coarse, so compare the rotations as a whole
    assert np.abs((back.rotations * g.rotations).sum(axis=1)).min() > 0.995


def _raw(version: int = 3, n: int = 1, magic: int = 0x5053474E, body: int = 20) -> bytes:
    # mtime=0: the same bytes every time, so the parametrised ids below are the same in every
    # pytest-xdist worker (a gzip header holds the time of compression)
    header = struct.pack("<IIIBBBB", magic, version, n, 0, 12, 0, 0)
    return gzip.compress(header + bytes(body), mtime=0)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"NGSP" + bytes(40), "not gzip-compressed"),
        (_raw(magic=0x12345678), "wrong magic"),
        (_raw(version=1), "version 1 is not supported"),
        (_raw(version=4), "version 4 is not supported"),
        (_raw(n=10**9), "the limit is 100000"),
        (_raw(n=50_000, body=1024), "truncated or its header lies"),
        (_raw(body=21), "truncated or its header lies"),
        (gzip.compress(b"NGSP", mtime=0), "shorter than its 16-byte header"),
        (b"\x1f\x8b\x08\x00garbage-garbage", "corrupt"),
    ],
)
def test_hostile_files_are_refused(data: bytes, message: str) -> None:
    with pytest.raises(SplatFileError, match=message):
        decode_spz(data, **LIMITS)


def test_truncated_gzip_is_refused(capture: Callable[..., Gaussians]) -> None:
    data = encode_spz(capture(2000))
    with pytest.raises(SplatFileError, match="truncated"):
        decode_spz(data[: len(data) // 2], **LIMITS)


def test_gzip_bomb_is_refused_without_inflating_it() -> None:
    header = struct.pack("<IIIBBBB", 0x5053474E, 3, 4_000_000, 0, 12, 0, 0)
    bomb = gzip.compress(header + bytes(80_000_000))
    assert len(bomb) < 100_000
    tracemalloc.start()
    try:
        with pytest.raises(SplatFileError, match="inflates to more than 1000000 bytes"):
            decode_spz(bomb, max_splats=10**7, max_uncompressed=1_000_000)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4_000_000


def _sh_basis(d: np.ndarray) -> np.ndarray:
    """Return the 15 real SH rest basis polynomials (3DGS order, constants dropped)."""
    x, y, z = d[:, 0], d[:, 1], d[:, 2]
    xx, yy, zz = x * x, y * y, z * z
    return np.stack(
        [-y, z, -x, x * y, y * z, 2 * zz - xx - yy, x * z, xx - yy, y * (3 * xx - yy),
         x * y * z, y * (4 * zz - xx - yy), z * (2 * zz - 3 * xx - 3 * yy),
         x * (4 * zz - xx - yy), z * (xx - yy), x * (xx - 3 * yy)],
        axis=1,
    )  # fmt: skip


def test_rdf_to_rub_turns_positions_rotations_and_sh(capture: Callable[..., Gaussians]) -> None:
    g = capture(200, 3)
    rub = rdf_to_rub(g)
    flip = np.diag([1.0, -1.0, -1.0])
    np.testing.assert_allclose(rub.positions, g.positions @ flip, atol=1e-6)
    np.testing.assert_allclose(
        quaternions_to_matrices(rub.rotations),
        flip @ quaternions_to_matrices(g.rotations) @ flip,
        atol=1e-5,
    )
    d = np.random.default_rng(1).normal(size=(200, 3))
    before = np.einsum("nk,nkc->nc", _sh_basis(d), g.sh)
    after = np.einsum("nk,nkc->nc", _sh_basis(d @ flip), rub.sh)
    np.testing.assert_allclose(after, before, atol=1e-4)


def test_per_array_deflate_is_one_standard_gzip_member(capture: Callable[..., Gaussians]) -> None:
    g = capture(3000, 1)
    joined, whole = encode_spz(g, per_array=True), encode_spz(g)
    # any gzip reader inflates it to the very same SPZ payload, and it is smaller
    assert gzip.decompress(joined) == gzip.decompress(whole)
    assert len(joined) < len(whole)
    assert len(decode_spz(joined, **LIMITS)) == 3000


def test_bits_per_splat_round_each_splat_to_its_own_step(
    capture: Callable[..., Gaussians],
) -> None:
    g = capture(2000, 1)
    coarse = np.arange(len(g)) % 2 == 1  # every other splat keeps fewer bits
    rotation_bits = np.where(coarse, 4, 9)
    color_bits, scale_bits, sh_bits = (np.where(coarse, b - 2, b) for b in (8, 8, 4))
    data = encode_spz(
        g,
        rotation_bits=rotation_bits,
        color_bits=color_bits,
        scale_bits=scale_bits,
        sh_bits=sh_bits,
    )
    back = decode_spz(data, **LIMITS)
    colour_err = np.abs(back.colors - g.colors).max(axis=1) * 0.15 * 255  # in SPZ byte steps
    assert colour_err[~coarse].max() <= 0.5 + 1e-3 < colour_err[coarse].max() <= 2 + 1e-3
    scale_err = np.abs(np.log(back.scales / g.scales)).max(axis=1) * 16  # in sixteenths
    assert scale_err[~coarse].max() <= 0.5 + 1e-3 < scale_err[coarse].max() <= 2 + 1e-3
    assert back.sh is not None and g.sh is not None
    sh_err = np.abs(back.sh - g.sh).max(axis=(1, 2)) * 128  # in SPZ byte steps
    assert sh_err[~coarse].max() <= 8.5 < sh_err[coarse].max() <= 32.5
    dot = np.minimum(np.abs(np.sum(back.rotations * g.rotations, axis=1)), 1.0)
    angle = np.degrees(2 * np.arccos(dot))
    assert angle[~coarse].max() <= 0.25 < angle[coarse].max() <= 0.25 * 32
    # the coarser bytes deflate smaller, and the same counts for all give the same file
    assert len(data) < len(encode_spz(g, sh_bits=4))
    same = encode_spz(g, rotation_bits=np.full(len(g), 9), color_bits=np.full(len(g), 8))
    assert same == encode_spz(g)


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("rotation_bits", 10, "`rotation_bits` must lie in 1–9"),
        ("color_bits", 0, "`color_bits` must lie in 1–8"),
        ("scale_bits", np.full(3, 8), "`scale_bits` must be one count or one per splat"),
        ("sh_bits", np.full((10, 1), 4), "`sh_bits` must be one count or one per splat"),
    ],
)
def test_bad_bit_counts_are_named(
    capture: Callable[..., Gaussians], option: str, value: object, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        encode_spz(capture(10, 1), **{option: value})  # type: ignore[arg-type]
