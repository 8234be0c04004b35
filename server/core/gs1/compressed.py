"""Compressed GS1 Digital Link URIs: decompress the path's base64url string into its AIs.

GS1 Digital Link URI syntax 1.2, §7 (compression), read as: the path is one base64url string
(6 bits a character, trailing pad bits) of a bit stream that, while more than 8 bits remain,
holds one entry after another (a partially compressed URI, `/{key}/{value}/{string}`, keeps
its primary key uncompressed and compresses only what follows it):

- two 4-bit digits opening a GS1 AI, continued digit by digit (4 bits each) until they name
  an AI of the GS1 General Specifications' table; then the AI's value, component by
  component of its format: fixed-length numeric as one binary number of
  ⌈n·log2 10⌉ bits; variable-length numeric as a length (as many bits as the largest length
  needs) then that number; alphanumeric as a 3-bit encoding, for variable length a length,
  then the characters (0 digits as one number, 1/2 lower/upper-case hexadecimal at 4 bits,
  3 base64url at 6 bits, 4 ASCII at 7 bits);
- or an optimisation code, two hex digits at least one of them A-F, standing for a fixed
  sequence of AIs whose values follow (table below);
- or F then a 7-bit key length (the F's low nibble and 3 more bits), the key in base64url
  characters, and a value encoded as an alphanumeric one: a non-GS1 attribute.

Pure code: the AI table comes from biip.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from biip import ParseError
from biip.gs1_application_identifiers import GS1ApplicationIdentifier

from server.core.errors import N_, DigitalLinkError
from server.core.gs1.digital_link import PRIMARY_KEYS

BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
HEX = "0123456789ABCDEF"
COMPRESSED = re.compile(r"^[A-Za-z0-9_-]{10,}$")
# The optimisation codes of the standard's table: a code stands for these AIs in this order.
OPTIMISATIONS: dict[str, tuple[str, ...]] = {
    "0A": ("01", "22"),
    "0B": ("01", "10"),
    "0C": ("01", "21"),
    "0D": ("01", "17"),
    "0E": ("01", "7003"),
    "0F": ("01", "30"),
    "1A": ("01", "10", "21", "17"),
    "1B": ("01", "15"),
    "1C": ("01", "11"),
    "1D": ("01", "16"),
    "1E": ("01", "91"),
    "1F": ("01", "10", "15"),
    **{f"2{h}": ("01", f"310{i}") for i, h in enumerate("ABCDEF")},
    **{f"3{h}": ("01", f"320{i}") for i, h in enumerate("ABCDEF")},
    "9A": ("8010", "8011"),
    "9B": ("8017", "8019"),
    "9C": ("8018", "8019"),
    "9D": ("414", "254"),
    **{f"A{i}": ("01", f"392{i}") for i in range(10)},
    **{f"C{i}": ("255", f"390{i}") for i in range(10)},
    **{f"C{h}": ("255", f"394{i}") for i, h in enumerate("ABCD")},
}
_COMPONENT = re.compile(r"^([NXYZ])(\d+)?(?:\.\.(\d+))?$")


@dataclass(frozen=True)
class Component:
    """One part of an AI's value: numeric or not, and its fixed or largest length."""

    numeric: bool
    length: int
    fixed: bool


def value_bits(digits: int) -> int:
    """Bits of a number of `digits` decimal digits: ⌈digits·log2 10⌉ (1 for none)."""
    return math.ceil(digits * math.log(10) / math.log(2) + 0.01)


def length_bits(largest: int) -> int:
    """Bits of a length up to `largest`."""
    return math.ceil(math.log(largest) / math.log(2) + 0.01)


def components(ai: str) -> tuple[Component, ...]:
    """Return the value components of `ai` from its format in the AI table (N2+X..20 → X..20)."""
    format_ = GS1ApplicationIdentifier.extract(ai).format
    parts = format_.replace("[", "").replace("]", "").split("+")[1:]
    found = []
    for part in parts:
        match = _COMPONENT.match(part)
        if match is None:
            continue
        kind, fixed, largest = match.groups()
        numeric = kind == "N"
        if largest is not None:
            found.append(Component(numeric, int(largest), fixed=False))
        elif fixed is not None:
            found.append(Component(numeric, int(fixed), fixed=True))
    return tuple(found)


NOT_COMPRESSED = N_(
    "This is not a compressed GS1 Digital Link URI: that takes at least 10 characters of "
    "A-Z, a-z, 0-9, - and _."
)
CUT_SHORT = N_(
    "The compressed GS1 Digital Link URI is cut short: its data ends in the middle of a value."
)
BAD_VALUE = N_("The compressed GS1 Digital Link URI holds a value that does not fit AI %(ai)s.")
BAD_CODE = N_(
    "The compressed GS1 Digital Link URI holds %(code)s, which is neither a GS1 Application "
    "Identifier nor a compression code."
)
NO_KEYS = N_("The compressed GS1 Digital Link URI holds no AI, or one AI twice.")
NO_PRIMARY_KEY = N_(
    "The compressed GS1 Digital Link URI holds no primary GS1 key (such as a GTIN), or more "
    "than one."
)
SECOND_KEY = N_(
    "The compressed part of this GS1 Digital Link URI holds a primary GS1 key (%(ai)s), but "
    "the key is the uncompressed part before it: compress the qualifiers and attributes only."
)
PARTIAL = re.compile(r"^[A-Za-z0-9_-]*[A-Za-z_-][A-Za-z0-9_-]*$")  # not all digits: not an AI


