from __future__ import annotations

import numpy as np

from server.core.splats.gaussians import Gaussians
from server.core.splats.precision import ROTATION_FLOOR, ROTATION_STEP, splat_precision


def _splats(scales: list[list[float]], alphas: list[float]) -> Gaussians:
    n = len(scales)
    return Gaussians(
        positions=np.zeros((n, 3), np.float32),
        scales=np.array(scales, np.float32),
        rotations=np.tile(np.array([0, 0, 0, 1], np.float32), (n, 1)),
        alphas=np.array(alphas, np.float32),
        colors=np.zeros((n, 3), np.float32),
        sh=np.zeros((n, 3, 3), np.float32),
    )


def test_rotation_bits_follow_the_shape_and_colour_bits_the_opacity() -> None:
    g = _splats(
        [[0.01, 0.01, 0.01], [0.01, 0.01, 0.008], [0.01, 0.01, 0.0025], [0.1, 0.001, 0.001]],
        [1.0, 1.0, 1.0, 1.0],
    )
    p = splat_precision(g, rotation_tolerance=1 / 8, color_bits=7, scale_bits=6, sh_bits=3)
    # a round splat needs no rotation; the flatter or longer, the more bits
    assert p.rotation[0] == ROTATION_FLOOR
    assert list(p.rotation) == sorted(p.rotation) and p.rotation[3] > p.rotation[2] > p.rotation[0]
    # each keeps its outline within 1/8 of its largest scale, with the fewest bits that do
    shape = 1 - np.array([1.0, 0.8, 0.25, 0.01])
    angle = ROTATION_STEP * np.exp2(9.0 - p.rotation)
    assert (angle * shape <= 1 / 8).all()
    above = p.rotation > ROTATION_FLOOR  # one bit fewer would break the bound
    assert above.sum() == 2 and (2 * angle[above] * shape[above] > 1 / 8).all()
    assert list(p.color) == [7] * 4 and list(p.scale) == [6] * 4
    assert p.sh is not None and list(p.sh) == [3] * 4


def test_faint_splats_get_fewer_colour_sh_and_rotation_bits_but_not_scale_bits() -> None:
    needle = [0.1, 0.001, 0.001]
    g = _splats([needle] * 4, [0.9, 0.4, 0.2, 0.05])
    p = splat_precision(g, color_bits=8, scale_bits=8, sh_bits=4, faint_bits=1)
    assert list(p.color) == [8, 7, 7, 7] and p.sh is not None and list(p.sh) == [4, 3, 3, 3]
    assert list(p.scale) == [8] * 4 and list(p.rotation) == [9] * 4
    two = splat_precision(g, color_bits=8, rotation_tolerance=1 / 8, faint_bits=2)
    assert list(two.color) == [8, 7, 6, 6]
    assert two.rotation[0] > two.rotation[1] > two.rotation[2] == two.rotation[3]
    assert two.sh is None  # the reference's SH quantisation: no per-splat counts
