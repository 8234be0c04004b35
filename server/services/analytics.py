"""Scan analytics for the studio: the period asked for, and what the counts say about it.

`load_counts` reads rows; `summarise` is pure and folds them into the dashboard's series.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.adapters.models import Product, ScanCount, VisitorCount
from server.core.errors import N_, TranslatableError

DEFAULT_DAYS = 30
K = TypeVar("K")
MAX_DAYS = 366


class PeriodError(TranslatableError):
    """A date range that cannot be shown; `field` names the form field to fix."""

    def __init__(self, field: str, template: str, **params: object) -> None:
        self.field = field
        super().__init__(template, **params)


@dataclass(frozen=True)
class Period:
    """Days from `start` to `end`, both included."""

    start: date
    end: date

    @property
    def days(self) -> list[date]:
        """Return every day of the period in order."""
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]


def parse_period(start: str | None, end: str | None, today: date) -> Period:
    """Return the period of the `from`/`to` fields (ISO dates); default: the last 30 days."""
    last = _day("to", end) if end else today
    first = _day("from", start) if start else last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise PeriodError("from", N_("The first day must not be after the last day."))
    if (last - first).days + 1 > MAX_DAYS:
        raise PeriodError("from", N_("Choose at most %(num)d days."), num=MAX_DAYS)
    return Period(first, last)


def _day(field: str, raw: str) -> date:
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise PeriodError(field, N_("Enter a date as YYYY-MM-DD.")) from None


# (day, gtin, lot, locale, device_class, kind, count)
CountRow = tuple[date, str, str, str, str, str, int]
# (day, gtin, lot, visitors); gtin = lot = "" for the whole brand
VisitorRow = tuple[date, str, str, int]


def load_counts(session: Session, brand_id: int, period: Period) -> list[CountRow]:
    """Return the brand's scan counts in `period`, ordered by day, batch, locale, device, kind."""
    columns = (
        ScanCount.day,
        ScanCount.gtin,
        ScanCount.lot,
        ScanCount.locale,
        ScanCount.device_class,
        ScanCount.kind,
        ScanCount.count,
    )
    query = (
        select(*columns)
        .where(ScanCount.brand_id == brand_id, ScanCount.day.between(period.start, period.end))
        .order_by(*columns[:6])
    )
    return [tuple(row) for row in session.execute(query)]  # type: ignore[misc]


def load_visitors(
    session: Session, brand_id: int, period: Period
) -> list[tuple[date, str, str, int]]:
    """Return the brand's unique-visitor counts in `period`: (day, gtin, lot, visitors)."""
    query = (
        select(VisitorCount.day, VisitorCount.gtin, VisitorCount.lot, VisitorCount.visitors)
        .where(
            VisitorCount.brand_id == brand_id,
            VisitorCount.day.between(period.start, period.end),
        )
        .order_by(VisitorCount.day, VisitorCount.gtin, VisitorCount.lot)
    )
    return [tuple(row) for row in session.execute(query)]  # type: ignore[misc]


def product_names(session: Session, brand_id: int, locale: str, fallback: str) -> dict[str, str]:
    """Return the brand's product names by GTIN in `locale` (else `fallback`, else the GTIN)."""
    products = session.scalars(select(Product).where(Product.brand_id == brand_id))
    return {
        p.gtin: (p.name or {}).get(locale) or (p.name or {}).get(fallback) or p.gtin
        for p in products
    }


@dataclass(frozen=True)
class Summary:
    """What the dashboard shows of a period."""

    days: list[date]
    scans_per_day: list[int]
    visitors_per_day: list[int]
    kinds: dict[str, int]  # totals per kind, every kind present
    per_batch: list[tuple[str, str, int]]  # (gtin, lot, scans), most first
    per_locale: list[tuple[str, int]]
    per_device: list[tuple[str, int]]


def summarise(
    counts: list[CountRow],
    visitors: list[VisitorRow],
    period: Period,
    kinds: tuple[str, ...],
) -> Summary:
    """Fold count rows into the dashboard's series (scans = page views of kind "scan")."""
    per_day: Counter[date] = Counter()
    per_kind: Counter[str] = Counter()
    per_batch: Counter[tuple[str, str]] = Counter()
    per_locale: Counter[str] = Counter()
    per_device: Counter[str] = Counter()
    for day, gtin, lot, locale, device, kind, n in counts:
        per_kind[kind] += n
        if kind != "scan":
            continue
        per_day[day] += n
        per_batch[(gtin, lot)] += n
        per_locale[locale] += n
        per_device[device] += n
    brand_visitors = {day: n for day, gtin, lot, n in visitors if not gtin and not lot}
    days = period.days
    return Summary(
        days=days,
        scans_per_day=[per_day[d] for d in days],
        visitors_per_day=[brand_visitors.get(d, 0) for d in days],
        kinds={kind: per_kind[kind] for kind in kinds},
        per_batch=[(g, lot, n) for (g, lot), n in _ranked(per_batch)],
        per_locale=_ranked(per_locale),
        per_device=_ranked(per_device),
    )


def _ranked(counter: Counter[K]) -> list[tuple[K, int]]:
    """Return (key, count) pairs, largest first, ties by key."""
    return sorted(counter.items(), key=lambda item: (-item[1], str(item[0])))
