from __future__ import annotations

import tracemalloc
from collections.abc import Callable

import numpy as np
import pytest

from server.core.splats.errors import SplatFileError
from server.core.splats.gaussians import Gaussians
from server.core.splats.ply import read_ply, write_ply


@pytest.mark.parametrize("degree", [0, 1, 2, 3])
def test_round_trip(capture: Callable[..., Gaussians], degree: int) -> None:
    g = capture(500, degree)
    data = write_ply(g)
    floats = 17 + 3 * (0, 3, 8, 15)[degree]
    assert len(data) - data.index(b"end_header\n") - 11 == 500 * 4 * floats
    back = read_ply(data, max_splats=500)
    assert back.sh_degree == degree
    np.testing.assert_array_equal(back.positions, g.positions)
    np.testing.assert_allclose(back.scales, g.scales, rtol=1e-5)
    np.testing.assert_allclose(back.alphas, g.alphas, atol=1e-5)
    np.testing.assert_allclose(np.abs((back.rotations * g.rotations).sum(1)), 1, atol=1e-6)
    np.testing.assert_array_equal(back.colors, g.colors)
    if degree:
        np.testing.assert_array_equal(back.sh, g.sh)


def test_rest_coefficients_are_read_channel_by_channel(capture: Callable[..., Gaussians]) -> None:
    g = capture(1, 1)
    assert g.sh is not None
    data = bytearray(write_ply(g))
    body = np.frombuffer(bytes(data[data.index(b"end_header\n") + 11 :]), "<f4")
    # f_rest_0..2 are red of coefficients 0..2, f_rest_3 is green of coefficient 0
    assert body[9] == g.sh[0, 0, 0] and body[10] == g.sh[0, 1, 0] and body[12] == g.sh[0, 0, 1]
    assert body[22] == g.rotations[0, 3]  # rot_0 (after opacity and scales) is w


def _header(count: int, fmt: str = "binary_little_endian") -> bytes:
    names = "x y z f_dc_0 f_dc_1 f_dc_2 opacity scale_0 scale_1 scale_2 rot_0 rot_1 rot_2 rot_3"
    lines = ["ply", f"format {fmt} 1.0", f"element vertex {count}"]
    lines += [f"property float {n}" for n in names.split()] + ["end_header", ""]
    return "\n".join(lines).encode()


def test_lying_count_is_refused_before_allocating() -> None:
    tracemalloc.start()
    try:
        with pytest.raises(SplatFileError, match="truncated or its header lies"):
            read_ply(_header(10**9) + bytes(1024), max_splats=2 * 10**9)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"PK\x03\x04 not a ply", "must start with the line 'ply'"),
        (b"ply\nformat binary_little_endian 1.0\n" + b"comment x\n" * 8000, "no 'end_header'"),
        (_header(2, "ascii") + b"0 0 0 0 0 0 0 0 0 0 1 0 0 0\n" * 2, "format 'ascii 1.0'"),
        (_header(2, "binary_big_endian") + bytes(112), "not supported"),
        (_header(3) + bytes(56 * 2), "truncated"),
        (_header(10**7) + bytes(56), "the limit is 1000"),
        (
            b"ply\nformat binary_little_endian 1.0\nelement vertex 1\nproperty float x\n"
            b"end_header\n" + bytes(4),
            "lacks the 3DGS properties: y, z",
        ),
        (
            b"ply\nformat binary_little_endian 1.0\nelement vertex 1\nproperty list uchar int i\n"
            b"end_header\n",
            "must be scalar",
        ),
        (b"ply\nformat binary_little_endian 1.0\nelement face 3\nend_header\n", "'face'"),
    ],
)
def test_malformed_files_are_refused(data: bytes, message: str) -> None:
    with pytest.raises(SplatFileError, match=message):
        read_ply(data, max_splats=1000)


def test_nan_and_inf_are_refused(capture: Callable[..., Gaussians]) -> None:
    data = bytearray(write_ply(capture(4)))
    start = data.index(b"end_header\n") + 11
    data[start + 4 : start + 8] = np.float32(np.nan).tobytes()
    with pytest.raises(SplatFileError, match="'y' holds NaN"):
        read_ply(bytes(data), max_splats=10)
    data[start + 4 : start + 8] = np.float32(np.inf).tobytes()
    with pytest.raises(SplatFileError, match="'y' holds NaN or infinite"):
        read_ply(bytes(data), max_splats=10)


def test_f_rest_count_must_match_a_degree() -> None:
    header = _header(1).replace(b"end_header", b"property float f_rest_0\nend_header")
    with pytest.raises(SplatFileError, match="1 f_rest_"):
        read_ply(header + bytes(60), max_splats=10)


def test_refusals_are_value_errors() -> None:
    assert issubclass(SplatFileError, ValueError)
