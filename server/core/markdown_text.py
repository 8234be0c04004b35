"""Story Markdown: safe HTML for the consumer page, plain text for the 3D scene.

Chapter bodies are written by brand editors in Markdown. They are rendered with
markdown-it-py with raw HTML disabled, then sanitised again with nh3 against a short
allow-list, so whatever slips past the parser (entity tricks, odd link schemes) is
dropped. Links may point to http(s), mailto or a relative path and get
``rel="nofollow noopener"``; images only load from our own blob store (the page's
Content Security Policy would block any other origin). Headings are moved down to
h4-h6 so they sit under the chapter's own h3.
"""

from __future__ import annotations

import re
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

LINK_SCHEMES = frozenset({"http", "https", "mailto"})
# Our blob URLs: /blobs/<sha256>; nothing else may be an image source.
IMAGE_SOURCE = re.compile(r"/blobs/[0-9a-f]{64}")
SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")

TAGS = frozenset(
    {"p", "br", "em", "strong", "a", "ul", "ol", "li", "blockquote", "code", "pre", "hr"}
    | {"h4", "h5", "h6", "img"}
)
ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "ol": {"start"}}


def _link_allowed(url: str) -> bool:
    """Tell whether a link target is http(s), mailto or relative (no other scheme)."""
    url = url.strip()
    match = SCHEME.match(url)
    if match is not None:
        return match.group(1).lower() in LINK_SCHEMES
    # No valid scheme: a relative URL, unless a colon comes before any path, query or
    # fragment (an obfuscated scheme such as "java%09script:").
    head = re.split(r"[/?#]", url, maxsplit=1)[0]
    return ":" not in head


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.validateLink = _link_allowed  # type: ignore[method-assign]
    return md


_MD = _parser()


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src":
        return value if IMAGE_SOURCE.fullmatch(value) else None
    return value


def _shift_headings(tokens: list[Token]) -> None:
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(6, int(token.tag[1]) + 3)}"


def markdown_to_html(text: str) -> str:
    """Return the safe HTML of Markdown `text` (empty string for empty text)."""
    if not text or not text.strip():
        return ""
    env: dict[str, Any] = {}
    tokens = _MD.parse(text, env)
    _shift_headings(tokens)
    html = _MD.renderer.render(tokens, _MD.options, env)
    return nh3.clean(
        html,
        tags=set(TAGS),
        clean_content_tags={"script", "style"},
        attributes={k: set(v) for k, v in ATTRIBUTES.items()},
        attribute_filter=_attribute_filter,
        url_schemes=set(LINK_SCHEMES),
        link_rel="nofollow noopener",
        strip_comments=True,
    ).strip()


def _inline_text(token: Token) -> str:
    parts: list[str] = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" " if child.type == "softbreak" else "\n")
        elif child.type == "image":
            parts.append(_inline_text(child))
    return "".join(parts)


def markdown_to_text(text: str) -> str:
    """Return Markdown `text` as plain text: blocks separated by blank lines, no markup."""
    if not text or not text.strip():
        return ""
    blocks: list[str] = []
    for token in _MD.parse(text):
        if token.type == "inline":
            blocks.append(_inline_text(token).strip())
        elif token.type in ("code_block", "fence"):
            blocks.append(token.content.strip())
    return "\n\n".join(b for b in blocks if b)
