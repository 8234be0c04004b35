"""How the story editor shows a story: claim findings in the page's language, each chapter
with every check it may show, and the brand's locales by their own names."""

from __future__ import annotations

from typing import Any

from babel import Locale, UnknownLocaleError
from flask_babel import gettext as _

from server.core.checks_text import CHAPTER_FALLBACK_TITLES, CHECK_NAMES, STATUS_NAMES
from server.core.evidence.claim_check import NO_REPORT


def _status_name(status: str) -> str:
    if status == NO_REPORT:
        return _("no evidence report yet")
    return _(STATUS_NAMES.get(status, STATUS_NAMES["unknown"]))


def finding_view(finding: dict[str, Any]) -> dict[str, Any]:
    """Return a stored finding with its message in the page's language."""
    check = finding.get("check")
    batches = ", ".join(
        f"{b['batch']} ({_status_name(b['status'])})" for b in finding.get("batches", [])
    )
    message = finding.get("message", {})
    text = _(
        message.get("template", ""),
        phrase=finding.get("phrase", ""),
        check=_(CHECK_NAMES[check]) if check in CHECK_NAMES else (check or ""),
        batches=batches,
    )
    return {**finding, "text": text}


def locale_names(codes: list[str]) -> dict[str, str]:
    """Return each locale's name in its own language ("Deutsch"), as a switcher shows it."""
    names = {}
    for code in codes:
        try:
            name = str(Locale.parse(code).get_display_name(code) or code)
            names[code] = name[:1].upper() + name[1:]
        except (ValueError, UnknownLocaleError):
            names[code] = code
    return names


def layout_rows(layout: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return per chapter every check with whether it is shown and at which position."""
    rows = []
    for chapter in layout:
        shown = list(chapter.get("checks", []))
        checks = [
            {
                "key": key,
                "name": _(name),
                "shown": key in shown,
                "position": shown.index(key) + 1 if key in shown else len(shown) + 1,
            }
            for key, name in CHECK_NAMES.items()
        ]
        checks.sort(key=lambda c: (not c["shown"], c["position"]))
        fallback = CHAPTER_FALLBACK_TITLES.get(chapter["key"])
        rows.append(
            {
                **chapter,
                "checks_all": checks,
                "fallback": _(fallback) if fallback else chapter["key"],
            }
        )
    return rows
