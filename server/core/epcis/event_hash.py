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
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from server.core.epcis.hash_forms import CBV, canonical_uri
from server.core.epcis.hash_order import (
    EPC_LISTS,
    EXCLUDED,
    IGNORED_KEYS,
    LIST_FIELDS,
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


class _Hasher:
    """The pre-hash string of one event, with the namespace prefixes it may use."""

    def __init__(self, prefixes: dict[str, str]) -> None:
        self.prefixes = prefixes

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
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float):
            try:
                return _number(value)
            except EventHashError as exc:
                raise EventHashError(f"`{field}`: {exc}") from exc
        if isinstance(value, str):
            return self.uri(value, field)
        raise EventHashError(f"`{field}` must be a string, number or boolean")

    def extension_scalar(self, value: Any) -> str:
        """Return an extension's value: also numbers and times written as strings."""
        if isinstance(value, str):
            text = value.strip()
            if _DECIMAL.match(text):
                return _number(text)
            if _TIMESTAMP.match(text):
                return _timestamp(text, "extension")
            return self.uri(text, "extension")
        if value is None:
            return ""
        return self.scalar(value, "extension")

    # -- extensions ---------------------------------------------------------------------

    def key(self, name: str) -> str:
        """Return ``{namespace}local`` for a prefixed or full-IRI key, else the key."""
        prefix, sep, local = name.partition(":")
        if sep and prefix in self.prefixes:
            return "{" + self.prefixes[prefix] + "}" + local
        if name.startswith(("http://", "https://")):
            cut = max(name.rfind("#"), name.rfind("/"))
            return "{" + name[: cut + 1] + "}" + name[cut + 1 :]
        return name

    def extension(self, name: str, value: Any) -> list[str]:
        """Return the sibling substrings of one extension element (a list gives several)."""
        if isinstance(value, list):
            return [text for item in value for text in self.extension(name, item)]
        key = self.key(name)
        if isinstance(value, dict):
            return [key + self.extensions(value)]
        return [f"{key}={self.extension_scalar(value)}"]

    def extensions(self, fields: dict[str, Any], standard: tuple[str, ...] = ()) -> str:
        """Return the sorted extension substrings of `fields`, skipping standard keys."""
        parts: list[str] = []
        for name, value in fields.items():
            if name in standard or name.startswith("@") or name in IGNORED_KEYS:
                continue
            parts.extend(self.extension(name, value))
        return "".join(sorted(parts))

    # -- standard fields ----------------------------------------------------------------

    def quantity(self, element: Any, field: str) -> str:
        if not isinstance(element, dict) or "epcClass" not in element:
            raise EventHashError(f"`{field}` needs `epcClass`")
        text = "epcClass=" + self.uri(element["epcClass"], f"{field}.epcClass")
        if element.get("quantity") is not None:
            text += "quantity=" + self.scalar(element["quantity"], f"{field}.quantity")
        if element.get("uom") is not None:
            text += "uom=" + self.scalar(element["uom"], f"{field}.uom")
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

    def location(self, value: Any, field: str) -> tuple[str, str]:
        if not isinstance(value, dict) or "id" not in value:
            raise EventHashError(f"`{field}` needs `id`")
        extra = self.extensions(value, ("id",))
        return f"{field}id={self.uri(value['id'], f'{field}.id')}", field + extra if extra else ""

    def field(self, event: dict[str, Any], key: str, sections: list[str]) -> str:
        """Return one standard field's pre-hash text, adding any extension section."""
        value = event[key]
        if key in LIST_FIELDS and not isinstance(value, list):
            raise EventHashError(f"`{key}` must be a list")
        if key in ("persistentDisposition", "readPoint", "bizLocation", "ilmd") and not isinstance(
            value, dict
        ):
            raise EventHashError(f"`{key}` must be an object")
        if key == "eventTime":
            return f"eventTime={_timestamp(value, key)}"
        if key in EPC_LISTS:
            epcs = sorted(self.uri(epc, f"{key}[]") for epc in value)
            return key + "".join(f"epc={epc}" for epc in epcs) if epcs else ""
        if key in QUANTITY_LISTS:
            items = sorted(self.quantity(q, f"{key}[{i}]") for i, q in enumerate(value))
            return key + "".join("quantityElement" + item for item in items) if items else ""
        if key in TYPED_LISTS:
            inner, vocab = TYPED_LISTS[key]
            items = sorted(self.typed(e, f"{key}[{i}]", inner, vocab) for i, e in enumerate(value))
            return key + "".join(items) if items else ""
        if key in ("bizStep", "disposition"):
            expand = CBV + ("BizStep-" if key == "bizStep" else "Disp-")
            return f"{key}={self.vocabulary(value, key, expand)}"
        if key == "persistentDisposition":
            text = ""
            for part in ("set", "unset"):
                terms = sorted(
                    self.vocabulary(v, f"{key}.{part}", CBV + "Disp-")
                    for v in value.get(part) or []
                )
                text += "".join(f"{part}={term}" for term in terms)
            return key + text if text else ""
        if key in ("readPoint", "bizLocation"):
            text, extra = self.location(value, key)
            if extra:
                sections.append(extra)
            return text
        if key == "sensorElementList":
            elements = sorted(self.sensor_element(e, f"{key}[{i}]") for i, e in enumerate(value))
            sections.extend(extra for _, extra in elements if extra)
            return "".join(text for text, _ in elements)
        if key == "ilmd":
            text = self.extensions(value)
            return "ilmd" + text if text else ""
        return f"{key}={self.scalar(value, key)}"

    def pre_hash(self, event: dict[str, Any]) -> str:
        kind = event.get("type")
        if not isinstance(kind, str):
            raise EventHashError("`type` must name the event type")
        sections: list[str] = []
        text = f"eventType={kind}"
        for key in ORDER:
            if event.get(key) is not None:
                text += self.field(event, key, sections)
        text += "".join(sections)
        return text + self.extensions(event, ORDER + tuple(EXCLUDED))


def _prefixes(*contexts: Any) -> dict[str, str]:
    """Return the namespace prefixes the contexts define (later ones win), over defaults."""
    return DEFAULT_PREFIXES | context_terms(*contexts)


class DocumentContext:
    """A document's ``@context`` read once for all its events (pass it as `context`)."""

    __slots__ = ("prefixes",)

    def __init__(self, context: Any) -> None:
        self.prefixes = _prefixes(context)


def _hasher(event: dict[str, Any], context: Any) -> _Hasher:
    own = event.get("@context")
    if isinstance(context, DocumentContext):
        return _Hasher(context.prefixes | context_terms(own) if own else context.prefixes)
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
