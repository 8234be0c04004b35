"""Database models (SQLAlchemy 2), one module per area."""

from server.models.base import Base
from server.models.blob import Blob
from server.models.brand import Batch, Brand, Product, StoryVersion
from server.models.build import Build
from server.models.supply import EpcisEvent, EvidenceRecord, Plot, Site

__all__ = [
    "Base",
    "Batch",
    "Blob",
    "Brand",
    "Build",
    "EpcisEvent",
    "EvidenceRecord",
    "Plot",
    "Product",
    "Site",
    "StoryVersion",
]
