"""EPCIS 2.0 event queries: the REST binding's query parameters read, checked and run.

Scalar filters (bizStep, time, location, type, action) run in SQL. Identifier filters
(``MATCH_epc``, ``MATCH_anyEPC``) run in SQL too, on the indexed ``event_identifiers`` rows
written at capture. Only an identifier longer than that table's column falls back to a scan:
SQL narrows with a LIKE over the JSON text, Python then decides exactly.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, Text, and_, or_, select
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from server.adapters.models import EpcisEvent, EventIdentifier
from server.core.epcis.events import EVENT_TYPES
from server.core.epcis.identifiers import MATCH_ANY_EPC_ROLES, MATCH_EPC_ROLES, is_indexed
from server.core.gs1.identifiers import IdentifierError, canonical_id

DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 500
_SCAN_CHUNK = 1000
_CBV_WORD = re.compile(r"^[a-z][a-z_]*$")
_CBV_PREFIXES = (
    "urn:epcglobal:cbv:bizstep:",
    "https://ref.gs1.org/cbv/BizStep-",
    "https://gs1.org/voc/Bizstep-",
)
_LISTS = ("EQ_bizStep", "EQ_bizLocation", "eventType", "EQ_action", "MATCH_epc", "MATCH_anyEPC")
_SINGLES = ("GE_eventTime", "LT_eventTime", "perPage", "nextPageToken")
ACTIONS = ("ADD", "OBSERVE", "DELETE")


class QueryError(ValueError):
    """A query parameter with a value the query cannot use; ``parameter`` names it."""

    def __init__(self, parameter: str, message: str) -> None:
        self.parameter = parameter
        super().__init__(message)


@dataclass(frozen=True)
class EventQuery:
    """The filters of one event query (alternatives within a filter, all filters combined)."""

    biz_steps: tuple[str, ...] = ()
    biz_locations: tuple[str, ...] = ()
    event_types: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()
    match_epc: tuple[str, ...] = ()
    match_any_epc: tuple[str, ...] = ()
    ge_time: datetime | None = None
    lt_time: datetime | None = None
    per_page: int = DEFAULT_PER_PAGE

    def scope(self, brand_id: int) -> str:
        """Return a digest of the brand and filters: a page token is valid only for these."""
        filters = {k: v for k, v in asdict(self).items() if k != "per_page"}
        text = json.dumps([brand_id, filters], default=str, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:24]


def _values(args: MultiDict[str, str], name: str) -> tuple[str, ...]:
    parts = [p.strip() for raw in args.getlist(name) for p in raw.split(",")]
    if any(not p for p in parts):
        raise QueryError(name, f"`{name}` has an empty alternative; separate values with commas")
    return tuple(parts)


def _single(args: MultiDict[str, str], name: str) -> str | None:
    found = args.getlist(name)
    if len(found) > 1:
        raise QueryError(name, f"`{name}` may be given once")
    return found[0] if found else None


def biz_step_forms(value: str) -> tuple[str, ...]:
    """Return every stored spelling of a bizStep: a CBV word in its three forms, else the URI."""
    word = next((value[len(p) :] for p in _CBV_PREFIXES if value.startswith(p)), value)
    if _CBV_WORD.match(word):
        return (word, *(prefix + word for prefix in _CBV_PREFIXES))
    if ":" not in value:
        raise QueryError("EQ_bizStep", f"`EQ_bizStep`: {value!r} is neither a CBV word nor a URI")
    return (value,)


def _time(args: MultiDict[str, str], name: str) -> datetime | None:
    raw = _single(args, name)
    if raw is None:
        return None
    # An unencoded "+" in a query string arrives as a space.
    text = re.sub(r" (\d\d:?\d\d)$", r"+\1", raw.strip()).replace("z", "Z")
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise QueryError(name, f"`{name}` must be an RFC 3339 date-time, got {raw!r}") from exc
    if when.tzinfo is None or "T" not in text:
        raise QueryError(name, f"`{name}` needs a date, a time and an offset, got {raw!r}")
    # Stored times are compared in UTC (SQLite keeps no offset).
    return when.astimezone(UTC)


def _identifiers(args: MultiDict[str, str], name: str) -> tuple[str, ...]:
    found = []
    for value in _values(args, name):
        if value.startswith("urn:epc:idpat:"):
            raise QueryError(name, f"`{name}`: EPC patterns are not supported, got {value!r}")
        try:
            found.append(canonical_id(value))
        except IdentifierError as exc:
            raise QueryError(name, f"`{name}`: {exc}") from exc
    return tuple(found)


def _per_page(args: MultiDict[str, str]) -> int:
    raw = _single(args, "perPage")
    if raw is None:
        return DEFAULT_PER_PAGE
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PER_PAGE:
        raise QueryError("perPage", f"`perPage` must be a whole number 1-{MAX_PER_PAGE}")
    return int(raw)


def _members(args: MultiDict[str, str], name: str, allowed: Sequence[str]) -> tuple[str, ...]:
    values = _values(args, name)
    for value in values:
        if value not in allowed:
            raise QueryError(name, f"`{name}` must be among {', '.join(allowed)}, got {value!r}")
    return values


def parse_query(args: MultiDict[str, str]) -> EventQuery:
    """Return the query asked by request parameters `args`; raise `QueryError` naming a bad one."""
    for name in args:
        if name not in _LISTS + _SINGLES:
            known = ", ".join(_LISTS + _SINGLES)
            raise QueryError(name, f"`{name}` is not a supported query parameter ({known})")
    query = EventQuery(
        biz_steps=tuple(f for v in _values(args, "EQ_bizStep") for f in biz_step_forms(v)),
        biz_locations=_identifiers(args, "EQ_bizLocation"),
        event_types=_members(args, "eventType", EVENT_TYPES),
        actions=_members(args, "EQ_action", ACTIONS),
        match_epc=_identifiers(args, "MATCH_epc"),
        match_any_epc=_identifiers(args, "MATCH_anyEPC"),
        ge_time=_time(args, "GE_eventTime"),
        lt_time=_time(args, "LT_eventTime"),
        per_page=_per_page(args),
    )
    if query.ge_time and query.lt_time and query.ge_time >= query.lt_time:
        raise QueryError("LT_eventTime", "`LT_eventTime` must be later than `GE_eventTime`")
    return query


def _classes(rows: Iterable[Any]) -> list[str]:
    return [row["epc_class"] for row in rows or [] if isinstance(row, dict)]


def event_identifiers(event: EpcisEvent, *, any_epc: bool) -> set[str]:
    """Return the canonical identifiers `MATCH_epc` (or, with `any_epc`, `MATCH_anyEPC`) sees.

    ``MATCH_epc``: epcList, childEPCs and the classes of quantityList / childQuantityList.
    ``MATCH_anyEPC``: those plus parentID, input/output EPCs and input/output quantities.
    """
    parsed = event.parsed or {}
    found = set(parsed.get("epcs") or []) | set(parsed.get("child_epcs") or [])
    found.update(_classes(event.quantities), _classes(parsed.get("child_quantities") or []))
    if any_epc:
        found.update(parsed.get("input_epcs") or [], parsed.get("output_epcs") or [])
        found.update(_classes(event.inputs), _classes(event.outputs))
        if parsed.get("parent_id"):
            found.add(parsed["parent_id"])
    return found


def _like_any(values: Sequence[str]) -> Any:
    """Return a SQL pre-filter: some JSON column's text holds one of `values` (ASCII only)."""
    columns = (EpcisEvent.parsed, EpcisEvent.quantities, EpcisEvent.inputs, EpcisEvent.outputs)
    patterns = []
    for value in values:
        quoted = json.dumps(value)
        if quoted != json.dumps(value, ensure_ascii=False):
            return None  # escaped differently by JSON and JSONB: let Python decide alone
        escaped = quoted.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        patterns.append(f"%{escaped}%")
    return or_(*(c.cast(Text).like(p, escape="\\") for c in columns for p in patterns))


