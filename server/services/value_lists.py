"""A set of values bound as one query parameter: an array on PostgreSQL, JSON on SQLite.

An ``IN (...)`` list takes a parameter per value, and databases limit a statement's
parameters, so a long list is split into chunks (`server.services.query_chunks`): a query per
thousand values, and a row naming values of two chunks read twice. One parameter holding
them all keeps a set-based step one query whatever its size.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson
from sqlalchemy.orm import Session


def is_postgres(session: Session) -> bool:
    """Tell whether `session` talks to PostgreSQL (else SQLite)."""
    return session.get_bind().dialect.name == "postgresql"


def among(postgres: bool, name: str, values: Iterable[Any]) -> tuple[str, Any]:
    """Return SQL text matching any of `values` through bound parameter `name`, and its value.

    For `text()` queries; `matching_any` gives the same for another placeholder style.
    """
    return matching_any(postgres, f":{name}", values)


def matching_any(postgres: bool, placeholder: str, values: Iterable[Any]) -> tuple[str, Any]:
    """Return SQL text matching any of `values` through `placeholder`, and the bound value.

    The text follows the column it tests: ``column = ANY(…)`` on PostgreSQL (a list binds
    as an array), ``column IN (SELECT value FROM json_each(…))`` on SQLite (a JSON array).
    The values are strings or integers, all of one kind.
    """
    items = list(values)
    if postgres:
        return f"= ANY({placeholder})", items
    return f"IN (SELECT value FROM json_each({placeholder}))", orjson.dumps(items).decode()
