"""A batch's published evidence report as the JSON routes serve it: 503 while unbuilt."""

from __future__ import annotations

from typing import Any

from flask import Response, abort

from server.adapters.db import db
from server.adapters.models import Batch
from server.services.build_outputs import BatchOutputs, batch_outputs
from server.services.catalog import batch_at
from server.web.routes.errors import problem


def _pending(outputs: BatchOutputs) -> Response:
    response = problem(
        503,
        "Evidence not computed yet",
        "The evidence report of this batch is being computed; try again shortly.",
        builds=outputs.states,
    )
    response.headers["Retry-After"] = "2"
    return response


def reported(
    gtin: str, lot: str, brand_id: int | None = None
) -> tuple[Batch, BatchOutputs, dict[str, Any], str]:
    """Return the batch, its outputs, report and report hash; answer 503 while unbuilt.

    With `brand_id`, another brand's batch answers 404 before anything else is told.
    """
    batch = batch_at(db.session, gtin, lot)
    if brand_id is not None and batch.product.brand_id != brand_id:
        abort(404)
    outputs = batch_outputs(batch)
    if outputs.report is None or outputs.report_sha is None:
        abort(_pending(outputs))
    return batch, outputs, outputs.report, outputs.report_sha
