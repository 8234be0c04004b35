"""The scan analytics as CSV: one row per count, safe to open in a spreadsheet (pure).

Columns are stable identifiers (not translated) so that the file can be re-imported.
Rows of `metric` "events" are page views and client events; rows of "unique_visitors"
are the day's unique visitors of a batch, or of the whole brand (empty gtin and lot).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from server.services.analytics import CountRow, VisitorRow

HEADER = ("metric", "date", "gtin", "lot", "product", "locale", "device_class", "event", "value")
# A cell starting with one of these is a formula to Excel, LibreOffice and Google Sheets.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe_cell(text: str) -> str:
    """Return `text` so that no spreadsheet runs it as a formula (OWASP: prefix a quote)."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def scans_csv(
    counts: Iterable[CountRow], visitors: Iterable[VisitorRow], names: dict[str, str]
) -> str:
    """Return the CSV text of `counts` and `visitors`; `names` maps GTINs to product names."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for day, gtin, lot, locale, device, kind, n in counts:
        cells = ("events", day.isoformat(), gtin, lot, names.get(gtin, ""), locale, device, kind)
        writer.writerow([safe_cell(c) for c in cells] + [n])
    for day, gtin, lot, n in visitors:
        cells = ("unique_visitors", day.isoformat(), gtin, lot, names.get(gtin, ""), "", "", "")
        writer.writerow([safe_cell(c) for c in cells] + [n])
    return out.getvalue()
