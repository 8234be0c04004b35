"""Split a query's ``IN (...)`` list: databases limit the parameters of one statement."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

_CHUNK = 1000


def chunks(values: Iterable[Any]) -> Iterator[list[Any]]:
    """Yield `values` sorted, in lists short enough for one ``IN (...)`` query each."""
    items = sorted(values)
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]