def _indexed(query: EventQuery) -> bool:
    return all(is_indexed(v) for v in query.match_epc + query.match_any_epc)


def _naming(brand_id: int, values: Sequence[str], roles: Sequence[str]) -> Any:
    """Return a SQL condition: the event names one of `values` in one of `roles`."""
    return EpcisEvent.id.in_(
        select(EventIdentifier.event_id).where(
            EventIdentifier.brand_id == brand_id,
            EventIdentifier.identifier.in_(values),
            EventIdentifier.role.in_(roles),
        )
    )


def _statement(brand_id: int, query: EventQuery, after: Sequence[Any] | None) -> Select[Any]:
    stmt = select(EpcisEvent).where(EpcisEvent.brand_id == brand_id)
    if query.biz_steps:
        stmt = stmt.where(EpcisEvent.biz_step.in_(query.biz_steps))
    if query.biz_locations:
        stmt = stmt.where(EpcisEvent.biz_location.in_(query.biz_locations))
    if query.event_types:
        stmt = stmt.where(EpcisEvent.event_type.in_(query.event_types))
    if query.actions:
        stmt = stmt.where(EpcisEvent.action.in_(query.actions))
    if query.ge_time is not None:
        stmt = stmt.where(EpcisEvent.event_time >= query.ge_time)
    if query.lt_time is not None:
        stmt = stmt.where(EpcisEvent.event_time < query.lt_time)
    identifiers = (
        (query.match_epc, MATCH_EPC_ROLES),
        (query.match_any_epc, MATCH_ANY_EPC_ROLES),
    )
    indexed = _indexed(query)
    for values, roles in identifiers:
        if not values:
            continue
        condition = _naming(brand_id, values, roles) if indexed else _like_any(values)
        if condition is not None:
            stmt = stmt.where(condition)
    if after is not None:
        time, last_id = after
        stmt = stmt.where(
            or_(
                EpcisEvent.event_time > time,
                and_(EpcisEvent.event_time == time, EpcisEvent.id > last_id),
            )
        )
    return stmt.order_by(EpcisEvent.event_time, EpcisEvent.id)


