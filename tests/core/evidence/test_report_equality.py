"""The evidence reports of the demo brand and of the synthetic chain, byte for byte.

The goldens under ``golden/`` were recorded from the object-based engine before it moved to
columns (issue #13): the same inputs must give the same bytes, or differ only where a bug
was fixed (and then the goldens are recorded again, saying so in the commit). To record
them again::

    ORIGINXR_WRITE_GOLDEN=1 .venv/bin/python -m pytest tests/core/evidence/test_report_equality.py
"""

from __future__ import annotations

import gzip
import os
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from bench.synthetic_chain import ChainSize, batch_inputs
from server.adapters.db import db
from server.adapters.models import Batch, Product
from server.core.evidence.report import build_report
from server.core.evidence.report_json import canonical_json
from server.services.batch_inputs import load_batch_inputs
from server.services.build_runner import json_output

GOLDEN = Path(__file__).parent / "golden"
WRITE = os.environ.get("ORIGINXR_WRITE_GOLDEN") == "1"
# Small enough for the suite, big enough for several lots per farm and shared plots' checks.
SYNTHETIC = ChainSize(farms=240, events=3_000, batches=3, big_batch_farms=120)
# Batches without a production day are reported as of this day (not today: stable bytes).
AS_OF = date(2025, 6, 30)


def _compare(name: str, data: bytes) -> None:
    path = GOLDEN / f"{name}.json.gz"
    if WRITE:
        path.write_bytes(gzip.compress(data, mtime=0))
    assert path.exists(), f"no golden {path.name}: record it with ORIGINXR_WRITE_GOLDEN=1"
    expected = gzip.decompress(path.read_bytes())
    if data != expected:
        at = next(i for i, (a, b) in enumerate(zip(data, expected, strict=False)) if a != b)
        at = min(at, len(data), len(expected))
        pytest.fail(
            f"{name}: report differs from its golden at byte {at}:\n"
            f"  now    {data[max(at - 80, 0) : at + 80]!r}\n"
            f"  golden {expected[max(at - 80, 0) : at + 80]!r}"
        )


def _bytes(report: dict[str, Any]) -> bytes:
    """Return the report's bytes as published, checking the fast encoder gives the same."""
    data = json_output("report_full", report).data
    assert canonical_json(report) == data
    return data


def test_the_demo_brand_reports_are_unchanged(demo_app: Flask) -> None:
    with demo_app.app_context():
        batches = db.session.scalars(select(Batch).join(Product).order_by(Product.gtin, Batch.lot))
        names = []
        for batch in batches:
            inputs = load_batch_inputs(db.session, batch, batch.produced_on or AS_OF)
            name = f"demo-{batch.product.gtin}-{batch.lot}"
            _compare(name, _bytes(build_report(inputs)))
            names.append(name)
    assert len(names) >= 2, names


@pytest.mark.parametrize("batch", range(SYNTHETIC.batches))
def test_the_synthetic_chain_reports_are_unchanged(batch: int) -> None:
    report = build_report(batch_inputs(SYNTHETIC, batch))
    _compare(f"synthetic-{batch}", _bytes(report))
