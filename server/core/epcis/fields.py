"""Field-level checks of EPCIS 2.0 JSON: each takes a value and its JSON path, appends `Issue`s.

The rules follow GS1's EPCIS 2.0 JSON schema for each field (times, offsets, URIs, quantity
elements, sensor elements, error declarations); GS1 identifiers must also be readable by
`server.core.gs1.identifiers.canonical_id`, which storage uses to canonicalise them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from server.core.epcis.cbv import BIZ_STEPS, DISPOSITIONS, Vocabulary
from server.core.gs1.identifiers import IdentifierError, canonical_id


@dataclass(frozen=True)
class Issue:
    """One problem in a submitted document: where (a JSON path) and what is wrong."""

    path: str
    message: str

    def as_dict(self) -> dict[str, str]:
        """Return the issue as it appears in problem details."""
        return {"path": self.path, "message": self.message}


Check = Callable[[Any, str, list[Issue]], None]

_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:\S+$")
_OFFSET = re.compile(r"^[+-]((0\d|1[0-3]):[0-5]\d|14:00)$")
_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
_UOM = re.compile(r"^[A-Z0-9]{2,3}$")
_CBV_WORD = re.compile(r"^[a-z][a-z_]*$")
_EPC_URN = re.compile(r"^urn:epc:(id|class|idpat):[a-z]+:[^\s]+$")


def _uri(value: Any, path: str, out: list[Issue]) -> None:
    if not isinstance(value, str) or not _URI.match(value):
        out.append(Issue(path, f"must be a URI (scheme:rest), got {value!r}"))


# Identifiers and times recur across a document's events (a site in every event, a lot in
# its harvest and its receipt) and the checks are pure: each distinct text is checked once.
@lru_cache(maxsize=1 << 16)
def _identifier_problem(value: str) -> str | None:
    """Return what is wrong with an identifier text, or None if canonicalisation reads it."""
    if not _URI.match(value):
        return f"must be a URI (scheme:rest), got {value!r}"
    if value.startswith("urn:epc:") and not _EPC_URN.match(value):
        return f"is not a well-formed EPC URN: {value!r}"
    try:
        canonical_id(value)
    except IdentifierError as exc:
        return str(exc)
    return None


def _gs1_id(value: Any, path: str, out: list[Issue]) -> None:
    """Check an identifier that canonicalisation will read (EPC URN, Digital Link or URI)."""
    if not isinstance(value, str):
        out.append(Issue(path, f"must be a URI (scheme:rest), got {value!r}"))
    elif (problem := _identifier_problem(value)) is not None:
        out.append(Issue(path, problem))


@lru_cache(maxsize=1 << 14)
def _time_problem(value: str) -> str | None:
    """Return what is wrong with a date-time text, or None if it is RFC 3339 with offset."""
    if not _TIME.match(value):
        return f"must be an RFC 3339 date-time with offset, got {value!r}"
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return f"is not a real date-time: {value!r}"
    return None


def check_time(value: Any, path: str, out: list[Issue]) -> None:
    """Check an RFC 3339 date-time that carries its offset."""
    if not isinstance(value, str):
        out.append(Issue(path, f"must be an RFC 3339 date-time with offset, got {value!r}"))
    elif (problem := _time_problem(value)) is not None:
        out.append(Issue(path, problem))


def _offset(value: Any, path: str, out: list[Issue]) -> None:
    if not isinstance(value, str) or not _OFFSET.match(value):
        out.append(
            Issue(path, f"must be an offset from -14:00 to +14:00 like +01:00, got {value!r}")
        )


def _vocab(value: Any, path: str, out: list[Issue]) -> None:
    """Check a CBV value: a bare standard word (``shipping``) or a URI."""
    if not isinstance(value, str) or not (_CBV_WORD.match(value) or _URI.match(value)):
        out.append(Issue(path, f"must be a CBV word or a URI, got {value!r}"))


def _cbv(vocabulary: Vocabulary) -> Check:
    """Check a CBV 2.0 vocabulary value: one of its words (in any spelling) or an own URI."""

    def run(value: Any, path: str, out: list[Issue]) -> None:
        word = vocabulary.word_of(value) if isinstance(value, str) else None
        if word is None:
            if not isinstance(value, str) or not _URI.match(value):
                out.append(Issue(path, f"must be a CBV word or a URI, got {value!r}"))
            return  # a company's own vocabulary, named by its absolute URI
        if word in vocabulary.words:
            return
        message = (
            f"{value!r} is not a CBV {vocabulary.name}: use a CBV word or your own "
            "absolute URI (https://…)"
        )
        if nearest := vocabulary.nearest(word):
            message += f"; the nearest CBV word is {nearest!r}"
        out.append(Issue(path, message))

    return run


def _action(value: Any, path: str, out: list[Issue]) -> None:
    if value not in ("ADD", "OBSERVE", "DELETE"):
        out.append(Issue(path, f"must be ADD, OBSERVE or DELETE, got {value!r}"))


def check_object(value: Any, path: str, out: list[Issue]) -> bool:
    """Check that `value` is a JSON object; tell whether it is."""
    if not isinstance(value, dict):
        out.append(Issue(path, "must be an object"))
        return False
    return True


def _fields(
    value: Any, path: str, out: list[Issue], checks: dict[str, Check], required: tuple[str, ...]
) -> None:
    """Check an object's required keys, known keys, and that no others appear."""
    if not check_object(value, path, out):
        return
    for key in required:
        if key not in value:
            out.append(Issue(f"{path}.{key}", "is required"))
    for key, item in value.items():
        if key in checks:
            checks[key](item, f"{path}.{key}", out)
        else:
            out.append(Issue(f"{path}.{key}", "is not a field of this element"))


