"""Alembic migrations produce exactly the schema the models describe, on both databases."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from server.db import make_engine
from server.migrate import upgrade
from server.models import Base


def test_migrations_match_the_models(database: dict[str, Any]) -> None:
    engine = make_engine(database["DATABASE_URL"], database.get("DATABASE_SCHEMA"))
    upgrade(engine)
    upgrade(engine)  # running again is a no-op
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diff == [], f"models and migrations differ; add a migration: {diff}"
