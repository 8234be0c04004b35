"""Validation of EPCIS 2.0 capture documents and events, reporting every problem by JSON path.

Rules follow GS1's EPCIS 2.0 JSON schema (required fields per event type, allowed property
names, the what-dimension each type needs, extensions named by declared IRIs, custom event
types named by a URI) and CBV 2.0 (vocabulary values). Field-level checks live in
`server.core.epcis.fields`, namespace checks in `server.core.epcis.namespaces`. Plain data
in, a list of `Issue` out.
"""

from __future__ import annotations

from itertools import chain
from typing import Any

from server.core.epcis.events import EVENT_TYPES
from server.core.epcis.fields import FIELD_CHECKS, Issue, check_object, check_time
from server.core.epcis.hash_order import METADATA_ORDER, REPORT_ORDER
from server.core.epcis.namespaces import check_keys, declared_names, is_declared_iri

MAX_DEPTH = 64
_CONTAINERS = (dict, list)
# The width of the stored ``event_type`` column: a longer custom type cannot be kept.
MAX_EVENT_TYPE = 32
# The standard keys of the elements that may carry extensions (EPCIS 2.0 JSON schema).
_ERROR = ("declarationTime", "reason", "correctiveEventIDs")
_SENSOR = ("sensorMetadata", "sensorReport")
_REPORT = (*REPORT_ORDER, "bizRules")

_COMMON = {
    "@context",
    "type",
    "eventTime",
    "recordTime",
    "eventTimeZoneOffset",
    "eventID",
    "certificationInfo",
    "errorDeclaration",
}
_WHAT = ("readPoint", "bizLocation", "bizStep", "disposition", "bizTransactionList")
_WHERE = ("sourceList", "destinationList", "sensorElementList")
_ALLOWED = {
    "ObjectEvent": {"action", "epcList", "quantityList", "persistentDisposition", "ilmd"},
    "AggregationEvent": {"action", "parentID", "childEPCs", "childQuantityList"},
    "TransactionEvent": {"action", "parentID", "epcList", "quantityList"},
    "TransformationEvent": {
        "inputEPCList",
        "inputQuantityList",
        "outputEPCList",
        "outputQuantityList",
        "transformationID",
        "persistentDisposition",
        "ilmd",
    },
    "AssociationEvent": {"action", "parentID", "childEPCs", "childQuantityList"},
}
# The keys each event type may have (a custom type: any standard type's), made once.
_STANDARD_KEYS = frozenset(_COMMON | set(_WHAT) | set(_WHERE))
_KEYS_OF = {kind: _STANDARD_KEYS | keys for kind, keys in _ALLOWED.items()}
_CUSTOM_KEYS = _STANDARD_KEYS.union(*_ALLOWED.values())
_DOCUMENT_FIELDS = {
    "@context",
    "id",
    "type",
    "schemaVersion",
    "creationDate",
    "instanceIdentifier",
    "sender",
    "receiver",
    "epcisHeader",
    "epcisBody",
}


def _has(event: dict[str, Any], *keys: str) -> bool:
    return any(isinstance(event.get(k), list) and event[k] for k in keys)


def _type_rules(event: dict[str, Any], kind: str, path: str, out: list[Issue]) -> None:
    """Check the what-dimension each event type requires (schema's anyOf rules)."""
    action = event.get("action")
    if kind != "TransformationEvent" and "action" not in event:
        out.append(Issue(f"{path}.action", "is required"))
    if kind == "ObjectEvent":
        if "epcList" not in event and not _has(event, "quantityList", "sensorElementList"):
            out.append(Issue(path, "an ObjectEvent needs `epcList` or `quantityList`"))
        if "ilmd" in event and action != "ADD":
            out.append(Issue(f"{path}.ilmd", "is only allowed when `action` is ADD"))
    elif kind == "TransactionEvent":
        if not _has(event, "bizTransactionList"):
            out.append(Issue(f"{path}.bizTransactionList", "needs at least one transaction"))
        if "epcList" not in event and not _has(event, "quantityList") and action != "DELETE":
            out.append(Issue(path, "a TransactionEvent needs `epcList` or `quantityList`"))
    elif kind in ("AggregationEvent", "AssociationEvent"):
        if not _has(event, "childEPCs", "childQuantityList") and action != "DELETE":
            out.append(Issue(path, f"an {kind} needs `childEPCs` or `childQuantityList`"))
        if kind == "AssociationEvent" and "parentID" not in event:
            out.append(Issue(f"{path}.parentID", "is required"))
    elif kind == "TransformationEvent":
        inputs = _has(event, "inputEPCList", "inputQuantityList")
        outputs = _has(event, "outputEPCList", "outputQuantityList")
        with_id = "transformationID" in event and (inputs or outputs)
        if not (inputs and outputs) and not with_id:
            out.append(Issue(path, "a TransformationEvent needs inputs and outputs"))


