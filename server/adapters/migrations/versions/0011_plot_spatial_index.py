"""plot spatial index

A spatial index over the plots' bounding boxes, for the nearby-plots query of a batch's
overlap check: on PostgreSQL a GiST index over `box(min corner, max corner)` (no PostGIS:
boxes are built in), on SQLite an R*Tree virtual table keyed by `plots.id`, kept in step by
triggers so that every writer (plot forms, brand-pack import, cascades) is covered.

SQLite drops a table's triggers with the table, so a later batch migration that recreates
`plots` must create the three triggers again (`_create_triggers`).

Revision ID: 0011
Revises: 0006
Create Date: 2026-11-27 08:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0006"
branch_labels = None
depends_on = None

_BOX = "box(point(min_lon, min_lat), point(max_lon, max_lat))"
_COLUMNS = "id, min_lon, max_lon, min_lat, max_lat"
_INSERT_NEW = (
    "INSERT INTO plots_rtree SELECT NEW.id, NEW.min_lon, NEW.max_lon, NEW.min_lat, NEW.max_lat"
    " WHERE NEW.min_lon IS NOT NULL;"
)
_TRIGGERS = {
    "plots_rtree_insert": f"AFTER INSERT ON plots BEGIN {_INSERT_NEW} END",
    "plots_rtree_update": (
        "AFTER UPDATE OF id, min_lon, max_lon, min_lat, max_lat ON plots BEGIN"
        f" DELETE FROM plots_rtree WHERE id = OLD.id; {_INSERT_NEW} END"
    ),
    "plots_rtree_delete": (
        "AFTER DELETE ON plots BEGIN DELETE FROM plots_rtree WHERE id = OLD.id; END"
    ),
}


def _create_triggers() -> None:
    for name, body in _TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {body}")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"CREATE VIRTUAL TABLE plots_rtree USING rtree({_COLUMNS})")
        op.execute(
            f"INSERT INTO plots_rtree ({_COLUMNS}) SELECT {_COLUMNS} FROM plots"
            " WHERE min_lon IS NOT NULL"
        )
        _create_triggers()
    else:
        op.create_index("ix_plots_box", "plots", [sa.text(_BOX)], postgresql_using="gist")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in _TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
        op.execute("DROP TABLE plots_rtree")
    else:
        op.drop_index("ix_plots_box", table_name="plots")