class _Bits:
    """A cursor over a string of '0' and '1'."""

    def __init__(self, bits: str) -> None:
        self.bits = bits
        self.at = 0

    def remaining(self) -> int:
        return len(self.bits) - self.at

    def take(self, count: int) -> int:
        if count > self.remaining():
            raise DigitalLinkError(CUT_SHORT)
        chunk = self.bits[self.at : self.at + count]
        self.at += count
        return int(chunk, 2) if chunk else 0


def to_bits(text: str, *, partial: bool = False) -> str:
    """Return the bits of a base64url string (6 a character).

    A whole URI's string holds a primary key, so it takes 10 characters at least; the
    compressed part of a partially compressed one may be as short as one attribute.
    """
    if not (PARTIAL if partial else COMPRESSED).match(text):
        raise DigitalLinkError(NOT_COMPRESSED)
    return "".join(format(BASE64URL.index(c), "06b") for c in text)


def _number(bits: _Bits, digits: int, ai: str) -> str:
    value = bits.take(value_bits(digits))
    if digits == 0:
        return ""
    if value >= 10**digits:
        raise DigitalLinkError(BAD_VALUE, ai=ai)
    return str(value).zfill(digits)


def _characters(bits: _Bits, encoding: int, count: int, ai: str) -> str:
    if encoding == 0:
        return _number(bits, count, ai)
    if encoding in (1, 2):
        text = "".join(HEX[bits.take(4)] for _ in range(count))
        return text.lower() if encoding == 1 else text
    if encoding == 3:
        return "".join(BASE64URL[bits.take(6)] for _ in range(count))
    if encoding == 4:
        return "".join(chr(bits.take(7)) for _ in range(count))
    raise DigitalLinkError(BAD_VALUE, ai=ai)


def _value(bits: _Bits, ai: str) -> str:
    value = ""
    for part in components(ai):
        if part.numeric and part.fixed:
            value += _number(bits, part.length, ai)
        elif part.numeric:
            count = bits.take(length_bits(part.length))
            if count > part.length:
                raise DigitalLinkError(BAD_VALUE, ai=ai)
            value += _number(bits, count, ai)
        else:
            encoding = bits.take(3)
            count = part.length if part.fixed else bits.take(length_bits(part.length))
            if count > part.length:
                raise DigitalLinkError(BAD_VALUE, ai=ai)
            value += _characters(bits, encoding, count, ai)
    return value


def _ai(bits: _Bits, digits: str) -> str:
    while len(digits) <= 4:
        try:
            if GS1ApplicationIdentifier.extract(digits).ai == digits:
                return digits
        except ParseError:
            pass
        if len(digits) == 4:
            break
        nibble = bits.take(4)
        if nibble > 9:
            raise DigitalLinkError(BAD_CODE, code=f"{digits}{HEX[nibble]}")
        digits += str(nibble)
    raise DigitalLinkError(BAD_CODE, code=digits)


def decompress(text: str, *, partial: bool = False) -> list[tuple[str, str]]:
    """Return the (AI or non-GS1 key, value) pairs of a compressed Digital Link path string
    (`partial`: the part after an uncompressed primary key)."""
    bits = _Bits(to_bits(text, partial=partial))
    pairs: list[tuple[str, str]] = []
    while bits.remaining() > 8:
        high, low = bits.take(4), bits.take(4)
        if high <= 9 and low <= 9:
            ai = _ai(bits, f"{high}{low}")
            pairs.append((ai, _value(bits, ai)))
        elif f"{HEX[high]}{HEX[low]}" in OPTIMISATIONS:
            pairs.extend((ai, _value(bits, ai)) for ai in OPTIMISATIONS[f"{HEX[high]}{HEX[low]}"])
        elif high == 15:
            size = (low << 3) | bits.take(3)
            key = "".join(BASE64URL[bits.take(6)] for _ in range(size))
            encoding, count = bits.take(3), bits.take(7)
            pairs.append((key, _characters(bits, encoding, count, key)))
        else:
            raise DigitalLinkError(BAD_CODE, code=f"{HEX[high]}{HEX[low]}")
    seen = [key for key, _ in pairs]
    if not pairs or len(set(seen)) != len(seen):
        raise DigitalLinkError(NO_KEYS)
    return pairs


def uncompressed(pairs: list[tuple[str, str]]) -> str:
    """Return the uncompressed Digital Link path (and query) of decompressed `pairs`.

    The primary key and its qualifiers, in their order, make the path; every other AI and
    non-GS1 attribute goes into the query string, in the order it came.
    """
    keys = [ai for ai, _ in pairs if ai in PRIMARY_KEYS]
    if len(keys) != 1:
        raise DigitalLinkError(NO_PRIMARY_KEY)
    values = dict(pairs)
    in_path = [keys[0], *(ai for ai in PRIMARY_KEYS[keys[0]] if ai in values)]
    path = "".join(f"/{ai}/{quote(values[ai], safe='')}" for ai in in_path)
    query = [(key, value) for key, value in pairs if key not in in_path]
    return path + ("?" + urlencode(query) if query else "")


def partially_compressed(ai: str, value: str, text: str) -> str:
    """Return the uncompressed path (and query) of the partially compressed `/{ai}/{value}/{text}`.

    `text` holds the key's qualifiers and attributes; a primary key in it is refused.
    """
    pairs = decompress(text, partial=True)
    for key, _ in pairs:
        if key in PRIMARY_KEYS:
            raise DigitalLinkError(SECOND_KEY, ai=key)
    return uncompressed([(ai, value), *pairs])