def _matches(event: EpcisEvent, query: EventQuery) -> bool:
    for values, any_epc in ((query.match_epc, False), (query.match_any_epc, True)):
        if values and not set(values) & event_identifiers(event, any_epc=any_epc):
            return False
    return True


def find_events(
    session: Session, brand_id: int, query: EventQuery, after: Sequence[Any] | None = None
) -> tuple[list[EpcisEvent], bool]:
    """Return up to ``query.per_page`` events after the keyset position `after`, and more-or-not.

    `after` is ``(event_time, id)`` of the previous page's last event.
    """
    wanted = query.per_page + 1
    if _indexed(query):
        rows = list(session.scalars(_statement(brand_id, query, after).limit(wanted)))
        return rows[: query.per_page], len(rows) > query.per_page
    found: list[EpcisEvent] = []
    position = after
    while len(found) < wanted:
        chunk = list(session.scalars(_statement(brand_id, query, position).limit(_SCAN_CHUNK)))
        found.extend(e for e in chunk if _matches(e, query))
        if len(chunk) < _SCAN_CHUNK:
            break
        position = (chunk[-1].event_time, chunk[-1].id)
    return found[: query.per_page], len(found) > query.per_page


def position_of(event: EpcisEvent) -> list[Any]:
    """Return the keyset position of `event` as JSON-able ``[time, id]``."""
    return [event.event_time.isoformat(), event.id]


def position_from(value: Sequence[Any]) -> tuple[datetime, int]:
    """Return ``(event_time, id)`` from a position made by `position_of`."""
    if len(value) != 2:
        raise ValueError("`position` must be [ISO time, id]")
    time, last_id = value
    if not isinstance(time, str) or not isinstance(last_id, int):
        raise ValueError("`position` must be [ISO time, id]")
    return datetime.fromisoformat(time), last_id
