"""The tour's words about who captured a site's 3D view (`{signer}`, `{app}` filled in JS).

Marked for translation here; `server.services.scene_labels` puts them, translated, in the
scene manifest's labels, keyed by the capture credit's state.
"""

from __future__ import annotations

from server.core.errors import N_

CAPTURE_STATES = {
    "verified": N_("3D view captured with {app}, signed by {signer}: verified"),
    "untrusted": N_(
        "3D view signed by {signer}, who is not on our list of trusted capture apps: not verified"
    ),
    "none": N_("No capture credentials: who captured this 3D view is not verified"),
}
