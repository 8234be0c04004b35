"""One scan-analytics record: what it holds, its wire form in Redis, the visitor hash.

Pure code: the recorder (server/scan_recorder.py) pushes these records onto a Redis list
and the aggregation job (workers/scan_jobs.py) drains them into daily counts. A record
holds no IP address and no User-Agent: only a visitor hash made with a daily salt that
lives in Redis for two days and is never written anywhere else, so a hash of yesterday
cannot be recomputed from an IP address once the salt is gone.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date

# "scan" is a page view recorded by the server; the others come from the page's beacon.
KINDS = ("scan", "3d", "xr", "ar", "tour_complete")
CLIENT_KINDS = ("3d", "xr", "ar", "tour_complete")

# Redis keys: the buffer of records, the in-flight claims of the aggregation job, the
# daily salts, the per-day HyperLogLogs of visitor hashes, and the "job pending" flag.
BUFFER_KEY = "originxr:scans:buffer"
CLAIMS_KEY = "originxr:scans:claims"
PROCESSING_PREFIX = "originxr:scans:processing:"
SALT_PREFIX = "originxr:scans:salt:"
VISITORS_PREFIX = "originxr:scans:visitors:"
PENDING_KEY = "originxr:scans:aggregate-pending"

SALT_SECONDS = 48 * 3600
VISITOR_SET_SECONDS = 72 * 3600


@dataclass(frozen=True)
class ScanRecord:
    """One page view or client event, as stored in the Redis buffer."""

    brand_id: int
    gtin: str
    lot: str  # "" for the product page
    locale: str
    device: str
    kind: str
    day: date
    visitor: str  # visitor_hash(...) of this day's salt


def visitor_hash(salt: bytes, ip: str, user_agent: str) -> str:
    """Return the day's pseudonym of a visitor: sha256(salt + IP + UA), hex."""
    digest = hashlib.sha256()
    digest.update(salt)
    digest.update(ip.encode())
    digest.update(b"\n")
    digest.update(user_agent.encode("utf-8", "replace"))
    return digest.hexdigest()


def salt_key(day: date) -> str:
    """Return the Redis key of `day`'s salt."""
    return SALT_PREFIX + day.isoformat()


def encode(record: ScanRecord) -> bytes:
    """Return the compact JSON form of `record` pushed onto the buffer."""
    body = [
        record.brand_id,
        record.gtin,
        record.lot,
        record.locale,
        record.device,
        record.kind,
        record.day.isoformat(),
        record.visitor,
    ]
    return json.dumps(body, separators=(",", ":")).encode()


def decode(raw: bytes | str) -> ScanRecord | None:
    """Return the record in `raw`, or None when it is not one (skipped, never fatal)."""
    try:
        brand_id, gtin, lot, locale, device, kind, day, visitor = json.loads(raw)
        record = ScanRecord(
            brand_id=int(brand_id),
            gtin=str(gtin)[:14],
            lot=str(lot)[:20],
            locale=str(locale)[:8],
            device=str(device)[:8],
            kind=str(kind),
            day=date.fromisoformat(day),
            visitor=str(visitor)[:64],
        )
    except (ValueError, TypeError):
        return None
    return record if record.kind in KINDS else None
