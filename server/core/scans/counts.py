"""Fold a batch of scan records into daily counts and per-scope visitor hashes (pure)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date

from server.core.scans.records import ScanRecord

# (brand_id, day, gtin, lot, locale, device, kind)
CountKey = tuple[int, date, str, str, str, str, str]
# (brand_id, day, gtin, lot); ("", "") is the whole brand, (gtin, "") a product page
ScopeKey = tuple[int, date, str, str]


def count_records(records: Iterable[ScanRecord]) -> Counter[CountKey]:
    """Return how many records fall on each (brand, day, batch, locale, device, kind)."""
    return Counter((r.brand_id, r.day, r.gtin, r.lot, r.locale, r.device, r.kind) for r in records)


def visitor_scopes(records: Iterable[ScanRecord]) -> dict[ScopeKey, set[str]]:
    """Return the visitor hashes seen per (brand, day, batch) and per (brand, day)."""
    scopes: dict[ScopeKey, set[str]] = defaultdict(set)
    for r in records:
        scopes[(r.brand_id, r.day, r.gtin, r.lot)].add(r.visitor)
        scopes[(r.brand_id, r.day, "", "")].add(r.visitor)
    return dict(scopes)


def scope_key(scope: ScopeKey) -> str:
    """Return the name of the Redis HyperLogLog holding `scope`'s visitor hashes."""
    brand_id, day, gtin, lot = scope
    return f"{brand_id}:{day.isoformat()}:{gtin}:{lot}"
