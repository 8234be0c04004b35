"""Compressed GS1 Digital Link URIs (GS1 Digital Link URI syntax 1.2, §7): valid and invalid.

The bit strings below are written out from the standard's layout, entry by entry, so that a
test does not trust the decompressor's own reading of it; `compress` (a small encoder made
here from the same layout) gives the round trips.
"""

from __future__ import annotations

import pytest

from server.core.errors import DigitalLinkError
from server.core.gs1.compressed import (
    BASE64URL,
    OPTIMISATIONS,
    components,
    decompress,
    length_bits,
    partially_compressed,
    uncompressed,
    value_bits,
)

GTIN = "09520123100025"


def to_text(bits: str) -> str:
    """base64url of `bits`, padded with zero bits to whole characters."""
    bits += "0" * (-len(bits) % 6)
    return "".join(BASE64URL[int(bits[i : i + 6], 2)] for i in range(0, len(bits), 6))


def nibbles(digits: str) -> str:
    return "".join(format(int(d, 16), "04b") for d in digits)


def number(value: str) -> str:
    return format(int(value or "0"), f"0{value_bits(len(value))}b")


def characters(value: str, largest: int) -> str:
    """Encoding indicator, length and characters of an alphanumeric value (smallest encoding)."""
    head = format(len(value), f"0{length_bits(largest)}b")
    if value.isdigit():
        return "000" + head + number(value)
    if all(c in "0123456789abcdef" for c in value):
        return "001" + head + "".join(format(int(c, 16), "04b") for c in value)
    if all(c in "0123456789ABCDEF" for c in value):
        return "010" + head + "".join(format(int(c, 16), "04b") for c in value)
    if all(c in BASE64URL for c in value):
        return "011" + head + "".join(format(BASE64URL.index(c), "06b") for c in value)
    return "100" + head + "".join(format(ord(c), "07b") for c in value)


def value(ai: str, text: str) -> str:
    (part,) = components(ai)  # the AIs used here have one component
    if part.numeric and part.fixed:
        return number(text)
    if part.numeric:
        return format(len(text), f"0{length_bits(part.length)}b") + number(text)
    return characters(text, part.length)


def compress(pairs: list[tuple[str, str]], code: str | None = None) -> str:
    """Compress `pairs`: the AIs of optimisation `code` first (in its order), then one by one."""
    bits = ""
    rest = list(pairs)
    if code is not None:
        bits += nibbles(code)
        for ai in OPTIMISATIONS[code]:
            text = dict(pairs)[ai]
            bits += value(ai, text)
            rest.remove((ai, text))
    for ai, text in rest:
        bits += nibbles(ai) + value(ai, text)
    return to_text(bits)


def test_a_gtin_written_out_bit_by_bit() -> None:
    # "01" as two nibbles, then the 14 digits as one 47-bit number
    bits = "0000" + "0001" + format(int(GTIN), "047b")
    assert value_bits(14) == 47
    assert decompress(to_text(bits)) == [("01", GTIN)]


def test_an_optimisation_code_and_a_base64url_lot_written_out() -> None:
    # 0B = (01, 10); the lot as encoding 3 (base64url), a 5-bit length (max 20), 6 bits each
    lot = "NK25-0227"
    chars = "".join(format(BASE64URL.index(c), "06b") for c in lot)
    bits = "0000" + "1011" + format(int(GTIN), "047b") + "011" + format(9, "05b") + chars
    pairs = decompress(to_text(bits))
    assert pairs == [("01", GTIN), ("10", lot)]
    assert uncompressed(pairs) == f"/01/{GTIN}/10/{lot}"


@pytest.mark.parametrize(
    ("pairs", "code", "expected"),
    [
        ([("01", GTIN), ("10", "ab12cd"), ("21", "7")], None, f"/01/{GTIN}/10/ab12cd/21/7"),
        (
            [("01", GTIN), ("10", "AB12CD"), ("17", "261231")],
            "0B",
            f"/01/{GTIN}/10/AB12CD?17=261231",
        ),
        ([("01", GTIN), ("10", "L 1/2"), ("21", "0042")], None, f"/01/{GTIN}/10/L%201%2F2/21/0042"),
        ([("01", GTIN), ("10", "B1"), ("21", "S9"), ("17", "270101")], "1A", None),
        ([("01", GTIN), ("3103", "001250")], "2D", f"/01/{GTIN}?3103=001250"),
        ([("414", "9520123000028"), ("254", "dock-4")], "9D", "/414/9520123000028/254/dock-4"),
        ([("01", GTIN), ("235", "Xy-9")], None, f"/01/{GTIN}/235/Xy-9"),
        ([("00", "095201230000000018")], None, "/00/095201230000000018"),
        ([("01", GTIN), ("7003", "2612311530")], "0E", f"/01/{GTIN}?7003=2612311530"),
    ],
)
def test_round_trips(pairs: list[tuple[str, str]], code: str | None, expected: str | None) -> None:
    got = decompress(compress(pairs, code))
    assert sorted(got) == sorted(pairs)
    if expected is not None:
        assert uncompressed(got) == expected


