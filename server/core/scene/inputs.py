"""Plain data the scene builder reads.

The worker's loader fills these from the database; tests build them by hand. Nothing here
knows about Flask, Redis or SQLAlchemy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

LegMode = Literal["road", "sea", "unknown"]


@dataclass(frozen=True)
class SceneBatch:
    """The batch the scene is about."""

    gtin: str
    lot: str
    product_name: str
    uri: str


@dataclass(frozen=True)
class SceneSite:
    """A place on the journey; `chapter` is the key of the story chapter it belongs to."""

    id: str
    kind: str
    name: str
    lat: float
    lon: float
    country: str | None = None
    chapter: str | None = None


@dataclass(frozen=True)
class ScenePlot:
    """A farm plot: GeoJSON geometry (RFC 7946, lon/lat) and its deforestation status."""

    id: str
    farm: str
    geometry: dict[str, Any]
    status: str = "unknown"


@dataclass(frozen=True)
class SceneLeg:
    """A movement of goods between two sites."""

    from_site: str
    to_site: str
    mode: LegMode = "unknown"


@dataclass(frozen=True)
class SceneChapter:
    """A story chapter: the sites it covers, its text per locale ({"title", "body"}) and the
    keys of the evidence checks shown with it."""

    key: str
    site_ids: tuple[str, ...]
    text: dict[str, dict[str, str]]
    checks: tuple[str, ...] = ()


@dataclass(frozen=True)
class SceneEvidence:
    """One check result shown beside the scene."""

    key: str
    status: str
    value: float | str | None = None
    unit: str | None = None
    href: str | None = None


@dataclass(frozen=True)
class SceneInput:
    """Everything a batch scene is built from."""

    batch: SceneBatch
    sites: tuple[SceneSite, ...]
    plots: tuple[ScenePlot, ...] = ()
    legs: tuple[SceneLeg, ...] = ()
    chapters: tuple[SceneChapter, ...] = ()
    evidence: tuple[SceneEvidence, ...] = ()
    locales: tuple[str, ...] = ("en",)
    # Translated names per locale, for the tour's panels: {"checks": {key: name},
    # "statuses": {status: name}, "chapters": {key: fallback title}, "kinds": {kind: name}}
    labels: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)
