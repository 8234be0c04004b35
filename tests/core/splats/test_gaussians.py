from __future__ import annotations

import numpy as np
import pytest

from server.core.splats.gaussians import Gaussians, concatenate


def _one(**override: object) -> Gaussians:
    fields: dict[str, object] = {
        "positions": [[0, 0, 0]],
        "scales": [[1, 1, 1]],
        "rotations": [[0, 0, 0, 2]],
        "alphas": [0.5],
        "colors": [[0, 0, 0]],
    }
    fields.update(override)
    return Gaussians(**fields)  # type: ignore[arg-type]


def test_rotations_are_normalised_and_degree_follows_sh() -> None:
    g = _one(sh=np.zeros((1, 8, 3)))
    assert g.rotations.tolist() == [[0, 0, 0, 1]]
    assert g.sh_degree == 2 and _one().sh_degree == 0
    assert g.positions.dtype == np.float32


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("positions", [[0, 0]], "`positions` must have shape"),
        ("scales", [[1, 1, 1], [1, 1, 1]], "`scales` must have shape"),
        ("alphas", [float("nan")], "`alphas` contains NaN"),
        ("alphas", [1.5], "`alphas` must lie in 0–1"),
        ("colors", [[0, float("inf"), 0]], "`colors` contains NaN"),
        ("rotations", [[0, 0, 0, 0]], "`rotations` contains a zero-length"),
        ("scales", [[-1, 1, 1]], "`scales` must be non-negative"),
        ("sh", np.zeros((1, 4, 3)), "`sh` must have 3, 8 or 15"),
    ],
)
def test_bad_arguments_are_named(field: str, value: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _one(**{field: value})


def test_concatenate_keeps_the_lowest_sh_degree() -> None:
    both = concatenate([_one(sh=np.ones((1, 15, 3))), _one(sh=np.ones((1, 3, 3)))])
    assert len(both) == 2 and both.sh_degree == 1
