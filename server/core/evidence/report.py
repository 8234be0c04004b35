"""Build a batch's evidence report: its trace summary and every check, as versioned JSON.

Format ``originxr.evidence-report/1`` (a JSON object; floats rounded to 6 decimals, lists
sorted or in journey order, no timestamp other than those in the inputs, so the same
inputs always give the same bytes once serialised with sorted keys)::

    {
      "schema": "originxr.evidence-report/1",
      "batch": {"class": DL URI, "gtin": "0952...", "lot": "NK24-0317", "quantity_kg": 1200.0},
      "as_of": "2025-03-31",
      "trace": {
        "traced": true,                  # some event produces or creates the batch class
        "tracked_mass_kg": 700.0,        # tracked commodity inside the batch (null if unknown)
        "origins": [{"farm", "plots", "registered", "share", "mass_kg", "harvested_kg",
                     "lots", "events"}],             # share: of the batch's tracked mass
        "unknown": [{"reason", "lot", "share", "events"}],  # origins + unknown shares sum to 1
        "lots": [{"lot", "gtin", "material", "tracked", "share", "events"}],
        "journey": [{"event", "time", "type", "biz_step", "action", "site", "location",
                     "lots"}],                      # in time order
        "sites": [site ids in order of first visit],
        "transformations": [{"event", "time", "site", "inputs", "outputs",
                             "tracked_input_kg", "output_kg"}],  # flows: lot, material,
                                                                 # tracked, quantity_kg
        "untracked_inputs": [{"event", "lot", "material", "quantity_kg"}],
        "problems": [{"kind", "message", "events", "lots"}]
      },
      "checks": [CheckResult.to_json(), ...],        # in CHECKS order
      "consumer_summary": [{"key", "status", "value", "unit"}],  # what the batch page shows
      "evidence_records": [{"id", "kind", "issuer", "issued_on", "source_hash"}]
    }

``unknown`` reasons: missing_upstream, cycle, created_off_farm, unknown_location,
no_location, unknown_unit, no_tracked_inputs. Statuses: ok, warn, fail, unknown.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from server.core.evidence.child_labour import check_child_labour
from server.core.evidence.conversion import check_conversion_balance
from server.core.evidence.deforestation import check_deforestation
from server.core.evidence.emissions import check_transport_emissions
from server.core.evidence.freshness import check_evidence_freshness
from server.core.evidence.geometry import check_plot_geometry
from server.core.evidence.inputs import BatchInputs
from server.core.evidence.origin import check_known_origin_share
from server.core.evidence.price import check_farmgate_price
from server.core.evidence.result import CheckResult, plain
from server.core.evidence.trace import build_trace
from server.core.evidence.trace_model import Trace
from server.core.evidence.trace_section import TRACE_LISTS as TRACE_LISTS
from server.core.evidence.trace_section import trace_scalars as trace_scalars
from server.core.evidence.trace_section import trace_summary
from server.core.evidence.yield_plausibility import check_yield_plausibility
from server.core.gs1.identifiers import gtin_of

SCHEMA = "originxr.evidence-report/1"

CHECKS: tuple[tuple[str, Callable[[BatchInputs, Trace], CheckResult]], ...] = (
    ("known_origin_share", check_known_origin_share),
    ("yield_plausibility", check_yield_plausibility),
    ("plot_geometry", check_plot_geometry),
    ("deforestation", check_deforestation),
    ("farmgate_price", check_farmgate_price),
    ("child_labour", check_child_labour),
    ("conversion_balance", check_conversion_balance),
    ("transport_emissions", check_transport_emissions),
    ("evidence_freshness", check_evidence_freshness),
)


def run_checks(inputs: BatchInputs, trace: Trace) -> list[CheckResult]:
    """Return the result of every check in `CHECKS` order."""
    return [check(inputs, trace) for _, check in CHECKS]


def build_report(inputs: BatchInputs) -> dict[str, Any]:
    """Return the evidence report of `inputs.batch_class` as JSON-ready data.

    The trace and each check's rows are let go of as soon as their JSON form is made, so a
    big batch's report does not hold both forms of everything at once. (The evidence job
    writes the report's bytes section by section instead: `report_stream.report_bytes`.)
    """
    trace = build_trace(inputs)
    results = run_checks(inputs, trace)
    head = report_head(inputs, results)
    trace_json = trace_summary(trace)
    del trace
    checks = []
    results.reverse()
    while results:
        checks.append(results.pop().to_json())
    return dict(head, trace=trace_json, checks=checks)


def report_head(inputs: BatchInputs, results: list[CheckResult]) -> dict[str, Any]:
    """Return the report's small sections: all but ``trace`` and ``checks``."""
    return dict(
        batch_heading(inputs),
        consumer_summary=[summary_entry(r) for r in results],
        evidence_records=evidence_records(inputs, {e for r in results for e in r.evidence}),
    )


def batch_heading(inputs: BatchInputs) -> dict[str, Any]:
    """Return the report's ``schema``, ``batch`` and ``as_of`` sections."""
    lot = inputs.batch_class.rsplit("/10/", 1)[1] if "/10/" in inputs.batch_class else None
    return {
        "schema": SCHEMA,
        "batch": {
            "class": inputs.batch_class,
            "gtin": gtin_of(inputs.batch_class),
            "lot": unquote(lot.split("/", 1)[0]) if lot else None,
            "quantity_kg": plain(inputs.batch_quantity_kg),
        },
        "as_of": inputs.as_of.isoformat(),
    }


def summary_entry(result: CheckResult) -> dict[str, Any]:
    """Return a check's entry in ``consumer_summary`` (what the batch page shows)."""
    return {
        "key": result.key,
        "status": result.status,
        "value": plain(result.value),
        "unit": result.unit,
    }


def evidence_records(inputs: BatchInputs, cited: set[str]) -> list[dict[str, Any]]:
    """Return the ``evidence_records`` section: the records the checks cite, by id."""
    return [
        {
            "id": r.id,
            "kind": r.kind,
            "issuer": r.issuer,
            "issued_on": plain(r.issued_on),
            "source_hash": r.source_hash,
        }
        for r in sorted((r for r in inputs.evidence if r.id in cited), key=lambda r: r.id)
    ]
