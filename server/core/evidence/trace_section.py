"""Write a trace as the evidence report's ``trace`` section: JSON-ready rows, a chunk at a time.

Each row is what `plain` makes of the trace's row, written field by field (floats rounded,
times as ISO text, tuples as lists; keys in sorted order): the trace has a row per event,
lot and farm, and a generic walk over them was a fifth of a 10,000-farm report's time. The
rows of a list are made `CHUNK` at a time, each chunk by one comprehension, so that a writer
serialising them in chunks never holds all of a list's rows (`report_stream`).

A big trace repeats a few values many times over (every wet lot's share, every sack's 40 kg;
a journey's steps come in time order, many at one time): each float's `plain` form is made
once per value (`_Numbers`), each time's text once per run of equal times (`time_texts`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from operator import itemgetter
from typing import Any

from server.core.evidence.result import ROWS_AT_ONCE, plain
from server.core.evidence.trace_model import Trace

CHUNK = ROWS_AT_ONCE  # rows made at a time: as many as a writer serialises at once

_TIME = itemgetter(1)  # of a Step, and of a Transformation


class _Numbers(dict[float, Any]):
    """`plain` of each float, made once per value; `of(value)` for any number.

    Floats equal in value have the same `plain` form (0.0 and -0.0 both give 0.0; a NaN is
    only found again as the same object); other numbers (1 is equal to 1.0, but written
    apart) are not looked up here.
    """

    def __missing__(self, value: float) -> Any:
        self[value] = done = plain(value)
        return done

    def of(self, value: Any) -> Any:
        """Return ``plain(value)``: a float's from the memo, anything else made anew."""
        return self[value] if type(value) is float else plain(value)


def time_texts(times: list[Any]) -> list[Any]:
    """Return ``[plain(t) for t in times]``, a time written once for the run of times equal
    to it (in the same zone and fold, so of the same ISO text) that it starts.

    A journey is in time order, a hundred thousand steps at a thousand times or so: ISO text
    costs a microsecond a time, a comparison a tenth of that.
    """
    texts = []
    last: Any = None
    text: Any = None
    for time in times:
        if not (
            time is last
            or (
                type(time) is datetime
                and type(last) is datetime
                and time == last
                and time.tzinfo is last.tzinfo
                and time.fold == last.fold
            )
        ):
            last, text = time, plain(time)
        texts.append(text)
    return texts


def trace_summary(trace: Trace) -> dict[str, Any]:
    """Return the report's ``trace`` section for `trace`, as JSON-ready data."""
    section: dict[str, Any] = {key: list(rows(trace)) for key, rows in TRACE_LISTS}
    section.update(trace_scalars(trace))
    return section


def trace_scalars(trace: Trace) -> dict[str, Any]:
    """Return the ``trace`` section's fields that are not lists of rows."""
    return {
        "sites": list(trace.sites),
        "traced": trace.traced,
        "tracked_mass_kg": plain(trace.tracked_mass_kg),
    }


def _journey(trace: Trace) -> Iterator[dict[str, Any]]:
    texts = time_texts([step[1] for step in trace.journey])
    for text, (event, _, kind, biz_step, action, site, location, lots) in zip(
        texts, trace.journey, strict=True
    ):
        yield {
            "action": action,
            "biz_step": biz_step,
            "event": event,
            "location": location,
            "lots": list(lots),  # ids are text, which plain() keeps as it is
            "site": site,
            "time": text,
            "type": kind,
        }


def _lots(trace: Trace) -> Iterator[dict[str, Any]]:
    lots, numbers = trace.lots, _Numbers()
    for at in range(0, len(lots), CHUNK):
        yield from [
            {
                "events": list(events),
                "gtin": gtin,
                "lot": epc_class,
                "material": material,
                "share": numbers.of(share),
                "tracked": tracked,
            }
            for epc_class, gtin, material, tracked, share, events in lots[at : at + CHUNK]
        ]


def _origins(trace: Trace) -> Iterator[dict[str, Any]]:
    origins, numbers = trace.origins, _Numbers()
    for at in range(0, len(origins), CHUNK):
        yield from [
            {
                "events": list(events),
                "farm": farm,
                "harvested_kg": numbers.of(harvested),
                "lots": list(lots),
                "mass_kg": numbers.of(kg),
                "plots": list(plots),
                "registered": registered,
                "share": numbers.of(share),
            }
            for farm, plots, registered, share, kg, harvested, lots, events in origins[
                at : at + CHUNK
            ]
        ]


def _problems(trace: Trace) -> Iterator[dict[str, Any]]:
    for p in trace.problems:
        yield {
            "events": list(p.event_ids),
            "kind": p.kind,
            "lots": list(p.classes),
            "message": p.message,
        }


def _transformations(trace: Trace) -> Iterator[dict[str, Any]]:
    made, numbers = trace.transformations, _Numbers()
    texts = time_texts(list(map(_TIME, made)))
    for at in range(0, len(made), CHUNK):
        yield from [
            {
                "event": event,
                "inputs": _lines(inputs, numbers),
                "output_kg": numbers.of(out),
                "outputs": _lines(outputs, numbers),
                "site": site,
                "time": text,
                "tracked_input_kg": numbers.of(into),
            }
            for (event, _, site, inputs, outputs, into, out), text in zip(
                made[at : at + CHUNK], texts[at : at + CHUNK], strict=True
            )
        ]


def _lines(lines: Any, numbers: _Numbers) -> list[dict[str, Any]]:
    """Return a transformation's input or output lines as rows."""
    return [
        {"lot": lot, "material": material, "quantity_kg": numbers.of(kg), "tracked": tracked}
        for lot, material, tracked, kg in lines
    ]


def _unknown(trace: Trace) -> Iterator[dict[str, Any]]:
    for u in trace.unknown:
        yield {
            "events": list(u.event_ids),
            "lot": u.epc_class,
            "reason": u.reason,
            "share": plain(u.share),
        }


def _untracked_inputs(trace: Trace) -> Iterator[dict[str, Any]]:
    numbers = _Numbers()
    for event, f in trace.untracked_inputs:
        kg = f.quantity_kg
        yield {
            "event": event,
            "lot": f.epc_class,
            "material": f.material,
            "quantity_kg": numbers.of(kg),
        }


# The ``trace`` section's lists of rows, each made a chunk at a time (so that a writer can
# serialise a big list in chunks without holding all of its rows).
TRACE_LISTS: tuple[tuple[str, Callable[[Trace], Iterator[dict[str, Any]]]], ...] = (
    ("journey", _journey),
    ("lots", _lots),
    ("origins", _origins),
    ("problems", _problems),
    ("transformations", _transformations),
    ("unknown", _unknown),
    ("untracked_inputs", _untracked_inputs),
)
