"""Database models (SQLAlchemy 2), one module per area."""

from server.models.account import Invitation, Membership, User
from server.models.base import Base
from server.models.blob import Blob
from server.models.brand import Batch, Brand, Product, StoryVersion
from server.models.build import Build
from server.models.capture import ApiToken, Capture
from server.models.scan import ScanCount, ScanDrain, VisitorCount
from server.models.snapshot import Snapshot
from server.models.supply import EpcisEvent, EventIdentifier, EvidenceRecord, Plot, Site

__all__ = [
    "ApiToken",
    "Base",
    "Batch",
    "Blob",
    "Brand",
    "Build",
    "Capture",
    "EpcisEvent",
    "EventIdentifier",
    "EvidenceRecord",
    "Invitation",
    "Membership",
    "Plot",
    "Product",
    "ScanCount",
    "ScanDrain",
    "Site",
    "Snapshot",
    "StoryVersion",
    "User",
    "VisitorCount",
]
