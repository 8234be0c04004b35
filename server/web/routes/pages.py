"""Evidence pages: one per check of a batch, with method, parameters, rows and sources."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, render_template, url_for
from flask_babel import gettext as _

from server.adapters.db import db
from server.core.disclosure.redaction import scrub
from server.core.gs1.digital_link import batch_path
from server.core.theme import public_theme
from server.services.build_outputs import batch_outputs
from server.services.catalog import batch_at, sites_of
from server.services.evidence_records import evidence_used
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
    batch = batch_at(db.session, gtin, lot)
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
    evidence = [
        {
            "id": used.key,
            "record": used.record,
            # The record row is the full data: its issuer may name a withheld supplier.
            "issuer": scrub(used.record.issuer, withheld) if used.record else None,
            "href": url_for("blobs.blob", sha256=used.public_document)
            if used.public_document
            else None,
            "private": used.private,
        }
        for used in evidence_used(db.session, brand.id, found.get("evidence", []))
    ]
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
