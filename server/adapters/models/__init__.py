"""Database models (SQLAlchemy 2), one module per area."""

from server.adapters.models.account import Invitation, Membership, User
from server.adapters.models.base import Base
from server.adapters.models.blob import Blob
from server.adapters.models.brand import Batch, Brand, Product, StoryVersion
from server.adapters.models.build import Build
from server.adapters.models.capture import ApiToken, Capture
from server.adapters.models.log import LogCosignature, LogLeaf, LogNode
from server.adapters.models.scan import ScanCount, ScanDrain, VisitorCount
from server.adapters.models.snapshot import Snapshot
from server.adapters.models.supply import EpcisEvent, EventIdentifier, EvidenceRecord, Plot, Site

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
    "LogCosignature",
    "LogLeaf",
    "LogNode",
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
