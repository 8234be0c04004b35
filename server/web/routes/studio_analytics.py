"""Studio: scan analytics — charts of a period's counts (inline SVG) and a CSV export.

Viewers and editors of a brand may see them; other brands answer 404. The counts are
what the aggregation worker has written; scans of the last seconds may still wait in
Redis, and the page says how many.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlencode

from babel.dates import format_skeleton
from flask import Response, abort, render_template, request, url_for
from flask_babel import format_number, get_locale
from flask_babel import gettext as _
from redis import RedisError

from server.adapters.db import db
from server.core.errors import N_
from server.core.locales import LANGUAGE_NAMES
from server.core.scans.records import BUFFER_KEY, KINDS
from server.core.svg_charts import Chart, columns, rows
from server.services.analytics import (
    Period,
    PeriodError,
    Summary,
    load_counts,
    load_visitors,
    parse_period,
    product_names,
    summarise,
)
from server.services.scan_recorder import recorder
from server.services.scans_csv import scans_csv
from server.web.error_messages import translated
from server.web.studio import brand_access, login_required, studio_blueprint, studio_context

bp = studio_blueprint("studio_analytics", __name__)

KIND_LABELS = {
    "scan": N_("Scans"),
    "3d": N_("3D entries"),
    "xr": N_("VR entries"),
    "ar": N_("AR entries"),
    "tour_complete": N_("Tours completed"),
}
DEVICE_LABELS = {
    "phone": N_("Phone"),
    "tablet": N_("Tablet"),
    "desktop": N_("Computer"),
    "headset": N_("XR headset"),
}
LABEL_CHARS = 28


def _today() -> date:
    return datetime.now(UTC).date()


def _short(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "…"


def _day_label(day: date) -> str:
    return str(format_skeleton("MMMd", day, locale=str(get_locale() or "en")))


def _figure(
    key: str, title: str, chart: Chart, headers: tuple[str, str], labels: list[str]
) -> dict[str, Any]:
    """Return one chart's view: title, description for screen readers, table alternative."""
    total = sum(bar.value for bar in chart.bars)
    if chart.empty:
        desc = _("Nothing was counted in this period.")
    else:
        best = max(chart.bars, key=lambda bar: bar.value)
        desc = _(
            "Total %(total)s. Highest: %(label)s with %(num)s.",
            total=format_number(total),
            label=best.label,
            num=format_number(best.value),
        )
    return {
        "id": f"chart-{key}",
        "title": title,
        "desc": desc,
        "chart": chart,
        "headers": headers,
        "rows": [(label, bar.value) for label, bar in zip(labels, chart.bars, strict=True)],
        "every": max(1, -(-len(chart.bars) // 6)),  # label about six columns of a long series
    }


def _batch_label(gtin: str, lot: str, names: dict[str, str]) -> str:
    # the lot first: a chart's label is cut short, and it is what tells batches apart
    name = names.get(gtin, gtin)
    return f"{lot} · {name}" if lot else _("Product page · %(name)s", name=name)


def _figures(summary: Summary, names: dict[str, str]) -> list[dict[str, Any]]:
    """Return the dashboard's six charts with their table alternatives."""
    days = [_day_label(d) for d in summary.days]
    batches = [_batch_label(gtin, lot, names) for gtin, lot, _n in summary.per_batch]
    locales = [LANGUAGE_NAMES.get(code, code) for code, _n in summary.per_locale]
    devices = [_(DEVICE_LABELS[d]) if d in DEVICE_LABELS else d for d, _n in summary.per_device]
    kinds = [_(KIND_LABELS[k]) for k in summary.kinds]
    scans_h = _("Scans")

    def values(pairs: list[tuple[Any, int]]) -> list[int]:
        return [n for _key, n in pairs]

    specs = [
        ("days", _("Scans per day"), columns, days, summary.scans_per_day, _("Day"), scans_h),
        (
            "visitors",
            _("Unique visitors per day"),
            columns,
            days,
            summary.visitors_per_day,
            _("Day"),
            _("Unique visitors"),
        ),
        (
            "entries",
            _("From scan to 3D, VR, AR and the completed tour"),
            rows,
            kinds,
            list(summary.kinds.values()),
            _("Step"),
            _("Count"),
        ),
        (
            "batches",
            _("Scans per batch"),
            rows,
            batches,
            [n for _g, _l, n in summary.per_batch],
            _("Batch"),
            scans_h,
        ),
        (
            "locales",
            _("Scans per language"),
            rows,
            locales,
            values(summary.per_locale),
            _("Language"),
            scans_h,
        ),
        (
            "devices",
            _("Scans per device"),
            rows,
            devices,
            values(summary.per_device),
            _("Device"),
            scans_h,
        ),
    ]
    figures = []
    for key, title, shape, labels, numbers, label_h, value_h in specs:
        short = [_short(label) for label in labels]
        chart = shape(list(zip(short, numbers, strict=True)))
        figures.append(_figure(key, title, chart, (label_h, value_h), labels))
    return figures


def _period() -> tuple[Period, PeriodError | None]:
    try:
        return parse_period(request.args.get("from"), request.args.get("to"), _today()), None
    except PeriodError as exc:
        return parse_period(None, None, _today()), exc


def _waiting() -> int | None:
    """Return how many records wait for the worker, or None when Redis does not answer."""
    try:
        return int(recorder().redis.llen(BUFFER_KEY))
    except RedisError:
        return None  # the page shows the stored counts all the same


@bp.get("/<slug>/analytics")
@login_required
def dashboard(slug: str) -> Response:
    """Charts of the period's scans, 3D/XR entries, completed tours and unique visitors."""
    access = brand_access(slug)
    brand = access.brand
    period, error = _period()
    counts = load_counts(db.session, brand.id, period)
    visitors = load_visitors(db.session, brand.id, period)
    summary = summarise(counts, visitors, period, KINDS)
    names = product_names(db.session, brand.id, str(get_locale() or "en"), brand.default_locale)
    span = {"from": period.start.isoformat(), "to": period.end.isoformat()}
    html = render_template(
        "studio/analytics.html",
        period=period,
        summary=summary,
        figures=_figures(summary, names),
        kind_labels=KIND_LABELS,
        error={"field": error.field, "message": translated(error)} if error else None,
        raw={key: request.args.get(key, value) for key, value in span.items()},
        csv_url=url_for("studio_analytics.export", slug=brand.slug) + "?" + urlencode(span),
        waiting=_waiting(),
        number=format_number,
        **studio_context(),
    )
    return Response(html, status=400 if error else 200)


@bp.get("/<slug>/analytics.csv")
@login_required
def export(slug: str) -> Response:
    """The period's counts as CSV (UTF-8, formula-safe cells)."""
    access = brand_access(slug)
    brand = access.brand
    period, error = _period()
    if error:
        abort(400, translated(error))
    names = product_names(db.session, brand.id, brand.default_locale, brand.default_locale)
    body = scans_csv(
        load_counts(db.session, brand.id, period),
        load_visitors(db.session, brand.id, period),
        names,
    )
    filename = f"scans-{brand.slug}-{period.start.isoformat()}-{period.end.isoformat()}.csv"
    response = Response(body, mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
