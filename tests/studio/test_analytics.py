"""The Scans dashboard and CSV export: what the tests' scans add up to, and who may see it."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask

from server.adapters.db import db
from server.adapters.models import Product, ScanCount
from tests.conftest import work_queue
from tests.studio.conftest import OTHER_GTIN, StudioClient, make_user

FLAGGED = "/01/09520123100025/10/NK25-0227"
PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) Mobile/15E148 Safari/604.1"
TABLET = "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) Mobile/15E148 Safari/604.1"


def _scan(
    app: Flask, path: str, ua: str = PHONE, ip: str = "198.51.100.1", lang: str = "en"
) -> None:
    headers = {"User-Agent": ua, "Accept-Language": lang}
    response = app.test_client().get(path, headers=headers, environ_base={"REMOTE_ADDR": ip})
    assert response.status_code == 200


def _event(app: Flask, kind: str, ua: str = PHONE, ip: str = "198.51.100.1") -> None:
    response = app.test_client().post(
        "/api/scan-events",
        data={"uri": FLAGGED, "kind": kind},
        headers={"User-Agent": ua},
        environ_base={"REMOTE_ADDR": ip},
    )
    assert response.status_code == 204


def _table(html: str, chart: str) -> dict[str, str]:
    """Return the label → value pairs of one chart's table alternative."""
    section = html.split(f'id="chart-{chart}-h"', 1)[1].split("</figure>", 1)[0]
    pairs = re.findall(r'<th scope="row">([^<]*)</th><td class="num">([^<]*)</td>', section)
    return dict(pairs)


@pytest.fixture
def scanned(studio_app: Flask) -> Flask:
    """Three scans of the flagged batch (two visitors, en and de), a 3D entry, a VR entry, a
    completed tour, a rival scan, all aggregated by a real worker."""
    _scan(studio_app, FLAGGED)
    _scan(studio_app, FLAGGED)
    _scan(studio_app, FLAGGED, TABLET, "198.51.100.2", "de")
    _event(studio_app, "3d")
    _event(studio_app, "xr", TABLET, "198.51.100.2")
    _event(studio_app, "tour_complete")
    _scan(studio_app, f"/01/{OTHER_GTIN}/10/RV-1")
    work_queue(studio_app, ("default",))
    return studio_app


def test_the_dashboard_shows_the_scans_made_in_the_test(
    scanned: Flask, studio: StudioClient
) -> None:
    response = studio.get("/studio/nkabom/analytics")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    today = datetime.now(UTC).date()
    assert "<dt>Scans</dt><dd>3</dd>" in html
    assert "<dt>3D entries</dt><dd>1</dd>" in html
    assert "<dt>VR entries</dt><dd>1</dd>" in html
    assert "<dt>Tours completed</dt><dd>1</dd>" in html
    days = _table(html, "days")
    assert len(days) == 30 and sum(int(v) for v in days.values()) == 3
    assert list(days.values())[-1] == "3"  # today is the last day of the default range
    assert _table(html, "visitors")[list(days)[-1]] == "2"
    entries = _table(html, "entries")
    assert entries == {
        "Scans": "3",
        "3D entries": "1",
        "VR entries": "1",
        "AR entries": "0",
        "Tours completed": "1",
    }
    batches = _table(html, "batches")
    assert list(batches.values()) == ["3"] and "NK25-0227" in next(iter(batches))
    assert _table(html, "locales") == {"English": "2", "Deutsch": "1"}
    assert _table(html, "devices") == {"Phone": "2", "Tablet": "1"}
    # the charts are drawn, titled and described for screen readers
    assert html.count('role="img"') == 6
    assert 'aria-labelledby="chart-days-t chart-days-d"' in html
    assert '<desc id="chart-days-d">Total 3.' in html
    assert "RV-1" not in html and "Rival" not in html
    assert today.isoformat() in html  # the period form shows the default range


def test_a_viewer_may_see_the_dashboard(scanned: Flask) -> None:
    viewer = StudioClient(scanned.test_client())
    viewer.login("viewer@nkabom.example")
    response = viewer.get("/studio/nkabom/analytics")
    assert response.status_code == 200
    assert "<dt>Scans</dt><dd>3</dd>" in response.get_data(as_text=True)
    assert viewer.get("/studio/nkabom/analytics.csv").status_code == 200


def test_the_dashboard_is_translated(scanned: Flask, studio: StudioClient) -> None:
    html = studio.get("/studio/nkabom/analytics?lang=de").get_data(as_text=True)
    assert "Scans pro Tag" in html and "Als CSV herunterladen" in html


