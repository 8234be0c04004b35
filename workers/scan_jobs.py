"""The scan-aggregation job: drain the Redis buffer into daily counts, exactly once.

How a drain stays exact through killed workers and races is told in
`server.services.scan_aggregation`.
"""

from __future__ import annotations

from flask import current_app

from server.adapters.broker import broker
from server.services.scan_aggregation import drain_scans


def aggregate_scans() -> dict[str, int]:
    """Drain buffered scan records into the daily counts; return how many were applied."""
    with current_app.app_context():
        return drain_scans(broker.redis)
