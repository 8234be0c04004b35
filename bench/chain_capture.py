"""Import the synthetic chain's brand pack and capture its events in-process, as one bench step.

The rebuild and batch-load benches both need the chain in a real database before they
time anything; over HTTP (bench/bench_scale.py) that takes minutes, in-process seconds.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlalchemy import select

from bench.synthetic_chain import ChainSize, documents, write_pack
from server.adapters.blobs import blob_store
from server.adapters.db import db
from server.adapters.models import Brand
from server.services.brand_pack import load_pack
from server.services.capture import capture_events


def capture_chain(app: Flask, size: ChainSize, folder: Path) -> int:
    """Import the chain of `size` (pack under `folder`) and capture it; return its brand id.

    Runs inside `app`'s context; each document is captured as the route would, committed.
    """
    load_pack(db.session, blob_store(app), write_pack(folder / "pack", size))
    db.session.commit()
    brand_id: int = db.session.scalars(select(Brand.id)).one()
    for i, doc in enumerate(documents(size)):
        pairs = [(f"$[{j}]", e) for j, e in enumerate(doc["epcisBody"]["eventList"])]
        capture_events(db.session, brand_id, pairs, (f"{i:064x}", 1, "x"), doc["@context"])
    return brand_id