def test_a_period_without_the_scans_shows_none(scanned: Flask, studio: StudioClient) -> None:
    response = studio.get("/studio/nkabom/analytics?from=2020-01-01&to=2020-01-31")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<dt>Scans</dt><dd>0</dd>" in html
    assert len(_table(html, "days")) == 31
    assert 'role="img"' not in html  # nothing to draw: the charts say so instead


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2026-13-01", "from"),
        ("to=yesterday", "to"),
        ("from=2026-05-02&to=2026-05-01", "from"),
        ("from=2020-01-01&to=2026-01-01", "from"),
    ],
)
def test_a_bad_period_is_explained(studio: StudioClient, query: str, field: str) -> None:
    response = studio.get(f"/studio/nkabom/analytics?{query}")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'role="alert" id="period-error"' in html
    assert re.search(rf'id="{field}"[^>]*aria-invalid="true" aria-describedby="period-error"', html)
    assert studio.get(f"/studio/nkabom/analytics.csv?{query}").status_code == 400


def test_the_csv_holds_every_count_and_visitor_total(scanned: Flask, studio: StudioClient) -> None:
    response = studio.get("/studio/nkabom/analytics.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="scans-nkabom-')
    assert response.headers["Cache-Control"] == "no-store"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    today = datetime.now(UTC).date().isoformat()
    events = {
        (r["lot"], r["locale"], r["device_class"], r["event"]): int(r["value"])
        for r in rows
        if r["metric"] == "events"
    }
    assert events == {
        ("NK25-0227", "en", "phone", "scan"): 2,
        ("NK25-0227", "de", "tablet", "scan"): 1,
        ("NK25-0227", "en", "phone", "3d"): 1,
        ("NK25-0227", "en", "tablet", "xr"): 1,
        ("NK25-0227", "en", "phone", "tour_complete"): 1,
    }
    assert {r["date"] for r in rows} == {today}
    visitors = {(r["gtin"], r["lot"]): r["value"] for r in rows if r["metric"] == "unique_visitors"}
    assert visitors == {("09520123100025", "NK25-0227"): "2", ("", ""): "2"}
    assert all(r["gtin"] != OTHER_GTIN for r in rows)


def test_csv_cells_cannot_run_as_formulas(studio_app: Flask, studio: StudioClient) -> None:
    with studio_app.app_context(), db.transaction() as session:
        product = session.query(Product).filter_by(gtin="09520123100025").one()
        product.name = {"en": '=HYPERLINK("https://evil.example","click")'}
        brand_id = product.brand_id
        session.add(
            ScanCount(
                brand_id=brand_id,
                day=datetime.now(UTC).date() - timedelta(days=1),
                gtin="09520123100025",
                lot="-2+3",
                locale="en",
                device_class="phone",
                kind="scan",
                count=4,
            )
        )
    text = studio.get("/studio/nkabom/analytics.csv").get_data(as_text=True)
    row = next(csv.DictReader(io.StringIO(text)))
    assert row["product"] == '\'=HYPERLINK("https://evil.example","click")'
    assert row["lot"] == "'-2+3"
    assert row["value"] == "4"


def test_other_brands_analytics_are_not_found(scanned: Flask, studio: StudioClient) -> None:
    for path in ("/studio/rival/analytics", "/studio/rival/analytics.csv"):
        response = studio.get(path)
        assert response.status_code == 404
        assert "RV-1" not in response.get_data(as_text=True)


def test_the_rival_sees_only_its_own_scan(scanned: Flask) -> None:
    rival = StudioClient(scanned.test_client())
    rival.login("editor@rival.example")
    html = rival.get("/studio/rival/analytics").get_data(as_text=True)
    assert "<dt>Scans</dt><dd>1</dd>" in html and "NK25-0227" not in html
    assert rival.get("/studio/nkabom/analytics").status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(anonymous: StudioClient) -> None:
    for path in ("/studio/nkabom/analytics", "/studio/nkabom/analytics.csv"):
        response = anonymous.get(path)
        assert response.status_code == 302
        assert "/studio/login" in response.headers["Location"]


def test_a_user_without_a_role_gets_404(studio_app: Flask) -> None:
    make_user(studio_app, "nobody@example.org")
    client = StudioClient(studio_app.test_client())
    client.login("nobody@example.org")
    assert client.get("/studio/nkabom/analytics").status_code == 404


def test_scans_not_yet_counted_are_announced(studio_app: Flask, studio: StudioClient) -> None:
    _scan(studio_app, FLAGGED)
    _scan(studio_app, FLAGGED, TABLET, "198.51.100.2")
    html = studio.get("/studio/nkabom/analytics").get_data(as_text=True)
    assert "2 recent records are still being counted." in html
    assert "<dt>Scans</dt><dd>0</dd>" in html
    work_queue(studio_app, ("default",))
    html = studio.get("/studio/nkabom/analytics").get_data(as_text=True)
    assert "still being counted" not in html and "<dt>Scans</dt><dd>2</dd>" in html
