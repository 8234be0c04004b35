"""The GS1 EPCIS event hash (CBV 2.0 §8.9 "EPCIS Event Hash ID"): one id per event.

Two serialisations of the same event -- EPC URNs or Digital Links, any key order, any
time-zone offset, lists in any order -- give the same hash; any change of what the event
says gives another. The algorithm:

1. Build a *pre-hash string* from the event's fields in the canonical property order
   (`server.core.epcis.hash_order`), each value as ``key=value``, concatenated without
   separators; fields that are absent (or empty lists) are left out. ``eventID``, ``recordTime``,
   ``errorDeclaration`` and ``certificationInfo`` (not in the CBV 2.0 order) are left
   out, as are JSON-LD keywords and ``rdfs:comment``.
2. Normalise values: timestamps to UTC with milliseconds (``...T10:00:30.000Z``, a 4th
   decimal rounding half up); numbers without trailing zeros (``25.0`` -> ``25``, also
   decimals written as text in extensions, as the reference implementation does); EPC
   URNs and Digital Links to constrained canonical Digital Links, CBV URNs and bare CBV
   words to Web URIs (`server.core.epcis.hash_forms`); ``gs1:``, ``cbv:`` and ``epcis:`` CURIEs
   expanded.
3. Sort the children of every list lexically (UTF-8 code points) by their own pre-hash
   text. Elements with a type (business transactions, sources, destinations) put
   ``type=`` first, as the CBV 2.0 standard text and the reference implementation do.
4. User extensions become ``{namespace}localName=value`` (nested ones recursively, each
   level sorted). Extensions inside ``readPoint``, ``bizLocation`` and sensor elements
   follow ``ilmd`` in sections named after their parent; event-level ones come last.
5. Hash the UTF-8 pre-hash string with SHA-256: ``ni:///sha-256;<hex>?ver=CBV2.0``.

Extension namespaces come from the document's ``@context`` (passed in, since a captured
event usually does not repeat it) and the event's own; without either, a prefix is kept as
written. No context is ever fetched.

Checked against the pre-hash strings of the GS1 reference implementation
(github.com/RalphTro/epcis-event-hash-generator, tests/examples/expected/CBV2.0) in
`tests/core/epcis/test_event_hash.py`, with one documented difference where that
implementation disagrees with the EPCIS JSON-LD context: bare sensor measurement types
expand to ``https://gs1.org/voc/`` (the context's ``gs1:`` prefix), not
``https://ref.gs1.org/voc/``. CBV 2.0 fields only: ``certificationInfo`` (added to the
order by CBV 2.1) is not hashed, so two events differing only there are one event here.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Collection
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from server.core.epcis.hash_forms import CBV, canonical_uri
from server.core.epcis.hash_order import (
    EPC_LISTS,
    EXCLUDED,
    IGNORED_KEYS,
    METADATA_ORDER,
    ORDER,
    QUANTITY_LISTS,
    REPORT_ORDER,
    TYPED_LISTS,
)
from server.core.epcis.namespaces import context_terms

VERSION = "CBV2.0"
GS1_VOC = "https://gs1.org/voc/"
# A sensor report's ``exception`` (ALARM_CONDITION, ERROR_CONDITION) is a GS1 Web
# Vocabulary term of the SensorAlertType code list, as the reference implementation's
# vectors write it: https://gs1.org/voc/SensorAlertType-ALARM_CONDITION.
SENSOR_ALERT = GS1_VOC + "SensorAlertType-"
_ALERTS = ("ALARM_CONDITION", "ERROR_CONDITION")

# Prefixes every EPCIS 2.0 document has through the standard context. ``cbvmda`` is
# written as its XML namespace (no trailing colon) so JSON and XML give one hash, as the
# reference implementation does.
DEFAULT_PREFIXES = {
    "gs1": GS1_VOC,
    "cbv": CBV,
    "epcis": "https://ref.gs1.org/epcis/",
    "cbvmda": "urn:epcglobal:cbv:mda",
}
# CURIEs expanded in values (CBV 2.0 §8.9 rule 15 names these three). A document's own
# prefixes are expanded in extension *names* only, as the reference implementation does.
_VALUE_PREFIXES = {name: DEFAULT_PREFIXES[name] for name in ("gs1", "cbv", "epcis")}
_TIMES = {"eventTime", "time", "startTime", "endTime"}
_TIMESTAMP = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|z|[+-]\d{2}:\d{2})$"
)
_DECIMAL = re.compile(r"^-?\d+\.\d+$")


class EventHashError(ValueError):
    """An event the hash cannot be computed for; the message names the field."""


def _timestamp(value: Any, field: str) -> str:
    """Return `value` in UTC with milliseconds: ``2020-03-04T10:00:30.000Z``."""
    shown = _utc_millis(value.strip()) if isinstance(value, str) else None
    if shown is None:
        raise EventHashError(f"`{field}` must be an ISO 8601 date-time with offset: {value!r}")
    return shown


# Many events of a document share their times (a day's deliveries, a batch's steps): the
# normalisation is pure, so each distinct text is worked out once.
@lru_cache(maxsize=1 << 16)
def _utc_millis(value: str) -> str | None:
    """Return `value` in UTC with milliseconds, or None if it is no date-time with offset."""
    match = _TIMESTAMP.match(value)
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        when = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second))
    except ValueError:
        return None
    millis = int(
        (Decimal("0." + (fraction or "0")) * 1000).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    )
    when += timedelta(milliseconds=millis)  # 999.5 ms rounds into the next second
    if zone not in ("Z", "z"):
        sign = 1 if zone[0] == "+" else -1
        when -= sign * timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))
    return (
        when.replace(tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"
    )


@lru_cache(maxsize=1 << 14, typed=True)  # typed: True, 1 and 1.0 are not one key
def _number(value: int | float | str) -> str:
    """Return a number without trailing zeros or exponent: 25.0 -> 25, "0.50" -> 0.5."""
    try:
        text = format(Decimal(value if isinstance(value, str) else repr(value)).normalize(), "f")
    except InvalidOperation as exc:
        raise EventHashError(f"{value!r} is not a number") from exc
    if text in ("NaN", "sNaN", "Infinity", "-Infinity"):
        raise EventHashError(f"{value!r} is not a finite number")
    return "0" if text in ("-0", "") else text


@lru_cache(maxsize=1 << 17)
def _value_uri(value: str) -> str:
    """Return a URI value in its hashed form (CURIEs expanded, identifiers canonical)."""
    text = value.strip()
    prefix, sep, rest = text.partition(":")
    if sep and prefix in _VALUE_PREFIXES:
        text = _VALUE_PREFIXES[prefix] + rest  # a CURIE such as gs1:Temperature
    return canonical_uri(text)


@lru_cache(maxsize=1 << 16)
def _extension_text(value: str) -> str:
    """Return an extension's text value hashed: a decimal, a time, else a URI or the text."""
    text = value.strip()
    if _DECIMAL.match(text):
        return _number(text)
    if _TIMESTAMP.match(text):
        return _timestamp(text, "extension")
    return _value_uri(text)


