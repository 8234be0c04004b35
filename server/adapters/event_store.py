"""Insert EPCIS events and their identifier rows in bulk, as the database loads fastest.

PostgreSQL gets ``COPY ... FROM STDIN`` (psycopg's copy) with ids drawn from the table's
sequence beforehand; SQLite one DB-API ``executemany`` per table per chunk, its ids read back
by content hash. Either way the rows go into the caller's transaction (nothing commits here),
so a capture stays whole or nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

import orjson
from sqlalchemy import Connection, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from server.adapters.models import EpcisEvent, EventIdentifier
from server.adapters.models.base import utcnow
from server.core.epcis.identifiers import identifier_rows

_CHUNK = 1000
EVENT_COLUMNS = (
    "brand_id",
    "event_hash",
    "event_id",
    "event_type",
    "event_time",
    "event_timezone",
    "action",
    "biz_step",
    "read_point",
    "biz_location",
    "inputs",
    "outputs",
    "quantities",
    "parsed",
    "raw",
    "source_document",
    "recorded_at",
)
_EVENTS = EpcisEvent.__tablename__
_IDENTIFIERS = EventIdentifier.__tablename__
_IDENTIFIER_COLUMNS = ("event_id", "role", "identifier", "brand_id")


def _json(value: Any) -> str:
    """Return `value` as JSON text: orjson, or the standard encoder where orjson cannot.

    orjson refuses integers beyond 64 bits, which a captured document may hold.
    """
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return json.dumps(value)


def insert_events(session: Session, brand_id: int, rows: Sequence[dict[str, Any]]) -> int:
    """Insert `rows` (stored columns plus ``raw`` and ``source_document``) for the brand.

    Each event's identifiers go to ``event_identifiers`` in the same transaction (a row's
    ``identifiers``, its sorted `identifier_rows` when the caller has them already). Return how
    many events were inserted. The caller commits. A row whose (brand, hash) is already
    stored raises `sqlalchemy.exc.IntegrityError`, as an ORM insert would.
    """
    if not rows:
        return 0
    connection = session.connection()
    now = utcnow()
    if connection.dialect.name == "postgresql":
        _copy_postgresql(connection, brand_id, rows, now)
    else:
        for start in range(0, len(rows), _CHUNK):
            _executemany_chunk(connection, brand_id, rows[start : start + _CHUNK], now)
    return len(rows)


def _values(row: dict[str, Any], brand_id: int, when: Any, recorded: Any) -> tuple[Any, ...]:
    """Return the `EVENT_COLUMNS` values of one event row, JSON columns as text."""
    return (
        brand_id,
        row["event_hash"],
        row.get("event_id"),
        row["event_type"],
        when,
        row["event_timezone"],
        row.get("action"),
        row.get("biz_step"),
        row.get("read_point"),
        row.get("biz_location"),
        _json(row["inputs"]),
        _json(row["outputs"]),
        _json(row["quantities"]),
        _json(row["parsed"]),
        _json(row["raw"]),
        row.get("source_document"),
        recorded,
    )


def _identifiers(row: dict[str, Any]) -> Iterable[tuple[str, str]]:
    """Return the row's (role, identifier) pairs: as the caller worked them out, or now."""
    found = row.get("identifiers")
    return found if found is not None else sorted(identifier_rows(row))


def _links(pairs: Iterable[tuple[int, dict[str, Any]]], brand_id: int) -> list[tuple[Any, ...]]:
    return [
        (event_id, role, value, brand_id)
        for event_id, row in pairs
        for role, value in _identifiers(row)
    ]


def _copy_postgresql(
    connection: Connection, brand_id: int, rows: Sequence[dict[str, Any]], now: Any
) -> None:
    import psycopg

    dbapi: Any = connection.connection.driver_connection
    table = _EVENTS
    with dbapi.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            (table, len(rows)),
        )
        ids = [event_id for (event_id,) in cursor.fetchall()]
        columns = ", ".join(("id", *EVENT_COLUMNS))
        try:
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for event_id, row in zip(ids, rows, strict=True):
                    copy.write_row((event_id, *_values(row, brand_id, row["event_time"], now)))
            links = _links(zip(ids, rows, strict=True), brand_id)
            identifiers = _IDENTIFIERS
            with cursor.copy(
                f"COPY {identifiers} ({', '.join(_IDENTIFIER_COLUMNS)}) FROM STDIN"
            ) as copy:
                for link in links:
                    copy.write_row(link)
        except psycopg.IntegrityError as exc:
            raise IntegrityError(f"COPY {table}", None, exc) from exc


