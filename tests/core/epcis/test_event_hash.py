"""The GS1 event hash: the reference implementation's vectors, and its invariants."""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from server.core.epcis.event_hash import EventHashError, event_hash, pre_hash_string
from server.core.epcis.hash_forms import cbv_urn_to_uri, constrained_digital_link
from server.core.gs1.identifiers import epc_urn_to_digital_link

VECTORS = Path(__file__).parent / "data" / "event_hash"
CONTEXT = [
    "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
    {"originxr": "https://ns.originxr.org/epcis/"},
]


def _vectors() -> list[tuple[str, int]]:
    cases = []
    for path in sorted(VECTORS.glob("*.prehashes")):
        lines = path.read_text(encoding="utf-8").splitlines()
        cases.extend((path.stem, i) for i in range(len(lines)))
    return cases


@pytest.mark.parametrize(("name", "index"), _vectors())
def test_pre_hash_strings_match_the_gs1_reference_implementation(name: str, index: int) -> None:
    """Expected strings: RalphTro/epcis-event-hash-generator (see data/event_hash/README.md)."""
    document = json.loads((VECTORS / f"{name}.jsonld").read_text(encoding="utf-8"))
    expected = (VECTORS / f"{name}.prehashes").read_text(encoding="utf-8").splitlines()[index]
    # Documented difference: bare sensor types expand through the EPCIS context's gs1: prefix.
    expected = expected.replace("https://ref.gs1.org/voc/", "https://gs1.org/voc/")
    event = document["epcisBody"]["eventList"][index]
    assert pre_hash_string(event, document["@context"]) == expected


def test_the_hash_is_sha256_of_the_pre_hash_string_as_a_ni_uri() -> None:
    """Expected value: sha-256 of the reference's pre-hash string, in RFC 6920 form."""
    document = json.loads((VECTORS / "epcisDocHavingEventWithComment.jsonld").read_text())
    line = (VECTORS / "epcisDocHavingEventWithComment.prehashes").read_text().splitlines()[0]
    digest = hashlib.sha256(line.encode()).hexdigest()
    event = document["epcisBody"]["eventList"][0]
    assert event_hash(event, document["@context"]) == f"ni:///sha-256;{digest}?ver=CBV2.0"
    assert digest == "df6523665bc5e5803d6c7b84f5a04e103694d8220f2abc4f2c74310e89f31bc6"


def _event() -> dict[str, Any]:
    return {
        "type": "ObjectEvent",
        "eventTime": "2024-09-30T06:05:00.000+00:00",
        "eventTimeZoneOffset": "+00:00",
        "action": "ADD",
        "bizStep": "commissioning",
        "disposition": "active",
        "epcList": ["urn:epc:id:sgtin:9520123.012345.S1", "urn:epc:id:sgtin:9520123.012345.S2"],
        "quantityList": [
            {"epcClass": "urn:epc:class:lgtin:9520123.000001.W11", "quantity": 1158, "uom": "KGM"},
            {"epcClass": "urn:epc:class:lgtin:9520123.000001.W12", "quantity": 12.5, "uom": "KGM"},
        ],
        "readPoint": {"id": "urn:epc:id:sgln:9520123.00011.0"},
        "bizLocation": {"id": "urn:epc:id:sgln:9520123.00011.7"},
        "sourceList": [
            {"type": "owning_party", "source": "urn:epc:id:pgln:9520123.00001"},
            {"type": "location", "source": "urn:epc:id:sgln:9520123.00011.0"},
        ],
        "ilmd": {"cbvmda:countryOfOrigin": "GH", "originxr:plots": ["P2", "P1"]},
        "originxr:method": {"originxr:days": "6", "originxr:kind": "heap"},
        "originxr:note": "first",
    }


def _hash(event: dict[str, Any]) -> str:
    return event_hash(event, CONTEXT)


def _digital_links(event: dict[str, Any]) -> None:
    event["epcList"] = [
        "https://id.gs1.org/01/09520123123451/21/S2",
        "https://brand.example/p/01/9520123123451/21/S1?linkType=gs1:pip",
    ]
    event["quantityList"][0]["epcClass"] = "https://id.gs1.org/01/09520123000011/10/W11"
    event["quantityList"][1]["epcClass"] = "https://x.example/01/9520123000011/22/A/10/W12"
    event["readPoint"] = {"id": "https://id.gs1.org/414/9520123000110/254/0"}
    event["bizLocation"] = {"id": "https://id.gs1.org/414/9520123000110/254/7"}
    event["sourceList"][0]["source"] = "https://id.gs1.org/417/9520123000011"
    event["sourceList"][1]["source"] = "https://id.gs1.org/414/9520123000110"


def _other_offset(event: dict[str, Any]) -> None:
    event["eventTime"] = "2024-09-30T08:05:00+02:00"  # same instant, no milliseconds


