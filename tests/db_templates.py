"""Fresh test databases at the migrations' head without running every migration each time.

Migrating an empty database runs every Alembic revision: ~1.5 s on SQLite, ~2 s on
PostgreSQL, for each of the suite's ~1,000 apps. Here each test process migrates one
template per database kind, once, and each new test database starts as a copy of it:
SQLite by copying the file, PostgreSQL by replaying the template schema's `pg_dump` with the
schema renamed. `upgrade` then finds the copy at head and does nothing. The migration tests
build their own engines and still run every revision from nothing.
"""

from __future__ import annotations

import atexit
import re
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

from server.adapters.migrate import upgrade

_SQLITE_PREFIX = "sqlite:///"
_sqlite_template: list[Path] = []
_postgres_script: dict[str, str | None] = {}


def seed_sqlite(url: str) -> None:
    """Start the SQLite database at `url` as a copy of the migrated template (if it is new)."""
    if not url.startswith(_SQLITE_PREFIX):
        return
    target = Path(url.removeprefix(_SQLITE_PREFIX))
    if target.exists():
        return
    if not _sqlite_template:
        folder = Path(tempfile.mkdtemp(prefix="originxr-migrated-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        template = folder / "migrated.sqlite3"
        engine = create_engine(_SQLITE_PREFIX + str(template))
        upgrade(engine)
        engine.dispose()
        _sqlite_template.append(template)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_sqlite_template[0], target)


def seed_postgres(url: str, schema: str) -> None:
    """Fill the empty `schema` at `url` with the migrated template's tables and rows.

    Without `pg_dump` (or when it cannot dump this server) nothing happens and the caller's
    `upgrade` migrates the schema the slow way.
    """
    script = _postgres_template(url)
    if script is None:
        return
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            raw = connection.connection.driver_connection
            assert raw is not None
            raw.execute(script.replace(_PLACEHOLDER, schema).encode())
            connection.execute(text("SELECT 1"))
    finally:
        engine.dispose()


_PLACEHOLDER = "originxr_template_schema"


def _postgres_template(url: str) -> str | None:
    if url in _postgres_script:
        return _postgres_script[url]
    script: str | None = None
    pg_dump = shutil.which("pg_dump")
    if pg_dump is not None:
        template = f"tmpl_{uuid.uuid4().hex[:12]}"
        admin = create_engine(url)
        try:
            with admin.begin() as connection:
                connection.execute(text(f'CREATE SCHEMA "{template}"'))
            migrated = create_engine(url, connect_args={"options": f"-csearch_path={template}"})
            try:
                upgrade(migrated)
            finally:
                migrated.dispose()
            script = _dump(pg_dump, url, template)
        finally:
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA IF EXISTS "{template}" CASCADE'))
            admin.dispose()
    _postgres_script[url] = script
    return script


def _dump(pg_dump: str, url: str, template: str) -> str | None:
    """The SQL that recreates `template` (tables, indexes, rows) under the placeholder name."""
    parsed = make_url(url)
    command = [
        pg_dump,
        "--schema",
        template,
        "--no-owner",
        "--no-privileges",
        "--inserts",
        "--host",
        parsed.host or "127.0.0.1",
        "--port",
        str(parsed.port or 5432),
        "--username",
        parsed.username or "postgres",
        "--dbname",
        parsed.database or "postgres",
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    if done.returncode != 0:
        return None
    lines = [
        line
        for line in done.stdout.splitlines()
        # The schema exists already (the caller made it); psql meta-commands are not SQL.
        if not line.startswith(("CREATE SCHEMA", "\\"))
    ]
    return re.sub(rf"\b{template}\b", _PLACEHOLDER, "\n".join(lines))
