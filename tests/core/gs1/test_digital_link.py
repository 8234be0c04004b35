from __future__ import annotations

import pytest

from server.core.errors import DigitalLinkError
from server.core.gs1.digital_link import (
    DigitalLink,
    KeyLink,
    batch_path,
    parse_key_path,
    parse_path,
)
from server.core.gs1.identifiers import canonical_id, digital_link


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/01/09520123100025/10/NK25-0227", DigitalLink("09520123100025", "NK25-0227")),
        ("/01/9520123100025/10/NK25-0227", DigitalLink("09520123100025", "NK25-0227")),
        ("/01/09520123100025/10/L1/21/S-9", DigitalLink("09520123100025", "L1", "S-9")),
        ("/01/09520123100025", DigitalLink("09520123100025")),
        ("/01/09520123100025/10/A%2FB", DigitalLink("09520123100025", "A/B")),
    ],
)
def test_valid_links_parse(path: str, expected: DigitalLink) -> None:
    assert parse_path(path) == expected


@pytest.mark.parametrize(
    ("path", "fragment"),
    [
        ("/01/09520123100026/10/X", "wrong check digit"),
        ("/01/09520123100/10/X", "8, 12, 13 or 14 digits"),
        ("/01/09520123100025/21/S/10/L", "out of order"),
        ("/01/09520123100025/10/" + "A" * 21, "21 characters long; at most 20"),
        ("/01/09520123100025/10/caf%C3%A9", "characters GS1 does not allow"),
        ("/01/09520123100025/10/a%20b", "characters GS1 does not allow"),
        ("/01/09520123100025/10", "no value"),
        ("/01/09520123100025/99/x", "'99' cannot follow a GTIN"),
        ("/01/09520123100025/10/A/10/B", "appears twice"),
        ("/10/ABC", "must start with /01/"),
    ],
)
def test_bad_links_say_what_is_wrong(path: str, fragment: str) -> None:
    with pytest.raises(DigitalLinkError) as caught:
        parse_path(path)
    assert fragment in str(caught.value)


def test_batch_path_round_trips_through_the_parser() -> None:
    path = batch_path("09520123100025", "A/B:1", "S1")
    assert path == "/01/09520123100025/10/A%2FB%3A1/21/S1"
    assert parse_path(path) == DigitalLink("09520123100025", "A/B:1", "S1")


def test_the_third_party_serial_235_qualifies_a_gtin() -> None:
    """GS1 Digital Link URI syntax 1.2 §4.5: 235 (TPX) is a GTIN key qualifier."""
    link = parse_path("/01/09520123100025/10/L1/235/X-1")
    assert link == DigitalLink("09520123100025", "L1", tpx="X-1")
    assert link.path == "/01/09520123100025/10/L1/235/X-1"
    with pytest.raises(DigitalLinkError, match="both a serial number"):
        parse_path("/01/09520123100025/21/S/235/X")


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ([("99999", "1")], "not a GS1 Application Identifier"),
        ([("17", "270101"), ("17", "270102")], "appears twice"),
        ([("10", "L1")], "belongs in the path"),
        ([("22", "A")], "belongs in the path"),
        ([("414", "9520123000011")], "belongs in the path"),
        ([("4300", "a b")], "characters GS1 does not allow"),
        ([("17", "271399")], "Not a valid GS1 Digital Link"),
        ([("17", "")], "is empty"),
        ([("lang", "\x00")], "NUL character"),
    ],
)
def test_query_attributes_are_checked_as_strictly_as_the_path(
    query: list[tuple[str, str]], fragment: str
) -> None:
    with pytest.raises(DigitalLinkError) as caught:
        parse_path("/01/09520123100025", query)
    assert fragment in str(caught.value)


def test_non_gs1_query_parameters_are_ignored_and_good_attributes_pass() -> None:
    query = [("linkType", "gs1:pip"), ("lang", "de"), ("context", "x"), ("17", "271231")]
    assert parse_path("/01/09520123100025", query) == DigitalLink("09520123100025")


@pytest.mark.parametrize("path", ["/01//09520123100025", "/01/09520123100025//10/L"])
def test_an_empty_segment_is_refused(path: str) -> None:
    with pytest.raises(DigitalLinkError, match="empty part"):
        parse_path(path)


def test_other_primary_keys_parse_with_their_own_qualifiers() -> None:
    assert parse_key_path("/414/9520123000011/254/7") == KeyLink(
        "414", "9520123000011", (("254", "7"),)
    )
    assert parse_key_path("/00/106141412345678908").ai == "00"
    with pytest.raises(DigitalLinkError, match="check digit"):
        parse_key_path("/414/9520123000012")
    with pytest.raises(DigitalLinkError, match="cannot follow key 00"):
        parse_key_path("/00/106141412345678908/10/L")
    with pytest.raises(DigitalLinkError, match="must start with a GS1 key"):
        parse_key_path("/99/1")


def test_values_are_encoded_outside_the_unreserved_set_and_read_back_the_same() -> None:
    # A deliberate departure (README, "Where we depart from a reference"): ' ( ) * ! are
    # percent-encoded, where encodeURIComponent-based tools leave them; decoded, one URI.
    lot = "L'1(2)*!"
    path = batch_path("09520123100025", lot)
    assert path == "/01/09520123100025/10/L%271%282%29%2A%21"
    assert parse_path(path, []) == DigitalLink("09520123100025", lot)
    unencoded = "/01/09520123100025/10/L'1(2)*!"
    assert parse_path(unencoded, []) == DigitalLink("09520123100025", lot)
    uri = digital_link(("01", "09520123100025"), ("10", lot))
    assert uri.endswith(path)
    assert canonical_id("https://id.gs1.org" + unencoded) == canonical_id(uri)
