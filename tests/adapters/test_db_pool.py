"""The PostgreSQL engine's pool is sized from DATABASE_POOL_SIZE, for the gunicorn threads."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.pool import QueuePool

from server.adapters import config
from server.adapters.db import make_engine

URL = "postgresql+psycopg://nobody@127.0.0.1:1/none"  # never connected to: the pool is lazy


def test_the_pool_keeps_one_connection_per_thread_and_as_many_for_bursts() -> None:
    engine = make_engine(URL, pool_size=3)
    pool = engine.pool
    assert isinstance(pool, QueuePool)
    assert pool.size() == 3
    assert pool._max_overflow == 3
    engine.dispose()


def test_the_default_pool_size_is_the_procfile_s_gunicorn_threads(tmp_path: Path) -> None:
    procfile = (Path(__file__).resolve().parents[2] / "Procfile").read_text()
    values = config.load(None, environ={"ORIGINXR_INSTANCE_PATH": str(tmp_path)})
    assert f"--threads {values['DATABASE_POOL_SIZE']} " in procfile
    env = {"ORIGINXR_INSTANCE_PATH": str(tmp_path), "ORIGINXR_DATABASE_POOL_SIZE": "12"}
    assert config.load(None, environ=env)["DATABASE_POOL_SIZE"] == 12


def test_a_pool_of_no_connections_is_refused() -> None:
    with pytest.raises(ValueError, match="DATABASE_POOL_SIZE"):
        make_engine(URL, pool_size=0)