def _reordered(event: dict[str, Any]) -> None:
    event["epcList"].reverse()
    event["quantityList"].reverse()
    event["sourceList"].reverse()
    event["ilmd"] = {"originxr:plots": ["P1", "P2"], "cbvmda:countryOfOrigin": "GH"}
    event["originxr:method"] = {"originxr:kind": "heap", "originxr:days": "6"}
    items = list(event.items())
    event.clear()
    event.update(reversed(items))  # every key in another order


def _vocabulary_uris(event: dict[str, Any]) -> None:
    event["bizStep"] = "urn:epcglobal:cbv:bizstep:commissioning"
    event["disposition"] = "https://ref.gs1.org/cbv/Disp-active"
    event["sourceList"][0]["type"] = "urn:epcglobal:cbv:sdt:owning_party"
    event["sourceList"][1]["type"] = "cbv:SDT-location"


def _record_fields(event: dict[str, Any]) -> None:
    event["eventID"] = "ni:///sha-256;" + "0" * 64 + "?ver=CBV2.0"
    event["recordTime"] = "2025-01-01T00:00:00Z"
    event["errorDeclaration"] = {"declarationTime": "2025-01-02T00:00:00Z"}
    event["rdfs:comment"] = "re-sent"


def _numbers_and_spaces(event: dict[str, Any]) -> None:
    event["quantityList"][0]["quantity"] = 1158.0
    event["quantityList"][1]["quantity"] = 12.50
    event["originxr:method"]["originxr:days"] = "6.0"
    event["originxr:note"] = "  first "


SAME = {
    "EPC URNs vs Digital Links (any domain, query, CPV)": _digital_links,
    "another time-zone offset for eventTime": _other_offset,
    "lists, extensions and keys in another order": _reordered,
    "CBV words vs URNs vs Web URIs vs CURIEs": _vocabulary_uris,
    "eventID, recordTime, errorDeclaration, comment": _record_fields,
    "25.0 vs 25, surrounding spaces": _numbers_and_spaces,
}


@pytest.mark.parametrize("case", sorted(SAME))
def test_the_same_event_written_differently_has_the_same_hash(case: str) -> None:
    changed = _event()
    SAME[case](changed)
    assert pre_hash_string(changed, CONTEXT) == pre_hash_string(_event(), CONTEXT)


def _set(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(event: dict[str, Any]) -> None:
        event[key] = value

    return change


def _quantity(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(event: dict[str, Any]) -> None:
        event["quantityList"][0][key] = value

    return change


DIFFERENT = {
    "one millisecond later": _set("eventTime", "2024-09-30T06:05:00.001+00:00"),
    "another recorded offset": _set("eventTimeZoneOffset", "+01:00"),
    "another action": _set("action", "OBSERVE"),
    "another business step": _set("bizStep", "shipping"),
    "another disposition": _set("disposition", "in_progress"),
    "another read point": _set("readPoint", {"id": "urn:epc:id:sgln:9520123.00012.0"}),
    "a read-point extension": _set(
        "readPoint", {"id": "urn:epc:id:sgln:9520123.00011.0", "originxr:gate": "2"}
    ),
    "another serial": _set("epcList", ["urn:epc:id:sgtin:9520123.012345.S1"]),
    "another quantity": _quantity("quantity", 1159),
    "another unit": _quantity("uom", "LBR"),
    "another lot": _quantity("epcClass", "urn:epc:class:lgtin:9520123.000001.W13"),
    "another source type": lambda e: e["sourceList"][0].update(type="possessing_party"),
    "another ILMD value": lambda e: e["ilmd"].update({"cbvmda:countryOfOrigin": "CI"}),
    "another extension value": lambda e: e["originxr:method"].update({"originxr:days": "7"}),
    "an added extension": _set("originxr:extra", "x"),
    "an added field": _set("transformationID", "urn:epc:id:gdti:9520123.00001.1"),
    "a removed field": lambda e: e.pop("disposition"),
    "another event type": _set("type", "TransactionEvent"),
}


@pytest.mark.parametrize("case", sorted(DIFFERENT))
def test_any_change_of_what_the_event_says_changes_the_hash(case: str) -> None:
    changed = copy.deepcopy(_event())
    DIFFERENT[case](changed)
    assert _hash(changed) != _hash(_event())


def test_the_document_context_names_extension_namespaces() -> None:
    text = pre_hash_string(_event(), CONTEXT)
    assert "{https://ns.originxr.org/epcis/}note=first" in text
    assert "{urn:epcglobal:cbv:mda}countryOfOrigin=GH" in text
    # Without the context the prefix stays as written: a different hash, nothing fetched.
    assert "originxr:note=first" in pre_hash_string(_event())
    assert event_hash(_event()) != _hash(_event())
    # An event carrying its own @context needs none passed in.
    assert event_hash({**_event(), "@context": CONTEXT}) == _hash(_event())


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("2020-03-04T11:00:30+01:00", "2020-03-04T10:00:30.000Z"),
        ("2020-03-04T10:00:30.1234Z", "2020-03-04T10:00:30.123Z"),
        ("2020-03-04T10:00:30.1235Z", "2020-03-04T10:00:30.124Z"),
        ("2020-03-04T10:00:30.116000-06:00", "2020-03-04T16:00:30.116Z"),
        ("2020-12-31T23:59:59.9996-00:30", "2021-01-01T00:30:00.000Z"),
    ],
)
def test_timestamps_become_utc_with_rounded_milliseconds(written: str, expected: str) -> None:
    event = {**_event(), "eventTime": written}
    assert f"eventTime={expected}eventTimeZoneOffset" in pre_hash_string(event, CONTEXT)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (_set("eventTime", "2024-09-30 06:05"), "eventTime"),
        (_set("eventTime", "2024-02-30T06:05:00Z"), "eventTime"),
        (_set("epcList", "urn:epc:id:sgtin:9520123.012345.S1"), "epcList"),
        (_set("quantityList", [{"quantity": 3}]), "quantityList[0]"),
        (_set("readPoint", "urn:epc:id:sgln:9520123.00011.0"), "readPoint"),
        (_set("type", None), "type"),
        (_quantity("quantity", float("nan")), "quantityList[0].quantity"),
    ],
)
def test_an_unreadable_event_is_refused_naming_the_field(
    change: Callable[[dict[str, Any]], None], field: str
) -> None:
    event = _event()
    change(event)
    with pytest.raises(EventHashError, match=field.replace("[", r"\[")):
        event_hash(event, CONTEXT)


