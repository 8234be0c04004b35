"""The synthetic chain: valid EPCIS the capture interface takes, deterministic, as sized."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from bench.synthetic_chain import (
    SLUG,
    ChainSize,
    batch_inputs,
    batch_lot,
    documents,
    farm_key,
    write_pack,
)
from server.adapters.blobs import blob_store
from server.adapters.db import db
from server.adapters.models import Batch, Brand
from server.core.epcis.validation import validate_document
from server.core.evidence.report import build_report
from server.services.batch_inputs import load_batch_inputs
from server.services.brand_pack import load_pack
from server.services.tokens import create_token
from tests.conftest import whole_brand_inputs

SMALL = ChainSize(farms=60, events=700, batches=4, big_batch_farms=30)


def test_documents_are_valid_sized_and_the_same_every_time() -> None:
    first = [json.dumps(d) for d in documents(SMALL, per_document=100)]
    assert first == [json.dumps(d) for d in documents(SMALL, per_document=100)]
    events = [e for text in first for e in json.loads(text)["epcisBody"]["eventList"]]
    assert all(len(json.loads(text)["epcisBody"]["eventList"]) <= 100 for text in first)
    assert abs(len(events) - SMALL.events) < SMALL.events * 0.05
    assert len({e["eventID"] for e in events}) == len(events)
    for text in first:
        assert validate_document(json.loads(text)) == []
    ranges = SMALL.farm_ranges()
    assert [len(r) for r in ranges] == [30, 10, 10, 10]
    assert sorted(f for r in ranges for f in r) == list(range(SMALL.farms))


@pytest.mark.parametrize(
    "size",
    [
        {"farms": 0},
        {"big_batch_farms": 0},
        {"farms": 10, "big_batch_farms": 10, "batches": 3},
    ],
)
def test_impossible_sizes_are_refused(size: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        ChainSize(**{"farms": 60, "events": 600, "batches": 4, "big_batch_farms": 30, **size})


def test_the_chain_is_captured_over_http_and_traced_to_its_farms(
    sqlite_app: Flask, tmp_path: Path
) -> None:
    with sqlite_app.app_context():
        load_pack(db.session, blob_store(sqlite_app), write_pack(tmp_path, SMALL))
        token = create_token(db.session, SLUG, "test")[1]
        db.session.commit()
    client = sqlite_app.test_client()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/ld+json"}
    stored = sent = 0
    for document in documents(SMALL, per_document=250):
        response = client.post("/epcis/capture", data=json.dumps(document), headers=headers)
        assert response.status_code == 202, response.get_json()
        stored += response.get_json()["storedCount"]
        sent += len(document["epcisBody"]["eventList"])
    assert stored == sent
    with sqlite_app.app_context():
        brand = db.session.scalars(select(Brand).where(Brand.slug == SLUG)).one()
        batches = {b.lot: b for b in db.session.scalars(select(Batch))}
        for number, farms in enumerate(SMALL.farm_ranges()):
            inputs = load_batch_inputs(db.session, batches[batch_lot(number)])
            report = build_report(inputs)
            assert {o["farm"] for o in report["trace"]["origins"]} == {farm_key(f) for f in farms}
            summary = {c["key"]: c["status"] for c in report["consumer_summary"]}
            assert summary["known_origin_share"] == "ok"
            assert report == build_report(whole_brand_inputs(inputs, brand.id))
            if number == 0:  # the in-memory path of bench_evidence gives the same report
                assert build_report(batch_inputs(SMALL, 0)) == report
