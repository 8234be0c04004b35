"""The public report written section by section is the one redacted from the whole dict.

The evidence job writes the full report and its public copy in one pass
(`report_stream.report_pair` with `PublicSections`); before, it built the report as a dict
and redacted that (`redaction.redact_report`). Both paths run here on the demo brand's
batches and a small synthetic chain, under every location precision, with prices shown
and withheld and names withheld or not, and must give the same bytes for both reports.
"""

from __future__ import annotations

import hashlib
import tempfile

import pytest
from flask import Flask
from sqlalchemy import select

from bench.synthetic_chain import batch_inputs
from server.adapters.db import db
from server.adapters.models import Batch, Product
from server.core.disclosure import report_sections
from server.core.disclosure.policy import DEFAULT_POLICY, DisclosurePolicy
from server.core.disclosure.redaction import SiteInfo, redact_report
from server.core.disclosure.report_sections import PublicSections
from server.core.evidence import report_stream
from server.core.evidence.inputs import BatchInputs
from server.core.evidence.report import build_report
from server.core.evidence.report_json import canonical_json
from server.core.evidence.report_stream import report_files, report_pair
from server.services.batch_inputs import load_batch_inputs
from server.services.scene_inputs import site_infos
from tests.core.evidence.test_report_equality import AS_OF, SYNTHETIC

POLICIES = {
    "default": DEFAULT_POLICY,
    "exact": DisclosurePolicy(location="exact"),
    "exact-no-prices": DisclosurePolicy(location="exact", show_prices=False),
    "grid_10km-no-prices-no-names": DisclosurePolicy(
        location="grid_10km", named_kinds=(), show_prices=False
    ),
    "country-withheld-site": DisclosurePolicy(location="country", withheld_sites=("port",)),
}


def _old(
    inputs: BatchInputs, policy: DisclosurePolicy, sites: list[SiteInfo]
) -> tuple[bytes, bytes]:
    """The job's path before: the report as a dict, its bytes, then the dict redacted."""
    report = build_report(inputs)
    full = canonical_json(report)
    public = redact_report(report, policy, sites, hashlib.sha256(full).hexdigest())
    return full, canonical_json(public)


def _assert_same(inputs: BatchInputs, policy: DisclosurePolicy, sites: list[SiteInfo]) -> None:
    inputs.memo.clear()
    expected_full, expected_public = _old(inputs, policy, sites)
    inputs.memo.clear()
    full, public = report_pair(inputs, PublicSections(policy, sites))
    assert full == expected_full
    assert public == expected_public
    assert b'"disclosure":{' in public and hashlib.sha256(full).hexdigest().encode() in public


def _synthetic_sites(inputs: BatchInputs) -> list[SiteInfo]:
    """The chain's sites, and one farm whose name (another farm's key) the report cites:
    withheld, so the public copy replaces it wherever it appears."""
    sites = [SiteInfo(s.id, s.kind, s.name) for s in inputs.sites]
    farm = next(s.id for s in inputs.sites if s.kind == "farm")
    return [*sites, SiteInfo("farm-renamed", "farm", farm)]


@pytest.mark.parametrize("policy", POLICIES.values(), ids=POLICIES.keys())
@pytest.mark.parametrize("batch", range(SYNTHETIC.batches))
def test_the_synthetic_chain_public_report_is_unchanged(
    batch: int, policy: DisclosurePolicy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(report_stream, "CHUNK", 7)  # every long list is cut in chunks
    inputs = batch_inputs(SYNTHETIC, batch)
    sites = _synthetic_sites(inputs)
    _assert_same(inputs, policy, sites)
    if batch == 0:  # the case is there: the withheld name was in the report, and is not now
        name = sites[-1].name.encode()
        assert name in report_stream.report_bytes(inputs)
        assert name not in report_pair(inputs, PublicSections(policy, sites))[1]


@pytest.mark.parametrize("policy", POLICIES.values(), ids=POLICIES.keys())
def test_the_demo_brand_public_reports_are_unchanged(
    demo_app: Flask, policy: DisclosurePolicy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(report_stream, "CHUNK", 3)
    with demo_app.app_context():
        batches = list(
            db.session.scalars(select(Batch).join(Product).order_by(Product.gtin, Batch.lot))
        )
        assert len(batches) >= 2
        for batch in batches:
            inputs = load_batch_inputs(db.session, batch, batch.produced_on or AS_OF)
            sites = site_infos(db.session, batch.product.brand_id)
            assert any(s.name != s.key for s in sites)  # names to withhold are there
            _assert_same(inputs, policy, sites)


def test_the_reports_written_to_files_are_the_pair_and_named_by_their_hashes() -> None:
    inputs = batch_inputs(SYNTHETIC, 0)
    sites = _synthetic_sites(inputs)
    full, public = report_pair(inputs, PublicSections(DEFAULT_POLICY, sites))
    inputs.memo.clear()
    with tempfile.TemporaryFile() as full_file, tempfile.TemporaryFile() as public_file:
        public_file.write(b"kept")  # the report is written from where the stream stands
        hashes = report_files(inputs, full_file, PublicSections(DEFAULT_POLICY, sites), public_file)
        full_file.seek(0)
        public_file.seek(0)
        assert (full_file.read(), public_file.read()) == (full, b"kept" + public)
    assert hashes == (hashlib.sha256(full).hexdigest(), hashlib.sha256(public).hexdigest())


def test_the_name_search_finds_every_withheld_name_in_the_bytes() -> None:
    names = ["Kofi", "Kofi Mensah Farm", "a.b(c)", "Ɔkyeame", "farm-000001 Farm"]
    mentions = report_sections._finder({name: f"key-{i}" for i, name in enumerate(names)})
    for name in names:
        assert mentions(canonical_json({"message": f"sold by {name}, weighed"}))
    assert not mentions(canonical_json({"farm": "farm-000001", "note": "a-b c Kof"}))
    # A name JSON writes escaped is not looked for in the bytes: its pieces are scrubbed.
    assert report_sections._finder({'the "Big" farm': "k"})(b"{}")
    assert not report_sections._finder({})(b'"Kofi"')
