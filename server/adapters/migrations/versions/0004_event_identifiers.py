"""event identifiers, plot bounding boxes, record sites and lookup indexes for scale

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 07:40:00

Existing events get their identifier rows, plots their bounding boxes and evidence records
their site here, computed with a frozen copy of the rules of `server.core.epcis.identifiers`,
`server.core.evidence.plots.bounds` and `server.core.evidence.records.record_site` as they stood in
this revision.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _classes(rows: Any) -> list[str]:
    return [r["epc_class"] for r in rows or [] if isinstance(r, dict) and "epc_class" in r]


def _identifier_rows(row: Any) -> set[tuple[str, str]]:
    parsed = row.parsed or {}
    epc = set(parsed.get("epcs") or []) | set(parsed.get("child_epcs") or [])
    epc.update(_classes(row.quantities), _classes(parsed.get("child_quantities")))
    io = set(parsed.get("input_epcs") or []) | set(parsed.get("output_epcs") or [])
    io.update(_classes(row.inputs), _classes(row.outputs))
    if parsed.get("parent_id"):
        io.add(parsed["parent_id"])
    found = {("epc", v) for v in epc} | {("io", v) for v in io - epc}
    if row.biz_location:
        found.add(("place", row.biz_location.split("/254/", 1)[0]))
    return {(role, v) for role, v in found if len(v) <= 200}


def _bounds(geometry: Any) -> tuple[Any, ...]:
    xs: list[float] = []
    ys: list[float] = []
    stack = [geometry.get("coordinates") if isinstance(geometry, dict) else None]
    while stack:
        item = stack.pop()
        if not isinstance(item, list) or not item:
            continue
        first, second = item[0], item[1] if len(item) > 1 else None
        if isinstance(first, int | float) and isinstance(second, int | float):
            xs.append(float(first))
            ys.append(float(second))
        else:
            stack.extend(item)
    return (min(xs), min(ys), max(xs), max(ys)) if xs else (None,) * 4


def _backfill() -> None:
    bind = op.get_bind()
    meta = sa.MetaData()
    events = sa.Table("epcis_events", meta, autoload_with=bind)
    links = sa.Table("event_identifiers", meta, autoload_with=bind)
    plots = sa.Table("plots", meta, autoload_with=bind)
    columns = (
        events.c.id,
        events.c.brand_id,
        events.c.parsed,
        events.c.quantities,
        events.c.inputs,
        events.c.outputs,
        events.c.biz_location,
    )
    rows = []
    for row in bind.execute(sa.select(*columns)):
        rows += [
            {"event_id": row.id, "brand_id": row.brand_id, "role": role, "identifier": value}
            for role, value in _identifier_rows(row)
        ]
    for start in range(0, len(rows), 1000):
        bind.execute(links.insert(), rows[start : start + 1000])
    records = sa.Table("evidence_records", meta, autoload_with=bind)
    about = (records.c.id, records.c.payload, records.c.subject_type, records.c.subject_key)
    for record in list(bind.execute(sa.select(*about))):
        named = (record.payload or {}).get("site") if isinstance(record.payload, dict) else None
        if not (isinstance(named, str) and named):
            named = record.subject_key if record.subject_type == "site" else None
        bind.execute(
            records.update()
            .where(records.c.id == record.id)
            .values(about_site=named[:200] if named else None)
        )
    names = ("min_lon", "min_lat", "max_lon", "max_lat")
    for plot in list(bind.execute(sa.select(plots.c.id, plots.c.geometry))):
        box = dict(zip(names, _bounds(plot.geometry), strict=True))
        bind.execute(plots.update().where(plots.c.id == plot.id).values(**box))


def upgrade() -> None:
    op.create_table(
        "event_identifiers",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=8), nullable=False),
        sa.Column("identifier", sa.String(length=200), nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["brand_id"],
            ["brands.id"],
            name=op.f("fk_event_identifiers_brand_id_brands"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["epcis_events.id"],
            name=op.f("fk_event_identifiers_event_id_epcis_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "event_id", "role", "identifier", name=op.f("pk_event_identifiers")
        ),
    )
    with op.batch_alter_table("event_identifiers", schema=None) as batch_op:
        batch_op.create_index(
            "ix_event_identifiers_lookup", ["brand_id", "identifier", "role"], unique=False
        )
    with op.batch_alter_table("epcis_events", schema=None) as batch_op:
        batch_op.create_index("ix_epcis_events_event_id", ["brand_id", "event_id"], unique=False)
    with op.batch_alter_table("evidence_records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("about_site", sa.String(length=200), nullable=True))
        batch_op.create_index(
            "ix_evidence_records_about_site", ["brand_id", "about_site"], unique=False
        )
        batch_op.create_index(
            "ix_evidence_records_subject",
            ["brand_id", "subject_type", "subject_key"],
            unique=False,
        )
    with op.batch_alter_table("plots", schema=None) as batch_op:
        batch_op.add_column(sa.Column("min_lon", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("min_lat", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("max_lon", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("max_lat", sa.Float(), nullable=True))
        batch_op.create_index(
            "ix_plots_bbox",
            ["brand_id", "min_lon", "max_lon", "min_lat", "max_lat"],
            unique=False,
        )
        batch_op.create_index("ix_plots_farm", ["brand_id", "site_key"], unique=False)
    _backfill()


def downgrade() -> None:
    with op.batch_alter_table("plots", schema=None) as batch_op:
        batch_op.drop_index("ix_plots_farm")
        batch_op.drop_index("ix_plots_bbox")
        batch_op.drop_column("max_lat")
        batch_op.drop_column("max_lon")
        batch_op.drop_column("min_lat")
        batch_op.drop_column("min_lon")
    with op.batch_alter_table("evidence_records", schema=None) as batch_op:
        batch_op.drop_index("ix_evidence_records_subject")
        batch_op.drop_index("ix_evidence_records_about_site")
        batch_op.drop_column("about_site")
    with op.batch_alter_table("epcis_events", schema=None) as batch_op:
        batch_op.drop_index("ix_epcis_events_event_id")
    with op.batch_alter_table("event_identifiers", schema=None) as batch_op:
        batch_op.drop_index("ix_event_identifiers_lookup")
    op.drop_table("event_identifiers")
