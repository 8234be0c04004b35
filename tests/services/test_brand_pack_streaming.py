"""The brand-pack import streams sites, plots and records: same rows, bad files refused whole."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select, text

from server.adapters.blobs import blob_store
from server.adapters.db import db
from server.adapters.models import EvidenceRecord, Plot, Site
from server.core.errors import BrandPackError
from server.services import brand_pack
from server.services.brand_pack import SUPPLY_TABLES, load_pack


def _counts() -> tuple[int, int, int]:
    return tuple(  # type: ignore[return-value]
        db.session.scalar(select(func.count()).select_from(m)) or 0
        for m in (Site, Plot, EvidenceRecord)
    )


def test_rows_flushed_in_small_chunks_are_the_pack_s_rows(
    sqlite_app: Flask, copied_pack: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with sqlite_app.app_context():
        loaded = _counts()
        plots = {
            p.key: (p.geometry, p.min_lon, p.max_lat) for p in db.session.scalars(select(Plot))
        }
        about = {r.key: r.about_site for r in db.session.scalars(select(EvidenceRecord))}
    (copied_pack / "sites.geojson").write_text(
        (copied_pack / "sites.geojson").read_text() + "\n"  # a changed pack: imported again
    )
    monkeypatch.setattr(brand_pack, "CHUNK", 3)
    with sqlite_app.app_context():
        assert load_pack(db.session, blob_store(sqlite_app), copied_pack)[1]
        assert _counts() == loaded
        assert {
            p.key: (p.geometry, p.min_lon, p.max_lat) for p in db.session.scalars(select(Plot))
        } == plots
        assert {r.key: r.about_site for r in db.session.scalars(select(EvidenceRecord))} == about


@pytest.mark.parametrize(
    ("name", "text", "says"),
    [
        ("plots.geojson", '{"type": "FeatureCollection", "features": [{"a": 1,', "not valid"),
        ("sites.geojson", json.dumps({"type": "Feature", "features": []}), "FeatureCollection"),
        ("sites.geojson", "[1, 2]", "FeatureCollection"),
        ("evidence.json", '{"records": [{"id": "x"}]}', "needs id, kind and subject"),
        ("evidence.json", '[{"id": "x"}]', 'must be a JSON object with a "records" list'),
        ("evidence.json", '{"records": {"id": "x"}}', 'must be a JSON object with a "records"'),
        ("evidence.json", '{"other": []}', 'must be a JSON object with a "records" list'),
    ],
)
def test_a_bad_file_is_named_and_nothing_of_the_pack_is_stored(
    sqlite_app: Flask, copied_pack: Path, name: str, text: str, says: str
) -> None:
    with sqlite_app.app_context():
        loaded = _counts()
    (copied_pack / name).write_text(text)
    with sqlite_app.app_context():
        with pytest.raises(BrandPackError, match=f"{name}.*{says}"):
            load_pack(db.session, blob_store(sqlite_app), copied_pack)
        db.session.rollback()
        assert _counts() == loaded


@pytest.mark.postgres
@pytest.mark.parametrize("database", ["postgres"], indirect=True)  # statistics are PostgreSQL's
def test_a_pack_import_leaves_the_planner_statistics_fresh(app: Flask) -> None:
    """The import analyses the tables it filled (autovacuum may be off or late)."""
    assert db.engine_for(app).dialect.name == "postgresql"
    with app.app_context():
        schema = app.config["DATABASE_SCHEMA"]
        analysed = db.session.execute(
            text(
                "SELECT relname FROM pg_stat_user_tables "
                "WHERE schemaname = :schema AND last_analyze IS NOT NULL"
            ),
            {"schema": schema},
        ).scalars()
        assert set(SUPPLY_TABLES) <= set(analysed)
