"""Demo captures: small, deterministic, splats lying flat on the scenes' surfaces."""

from __future__ import annotations

import numpy as np
import pytest

from server.core.splats.demo import (
    MAX_SPLATS,
    SCENES,
    _counts,
    _normal_to_quaternion,
    demo_capture,
)
from server.core.splats.merge import quaternions_to_matrices


@pytest.mark.parametrize("kind", list(SCENES))
def test_each_scene_is_small_deterministic_and_upright(kind: str) -> None:
    g = demo_capture(kind)
    assert 0 < len(g) <= MAX_SPLATS
    again = demo_capture(kind)
    assert np.array_equal(g.positions, again.positions)
    assert np.array_equal(g.colors, again.colors)
    lo, hi = g.bounds()
    assert -0.2 < lo[1] < 0.1 < 2.5 < hi[1]  # ground at y = 0, things standing up (+y)
    assert (g.scales[:, 2] < g.scales[:, 0]).all()  # thin along the normal
    assert np.allclose(g.alphas, 0.9)
    assert g.sh_degree == 0


def test_scenes_differ_and_seeds_matter() -> None:
    farm = demo_capture("farm", 2000)
    assert not np.array_equal(farm.positions, demo_capture("farm", 2000, seed=8).positions)
    assert not np.array_equal(farm.positions, demo_capture("factory", 2000).positions)


def test_splats_lie_in_the_plane_of_their_face() -> None:
    rng = np.random.default_rng(3)
    normals = rng.normal(size=(500, 3))
    normals = np.concatenate([normals, [[0, 0, 1], [0, 0, -1], [1, 0, 0]]])
    normals /= np.linalg.norm(normals, axis=1, keepdims=True)
    turned = quaternions_to_matrices(_normal_to_quaternion(normals)) @ np.array([0, 0, 1.0])
    assert np.allclose(turned, normals, atol=1e-9)


def test_sample_counts_add_up_and_reach_every_part() -> None:
    counts = _counts(np.array([100.0, 1e-6, 3.0, 50.0]), 1000)
    assert counts.sum() == 1000 and counts.min() >= 1


def test_bad_arguments_are_named() -> None:
    with pytest.raises(ValueError, match="`kind`"):
        demo_capture("volcano")
    with pytest.raises(ValueError, match="`splats`"):
        demo_capture("farm", MAX_SPLATS + 1)
    with pytest.raises(ValueError, match="`count`"):
        demo_capture("farm", 5)
