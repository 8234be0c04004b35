"""Fixtures of the adapter tests: a migrated database of their own."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine

from server.adapters.db import make_engine
from server.adapters.migrate import upgrade


@pytest.fixture
def engine(database: dict[str, Any]) -> Iterator[Engine]:
    """A migrated database (SQLite, or a PostgreSQL schema of its own)."""
    engine = make_engine(database["DATABASE_URL"], database.get("DATABASE_SCHEMA"))
    upgrade(engine)
    yield engine
    engine.dispose()
