from __future__ import annotations

import pytest

from server.core.errors import DigitalLinkError
from server.core.gs1.digital_link import DigitalLink, batch_path, parse_path


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
