"""Serialise a report as canonical JSON, byte for byte as the standard library writes it.

`canonical_json(value)` gives exactly
``json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()``,
the bytes reports are hashed and signed as, but through orjson (a 10,000-farm report is
about 130 MB of JSON: the standard library takes seconds, orjson a fraction of one).

The two encoders write every value a report holds alike but one: floats below 1e-4, which
Python writes ``2.5e-05`` and orjson ``0.000025`` or ``2.5e-5``. `result.plain` marks such
floats as `SmallFloat` (a float, equal to its value), which is written here in Python's
form. Anything else orjson would write differently (a key that is not text, a type only
one of them knows) makes it fall back to the standard library, so the bytes never depend
on the encoder. Unmarked small floats (the public report's rescaled emissions) are marked
and written again by orjson first: a walk over the value costs less than the standard
library's encoder.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

import orjson

from server.core.evidence.result import SmallFloat

_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
# A number orjson writes unlike Python: a one-digit negative exponent (Python writes two
# digits) or a fixed-point float below 1e-4 (Python writes those with an exponent). Each
# pattern starts with a literal, which the regex engine finds at memchr speed (a scan of a
# 130 MB report takes milliseconds); a match inside a text value only costs the fallback.
_EXPONENT = re.compile(rb"e-\d(?!\d)")
_FIXED = re.compile(rb"0\.0000\d")
_DIGITS = frozenset(b"0123456789")


def _divergent(data: bytes) -> bool:
    # "0.00001" starts a number only when no digit comes before it (40000.000001 is fine);
    # "e-5" is an exponent only after a digit.
    fixed = (m.start() for m in _FIXED.finditer(data))
    if any(at == 0 or data[at - 1] not in _DIGITS for at in fixed):
        return True
    return any(data[m.start() - 1] in _DIGITS for m in _EXPONENT.finditer(data) if m.start())


def _fragment(value: Any) -> Any:
    if type(value) is SmallFloat:
        return _small_fragment(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable by orjson")


@lru_cache(maxsize=4096)
def _small_fragment(value: float) -> orjson.Fragment:
    """Return a small float as Python writes it; made once per value (a report writes a few
    values many times over: rounded to 6 places, fewer than 200 values are small)."""
    return orjson.Fragment(float.__repr__(value).encode())


def canonical_json(value: Any) -> bytes:
    """Return `value` as canonical JSON bytes, the same as the standard library writes them."""
    try:
        data = orjson.dumps(value, default=_fragment, option=_OPTIONS)
    except (TypeError, orjson.JSONEncodeError):
        return _standard(value)
    if _divergent(data):
        marked = orjson.dumps(_marked(value), default=_fragment, option=_OPTIONS)
        return _standard(value) if _divergent(marked) else marked
    return data


def _marked(value: Any) -> Any:
    """Return `value` with its floats below 1e-4 as `SmallFloat` (containers rebuilt)."""
    kind = type(value)
    if kind is float:
        return SmallFloat(value) if value and -1e-4 < value < 1e-4 else value
    if kind is dict:
        return {k: _marked(v) for k, v in value.items()}
    if kind is list or kind is tuple:
        return [_marked(v) for v in value]
    return value


def _standard(value: Any) -> bytes:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return text.encode()
