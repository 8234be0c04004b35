"""The batch page and the product page: gather what they show and render them."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from flask import Response, current_app, render_template, url_for
from flask_babel import format_date, format_decimal, format_percent, get_locale, ngettext
from flask_babel import gettext as _
from markupsafe import Markup

from server.adapters.blobs import blob_store
from server.adapters.db import db
from server.adapters.models import Batch, Brand, Product, Site, StoryVersion
from server.core.checks_text import (
    CHAPTER_FALLBACK_TITLES,
    CHECK_GROUPS,
    CHECK_NAMES,
    CHECK_QUESTIONS,
    FIGURE_MEANINGS,
    KIND_NAMES,
    STATUS_NAMES,
)
from server.core.data_uri import svg_data_uri
from server.core.disclosure.policy import CELL_KM, DisclosurePolicy, policy_of
from server.core.disclosure.redaction import SiteInfo, public_names, scrub, withheld_names
from server.core.evidence.verdict import findings, verdict
from server.core.gs1.digital_link import batch_path
from server.core.markdown_text import markdown_to_html
from server.core.theme import public_theme
from server.services.build_outputs import BatchOutputs, batch_outputs, json_blob
from server.services.builds import published_story
from server.services.catalog import sites_of
from server.services.story_versions import chapter_layout
from server.web.assets import bundle_url
from server.web.batch_links import batch_uri
from server.web.capture_view import capture_views
from server.web.findings_text import sentence_text
from server.web.routes.locales import locale_context


def figure(value: float | None, unit: str | None, withheld: bool = False) -> str:
    """Return a check's value formatted for the page's locale ("unknown" when missing)."""
    if withheld:
        return _("not shown (the brand's disclosure policy)")
    if value is None:
        return _("not known")
    if unit == "ratio":
        return str(format_percent(value, format="#,##0.#%"))
    text = str(format_decimal(value, format="#,##0.##"))
    return f"{text} {unit}" if unit else text


def band(uncertainty: list[float] | None, unit: str | None) -> str | None:
    """Return a check's uncertainty band as "low – high" in the page's locale, if it has one."""
    if not uncertainty:
        return None
    low, high = uncertainty
    if unit == "ratio":
        return f"{figure(low, unit)} – {figure(high, unit)}"
    return f"{figure(low, None)} – {figure(high, unit)}"  # the unit once, after the range


def _flagged(check: dict[str, Any], names: dict[str, str]) -> list[dict[str, str]]:
    """Return a check's flagged rows with what each lacks (never hidden; at most 5 + a count).

    The reason is the report's own (English) text: the page marks it ``lang="en"``.
    """
    found = []
    for row in check.get("details", []):
        if row.get("status") not in ("warn", "fail", "unknown") and "unknown" not in row:
            continue
        farm = row.get("farm")
        place = names.get(farm, farm) if farm else None
        label = ", ".join(p for p in (place, row.get("plot") or row.get("record")) if p)
        status = _(STATUS_NAMES.get(row.get("status", "unknown"), STATUS_NAMES["unknown"]))
        found.append(
            {"label": f"{status}: {label}" if label else status, "reason": row.get("reason") or ""}
        )
    if len(found) > 5:
        found = [*found[:5], {"label": _("… and %(num)d more", num=len(found) - 5), "reason": ""}]
    return found


def farm_places(sites: dict[str, Site]) -> dict[str, str]:
    """Return {farm key: country code}: the place the verdict names (every policy shows it)."""
    return {s.key: s.country for s in sites.values() if s.kind == "farm" and s.country}


def check_view(
    check: dict[str, Any],
    batch: Batch,
    names: dict[str, str] | None = None,
    places: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Return what the page shows of one check: name, status, findings in words, figure, link."""
    key = check["key"]
    status = check.get("status", "unknown")
    if places is None and key == "known_origin_share":  # the check page: name the places too
        places = farm_places({s.key: s for s in sites_of(db.session, batch.product.brand.id)})
    shown = figure(check.get("value"), check.get("unit"), bool(check.get("withheld")))
    meaning = FIGURE_MEANINGS.get(key)
    known = check.get("value") is not None and not check.get("withheld")
    return {
        "flagged": _flagged(check, names or {}),
        "sentences": [sentence_text(s) for s in findings(check, places)],
        "key": key,
        "name": _(CHECK_NAMES[key]) if key in CHECK_NAMES else key,
        "question": _(CHECK_QUESTIONS[key]) if key in CHECK_QUESTIONS else "",
        "status": status,
        "status_name": _(STATUS_NAMES.get(status, STATUS_NAMES["unknown"])),
        "figure": shown,
        # The report's own value, for `originxr verify` to match the figure against.
        "report_value": json.dumps(check.get("value")),
        "meaning": _(meaning, figure=shown) if meaning and known else shown,
        "band": band(check.get("uncertainty"), check.get("unit")),
        "href": url_for("pages.check", gtin=batch.product.gtin, lot=batch.lot, key=key),
    }


