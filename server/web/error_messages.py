"""The message of a translatable error, in the request's locale."""

from __future__ import annotations

from flask_babel import gettext as _

from server.core.errors import TranslatableError


def translated(exc: TranslatableError) -> str:
    """Return `exc`'s message translated, its parameters filled in."""
    return _(exc.template, **exc.params) if exc.params else _(exc.template)
