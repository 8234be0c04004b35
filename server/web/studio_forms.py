"""The shape of a brand's studio page with a form: shown by GET, shown again by a POST
that went wrong (with its errors and a 4xx status), or left by a redirect once stored."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Response, flash, redirect, render_template, url_for

from server.web.studio import brand_access, studio_context


@dataclass(frozen=True)
class FormPage:
    """A brand's page: `template` filled by `values(access, **shown)`, found at `endpoint`."""

    template: str
    endpoint: str
    values: Callable[..., dict[str, Any]]

    def show(self, slug: str, status: int = 200, **shown: Any) -> Response:
        """Render the page of brand `slug` (404 without a role there) with `status`."""
        access = brand_access(slug)
        html = render_template(self.template, **self.values(access, **shown), **studio_context())
        return Response(html, status=status)

    def back(self, slug: str, *messages: str, category: str = "ok") -> Response:
        """Flash `messages` and redirect to the page (a 303, so that a reload sends nothing)."""
        for message in messages:
            flash(message, category)
        return redirect(url_for(self.endpoint, slug=slug), code=303)  # type: ignore[return-value]
