"""Who captured each reality snapshot, when and with what, in the shopper's language.

Read from the signed scene manifest (`snapshots[].capture`), so the page says exactly
what `originxr verify` checks; a capture without trusted credentials says so plainly.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import format_date
from flask_babel import gettext as _


def _date(stamp: Any) -> str | None:
    try:
        return str(format_date(datetime.fromisoformat(str(stamp)), "long")) if stamp else None
    except ValueError:
        return None


def capture_views(manifest: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Return, per snapshot of the manifest, its place and sentences about its capture."""
    if not manifest:
        return []
    names = {s.get("id"): s.get("name") or s.get("id") for s in manifest.get("sites") or []}
    views = []
    for snapshot in manifest.get("snapshots") or []:
        credit = snapshot.get("capture") or {"state": "none"}
        state = credit.get("state")
        signer = credit.get("signer") or _("an unnamed signer")
        lines: list[str] = []
        if state == "verified":
            lines.append(
                _(
                    "Verified: signed by %(signer)s, certified by %(issuer)s.",
                    signer=signer,
                    issuer=credit.get("issuer") or _("an unnamed authority"),
                )
            )
        elif state == "untrusted":
            lines.append(
                _(
                    "Not verified: signed by %(signer)s, whose certificate is not on our "
                    "list of trusted capture apps.",
                    signer=signer,
                )
            )
        else:
            lines.append(_("Not verified: no capture credentials came with this capture."))
        if credit.get("generator"):
            lines.append(_("Captured with %(app)s.", app=credit["generator"]))
        when = _date(credit.get("signed_at"))
        if when:
            lines.append(_("Signed on %(date)s.", date=when))
        stated = _date(credit.get("captured_on"))
        if stated:
            lines.append(_("Captured on %(date)s, as the uploader states.", date=stated))
        if credit.get("binds_capture") is False:
            lines.append(_("The credentials name another capture: they may not be about this one."))
        views.append(
            {
                "place": names.get(snapshot.get("site"), snapshot.get("site")),
                "verified": state == "verified",
                "lines": lines,
                "credentials_sha256": credit.get("credentials_sha256"),
            }
        )
    return views