def _executemany_chunk(
    connection: Connection, brand_id: int, chunk: Sequence[dict[str, Any]], now: Any
) -> None:
    import sqlite3

    table = EpcisEvent.__table__
    dialect = connection.dialect
    # Times go in as SQLAlchemy writes them on SQLite (text), so reads see one format.
    timestamp = table.c.event_time.type.dialect_impl(dialect).bind_processor(dialect)
    assert timestamp is not None
    recorded = timestamp(now)
    values = [_values(row, brand_id, timestamp(row["event_time"]), recorded) for row in chunk]
    marks = ", ".join("?" for _ in EVENT_COLUMNS)
    statement = f"INSERT INTO {_EVENTS} ({', '.join(EVENT_COLUMNS)}) VALUES ({marks})"
    dbapi: Any = connection.connection.driver_connection
    cursor = dbapi.cursor()
    try:
        cursor.executemany(statement, values)
        ids = _inserted_ids(connection, cursor, brand_id, chunk)
        links = _links(zip(ids, chunk, strict=True), brand_id)
        identifiers = _IDENTIFIERS
        cursor.executemany(
            f"INSERT INTO {identifiers} ({', '.join(_IDENTIFIER_COLUMNS)}) VALUES (?, ?, ?, ?)",
            links,
        )
    except sqlite3.IntegrityError as exc:
        raise IntegrityError(statement, None, exc) from exc
    finally:
        cursor.close()


def _inserted_ids(
    connection: Connection, cursor: Any, brand_id: int, chunk: Sequence[dict[str, Any]]
) -> Sequence[int]:
    """Return the ids SQLite gave the rows of `chunk` just inserted, in order.

    A new row's id is one more than the table's largest (SQLite's rowid rule), and the
    transaction holds the write lock: the chunk's ids run up to ``last_insert_rowid()``.
    The first row's hash confirms it; if it ever did not, they are read back by hash.
    """
    (last,) = cursor.execute("SELECT last_insert_rowid()").fetchone()
    first = last - len(chunk) + 1
    found = cursor.execute(
        f"SELECT event_hash FROM {_EVENTS} WHERE id = ? AND brand_id = ?", (first, brand_id)
    ).fetchone()
    if found is not None and found[0] == chunk[0]["event_hash"]:
        return range(first, last + 1)
    ids: dict[str, int] = {
        digest: event_id
        for digest, event_id in connection.execute(
            select(EpcisEvent.event_hash, EpcisEvent.id).where(
                EpcisEvent.brand_id == brand_id,
                EpcisEvent.event_hash.in_([row["event_hash"] for row in chunk]),
            )
        )
    }
    return [ids[row["event_hash"]] for row in chunk]


def delete_brand_events(session: Session, brand_id: int) -> None:
    """Delete every event of the brand and its identifier rows."""
    session.execute(delete(EventIdentifier).where(EventIdentifier.brand_id == brand_id))
    session.execute(delete(EpcisEvent).where(EpcisEvent.brand_id == brand_id))


def known_hashes(session: Session, brand_id: int, hashes: Sequence[str]) -> set[str]:
    """Return which of `hashes` the brand's stored events already have.

    One plain query per thousand hashes on the driver's cursor (the unique (brand, hash)
    index answers it): no statement is compiled per capture.
    """
    connection = session.connection()
    dbapi: Any = connection.connection.driver_connection
    known: set[str] = set()
    cursor = dbapi.cursor()
    try:
        if connection.dialect.name == "postgresql":
            cursor.execute(
                f"SELECT event_hash FROM {_EVENTS} WHERE brand_id = %s AND event_hash = ANY(%s)",
                (brand_id, list(hashes)),
            )
            known.update(digest for (digest,) in cursor.fetchall())
            return known
        for start in range(0, len(hashes), _CHUNK):
            chunk = list(hashes[start : start + _CHUNK])
            marks = ", ".join("?" for _ in chunk)
            cursor.execute(
                f"SELECT event_hash FROM {_EVENTS} WHERE brand_id = ? AND event_hash IN ({marks})",
                (brand_id, *chunk),
            )
            known.update(digest for (digest,) in cursor.fetchall())
    finally:
        cursor.close()
    return known