class _Hasher:
    """The pre-hash string of one event, with the namespace prefixes it may use.

    One is made per document (`DocumentContext`) and reused for its events. Error texts name
    the field, but are only built when an error is raised: a path per list element made
    up front cost a good part of the hash.
    """

    def __init__(self, prefixes: dict[str, str]) -> None:
        self.prefixes = prefixes
        self._keys: dict[str, str] = {}  # extension names in ``{namespace}local`` form

    # -- values -------------------------------------------------------------------------

    def uri(self, value: Any, field: str) -> str:
        if not isinstance(value, str):
            raise EventHashError(f"`{field}` must be a string")
        return _value_uri(value)

    def vocabulary(self, value: Any, field: str, expand: str) -> str:
        """Return a CBV value: a bare word (``shipping``) becomes ``expand + word``."""
        if isinstance(value, str) and ":" not in value.strip():
            return expand + value.strip()
        return self.uri(value, field)

    def scalar(self, value: Any, field: str) -> str:
        if isinstance(value, str):
            return _value_uri(value)
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float):
            try:
                return _number(value)
            except EventHashError as exc:
                raise EventHashError(f"`{field}`: {exc}") from exc
        raise EventHashError(f"`{field}` must be a string, number or boolean")

    def extension_scalar(self, value: Any) -> str:
        """Return an extension's value: also numbers and times written as strings."""
        if isinstance(value, str):
            return _extension_text(value)
        if value is None:
            return ""
        return self.scalar(value, "extension")

    # -- extensions ---------------------------------------------------------------------

    def key(self, name: str) -> str:
        """Return ``{namespace}local`` for a prefixed or full-IRI key, else the key."""
        found = self._keys.get(name)
        if found is not None:
            return found
        prefix, sep, local = name.partition(":")
        if sep and prefix in self.prefixes:
            found = "{" + self.prefixes[prefix] + "}" + local
        elif name.startswith(("http://", "https://")):
            cut = max(name.rfind("#"), name.rfind("/"))
            found = "{" + name[: cut + 1] + "}" + name[cut + 1 :]
        else:
            found = name
        self._keys[name] = found
        return found

    def extension(self, name: str, value: Any) -> list[str]:
        """Return the sibling substrings of one extension element (a list gives several)."""
        if isinstance(value, list):
            return [text for item in value for text in self.extension(name, item)]
        key = self.key(name)
        if isinstance(value, dict):
            return [key + self.extensions(value)]
        return [f"{key}={self.extension_scalar(value)}"]

    def extensions(self, fields: dict[str, Any], standard: Collection[str] = ()) -> str:
        """Return the sorted extension substrings of `fields`, skipping standard keys."""
        parts: list[str] = []
        for name, value in fields.items():
            if name in standard or name.startswith("@") or name in IGNORED_KEYS:
                continue
            parts.extend(self.extension(name, value))
        if not parts:
            return ""
        parts.sort()
        return "".join(parts)

    # -- standard fields ----------------------------------------------------------------

    def quantity(self, element: Any, key: str, i: int) -> str:
        if not isinstance(element, dict) or "epcClass" not in element:
            raise EventHashError(f"`{key}[{i}]` needs `epcClass`")
        epc_class = element["epcClass"]
        if not isinstance(epc_class, str):
            raise EventHashError(f"`{key}[{i}].epcClass` must be a string")
        text = "epcClass=" + _value_uri(epc_class)
        quantity = element.get("quantity")
        if quantity is not None:
            text += "quantity=" + self.scalar(quantity, f"{key}[{i}].quantity")
        uom = element.get("uom")
        if uom is not None:
            text += "uom=" + self.scalar(uom, f"{key}[{i}].uom")
        return text

    def typed(self, element: Any, field: str, inner: str, vocab: str) -> str:
        if not isinstance(element, dict) or inner not in element:
            raise EventHashError(f"`{field}` needs `{inner}`")
        text = ""
        if element.get("type") is not None:
            text = "type=" + self.vocabulary(element["type"], f"{field}.type", CBV + vocab)
        return text + f"{inner}=" + self.uri(element[inner], f"{field}.{inner}")

    def sensor_report(self, report: Any, field: str) -> str:
        if not isinstance(report, dict):
            raise EventHashError(f"`{field}` must be an object")
        text = ""
        for key in REPORT_ORDER:
            value = report.get(key)
            if value is None:
                continue
            if key == "type":
                shown = self.vocabulary(value, f"{field}.type", GS1_VOC)
            elif key == "exception":
                shown = self.vocabulary(value, f"{field}.exception", SENSOR_ALERT)
                # The EPCIS 2.0 context expands the bare word to gs1:ALARM_CONDITION, which
                # is the same term: one hash for every spelling.
                if shown.removeprefix(GS1_VOC) in _ALERTS:
                    shown = SENSOR_ALERT + shown.removeprefix(GS1_VOC)
            elif key == "component":
                shown = self.vocabulary(value, f"{field}.component", CBV + "Comp-")
            elif key in _TIMES:
                shown = _timestamp(value, f"{field}.{key}")
            else:
                shown = self.scalar(value, f"{field}.{key}")
            text += f"{key}={shown}"
        return text

    def sensor_element(self, element: Any, field: str) -> tuple[str, str]:
        """Return the (standard, extension) pre-hash text of one sensor element."""
        if not isinstance(element, dict):
            raise EventHashError(f"`{field}` must be an object")
        metadata = element.get("sensorMetadata") or {}
        reports = element.get("sensorReport") or []
        if not isinstance(metadata, dict) or not isinstance(reports, list):
            raise EventHashError(f"`{field}` needs an object sensorMetadata, a list sensorReport")
        text = "sensorElement"
        if metadata:
            text += "sensorMetadata"
            for key in METADATA_ORDER:
                if metadata.get(key) is not None:
                    value = metadata[key]
                    shown = (
                        _timestamp(value, f"{field}.sensorMetadata.{key}")
                        if key in _TIMES
                        else self.scalar(value, f"{field}.sensorMetadata.{key}")
                    )
                    text += f"{key}={shown}"
        ordered = sorted(
            (self.sensor_report(report, f"{field}.sensorReport[{i}]"), report)
            for i, report in enumerate(reports)
        )
        text += "".join("sensorReport" + shown for shown, _ in ordered)
        extra = ""
        if meta_ext := self.extensions(metadata, METADATA_ORDER):
            extra += "sensorMetadata" + meta_ext
        for _, report in ordered:
            if report_ext := self.extensions(report, REPORT_ORDER):
                extra += "sensorReport" + report_ext
        extra += self.extensions(element, ("sensorMetadata", "sensorReport"))
        return text, "sensorElement" + extra if extra else ""

    # -- one function per standard field: (value, key, extension sections) -> its text ----

    def _time(self, value: Any, key: str, sections: list[str]) -> str:
        return f"eventTime={_timestamp(value, key)}"

    def _epcs(self, value: Any, key: str, sections: list[str]) -> str:
        if not isinstance(value, list):
            raise EventHashError(f"`{key}` must be a list")
        if not value:
            return ""
        where = f"{key}[]"
        epcs = [self.uri(epc, where) for epc in value]
        epcs.sort()
        return key + "epc=" + "epc=".join(epcs)

    def _quantities(self, value: Any, key: str, sections: list[str]) -> str:
        if not isinstance(value, list):
            raise EventHashError(f"`{key}` must be a list")
        if not value:
            return ""
        items = [self.quantity(q, key, i) for i, q in enumerate(value)]
        items.sort()
        return key + "quantityElement" + "quantityElement".join(items)

    def _typed_list(self, value: Any, key: str, sections: list[str]) -> str:
        if not isinstance(value, list):
            raise EventHashError(f"`{key}` must be a list")
        inner, vocab = TYPED_LISTS[key]
        items = sorted(self.typed(e, f"{key}[{i}]", inner, vocab) for i, e in enumerate(value))
        return key + "".join(items) if items else ""

    def _step(self, value: Any, key: str, sections: list[str]) -> str:
        return f"{key}={self.vocabulary(value, key, _STEP)}"

    def _disposition(self, value: Any, key: str, sections: list[str]) -> str:
        return f"{key}={self.vocabulary(value, key, _DISPOSITION)}"

    def _persistent(self, value: Any, key: str, sections: list[str]) -> str:
        if not isinstance(value, dict):
            raise EventHashError(f"`{key}` must be an object")
        text = ""
        for part in ("set", "unset"):
            terms = sorted(
                self.vocabulary(v, f"{key}.{part}", _DISPOSITION) for v in value.get(part) or []
            )
            text += "".join(f"{part}={term}" for term in terms)
        return key + text if text else ""

    def _location(self, value: Any, key: str, sections: list[str]) -> str:
        if not isinstance(value, dict):
            raise EventHashError(f"`{key}` must be an object")
        if "id" not in value:
            raise EventHashError(f"`{key}` needs `id`")
        if len(value) > 1 and (extra := self.extensions(value, ("id",))):
            sections.append(key + extra)
        return f"{key}id={self.uri(value['id'], f'{key}.id')}"

    def _sensors(self, value: Any, key: str, sections: list[str]) -> str:
        if not isinstance(value, list):
            raise EventHashError(f"`{key}` must be a list")
        elements = sorted(self.sensor_element(e, f"{key}[{i}]") for i, e in enumerate(value))
        sections.extend(extra for _, extra in elements if extra)
        return "".join(text for text, _ in elements)

    def _ilmd(self, value: Any, key: str, sections: list[str]) -> str:
        if not isinstance(value, dict):
            raise EventHashError(f"`{key}` must be an object")
        text = self.extensions(value)
        return "ilmd" + text if text else ""

    def _scalar_field(self, value: Any, key: str, sections: list[str]) -> str:
        return f"{key}={self.scalar(value, key)}"

    def pre_hash(self, event: dict[str, Any]) -> str:
        kind = event.get("type")
        if not isinstance(kind, str):
            raise EventHashError("`type` must name the event type")
        sections: list[str] = []
        parts = ["eventType=", kind]
        fields, extended = _plan(tuple(event))
        for key, write in fields:
            value = event[key]
            if value is not None:
                parts.append(write(self, value, key, sections))
        parts += sections
        if extended:
            parts.append(self.extensions(event, _EVENT_STANDARD))
        return "".join(parts)