@pytest.mark.parametrize(
    ("urn", "link"),
    [
        # Digital Link forms from the reference vectors and EPC TDS 2.x examples.
        ("urn:epc:id:sgtin:0614141.107346.2017", "https://id.gs1.org/01/10614141073464/21/2017"),
        ("urn:epc:id:sscc:5200001.0111111146", "https://id.gs1.org/00/052000011111111461"),
        ("urn:epc:id:sgln:0614141.07346.1234", "https://id.gs1.org/414/0614141073467/254/1234"),
        ("urn:epc:id:sgln:4012345.00011.0", "https://id.gs1.org/414/4012345000115"),
        ("urn:epc:id:pgln:4000001.98765", "https://id.gs1.org/417/4000001987658"),
        ("urn:epc:id:gdti:0614141.00001.1618034", "https://id.gs1.org/253/06141410000121618034"),
        ("urn:epc:id:gsrn:0614141.0000010253", "https://id.gs1.org/8018/061414100000102534"),
        ("urn:epc:id:giai:4012345.ABC", "https://id.gs1.org/8004/4012345ABC"),
        ("urn:epc:id:grai:0614141.12345.400", "https://id.gs1.org/8003/00614141123452400"),
        (
            "urn:epc:id:cpi:0614141.123ABC.123456789",
            "https://id.gs1.org/8010/0614141123ABC/8011/123456789",
        ),
        (
            "urn:epc:class:lgtin:4012345.012345.998877",
            "https://id.gs1.org/01/04012345123456/10/998877",
        ),
        ("urn:epc:idpat:sgtin:4012345.066666.*", "https://id.gs1.org/01/04012345666663"),
        ("urn:epc:id:sgtin:0614141.112345.A%2FB", "https://id.gs1.org/01/10614141123459/21/A%2FB"),
    ],
)
def test_epc_urns_become_canonical_digital_links(urn: str, link: str) -> None:
    assert epc_urn_to_digital_link(urn) == link


def test_what_is_not_a_gs1_identifier_is_hashed_as_written() -> None:
    assert epc_urn_to_digital_link("urn:epc:id:usdod:CAGEY.5678") is None
    assert epc_urn_to_digital_link("urn:epc:id:sgtin:061414x.112345.400") is None
    assert constrained_digital_link("http://transaction.acme.com/po/12345678") is None
    assert constrained_digital_link("geo:47.506694,11.104301") is None
    assert constrained_digital_link("https://example.com/blog/2024/01/post") is None
    assert constrained_digital_link("https://example.com/414/123") is None
    assert cbv_urn_to_uri("urn:epcglobal:cbv:bt:4012345000009:ASN1099") is None
    assert cbv_urn_to_uri("urn:epcglobal:cbv:disp:in_transit") == (
        "https://ref.gs1.org/cbv/Disp-in_transit"
    )


