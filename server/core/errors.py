"""Named exceptions of the server; HTTP rendering of them lives in routes/errors.py."""

from __future__ import annotations


class OriginxrError(Exception):
    """Base of the project's own errors."""


def N_(template: str) -> str:  # noqa: N802 - gettext's conventional name for "mark only"
    """Mark `template` for translation without translating it now (Babel extracts it)."""
    return template


class TranslatableError(OriginxrError):
    """An error whose message is a gettext template plus parameters.

    Pure modules raise these without a request or locale at hand; the HTTP layer
    translates ``template`` and fills in ``params`` in the shopper's language.
    """

    def __init__(self, template: str, **params: object) -> None:
        self.template = template
        self.params = params
        super().__init__(template % params if params else template)


class DigitalLinkError(TranslatableError):
    """A request path that is not a valid GS1 Digital Link URI; the message says why."""


class NotFound(OriginxrError):
    """A well-formed identifier that names nothing we know."""


class UnresolvedKey(NotFound, TranslatableError):
    """A well-formed GS1 key (an SSCC, a GIAI, an unknown GLN) that originxr does not resolve."""


class BrandPackError(OriginxrError):
    """A brand pack that cannot be imported; the message names the file and the problem."""


class Unauthorized(OriginxrError):
    """A request to the integrator API without a live bearer token.

    ``error`` is the RFC 6750 error code for the ``WWW-Authenticate`` challenge (None when
    no credentials were sent at all).
    """

    def __init__(self, message: str, error: str | None = None) -> None:
        self.error = error
        super().__init__(message)


class InvalidSubmission(OriginxrError):
    """A submitted document the API refuses; rendered as problem details with its issues.

    ``status`` is the HTTP status (400, 413, 415, 422), ``title`` a short summary and
    ``issues`` a list of ``{"path", "message"}`` naming where the document is wrong.
    """

    def __init__(
        self, status: int, title: str, detail: str, issues: list[dict[str, str]] | None = None
    ) -> None:
        self.status = status
        self.title = title
        self.issues = issues or []
        super().__init__(detail)