_STEP = CBV + "BizStep-"
_DISPOSITION = CBV + "Disp-"
_Field = Callable[[_Hasher, Any, str, list[str]], str]


def _field_text(key: str) -> _Field:
    """Return the `_Hasher` function writing the standard field `key`."""
    if key == "eventTime":
        return _Hasher._time
    if key in EPC_LISTS:
        return _Hasher._epcs
    if key in QUANTITY_LISTS:
        return _Hasher._quantities
    if key in TYPED_LISTS:
        return _Hasher._typed_list
    special: dict[str, _Field] = {
        "bizStep": _Hasher._step,
        "disposition": _Hasher._disposition,
        "persistentDisposition": _Hasher._persistent,
        "readPoint": _Hasher._location,
        "bizLocation": _Hasher._location,
        "sensorElementList": _Hasher._sensors,
        "ilmd": _Hasher._ilmd,
    }
    return special.get(key, _Hasher._scalar_field)


# The standard fields in the canonical order, each with the function writing it.
_FIELD_TEXT = tuple((key, _field_text(key)) for key in ORDER)
_EVENT_STANDARD = frozenset(ORDER) | EXCLUDED


# A document's events have a few shapes (the keys a harvest, a receipt, a transformation
# has), so the walk of the canonical order is worked out once per shape.
@lru_cache(maxsize=1 << 10)
def _plan(keys: tuple[str, ...]) -> tuple[tuple[tuple[str, _Field], ...], bool]:
    """Return the standard fields among `keys` in canonical order, and if others may be
    extensions (to hash after them)."""
    present = set(keys)
    fields = tuple((key, write) for key, write in _FIELD_TEXT if key in present)
    extended = any(
        key not in _EVENT_STANDARD and not key.startswith("@") and key not in IGNORED_KEYS
        for key in keys
    )
    return fields, extended


