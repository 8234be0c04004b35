"""Evidence pages: one per check of a batch, with method, parameters, rows and sources."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from server.adapters.db import db
from server.adapters.models import EvidenceRecord
from server.core.disclosure.redaction import scrub
from server.core.gs1.digital_link import batch_path
from server.core.theme import public_theme
from server.services.build_outputs import batch_outputs
from server.services.catalog import sites_of
from server.services.household_documents import is_household_record
from server.web.routes.api import _batch
from server.web.routes.batch_page import check_view, disclosure_notes, public_site_view
from server.web.routes.locales import locale_context, offer_locales

bp = Blueprint("pages", __name__)


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}".rstrip("0").rstrip(".")
    if isinstance(value, list | tuple):
        return ", ".join(_cell(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_cell(v)}" for k, v in value.items())
    return "" if value is None else str(value)


@bp.get("/batches/<gtin>/<lot>/checks/<key>")
def check(gtin: str, lot: str, key: str) -> Response:
    """Show how one check of a batch was computed and from which evidence."""
    batch = _batch(gtin, lot)
    brand = batch.product.brand
    offer_locales(brand.locales or [brand.default_locale], brand.default_locale)
    outputs = batch_outputs(batch)
    report = outputs.report or {}
    found = next((c for c in report.get("checks", []) if c["key"] == key), None)
    if found is None:
        abort(404, _("This batch has no check named %(key)s (yet).", key=key))
    sites = {site.key: site for site in sites_of(db.session, brand.id)}
    policy, names, withheld = public_site_view(brand, sites)
    rows = [dict(r) for r in found.get("details", [])]
    for row in rows:
        farm = row.get("farm")
        if farm in names and names[farm] != farm:
            row["farm"] = f"{names[farm]} ({farm})"
    # Scalar columns only: lists (event ids, plot rows) are listed under "Evidence used".
    columns: list[str] = []
    for row in rows:
        columns.extend(
            k for k, v in row.items() if k not in columns and not isinstance(v, list | dict)
        )
    records = {
        r.key: r
        for r in db.session.scalars(
            select(EvidenceRecord).where(
                EvidenceRecord.brand_id == brand.id,
                EvidenceRecord.key.in_(list(found.get("evidence", []))),
            )
        )
    }
    evidence = []
    for ev in found.get("evidence", []):
        record = records.get(ev)
        href, private = None, False
        if record is not None and record.document_sha256:
            private = is_household_record(db.session, record)
            if not private:
                href = url_for("blobs.blob", sha256=record.document_sha256)
        evidence.append(
            {
                "id": ev,
                "record": record,
                # The record row is the full data: its issuer may name a withheld supplier.
                "issuer": scrub(record.issuer, withheld) if record else None,
                "href": href,
                "private": private,
            }
        )
    html = render_template(
        "check.html",
        brand=brand,
        theme=public_theme(brand.settings),
        batch=batch,
        batch_href=batch_path(batch.product.gtin, batch.lot),
        check=check_view(found, batch),
        raw=found,
        columns=columns,
        rows=[[_cell(r.get(c)) for c in columns] for r in rows],
        parameters=[(k, _cell(v)) for k, v in sorted(found.get("parameters", {}).items())],
        evidence=evidence,
        disclosure_notes=disclosure_notes(policy),
        **locale_context(),
    )
    return Response(html, mimetype="text/html")