def _event_type(kind: Any, path: str, declared: frozenset[str], out: list[Issue]) -> bool:
    """Check the event's type; tell whether it is a custom type (schema ``Extended-Event``)."""
    if kind in EVENT_TYPES:
        return False
    if not isinstance(kind, str) or not is_declared_iri(kind, declared):
        out.append(
            Issue(
                f"{path}.type",
                f"must be one of {', '.join(EVENT_TYPES)}, or a custom event type named by a "
                f"URI or a prefix the @context declares, got {kind!r}",
            )
        )
    elif len(kind) > MAX_EVENT_TYPE:
        out.append(
            Issue(
                f"{path}.type",
                f"a custom event type is kept up to {MAX_EVENT_TYPE} characters; "
                f"name it with a short declared prefix (ex:MyEvent), got {kind!r}",
            )
        )
    return True


def _extension_keys(
    event: dict[str, Any], path: str, declared: frozenset[str], out: list[Issue]
) -> None:
    """Check the extension keys inside standard fields: ilmd, locations, sensors, errors."""
    if isinstance(event.get("ilmd"), dict):
        check_keys(event["ilmd"], f"{path}.ilmd", declared, (), out, "ilmd")
    for key in ("readPoint", "bizLocation"):
        if isinstance(event.get(key), dict):
            check_keys(event[key], f"{path}.{key}", declared, ("id",), out, "a location")
    if isinstance(event.get("errorDeclaration"), dict):
        where = f"{path}.errorDeclaration"
        check_keys(event["errorDeclaration"], where, declared, _ERROR, out, "an error declaration")
    elements = event.get("sensorElementList")
    for i, element in enumerate(elements if isinstance(elements, list) else []):
        if not isinstance(element, dict):
            continue
        where = f"{path}.sensorElementList[{i}]"
        check_keys(element, where, declared, _SENSOR, out, "a sensor element")
        if isinstance(element.get("sensorMetadata"), dict):
            meta = element["sensorMetadata"]
            check_keys(meta, f"{where}.sensorMetadata", declared, METADATA_ORDER, out, "metadata")
        reports = element.get("sensorReport")
        for j, report in enumerate(reports if isinstance(reports, list) else []):
            if isinstance(report, dict):
                at = f"{where}.sensorReport[{j}]"
                check_keys(report, at, declared, _REPORT, out, "a sensor report")


def validate_event(
    event: Any,
    path: str = "$",
    *,
    lone: bool = False,
    context: Any = None,
    declared: frozenset[str] | None = None,
) -> list[Issue]:
    """Return the problems of one EPCIS event at `path` (``lone``: sent on its own).

    `context` is the ``@context`` of the event's document: the namespaces it declares
    name the event's extensions and custom type, as the event's own ``@context`` does.
    `declared` is ``declared_names(context)`` when the caller has it already (a document's
    events share it).
    """
    out: list[Issue] = []
    if not check_object(event, path, out):
        return out
    if declared is None or event.get("@context") is not None:
        declared = declared_names(context, event.get("@context"))
    kind = event.get("type")
    custom = _event_type(kind, path, declared, out)
    if out:
        return out
    for key in ("eventTime", "eventTimeZoneOffset") + (("@context",) if lone else ()):
        if key not in event:
            out.append(Issue(f"{path}.{key}", "is required"))
    allowed = _CUSTOM_KEYS if custom else _KEYS_OF[kind]
    for key, value in event.items():
        if key in allowed and (check := FIELD_CHECKS.get(key)) is not None:
            check(value, f"{path}.{key}", out)
    what = "this event" if custom else f"an {kind}"
    check_keys(event, path, declared, allowed, out, what)
    _extension_keys(event, path, declared, out)
    if not custom:
        _type_rules(event, kind, path, out)
    return out


def validate_document(document: Any) -> list[Issue]:
    """Return the problems of an EPCISDocument, its events included."""
    out: list[Issue] = []
    if not check_object(document, "$", out):
        return out
    kind = document.get("type")
    if kind == "EPCISQueryDocument":
        return [Issue("$.type", "is EPCISQueryDocument: query results cannot be captured")]
    if kind != "EPCISDocument":
        return [Issue("$.type", f"must be EPCISDocument, got {kind!r}")]
    for key in ("@context", "schemaVersion", "creationDate", "epcisBody"):
        if key not in document:
            out.append(Issue(f"$.{key}", "is required"))
    context = document.get("@context")
    declared = declared_names(context)
    check_keys(document, "$", declared, _DOCUMENT_FIELDS, out, "an EPCISDocument")
    if "creationDate" in document:
        check_time(document["creationDate"], "$.creationDate", out)
    body = document.get("epcisBody")
    if body is None or not check_object(body, "$.epcisBody", out):
        return out
    events = body.get("eventList")
    if not isinstance(events, list):
        out.append(Issue("$.epcisBody.eventList", "must be a list of events"))
        return out
    for i, event in enumerate(events):
        at = f"$.epcisBody.eventList[{i}]"
        out.extend(validate_event(event, at, context=context, declared=declared))
    return out


def nesting_depth(value: Any) -> int:
    """Return how deeply lists and objects nest in `value` (a scalar is depth 0)."""
    depth = 0
    level = [value] if type(value) in _CONTAINERS else []
    while level:  # one level of containers at a time: scalars are never visited twice
        depth += 1
        # Parsed JSON holds plain dicts and lists only: their children are gathered by C
        # loops (dict.values, chain) and each child's type is looked up once.
        children = chain.from_iterable(
            item.values() if type(item) is dict else item for item in level
        )
        level = [child for child in children if type(child) in _CONTAINERS]
    return depth