def check_groups(checks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return the check views grouped (people, land, traceability, climate; then the rest)."""
    by_key = {c["key"]: c for c in checks}
    groups = [
        {"key": key, "name": _(name), "checks": [by_key[k] for k in keys if k in by_key]}
        for key, (name, keys) in CHECK_GROUPS.items()
    ]
    grouped = {k for _name, keys in CHECK_GROUPS.values() for k in keys}
    rest = [c for c in checks if c["key"] not in grouped]
    if rest:
        groups.append({"key": "other", "name": _("Other checks"), "checks": rest})
    return [g for g in groups if g["checks"]]


def verdict_view(report: dict[str, Any], places: dict[str, str]) -> list[dict[str, str]]:
    """Return the verdict's sentences in the page's language, each with its link and tone."""
    return [
        {
            "text": sentence_text(s),
            "tone": s.tone,
            "href": f"#check-{s.check}" if s.check else "#evidence",
            "name": _(CHECK_NAMES[s.check]) if s.check in CHECK_NAMES else _("all checks"),
        }
        for s in verdict(report, places)
    ]


def tally(checks: list[dict[str, Any]]) -> str:
    """Return how many checks have each status, e.g. "7 OK, 1 warning, 1 unknown"."""
    counts = {
        s: sum(1 for c in checks if c["status"] == s) for s in ("ok", "fail", "warn", "unknown")
    }
    words = {
        "ok": lambda n: ngettext("%(num)d OK", "%(num)d OK", n),
        "fail": lambda n: ngettext("%(num)d problem", "%(num)d problems", n),
        "warn": lambda n: ngettext("%(num)d warning", "%(num)d warnings", n),
        "unknown": lambda n: ngettext("%(num)d unknown", "%(num)d unknown", n),
    }
    return ", ".join(str(words[s](n)) for s, n in counts.items() if n)


def _dates(steps: list[dict[str, Any]]) -> tuple[str, str] | None:
    times = sorted(str(s["time"]) for s in steps if s.get("time"))
    if not times:
        return None
    first, last = (datetime.fromisoformat(t) for t in (times[0], times[-1]))
    return str(format_date(first, "medium")), str(format_date(last, "medium"))


def public_site_view(
    brand: Brand, sites: dict[str, Site]
) -> tuple[DisclosurePolicy, dict[str, str], dict[str, str]]:
    """Return the brand's policy, {key: public name} and {withheld name: key} of `sites`."""
    policy = policy_of(brand.settings)
    infos = [SiteInfo(s.key, s.kind, s.name) for s in sites.values()]
    return policy, public_names(infos, policy), withheld_names(infos, policy)


def disclosure_notes(policy: DisclosurePolicy) -> list[str]:
    """Return what the page tells shoppers the brand's disclosure policy holds back."""
    if policy.location in CELL_KM:
        notes = [
            _(
                "Places are shown to about %(km)s km; farms by their reference, never by name.",
                km=f"{CELL_KM[policy.location]:g}",
            )
        ]
    elif policy.location == "country":
        notes = [_("Places are shown by country only; farms by their reference, never by name.")]
    else:
        notes = [_("Farms are shown by their reference, never by name.")]
    if not policy.show_prices:
        notes.append(_("Prices paid to farmers are not shown; the result of the price check is."))
    return notes


def _place(site: Site, policy: DisclosurePolicy) -> str:
    parts = (site.country,) if policy.location == "country" else (site.region, site.country)
    return ", ".join(p for p in parts if p)


def _chapters(
    batch: Batch,
    outputs: BatchOutputs,
    locale: str,
    sites: dict[str, Site],
    story: StoryVersion | None,
) -> list[dict[str, Any]]:
    brand = batch.product.brand
    texts = story.chapters if story else {}
    text_for = texts.get(locale) or texts.get(brand.default_locale) or {}
    report = outputs.report or {}
    journey = report.get("trace", {}).get("journey", [])
    checks = {c["key"]: c for c in report.get("checks", [])}
    policy, names, withheld = public_site_view(brand, sites)
    chapters = []
    for cfg in chapter_layout(brand, story):
        kinds = set(cfg.get("site_kinds", []))
        steps = [s for s in journey if s.get("site") in sites and sites[s["site"]].kind in kinds]
        seen: dict[str, Any] = {}
        for step in steps:
            seen.setdefault(step["site"], sites[step["site"]])
        text = scrub(text_for.get(cfg["key"], {}), withheld)
        fallback = CHAPTER_FALLBACK_TITLES.get(cfg["key"])
        chapters.append(
            {
                "key": cfg["key"],
                "title": text.get("title") or (_(fallback) if fallback else cfg["key"]),
                "body": Markup(markdown_to_html(text.get("body", ""))),
                "sites": [
                    {
                        "name": names[s.key],
                        "kind": _(KIND_NAMES.get(s.kind, s.kind)),
                        "place": _place(s, policy),
                    }
                    for s in seen.values()
                ],
                "site_count": len(seen),
                "dates": _dates(steps),
                "checks": [
                    check_view(checks[k], batch, names)
                    for k in cfg.get("checks", [])
                    if k in checks
                ],
            }
        )
    return chapters


# A poster above this (a batch of hundreds of plots) is linked, not carried: the page
# stays within its 14 KB gzip budget (the demo poster is 11.9 KB raw, 3.4 KB gzip).
POSTER_CARRIED_MAX = 16_000


def _poster_src(sha256: str) -> str:
    """Return the poster <img>'s src: the SVG itself when small, else its blob URL."""
    store = blob_store()
    if store.size(sha256) > POSTER_CARRIED_MAX:  # not read at all: linked as before
        return url_for("blobs.blob", sha256=sha256)
    return svg_data_uri(store.get(sha256).decode("utf-8"))


def render_batch_page(batch: Batch, draft: StoryVersion | None = None) -> Response:
    """Render the batch's story page with whatever builds are ready, and progress for the rest.

    With `draft`, render a preview of that unpublished story: marked as such, not indexed
    and not cached.
    """
    outputs = batch_outputs(batch)
    locale = str(get_locale() or "en")
    brand = batch.product.brand
    product = batch.product
    product_name = (
        product.name.get(locale) or product.name.get(brand.default_locale) or product.gtin
    )
    report = outputs.report or {}
    sites = {site.key: site for site in sites_of(db.session, brand.id)}
    policy, names, _withheld = public_site_view(brand, sites)
    places = farm_places(sites)
    checks = [check_view(c, batch, names, places) for c in report.get("checks", [])]
    scene = outputs.scene or {}
    poster = scene.get(f"poster:{locale}") or scene.get(f"poster:{brand.default_locale}")
    context = {
        "brand": brand,
        "theme": public_theme(brand.settings),
        "tagline": ((brand.settings or {}).get("tagline") or {}).get(locale, ""),
        "product_name": product_name,
        "batch": batch,
        "produced_on": format_date(batch.produced_on, "long") if batch.produced_on else None,
        "best_before": format_date(batch.best_before, "long") if batch.best_before else None,
        "uri": batch_uri(batch),
        "batch_path": batch_path(product.gtin, batch.lot),
        "scan_path": batch_path(product.gtin, batch.lot),
        "chapters": _chapters(
            batch, outputs, locale, sites, draft or published_story(db.session, brand.id)
        ),
        "preview": draft is not None,
        "checks": checks,
        "check_groups": check_groups(checks),
        "verdict": verdict_view(report, places),
        "tally": tally(checks),
        "failing": [c for c in checks if c["status"] in ("fail", "warn", "unknown")],
        "outputs": outputs,
        # the poster is carried in the page (it paints with the first paint) and links to
        # its blob, the evidence it is
        "poster_url": url_for("blobs.blob", sha256=poster) if poster else None,
        "poster_src": _poster_src(poster) if poster else None,
        "scene_manifest_url": url_for("blobs.blob", sha256=scene["manifest"])
        if scene.get("manifest")
        else None,
        "scene_glb_url": url_for("blobs.blob", sha256=scene["glb"]) if scene.get("glb") else None,
        "report_url": url_for("api.evidence_report", gtin=product.gtin, lot=batch.lot),
        "disclosure_notes": disclosure_notes(policy),
        "captures": capture_views(json_blob(scene["manifest"]) if scene.get("manifest") else None),
        "progress_url": url_for("progress.batch_progress", batch_id=batch.id),
        "boot_js": bundle_url(current_app._get_current_object(), "boot"),  # type: ignore[attr-defined]
        "xr_css": url_for("static", filename="css/xr.css"),
        **locale_context(),
    }
    response = Response(render_template("batch.html", **context), mimetype="text/html")
    if draft is not None:
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Robots-Tag"] = "noindex, nofollow"
    elif outputs.building:
        response.headers["Cache-Control"] = "no-cache"
    else:
        seconds = int(current_app.config["PAGE_CACHE_SECONDS"])
        response.headers["Cache-Control"] = (
            f"public, max-age={seconds}, stale-while-revalidate={seconds * 2}"
        )
    return response


def render_product_page(product: Product) -> Response:
    """Render a product-level page: the product and links to its batches."""
    locale = str(get_locale() or "en")
    brand = product.brand
    name = product.name.get(locale) or product.name.get(brand.default_locale) or product.gtin
    batches = [(b, batch_path(product.gtin, b.lot)) for b in product.batches]
    html = render_template(
        "product.html",
        brand=brand,
        product=product,
        product_name=name,
        batches=batches,
        scan_path=f"/01/{product.gtin}",
        theme=public_theme(brand.settings),
        **locale_context(),
    )
    response = Response(html, mimetype="text/html")
    response.headers["Cache-Control"] = "public"  # the page cache sets the figures
    return response
