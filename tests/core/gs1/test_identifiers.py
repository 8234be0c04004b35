"""The one EPC URN → Digital Link converter, as tracing (strict) and the event hash use it."""

from __future__ import annotations

import pytest

from server.core.epcis.hash_forms import canonical_uri
from server.core.gs1.identifiers import (
    IdentifierError,
    canonical_id,
    epc_urn_to_digital_link,
    gs1_check_digit,
)

GRAI = "urn:epc:id:grai:0614141.12345.400"


def test_check_digits_come_from_biip_and_match_the_gs1_example() -> None:
    # GS1 General Specifications §7.9.1 example: GTIN-13 629104150021 + check digit 3.
    assert gs1_check_digit("629104150021") == "3"
    with pytest.raises(IdentifierError, match="numeric"):
        gs1_check_digit("12a4")


def test_tracing_and_the_hash_read_a_urn_as_the_same_digital_link() -> None:
    for urn in (
        "urn:epc:id:sgtin:9520123.012345.S1",
        "urn:epc:class:lgtin:9520123.012345.L1",
        "urn:epc:id:sgln:9520123.00001.0",
        "urn:epc:id:sscc:9520123.0000000001",
        "urn:epc:id:pgln:9520123.00001",
        GRAI,
    ):
        assert canonical_id(urn) == epc_urn_to_digital_link(urn) == canonical_uri(urn)


def test_a_grai_keeps_the_filler_zero_of_ai_8003() -> None:
    # AI 8003 is N14 + X..16: a zero, the GRAI-13 with its check digit, then the serial.
    assert canonical_id(GRAI) == "https://id.gs1.org/8003/00614141123452400"  # EPC TDS example


def test_a_lot_with_dots_stays_whole_for_tracing() -> None:
    assert canonical_id("urn:epc:class:lgtin:9520123.012345.L1.2") == (
        "https://id.gs1.org/01/09520123123451/10/L1.2"
    )


@pytest.mark.parametrize(
    "urn",
    ["urn:epc:id:sscc:9520123", "urn:epc:id:sgln:9520123.0000A.0", "urn:epc:id:sgtin:95.1"],
)
def test_a_malformed_gs1_key_urn_is_refused_by_tracing(urn: str) -> None:
    with pytest.raises(IdentifierError, match="does not make a GS1 key"):
        canonical_id(urn)
    assert canonical_uri(urn) == urn  # the hash stays total: hashed as written


def test_other_epc_schemes_are_kept_as_written_by_tracing() -> None:
    urn = "urn:epc:id:giai:0614141.12345400"
    assert canonical_id(urn) == urn
    assert epc_urn_to_digital_link(urn) == "https://id.gs1.org/8004/061414112345400"
