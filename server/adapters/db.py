"""The database: one SQLAlchemy engine per app, one session per app context."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, g
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker


class Database:
    """Flask extension holding the engine and handing out sessions."""

    def __init__(self) -> None:
        self._factories: dict[int, sessionmaker[Session]] = {}
        self._engines: dict[int, Engine] = {}

    def init_app(self, app: Flask) -> None:
        """Create the engine for `app` from its DATABASE_URL, DATABASE_SCHEMA and pool size."""
        engine = make_engine(
            app.config["DATABASE_URL"],
            app.config.get("DATABASE_SCHEMA"),
            pool_size=app.config["DATABASE_POOL_SIZE"],
        )
        self._engines[id(app)] = engine
        self._factories[id(app)] = sessionmaker(engine, expire_on_commit=False)
        app.extensions["originxr.db"] = self
        app.teardown_appcontext(self._close_session)

    def engine_for(self, app: Flask) -> Engine:
        """Return the engine bound to `app`."""
        return self._engines[id(app)]

    @property
    def engine(self) -> Engine:
        """Return the current app's engine."""
        from flask import current_app

        return self.engine_for(current_app._get_current_object())  # type: ignore[attr-defined]

    @property
    def session(self) -> Session:
        """Return this app context's session, opening it on first use."""
        from flask import current_app

        if "db_session" not in g:
            factory = self._factories[id(current_app._get_current_object())]  # type: ignore[attr-defined]
            g.db_session = factory()
        session: Session = g.db_session
        return session

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """Run a block in a transaction on the context's session: commit, or roll back on error."""
        session = self.session
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise

    def _close_session(self, exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()


def make_engine(url: str, schema: str | None = None, pool_size: int | None = None) -> Engine:
    """Create an engine; SQLite gets foreign keys and WAL, PostgreSQL a pool and a schema.

    `pool_size` is the connections kept open, one per gunicorn thread: each request's session
    holds at most one, so a thread never waits for another's. Up to as many again open for
    bursts (a CLI or worker sharing the process) and close when returned, so an idle
    process holds no more than its threads need of the server's `max_connections`. None
    (tools and tests) keeps SQLAlchemy's defaults.
    """
    kwargs: dict[str, Any] = {"future": True}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
    else:
        kwargs["pool_pre_ping"] = True
        if pool_size is not None:
            if pool_size < 1:
                raise ValueError(f"`DATABASE_POOL_SIZE` must be at least 1, got {pool_size}")
            kwargs.update(pool_size=pool_size, max_overflow=pool_size)
    engine = create_engine(url, **kwargs)
    if url.startswith("sqlite"):
        event.listen(engine, "connect", _sqlite_pragmas)
    elif schema:
        if not schema.replace("_", "").isalnum():
            raise ValueError(f"`DATABASE_SCHEMA` must be an identifier, got {schema!r}")

        def _search_path(dbapi_conn: Any, _record: Any) -> None:
            with dbapi_conn.cursor() as cur:
                cur.execute(f'SET search_path TO "{schema}"')
            dbapi_conn.commit()

        event.listen(engine, "connect", _search_path)
    return engine


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


db = Database()


def refresh_statistics(session: Session, tables: tuple[str, ...]) -> None:
    """Refresh PostgreSQL's planner statistics of `tables` after a bulk load (no-op elsewhere).

    Until autovacuum gets to them (and never where it is off), a freshly filled table has no
    statistics: the planner then scans a brand's every identifier row for an `IN (...)` lookup
    that an index answers in well under a millisecond once the table is analysed.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in tables:
        session.execute(text(f'ANALYZE "{table}"'))
    session.commit()
