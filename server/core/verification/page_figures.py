"""The figures a batch page shows, read from its machine-readable markers, against the report.

The page marks each figure with ``data-report-field`` (``checks.<key>.value`` or
``checks.<key>.status``) and ``data-report-value`` (the report's value as JSON), and its
evidence section with ``data-report-sha256`` (the report the page was made from). A figure
agrees when its marker equals the signed report and its visible text shows that value
formatted as the page's language writes numbers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from babel.numbers import format_decimal, format_percent


@dataclass
class PageFigure:
    """One marked element: the report field it names, its marker value and its text."""

    field: str
    value: str
    text: str = ""


@dataclass
class PageMarks:
    """What a page says about itself: its language, its report, its figures."""

    lang: str = "en"
    report_sha256: str | None = None
    figures: list[PageFigure] = field(default_factory=list)


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.marks = PageMarks()
        self._open: list[tuple[str, PageFigure]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = {k: v or "" for k, v in attrs}
        if tag == "html" and named.get("lang"):
            self.marks.lang = named["lang"]
        if "data-report-sha256" in named:
            self.marks.report_sha256 = named["data-report-sha256"]
        if "data-report-field" in named:
            figure = PageFigure(named["data-report-field"], named.get("data-report-value", ""))
            self.marks.figures.append(figure)
            self._open.append((tag, figure))

    def handle_endtag(self, tag: str) -> None:
        if self._open and self._open[-1][0] == tag:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        for _tag, figure in self._open:
            figure.text += data


def read_page(html: str) -> PageMarks:
    """Return the markers of page `html`."""
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader.marks


def shown_number(value: float, unit: str | None, lang: str) -> str:
    """Return `value` as the page writes it in `lang` (as `server.web` formats figures)."""
    locale = lang.replace("-", "_")
    if unit == "ratio":
        return str(format_percent(value, format="#,##0.#%", locale=locale))
    return str(format_decimal(value, format="#,##0.##", locale=locale))


def figure_problem(marks: PageMarks, report: dict[str, Any]) -> str | None:
    """Return the first figure of the page that the report does not back, in words; or None."""
    checks = {c.get("key"): c for c in report.get("checks", []) if isinstance(c, dict)}
    for figure in marks.figures:
        parts = figure.field.split(".")
        if len(parts) != 3 or parts[0] != "checks" or parts[2] not in ("value", "status"):
            return f"the page marks a figure with an unknown field {figure.field!r}"
        check = checks.get(parts[1])
        if check is None:
            return f"the page shows a check {parts[1]!r} that the signed report does not have"
        reported = check.get(parts[2])
        try:
            marked = json.loads(figure.value) if parts[2] == "value" else figure.value
        except json.JSONDecodeError:
            return f"the page's marker for {figure.field} is not JSON: {figure.value!r}"
        if marked != reported:
            return (
                f"the page shows {figure.field} = {marked!r}, "
                f"but the signed report says {reported!r}"
            )
        shown = _plain(figure.text)
        if parts[2] == "value" and isinstance(reported, int | float) and not check.get("withheld"):
            expected = shown_number(float(reported), check.get("unit"), marks.lang)
            if _plain(expected) not in shown:
                return (
                    f"the page's text for {figure.field} reads {figure.text.strip()!r}, "
                    f"which does not show the signed value {expected}"
                )
    return None


def _plain(text: str) -> str:
    # Babel writes narrow and no-break spaces in some languages; the page may wrap lines.
    return " ".join(text.replace("\u202f", " ").replace("\xa0", " ").split())
