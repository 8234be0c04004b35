"""Check the share of a batch's tracked mass that traces back to registered plots."""

from __future__ import annotations

from server.core.evidence.inputs import BatchInputs
from server.core.evidence.parameters import scalar, sourced
from server.core.evidence.result import CheckResult, plain_columns, threshold_status
from server.core.evidence.trace_model import Trace
from server.core.evidence.uncertainty import MASS_SOURCE, MASS_TOLERANCE, share_band

KEY = "known_origin_share"
METHOD = (
    "Follow the batch back through transformation events, splitting each output over its "
    "tracked inputs by mass (untracked inputs such as sugar carry no share), to the ADD events "
    "that created lots at farms. The value is the share of the batch's tracked mass created at "
    "farms with registered plots (at the named plot when the harvest event names one). Mass "
    "with no upstream event, in a cycle, created away from a farm or at an unknown place counts "
    "as unknown origin. Uncertainty band: every mass may be off by the mass-measurement "
    "tolerance; the band is the share with registered-origin mass weighed light and the rest "
    "heavy, and the other way round (a batch of wholly known or wholly unknown origin has no "
    "width). Statuses use the share, not the band."
)

# What each kind of trace gap (report.py's ``unknown`` reasons) is missing, in words.
GAP_REASONS = {
    "missing_upstream": "no event records where this lot came from",
    "cycle": "the records of this lot loop back on themselves",
    "created_off_farm": "this lot was first recorded somewhere other than a farm",
    "unknown_location": "this lot was first recorded at a place that is not registered",
    "no_location": "the event that created this lot names no place",
    "unknown_unit": "a quantity of this lot is in a unit that is not a mass",
    "no_tracked_inputs": "the step that made this lot lists no cocoa inputs",
}


def check_known_origin_share(inputs: BatchInputs, trace: Trace) -> CheckResult:
    """Return the share of the batch's tracked mass traceable to registered plots."""
    ok_at = scalar(inputs.parameters, "known_origin_ok_share", 0.99)
    warn_at = scalar(inputs.parameters, "known_origin_warn_share", 0.90)
    tolerance = sourced(
        inputs.parameters, "mass_measurement_tolerance", MASS_TOLERANCE, MASS_SOURCE
    )
    params = {
        "known_origin_ok_share": ok_at,
        "known_origin_warn_share": warn_at,
        "mass_measurement_tolerance": tolerance,
    }
    # JSON-ready rows (`CheckResult.ready`) once their numbers are: a row per farm, per gap.
    details: list[dict[str, object]] = [
        {
            "farm": o.farm_id,
            "plots": list(o.plot_ids),
            "registered": o.registered,
            "share": o.share,
            "mass_kg": o.mass_kg,
            "evidence": list(o.event_ids),
            "reason": None if o.registered else "the farm is not registered with mapped plots",
        }
        for o in trace.origins
    ]
    details += [
        {
            "unknown": u.reason,
            "reason": GAP_REASONS.get(u.reason, u.reason),
            "lot": u.epc_class,
            "share": u.share,
            "evidence": list(u.event_ids),
        }
        for u in trace.unknown
    ]
    plain_columns(details[: len(trace.origins)], ("share", "mass_kg"))
    plain_columns(details[len(trace.origins) :], ("share",))
    evidence = tuple(
        sorted(
            {e for o in trace.origins for e in o.event_ids}
            | {e for u in trace.unknown for e in u.event_ids}
        )
    )
    if not trace.traced:
        return CheckResult(
            KEY, "unknown", None, "ratio", METHOD, params, evidence, tuple(details), ready=True
        )
    value = sum(o.share for o in trace.origins if o.registered)
    status = threshold_status(value, ok_at["value"], warn_at["value"])
    band = share_band(value, max(0.0, 1.0 - value), float(tolerance["value"]))
    return CheckResult(
        KEY, status, value, "ratio", METHOD, params, evidence, tuple(details), band, ready=True
    )
