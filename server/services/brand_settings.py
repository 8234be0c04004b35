"""A brand's studio settings — disclosure policy, QR code options, theme — each saved in its
own transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from server.adapters.blobs import blob_store, store_blob
from server.adapters.broker import broker
from server.adapters.models import Brand
from server.core.disclosure.policy import DisclosurePolicy
from server.core.qr_codes import QrOptions
from server.core.theme_files import Logo
from server.services import page_revisions
from server.services.brand_changes import request_rebuild


def _commit_settings(session: Session, brand: Brand, settings: dict[str, Any]) -> None:
    # A new dict: the JSON column only notices reassignment.
    brand.settings = settings
    session.commit()


def save_disclosure(session: Session, brand: Brand, policy: DisclosurePolicy) -> None:
    """Store the brand's disclosure policy, then ask for its outputs to be rebuilt under it."""
    _commit_settings(session, brand, {**(brand.settings or {}), "disclosure": policy.to_json()})
    request_rebuild(brand.id)  # one worker job enqueues every batch's builds


def save_qr_settings(
    session: Session, brand: Brand, options: QrOptions, base_url: str | None
) -> None:
    """Store the brand's code options and its own public base URL (None: the server's)."""
    settings = {k: v for k, v in (brand.settings or {}).items() if k != "public_base_url"}
    settings["qr"] = options.as_settings()
    if base_url is not None:
        settings["public_base_url"] = base_url
    _commit_settings(session, brand, settings)
    page_revisions.brand_changed(broker.redis, brand.id)  # the pages' links name the base URL


def save_theme(
    session: Session,
    brand: Brand,
    colours: dict[str, str],
    *,
    logo: Logo | None,
    font: bytes | None,
    remove_logo: bool,
    remove_font: bool,
) -> None:
    """Store the brand's colours and its logo and font (a new one, removed, or kept)."""
    theme: dict[str, Any] = dict((brand.settings or {}).get("theme") or {})
    theme.update(colours)
    store = blob_store()
    if logo is not None:
        sha = store_blob(session, store, logo.data, logo.media_type)
        theme["logo"] = {"sha256": sha, "media_type": logo.media_type,
                         "width": logo.width, "height": logo.height}  # fmt: skip
    elif remove_logo:
        theme.pop("logo", None)
    if font is not None:
        theme["font"] = {"sha256": store_blob(session, store, font, "font/woff2")}
    elif remove_font:
        theme.pop("font", None)
    _commit_settings(session, brand, {**(brand.settings or {}), "theme": theme})
    page_revisions.brand_changed(broker.redis, brand.id)  # no build: the pages change now