def test_leading_zeros_of_numeric_values_survive() -> None:
    pairs = [("01", "00000000000017"), ("21", "000123")]
    assert decompress(compress(pairs)) == pairs


def test_non_gs1_attributes_follow_the_ais() -> None:
    # F, a 7-bit key length (4 bits in the F byte, 3 more), the key in base64url, then the value
    key, text = "campaign", "spring-26"
    bits = nibbles("01") + format(int(GTIN), "047b")
    bits += (
        "1111" + format(len(key), "07b") + "".join(format(BASE64URL.index(c), "06b") for c in key)
    )
    bits += (
        "011" + format(len(text), "07b") + "".join(format(BASE64URL.index(c), "06b") for c in text)
    )
    pairs = decompress(to_text(bits))
    assert pairs == [("01", GTIN), (key, text)]
    assert uncompressed(pairs) == f"/01/{GTIN}?campaign=spring-26"


GOOD = compress([("01", GTIN), ("10", "NK25-0227")], "0B")


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("AQnYUc1", "at least 10 characters"),  # too short to be one
        ("AQnYUc1gmi+AH", "at least 10 characters"),  # "+" is not base64url
        (GOOD[:12], "cut short"),
        (to_text(nibbles("B0") + "0" * 60), "B0"),  # no such optimisation code
        (to_text(nibbles("239") + "0" * 60), "239"),  # 23x: only 235 is an AI
        (to_text(nibbles("01") + "1" * 47 + "0" * 8), "AI 01"),  # 47 ones > 14 digits
        (to_text(nibbles("10") + "101" + "00011" + "0" * 60), "AI 10"),  # encoding 5
        (to_text(nibbles("10") + "011" + "11111" + "0" * 200), "AI 10"),  # 31 > 20 chars
        (compress([("01", GTIN), ("01", GTIN)]), "one AI twice"),
    ],
)
def test_malformed_strings_are_refused_saying_why(text: str, says: str) -> None:
    with pytest.raises(DigitalLinkError, match=says):
        decompress(text)


@pytest.mark.parametrize(
    "pairs",
    [[("17", "261231"), ("10", "ABCDEFGH")], [("01", GTIN), ("414", "9520123000028")]],
)
def test_exactly_one_primary_key_is_needed(pairs: list[tuple[str, str]]) -> None:
    with pytest.raises(DigitalLinkError, match="primary GS1 key"):
        uncompressed(decompress(compress(pairs)))


# Published test vectors of GS1's Digital Link compression, as the feature tests of an
# independent implementation (Solidsoft Reply's Gs1DigitalLinkLib, a port of GS1's
# compression prototype) state them for (01)05412345000013(10)ABC123(17)290331 with the
# non-GS1 attributes arv=true and donor=bmgf.
REFERENCE = "/01/05412345000013/10/ABC123?17=290331"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("AQnYUc1gmiCNV4JGLo3DY", REFERENCE),
        ("AQnYUc1gmiCNV4JGLo3Dfg2q72Etrue8K7RPRWwjc0D4", REFERENCE + "&arv=true&donor=bmgf"),
    ],
)
def test_the_published_vectors_of_full_compression(text: str, expected: str) -> None:
    assert uncompressed(decompress(text)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("EEarwSMXRuGw", REFERENCE),
        ("EEarwSMXRuG_BtV3sJbXc94V2ieithG5oHw", REFERENCE + "&arv=true&donor=bmgf"),
    ],
)
def test_the_published_vectors_of_partial_compression(text: str, expected: str) -> None:
    assert partially_compressed("01", "05412345000013", text) == expected


def test_a_partially_compressed_string_may_not_hold_a_second_primary_key() -> None:
    text = compress([("414", "9520123000028")])
    with pytest.raises(DigitalLinkError, match=r"primary GS1 key \(414\)"):
        partially_compressed("01", GTIN, text)
