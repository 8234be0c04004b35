"""Fixtures of the core tests that compare the pure code's output on the demo brand."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from server.adapters.db import db
from tests.conftest import REDIS_URL, load_demo, make_app


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The demo brand loaded into a SQLite database of the module's own (inputs only)."""
    folder = tmp_path_factory.mktemp("demo")
    application = make_app(folder, REDIS_URL, {"DATABASE_URL": f"sqlite:///{folder / 'd.db'}"})
    load_demo(application)
    yield application
    db.engine_for(application).dispose()
