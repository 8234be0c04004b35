"""The plots' spatial index (GiST on PostgreSQL, R*Tree on SQLite) answers as the range query."""

from __future__ import annotations

import random
from typing import Any

from sqlalchemy import Engine, delete, func, select, text, update
from sqlalchemy.orm import Session

from server.adapters.models import Brand, Plot
from server.adapters.models.supply import PLOTS_RTREE
from server.services.batch_inputs import _plots_near, plots_meeting

Box = tuple[float, float, float, float]


def _square(box: Box) -> dict[str, Any]:
    lo_lon, lo_lat, hi_lon, hi_lat = box
    ring = [[lo_lon, lo_lat], [hi_lon, lo_lat], [hi_lon, hi_lat], [lo_lon, hi_lat]]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def _boxes(rng: random.Random, count: int) -> list[Box]:
    """Return small boxes in a crowded region, so that many overlap or just touch."""
    boxes: list[Box] = []
    for i in range(count):
        if i % 10 == 0 and boxes:
            # Touching an earlier box at one edge: `<=` / `>=` count it, `&&` too.
            _, lo_lat, hi_lon, hi_lat = boxes[-1]
            width = rng.uniform(1e-5, 0.01)
            boxes.append((hi_lon, lo_lat, hi_lon + width, hi_lat))
            continue
        # Seven decimals: values float32 cannot hold, where the R*Tree rounds outwards.
        lon, lat = round(rng.uniform(-2.0, -1.8), 7), round(rng.uniform(6.0, 6.2), 7)
        width, height = round(rng.uniform(1e-6, 0.02), 7), round(rng.uniform(1e-6, 0.02), 7)
        boxes.append((lon, lat, lon + width, lat + height))
    return boxes


def _store(session: Session, brand: Brand, boxes: list[Box]) -> None:
    for i, box in enumerate(boxes):
        session.add(
            Plot(brand_id=brand.id, key=f"p{i}", site_key=f"farm-{i // 2}", geometry=_square(box))
        )
    # Plots without a geometry have no box and are never near anything.
    session.add(Plot(brand_id=brand.id, key="nowhere", site_key="farm-0", geometry={}))


def _brand(session: Session, slug: str) -> Brand:
    brand = Brand(slug=slug, name=slug, default_locale="en", locales=["en"], settings={})
    session.add(brand)
    session.flush()
    return brand


def _range_query(session: Session, brand_id: int, box: Box) -> set[int]:
    """Return the plots the nearby-plots query found before the index: ranges on the columns."""
    lo_lon, lo_lat, hi_lon, hi_lat = box
    return set(
        session.scalars(
            select(Plot.id).where(
                Plot.brand_id == brand_id,
                Plot.min_lon <= hi_lon,
                Plot.max_lon >= lo_lon,
                Plot.min_lat <= hi_lat,
                Plot.max_lat >= lo_lat,
            )
        )
    )


def _indexed_query(session: Session, brand_id: int, box: Box) -> set[int]:
    query = plots_meeting(session.get_bind().dialect.name, brand_id, box)
    return {row.id for row in session.execute(query)}


def _compare(session: Session, brand_id: int, queries: list[Box]) -> int:
    """Assert both queries agree on every box; return how many plots they found in all."""
    found = 0
    for box in queries:
        expected = _range_query(session, brand_id, box)
        assert _indexed_query(session, brand_id, box) == expected, box
        found += len(expected)
    return found


def test_the_index_finds_what_the_range_query_finds(engine: Engine) -> None:
    rng = random.Random(12)
    boxes = _boxes(rng, 600)
    with Session(engine) as session:
        brand, other = _brand(session, "b"), _brand(session, "other")
        _store(session, brand, boxes)
        _store(session, other, boxes[:100])  # the same places, another brand: never found
        session.commit()
        queries = boxes[:150] + _boxes(random.Random(7), 50) + [(-1.95, 6.05, -1.85, 6.15)]
        assert _compare(session, brand.id, queries) > 1000  # the set overlaps a lot

        # The sites' own plots and their neighbours, as the batch loader reads them.
        for farms in ({"farm-0"}, {f"farm-{i}" for i in range(0, 300, 7)}, {"farm-nowhere"}):
            near = _plots_near(session, brand.id, farms)
            mine = [p for p in boxes if f"farm-{boxes.index(p) // 2}" in farms]
            expected = {f"p{i}" for i in range(len(boxes)) if f"farm-{i // 2}" in farms}
            expected |= {"nowhere"} if "farm-0" in farms else set()
            if mine:
                union = (
                    min(b[0] for b in mine),
                    min(b[1] for b in mine),
                    max(b[2] for b in mine),
                    max(b[3] for b in mine),
                )
                keys = select(Plot.key).where(Plot.id.in_(_range_query(session, brand.id, union)))
                expected |= set(session.scalars(keys))
            assert set(near) == expected
            assert {row.brand_id for row in near.values()} == {brand.id} or not near


def test_the_index_follows_updates_and_deletes(engine: Engine) -> None:
    with Session(engine) as session:
        brand = _brand(session, "b")
        _store(session, brand, _boxes(random.Random(3), 200))
        session.commit()
        moved = session.scalars(select(Plot).where(Plot.key == "p5")).one()
        moved.geometry = _square((10.0, 10.0, 10.5, 10.5))
        cleared = session.scalars(select(Plot).where(Plot.key == "p6")).one()
        cleared.geometry = {}
        session.execute(delete(Plot).where(Plot.key == "p7"))
        # A bulk UPDATE of the columns themselves (not through the model) is followed too.
        session.execute(update(Plot).where(Plot.key == "p8").values(min_lon=-9.0))
        session.commit()
        queries = [(10.1, 10.1, 10.2, 10.2), (-9.0, 5.0, -3.0, 7.0), (-2.0, 6.0, -1.8, 6.2)]
        assert _indexed_query(session, brand.id, queries[0]) == {moved.id}
        _compare(session, brand.id, queries)
        if engine.dialect.name == "sqlite":
            # Deleting the brand cascades to its plots; the R*Tree is emptied with them.
            session.delete(brand)
            session.commit()
            assert session.scalar(select(func.count()).select_from(PLOTS_RTREE)) == 0


def test_the_nearby_plots_query_reads_the_index(engine: Engine) -> None:
    with Session(engine) as session:
        brand = _brand(session, "b")
        _store(session, brand, _boxes(random.Random(5), 3000))
        session.commit()
        dialect = engine.dialect.name
        if dialect == "postgresql":
            session.execute(text("ANALYZE plots"))
        query = plots_meeting(dialect, brand.id, (-1.9, 6.1, -1.899, 6.101))
        sql = query.compile(engine, compile_kwargs={"literal_binds": True})
        explain = "EXPLAIN QUERY PLAN" if dialect == "sqlite" else "EXPLAIN"
        plan = " ".join(str(row[-1]) for row in session.execute(text(f"{explain} {sql}")))
    # SQLite names the R*Tree's index "2:..." (a range on its coordinates), not a full scan.
    used = "VIRTUAL TABLE INDEX 2:" if dialect == "sqlite" else "ix_plots_box"
    assert used in plan, plan