def test_a_digital_link_keeps_only_its_finest_key_on_the_canonical_host() -> None:
    assert constrained_digital_link(
        "https://example.com/shop/01/9520123123457/10/L1/21/S1?linkType=all"
    ) == ("https://id.gs1.org/01/09520123123457/21/S1")
    assert constrained_digital_link("https://id.gs1.org/01/09520123123457/22/2A/10/L1") == (
        "https://id.gs1.org/01/09520123123457/10/L1"
    )


# Inputs from the reference implementation's tests/examples/epclist_normalisation.jsonld
# (RalphTro/epcis-event-hash-generator); expected values are what its dl_normaliser
# produces for them (its 12-digit company prefix branches: empty party/document reference).
@pytest.mark.parametrize(
    ("urn", "link"),
    [
        ("urn:epc:id:pgln:999999999999.", "https://id.gs1.org/417/9999999999994"),
        ("urn:epc:id:gdti:987659999999..9", "https://id.gs1.org/253/98765999999929"),
        (
            "urn:epc:id:sgtin:415056789012.0.987654",
            "https://id.gs1.org/01/04150567890128/21/987654",
        ),
        ("urn:epc:id:gdti:4012345.00009.PO-4711", "https://id.gs1.org/253/4012345000092PO-4711"),
        ("urn:epc:id:gsin:4012345.222333444", "https://id.gs1.org/402/40123452223334442"),
        ("urn:epc:id:pgln:4000001.00000", "https://id.gs1.org/417/4000001000005"),
    ],
)
def test_twelve_digit_company_prefixes_match_the_reference(urn: str, link: str) -> None:
    assert epc_urn_to_digital_link(urn) == link


def test_a_reference_too_long_for_its_company_prefix_names_no_key() -> None:
    """EPC TDS 2.x §6.3: prefix + reference is 12 digits for a GLN; 13 names no GLN."""
    assert epc_urn_to_digital_link("urn:epc:id:pgln:401234567890.0") is None
    assert epc_urn_to_digital_link("urn:epc:id:sgln:4012345.000011.0") is None


# EPC pattern URNs: the reference's dl_normaliser maps the patterns whose only wildcard is
# the serial (idpat sgtin/upui/itip/grai/gdti/sgcn/cpi ``….*``) to the key's Digital Link;
# any other pattern is hashed as written.
@pytest.mark.parametrize(
    ("urn", "link"),
    [
        ("urn:epc:idpat:sgtin:4012345.098765.*", "https://id.gs1.org/01/04012345987652"),
        ("urn:epc:idpat:upui:4012345.012345.*", "https://id.gs1.org/01/04012345123456"),
        ("urn:epc:idpat:grai:4012345.12345.*", "https://id.gs1.org/8003/04012345123456"),
        ("urn:epc:idpat:gdti:4012345.00001.*", "https://id.gs1.org/253/4012345000016"),
        ("urn:epc:idpat:sgcn:4012345.67890.*", "https://id.gs1.org/255/4012345678901"),
        ("urn:epc:idpat:cpi:4012345.ABC.*", "https://id.gs1.org/8010/4012345ABC"),
        (
            "urn:epc:idpat:itip:4012345.012345.01.02.*",
            "https://id.gs1.org/8006/040123451234560102",
        ),
        ("urn:epc:idpat:sgtin:4012345.*.*", None),
        ("urn:epc:idpat:sgln:4012345.00001.*", None),
    ],
)
def test_epc_patterns_are_canonicalised_as_the_reference_does(urn: str, link: str | None) -> None:
    assert epc_urn_to_digital_link(urn) == link


def test_a_serial_may_hold_dots() -> None:
    """The reference's URN patterns allow '.' in a serial (EPC TDS 2.x table A-1)."""
    assert epc_urn_to_digital_link("urn:epc:id:sgtin:4012345.011111.98.7") == (
        "https://id.gs1.org/01/04012345111118/21/98.7"
    )


def test_sensor_exceptions_expand_to_the_sensor_alert_type_vocabulary() -> None:
    """Expected form: the reference's SensorDataExamples vectors (JSON-LD, CBV 2.0 line),
    ``exception=https://gs1.org/voc/SensorAlertType-ALARM_CONDITION``."""
    report = {"type": "Temperature", "exception": "ALARM_CONDITION", "value": 26}
    event = {**_event(), "sensorElementList": [{"sensorReport": [report]}]}
    text = pre_hash_string(event, CONTEXT)
    assert "exception=https://gs1.org/voc/SensorAlertType-ALARM_CONDITIONvalue=26" in text
    same = copy.deepcopy(event)
    for spelling in ("gs1:SensorAlertType-ALARM_CONDITION", "gs1:ALARM_CONDITION"):
        same["sensorElementList"][0]["sensorReport"][0]["exception"] = spelling
        assert _hash(same) == _hash(event)
