"""GS1 linksets (RFC 9264 JSON, GS1 link types) for a batch's Digital Link URI."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

GS1_VOC = "https://gs1.org/voc/"
LINKSET_MEDIA_TYPE = "application/linkset+json"


@dataclass(frozen=True)
class Link:
    """One link of a linkset: a GS1 link type and where it points."""

    link_type: str  # short form, e.g. "gs1:pip"
    href: str
    title: str
    media_type: str
    hreflang: tuple[str, ...] = ()

    @property
    def relation(self) -> str:
        """Return the link type as a full URI (``https://gs1.org/voc/pip``)."""
        return GS1_VOC + self.link_type.removeprefix("gs1:")


def build_linkset(anchor: str, links: list[Link], default: str = "gs1:pip") -> dict[str, Any]:
    """Return the linkset document for `anchor`: every link grouped by its relation."""
    entry: dict[str, Any] = {"anchor": anchor}
    for link in links:
        target: dict[str, Any] = {"href": link.href, "title": link.title, "type": link.media_type}
        if link.hreflang:
            target["hreflang"] = list(link.hreflang)
        entry.setdefault(link.relation, []).append(target)
        if link.link_type == default:
            entry.setdefault(GS1_VOC + "defaultLink", []).append(target)
    return {"linkset": [entry]}


def find_link(links: list[Link], link_type: str) -> Link | None:
    """Return the link of `link_type` (short ``gs1:x`` or full URI form), if present."""
    wanted = link_type if link_type.startswith("http") else GS1_VOC + link_type.removeprefix("gs1:")
    return next((link for link in links if link.relation == wanted), None)


def link_header(linkset_url: str) -> str:
    """Return the value of the ``Link`` header pointing at the linkset."""
    return f'<{linkset_url}>; rel="linkset"; type="{LINKSET_MEDIA_TYPE}"'
