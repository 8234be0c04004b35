"""Rows read on the database driver's own cursor, for the loaders that read a batch's inputs.

A big batch's inputs are a few hundred thousand rows: SQLAlchemy's statement compilation (an
``IN`` list of a thousand values compiled per chunk) and its row objects (an attribute
lookup per column) cost more than the database's own work. These queries are plain SQL
text with the driver's placeholders, a set of values bound as one parameter
(`server.services.value_lists`), JSON columns read as their text, and rows as tuples.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy.orm import Session

from server.services.value_lists import matching_any

# Rows a PostgreSQL server-side cursor fetches at a time.
_BATCH = 2000


class DriverRows:
    """Run queries on the DBAPI connection under `session`'s transaction."""

    def __init__(self, session: Session) -> None:
        connection = session.connection()
        self.postgres = connection.dialect.name == "postgresql"
        # The driver's own placeholder: these queries skip SQLAlchemy's compiler.
        self.mark = "%s" if self.postgres else "?"
        self.driver: Any = connection.connection.driver_connection
        self._cursors = 0

    def among(self, values: Iterable[Any]) -> tuple[str, Any]:
        """Return a condition's right side matching any of `values`, and its one parameter.

        PostgreSQL's array is sent in the binary format (``%b``): psycopg's text format
        quotes each string (a regular expression per value, 50,000 for a big batch's lots).
        """
        return matching_any(self.postgres, "%b" if self.postgres else "?", values)

    def among_joined(self, values: Iterable[Any]) -> tuple[str, Any]:
        """Return what `among` does, planned on PostgreSQL as a join with the values.

        PostgreSQL plans ``= ANY`` of a constant array by estimating each element against
        the column's statistics, again for each index and each ``min``/``max`` it could read
        from one: 0.2 s of planning for a big batch's 10,000 farms' plots, for 20,000 rows.
        ``IN (SELECT unnest(…))`` is planned as a join: no estimate per element.
        """
        among, param = self.among(values)
        if self.postgres:
            return "IN (SELECT unnest(%b))", param
        return among, param

    def text(self, column: str) -> str:
        """Return the SQL reading JSON `column` as its text (PostgreSQL would decode it)."""
        return f"{column}::text" if self.postgres else column

    def all(self, statement: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        """Return every row of `statement` (one fetch from the driver)."""
        cursor = self.driver.cursor()
        try:
            cursor.execute(statement, params)
            return list(cursor.fetchall())
        finally:
            cursor.close()

    def stream(self, statement: str, params: Sequence[Any]) -> Iterator[tuple[Any, ...]]:
        """Yield the rows of `statement` as the database returns them.

        On PostgreSQL a server-side cursor: rows come in batches as read, never a whole
        result (100 MB for a big batch's harvests) held by the client at once; sqlite3
        steps the statement as rows are taken.
        """
        if self.postgres:
            self._cursors += 1
            cursor = self.driver.cursor(name=f"driver_rows_{self._cursors}")
        else:
            cursor = self.driver.cursor()
        try:
            cursor.execute(statement, params)
            # A batch at a time: psycopg's server-side cursor steps each row in Python.
            while rows := cursor.fetchmany(_BATCH):
                yield from rows
        finally:
            cursor.close()


class Memo(dict[Any, Any]):
    """A dict that computes the value of a missing key once, with `compute`.

    Looking a key up is the dict's own subscript: the function runs on a miss only.
    """

    def __init__(self, compute: Callable[[Any], Any]) -> None:
        super().__init__()
        self._compute = compute

    def __missing__(self, key: Any) -> Any:
        value = self[key] = self._compute(key)
        return value