def _list_of(check: Check, min_items: int = 0) -> Check:
    def run(value: Any, path: str, out: list[Issue]) -> None:
        if not isinstance(value, list):
            out.append(Issue(path, "must be a list"))
            return
        if len(value) < min_items:
            out.append(Issue(path, f"must hold at least {min_items} item(s)"))
        for i, item in enumerate(value):
            check(item, f"{path}[{i}]", out)

    return run


def _number(value: Any, path: str, out: list[Issue]) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        out.append(Issue(path, f"must be a number, got {value!r}"))


def _uom(value: Any, path: str, out: list[Issue]) -> None:
    if not isinstance(value, str) or not _UOM.match(value):
        out.append(Issue(path, f"must be a UN/CEFACT unit code like KGM, got {value!r}"))


_QUANTITY: dict[str, Check] = {"epcClass": _gs1_id, "quantity": _number, "uom": _uom}


def _quantity(value: Any, path: str, out: list[Issue]) -> None:
    _fields(value, path, out, _QUANTITY, ("epcClass",))


def _location(value: Any, path: str, out: list[Issue]) -> None:
    if check_object(value, path, out):
        if "id" not in value:
            out.append(Issue(f"{path}.id", "is required"))
        else:
            _gs1_id(value["id"], f"{path}.id", out)


def _biz_transaction(value: Any, path: str, out: list[Issue]) -> None:
    checks: dict[str, Check] = {"type": _vocab, "bizTransaction": _uri}
    _fields(value, path, out, checks, ("bizTransaction",))


def _party(key: str) -> Check:
    def run(value: Any, path: str, out: list[Issue]) -> None:
        _fields(value, path, out, {"type": _vocab, key: _gs1_id}, ("type", key))

    return run


def _sensor_report(value: Any, path: str, out: list[Issue]) -> None:
    if not check_object(value, path, out):
        return
    if "type" not in value:
        out.append(Issue(f"{path}.type", "is required"))
    numbers = ("value", "minValue", "maxValue", "meanValue", "sDev", "percRank", "percValue")
    for key, item in value.items():
        if key == "time":
            check_time(item, f"{path}.time", out)
        elif key in numbers:
            _number(item, f"{path}.{key}", out)
        elif key == "booleanValue" and not isinstance(item, bool):
            out.append(Issue(f"{path}.{key}", "must be true or false"))


def _sensor_element(value: Any, path: str, out: list[Issue]) -> None:
    if not check_object(value, path, out):
        return
    if "sensorReport" not in value:
        out.append(Issue(f"{path}.sensorReport", "is required"))
    else:
        _list_of(_sensor_report, 1)(value["sensorReport"], f"{path}.sensorReport", out)
    meta = value.get("sensorMetadata")
    if meta is not None and check_object(meta, f"{path}.sensorMetadata", out):
        for key in ("time", "startTime", "endTime"):
            if key in meta:
                check_time(meta[key], f"{path}.sensorMetadata.{key}", out)


def _certification(value: Any, path: str, out: list[Issue]) -> None:
    (_list_of(_uri) if isinstance(value, list) else _uri)(value, path, out)


def _error_declaration(value: Any, path: str, out: list[Issue]) -> None:
    if not check_object(value, path, out):
        return
    if "declarationTime" not in value:
        out.append(Issue(f"{path}.declarationTime", "is required"))
    checks: dict[str, Check] = {
        "declarationTime": check_time,
        "reason": _vocab,
        "correctiveEventIDs": _list_of(_uri),
    }
    for key, item in value.items():
        if key in checks:
            checks[key](item, f"{path}.{key}", out)


def _persistent(value: Any, path: str, out: list[Issue]) -> None:
    each = _list_of(_cbv(DISPOSITIONS), 1)
    checks: dict[str, Check] = {"set": each, "unset": each}
    _fields(value, path, out, checks, ())


def _ilmd(value: Any, path: str, out: list[Issue]) -> None:
    check_object(value, path, out)  # its keys are extensions, checked against the @context


_ids = _list_of(_gs1_id)
_quantities = _list_of(_quantity)
FIELD_CHECKS: dict[str, Check] = {
    "@context": lambda value, path, out: None,  # JSON-LD contexts are taken as written
    "eventTime": check_time,
    "recordTime": check_time,
    "eventTimeZoneOffset": _offset,
    "eventID": _uri,
    "certificationInfo": _certification,
    "errorDeclaration": _error_declaration,
    "action": _action,
    "epcList": _ids,
    "childEPCs": _ids,
    "inputEPCList": _ids,
    "outputEPCList": _ids,
    "parentID": _gs1_id,
    "transformationID": _uri,
    "quantityList": _quantities,
    "childQuantityList": _quantities,
    "inputQuantityList": _quantities,
    "outputQuantityList": _quantities,
    "bizStep": _cbv(BIZ_STEPS),
    "disposition": _cbv(DISPOSITIONS),
    "persistentDisposition": _persistent,
    "readPoint": _location,
    "bizLocation": _location,
    "bizTransactionList": _list_of(_biz_transaction),
    "sourceList": _list_of(_party("source")),
    "destinationList": _list_of(_party("destination")),
    "sensorElementList": _list_of(_sensor_element),
    "ilmd": _ilmd,
}
