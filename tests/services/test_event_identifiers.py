"""The identifier rows an event's stored columns give, by role."""

from __future__ import annotations

from server.core.epcis.identifiers import identifier_rows
from server.core.gs1.identifiers import canonical_id
from server.services.capture import stored_columns

LOT = "https://id.gs1.org/01/09520123000011/10/W1"
SSCC = "urn:epc:id:sscc:9520123.0000000001"
ITEM = "urn:epc:id:sgtin:9520123.012345.400"
FARM = "urn:epc:id:sgln:9520123.00001.7"


def test_an_aggregation_names_children_as_epc_and_its_parent_as_io() -> None:
    columns = stored_columns(
        {
            "type": "AggregationEvent",
            "eventTime": "2025-02-03T10:00:00Z",
            "eventTimeZoneOffset": "+00:00",
            "action": "ADD",
            "parentID": SSCC,
            "childEPCs": [ITEM],
            "childQuantityList": [{"epcClass": "urn:epc:class:lgtin:9520123.000001.W1"}],
            "bizLocation": {"id": FARM},
        }
    )
    assert identifier_rows(columns) == {
        ("epc", canonical_id(ITEM)),
        ("epc", LOT),
        ("io", canonical_id(SSCC)),
        # the location without its extension
        ("place", canonical_id(FARM).split("/254/")[0]),
    }


def test_a_transformation_names_inputs_and_outputs_once_each() -> None:
    columns = stored_columns(
        {
            "type": "TransformationEvent",
            "eventTime": "2025-02-03T10:00:00Z",
            "eventTimeZoneOffset": "+00:00",
            "inputQuantityList": [{"epcClass": LOT, "quantity": 40}, {"epcClass": LOT}],
            "outputQuantityList": [{"epcClass": LOT + "F", "quantity": 36}],
            "outputEPCList": ["https://example.org/item/" + "x" * 300],
        }
    )
    # An identifier wider than the column is left to the JSON scan of the query.
    assert identifier_rows(columns) == {("io", LOT), ("io", LOT + "F")}
