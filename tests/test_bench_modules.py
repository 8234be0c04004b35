"""Every benchmark in bench/ still imports: a renamed helper must not break one silently."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

BENCHES = sorted(p.stem for p in (Path(__file__).resolve().parents[1] / "bench").glob("*.py"))


@pytest.mark.parametrize("name", [n for n in BENCHES if n != "__init__"])
def test_bench_module_imports(name: str) -> None:
    importlib.import_module(f"bench.{name}")
