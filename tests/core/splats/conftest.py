"""Synthetic splat captures for the splat tests."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from server.core.splats.gaussians import SH_COEFFICIENTS, Gaussians


def synthetic_capture(n: int, sh_degree: int = 0, seed: int = 0) -> Gaussians:
    """Return `n` splats on a ground plane and a few boxes, like a small outdoor capture."""
    rng = np.random.default_rng(seed)
    ground = rng.uniform([-20, -0.05, -20], [20, 0.05, 20], (n // 2, 3))
    boxes = rng.normal(0, 1.5, (n - n // 2, 3)) + rng.choice([-8, 0, 8], (n - n // 2, 3))
    k = SH_COEFFICIENTS[sh_degree]
    return Gaussians(
        positions=np.concatenate([ground, boxes]).astype(np.float32),
        scales=np.exp(rng.uniform(-6, -1, (n, 3))).astype(np.float32),
        rotations=rng.normal(size=(n, 4)).astype(np.float32),
        alphas=rng.uniform(0, 1, n).astype(np.float32),
        colors=rng.uniform(-1.5, 1.5, (n, 3)).astype(np.float32),
        sh=rng.uniform(-0.9, 0.9, (n, k, 3)).astype(np.float32) if k else None,
    )


@pytest.fixture
def capture() -> Callable[..., Gaussians]:
    """Return the synthetic capture factory."""
    return synthetic_capture