def _prefixes(*contexts: Any) -> dict[str, str]:
    """Return the namespace prefixes the contexts define (later ones win), over defaults."""
    return DEFAULT_PREFIXES | context_terms(*contexts)


class DocumentContext:
    """A document's ``@context`` read once for all its events (pass it as `context`)."""

    __slots__ = ("hasher", "prefixes")

    def __init__(self, context: Any) -> None:
        self.prefixes = _prefixes(context)
        self.hasher = _Hasher(self.prefixes)


def _hasher(event: dict[str, Any], context: Any) -> _Hasher:
    own = event.get("@context")
    if isinstance(context, DocumentContext):
        return _Hasher(context.prefixes | context_terms(own)) if own else context.hasher
    return _Hasher(_prefixes(context, own))


def pre_hash_string(event: dict[str, Any], context: Any = None) -> str:
    """Return the CBV 2.0 pre-hash string of `event`.

    `context` is its document's ``@context``, or a `DocumentContext` made of it once for a
    document's many events.
    """
    if not isinstance(event, dict):
        raise EventHashError("an event must be a JSON object")
    return _hasher(event, context).pre_hash(event)


def event_hash(event: dict[str, Any], context: Any = None) -> str:
    """Return ``ni:///sha-256;<hex>?ver=CBV2.0``, the GS1 event hash of `event`."""
    digest = hashlib.sha256(pre_hash_string(event, context).encode("utf-8")).hexdigest()
    return f"ni:///sha-256;{digest}?ver={VERSION}"
