"""Names and revisions of cached pages (pure): which Redis keys hold what, and when an entry is
still the page to serve.

A page is a pure function of what it was rendered from. Instead of comparing those inputs on
every request, each input kind has a generation token in Redis, replaced by a new random
token where that input changes:

- ``brand``: the theme, the code options (public base URL), the brand pack (locales);
  replaced at once, since nothing is rebuilt for them;
- ``batch``: replaced when one of the batch's builds is published (the pointer flip), so a
  publish, a story roll back, a disclosure policy change or new data, which all end in a
  build, show on the page when that build is done, and the old page stays until then;
- ``catalog``: replaced when a brand's products or batches may have changed (the product
  page, which lists the batches, has no build).

An entry stores the tokens it was rendered under (its stamp); it is served while they are
the current ones. Random tokens, not counters: a token lost with Redis's memory and made
again never equals an old one.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass

PREFIX = "originxr:page:"
INDEX_KEY = PREFIX + "index"  # sorted set of entry keys by store time, to bound their number
VARIANTS = ("page", "linkset", "summary", "events", "product")


def brand_gen_key(brand_id: int) -> str:
    """Return the key of a brand's generation token (theme, base URL, locales)."""
    return f"{PREFIX}gen:brand:{brand_id}"


def catalog_gen_key(brand_id: int) -> str:
    """Return the key of a brand's catalog generation token (products and batches)."""
    return f"{PREFIX}gen:catalog:{brand_id}"


def batch_gen_key(gtin: str, lot: str) -> str:
    """Return the key of a batch's generation token (its published builds)."""
    return f"{PREFIX}gen:batch:{gtin}:{lot}"


def gtin_key(gtin: str) -> str:
    """Return the key of what the request path needs to know of a GTIN's brand."""
    return f"{PREFIX}gtin:{gtin}"


def entry_key(gtin: str, lot: str, variant: str, locale: str) -> str:
    """Return the key of the cached answer `variant` for (gtin, lot, locale)."""
    if variant not in VARIANTS:
        raise ValueError(f"`variant` must be one of {VARIANTS}, not {variant!r}")
    return f"{PREFIX}entry:{gtin}:{lot}:{variant}:{locale}"


def new_token() -> str:
    """Return a fresh generation token."""
    return secrets.token_hex(8)


def token_text(raw: bytes | str | None) -> str:
    """Return a stored token as text ("" when the key is missing)."""
    if raw is None:
        return ""
    return raw.decode() if isinstance(raw, bytes) else raw


@dataclass(frozen=True)
class BrandInfo:
    """What the request path needs of a GTIN's brand to choose the entry: id and locales."""

    brand_id: int
    locales: tuple[str, ...]
    default_locale: str
    stamp: str  # the brand token it was read under

    def to_json(self) -> str:
        """Return the stored form."""
        return json.dumps(
            {"b": self.brand_id, "l": list(self.locales), "d": self.default_locale, "s": self.stamp}
        )

    @classmethod
    def from_json(cls, raw: bytes | str) -> BrandInfo:
        """Read the stored form (ValueError/KeyError/TypeError on a damaged one)."""
        data = json.loads(raw)
        return cls(int(data["b"]), tuple(data["l"]), str(data["d"]), str(data["s"]))


@dataclass(frozen=True)
class Stamp:
    """The generation tokens an entry was rendered under: (brand, batch or catalog)."""

    brand: str
    scope: str

    def text(self) -> str:
        """Return the stored form."""
        return f"{self.brand}/{self.scope}"
