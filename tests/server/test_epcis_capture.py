"""EPCIS capture interface: tokens, conformance with GS1's examples, an invalid corpus."""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from server.adapters.db import db
from server.adapters.models import ApiToken, Batch, Blob, Brand, Capture, EpcisEvent
from server.core.epcis.event_hash import event_hash
from server.core.gs1.identifiers import canonical_id
from server.services.capture import capture_events
from server.services.tokens import create_token, revoke_token, token_hash
from server.web.cli import main
from tests.conftest import api_token, load_demo

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT.parent / "shared" / "conformance" / "epcis" / "examples"
CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
LD = "application/ld+json"


def _event(**changes: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": "ObjectEvent",
        "eventTime": "2025-02-03T10:00:00.000+00:00",
        "eventTimeZoneOffset": "+00:00",
        "action": "ADD",
        "bizStep": "commissioning",
        "bizLocation": {"id": "urn:epc:id:sgln:9520123.00001.0"},
        "quantityList": [
            {"epcClass": "urn:epc:class:lgtin:9520123.012345.T1", "quantity": 10, "uom": "KGM"}
        ],
    }
    event.update(changes)
    return event


def _document(*events: dict[str, Any]) -> dict[str, Any]:
    return {
        "@context": [CONTEXT],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2025-02-03T11:00:00Z",
        "epcisBody": {"eventList": list(events)},
    }


def _token(app: Flask, slug: str = "nkabom") -> str:
    return api_token(app, slug)


def _count(app: Flask, model: type[Any] = EpcisEvent) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def _revision(app: Flask) -> int:
    with app.app_context():
        return db.session.scalars(select(Brand.data_revision).where(Brand.slug == "nkabom")).one()


Post = Callable[..., Any]


@pytest.fixture
def post(sqlite_app: Flask) -> Post:
    """POST to the capture interface with a valid token of the demo brand."""
    client = sqlite_app.test_client()
    token = _token(sqlite_app)

    def send(body: Any, path: str = "/epcis/capture", content_type: str = LD) -> Any:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        headers = {"Authorization": f"Bearer {token}", "Content-Type": content_type}
        return client.post(path, data=data, headers=headers)

    return send


def _examples() -> list[Path]:
    if not EXAMPLES.is_dir():
        pytest.skip(f"GS1 EPCIS examples not found at {EXAMPLES} (../shared/conformance absent)")
    return sorted(EXAMPLES.rglob("*.jsonld"))


def test_every_official_capture_example_is_accepted(sqlite_app: Flask, post: Post) -> None:
    refused = {}
    documents = [p for p in _examples() if p.name != "EPCISQueryDocument.jsonld"]
    assert len(documents) >= 40
    before = _count(sqlite_app, Capture)  # the demo pack's own event files, captured at import
    for path in documents:
        response = post(path.read_bytes())
        if response.status_code != 202:
            refused[str(path.relative_to(EXAMPLES))] = response.get_json()
    assert refused == {}
    assert _count(sqlite_app, Capture) == before + len(documents)


def test_gs1s_urn_and_digital_link_transformation_examples_are_one_event(post: Post) -> None:
    """GS1 publishes Example 9.6.4 with EPC URNs and again with Digital Links."""
    _examples()
    urn = EXAMPLES / "Example_9.6.4-TransformationEvent.jsonld"
    link = (
        EXAMPLES / "WithDigitalLinkID" / "Example_9.6.4-TransformationEventWithDigitalLink.jsonld"
    )
    assert post(urn.read_bytes()).get_json()["newCount"] == 1
    second = post(link.read_bytes()).get_json()
    assert (second["newCount"], second["duplicateCount"]) == (0, 1)
    assert second["duplicates"][0]["duplicateOf"] == "stored"


def test_the_query_document_is_refused_naming_its_type(sqlite_app: Flask, post: Post) -> None:
    query = next(p for p in _examples() if p.name == "EPCISQueryDocument.jsonld")
    before = _count(sqlite_app)
    response = post(query.read_bytes())
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["errors"][0]["path"] == "$.type"
    assert "query" in response.get_json()["errors"][0]["message"]
    assert _count(sqlite_app) == before


BATCH_CLASS = "https://id.gs1.org/01/09520123100018/10/NK25-0120"  # a demo batch's own lot


def _batch_revisions(app: Flask) -> dict[str, int]:
    with app.app_context():
        return {lot: rev for lot, rev in db.session.execute(select(Batch.lot, Batch.data_revision))}


def test_capture_answers_202_with_a_location_reporting_its_status(
    sqlite_app: Flask, post: Post
) -> None:
    before, batches = _revision(sqlite_app), _batch_revisions(sqlite_app)
    shipped = [{"epcClass": BATCH_CLASS, "quantity": 5, "uom": "KGM"}]
    response = post(_document(_event(), _event(action="OBSERVE", quantityList=shipped)))
    assert response.status_code == 202
    capture_id = response.get_json()["captureID"]
    assert response.headers["Location"] == f"/epcis/capture/{capture_id}"
    # Only the batch the new events reach goes stale, not the brand's other batches.
    assert _revision(sqlite_app) == before
    assert _batch_revisions(sqlite_app) == batches | {"NK25-0120": batches["NK25-0120"] + 1}
    from rq import Queue, SimpleWorker

    from server.adapters.broker import broker

    with sqlite_app.app_context():  # one job will enqueue the reached batches' rebuilds
        queue = Queue("builds", connection=broker.redis)
        assert [job.func_name for job in queue.get_jobs()] == ["workers.jobs.rebuild_brand"]
    # More captures while it waits add no job: requests coalesce.
    assert post(_document(_event(bizStep="receiving", quantityList=shipped))).status_code == 202
    with sqlite_app.app_context():
        assert queue.count == 1
        job = queue.get_jobs()[0]
        SimpleWorker([queue], connection=broker.redis).work(burst=True, max_jobs=1)
        assert job.return_value() == 2  # evidence and scene of the one batch reached
        builds = [j.func_name for j in queue.get_jobs()]
        assert sorted(builds) == ["workers.jobs.build_scene", "workers.jobs.compute_evidence"]
        assert {j.args for j in queue.get_jobs()} == {
            (db.session.scalars(select(Batch.id).where(Batch.lot == "NK25-0120")).one(),)
        }
    assert _batch_revisions(sqlite_app)["NK25-0120"] == batches["NK25-0120"] + 2
    # Once it has run, the next capture asks again; one reaching no batch makes none stale.
    assert post(_document(_event(bizStep="inspecting", quantityList=shipped))).status_code == 202
    with sqlite_app.app_context():
        jobs = [j.func_name for j in queue.get_jobs()]
        assert jobs.count("workers.jobs.rebuild_brand") == 1
    revisions = _batch_revisions(sqlite_app)
    elsewhere = {"id": "urn:epc:id:sgln:9520123.99999.0"}  # not a farm: its harvests don't count
    assert post(_document(_event(bizStep="repairing", bizLocation=elsewhere))).status_code == 202
    assert _batch_revisions(sqlite_app) == revisions
    token = _token(sqlite_app)
    status = sqlite_app.test_client().get(
        response.headers["Location"], headers={"Authorization": f"Bearer {token}"}
    )
    assert status.status_code == 200
    body = status.get_json()
    assert (body["status"], body["eventCount"], body["storedCount"]) == ("succeeded", 2, 2)
    assert body["duplicates"] == [] and body["errors"] == []


def test_identifiers_are_stored_canonical_whether_urn_or_digital_link(
    sqlite_app: Flask, post: Post
) -> None:
    dl_class = "https://example.com/01/09520123123451/10/T1"
    quantity = [{"epcClass": dl_class, "quantity": 5.5, "uom": "KGM"}]
    assert post(_document(_event(), _event(quantityList=quantity))).status_code == 202
    with sqlite_app.app_context():
        rows = db.session.scalars(select(EpcisEvent).order_by(EpcisEvent.id.desc()).limit(2))
        classes = {row.quantities[0]["epc_class"] for row in rows}
    assert classes == {"https://id.gs1.org/01/09520123123451/10/T1"}


def test_a_single_event_is_captured_at_epcis_events(sqlite_app: Flask, post: Post) -> None:
    before = _count(sqlite_app)
    response = post({"@context": [CONTEXT], **_event()}, path="/epcis/events")
    assert response.status_code == 202
    assert response.headers["Location"].startswith("/epcis/capture/")
    assert _count(sqlite_app) == before + 1
    assert post(_event(eventID="urn:uuid:x"), path="/epcis/events").status_code == 422


def test_a_duplicate_capture_does_not_double_events(app: Flask) -> None:
    token = _token(app)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    document = _document(_event(), _event(action="OBSERVE"))
    first = client.post("/epcis/capture", json=document, headers=headers)
    assert first.status_code == 202
    count, revision = _count(app), _revision(app)
    # The eventID is left out of the hash: the same event re-sent under a new id is a duplicate.
    again = _document(_event(eventID="urn:uuid:6c8d0b9e-1f6a-4c1d-9d7e-2b1f0e3a4c5d"))
    second = client.post("/epcis/capture", json=again, headers=headers)
    assert second.status_code == 202
    body = second.get_json()
    assert (body["storedCount"], body["duplicateCount"]) == (0, 1)
    assert body["duplicates"][0]["path"] == "$.epcisBody.eventList[0]"
    assert (_count(app), _revision(app)) == (count, revision)


def test_the_demo_pack_is_imported_through_the_capture_interface(sqlite_app: Flask) -> None:
    event_files = sorted((ROOT / "brands" / "nkabom" / "events").glob("*.jsonld"))
    with sqlite_app.app_context():
        captures = db.session.scalars(select(Capture)).all()
        assert len(captures) == len(event_files)
        assert all(c.status == "succeeded" and c.stored_count > 0 for c in captures)
        assert sum(c.event_count for c in captures) >= 262


def _as_digital_links(event: dict[str, Any]) -> dict[str, Any]:
    """Return `event` written with Digital Links, another offset and CBV URNs."""
    return {
        "eventTimeZoneOffset": "+00:00",
        "quantityList": [
            {
                "uom": "KGM",
                "quantity": 10.0,
                "epcClass": "https://brand.example/01/09520123123451/10/T1?linkType=all",
            }
        ],
        "bizLocation": {"id": "https://id.gs1.org/414/9520123000011"},
        "bizStep": "urn:epcglobal:cbv:bizstep:commissioning",
        "action": event["action"],
        "eventTime": "2025-02-03T12:00:00+02:00",
        "type": event["type"],
    }


def test_urn_and_digital_link_forms_of_one_event_are_stored_once(
    sqlite_app: Flask, post: Post
) -> None:
    event = _event(eventTime="2025-02-04T10:00:00Z")
    linked = _as_digital_links(event)
    linked["eventTime"] = "2025-02-04T12:00:00.000+02:00"
    before = _count(sqlite_app)
    # Within one document: the second form is a duplicate of the first.
    response = post(_document(event, linked))
    assert response.status_code == 202
    body = response.get_json()
    assert (body["eventCount"], body["newCount"], body["duplicateCount"]) == (2, 1, 1)
    assert body["duplicates"][0]["path"] == "$.epcisBody.eventList[1]"
    assert body["duplicates"][0]["duplicateOf"] == "document"
    assert body["duplicates"][0]["eventHash"] == event_hash(event, [CONTEXT])
    assert _count(sqlite_app) == before + 1
    # Digital Links alone are captured like URNs: another event is new ...
    again = post(_document(_as_digital_links(_event())))
    assert again.status_code == 202
    assert (again.get_json()["newCount"], again.get_json()["duplicateCount"]) == (1, 0)
    # ... and across documents the Digital Link form is a duplicate of the stored event.
    repeat = post(_document(linked)).get_json()
    assert (repeat["newCount"], repeat["duplicates"][0]["duplicateOf"]) == (0, "stored")
    assert _count(sqlite_app) == before + 2


def test_a_supplied_hash_event_id_is_kept_while_our_hash_is_computed(
    sqlite_app: Flask, post: Post
) -> None:
    supplied = "ni:///sha-256;" + "ab" * 32 + "?ver=CBV2.0"
    event = _event(eventID=supplied, eventTime="2025-02-05T10:00:00Z")
    assert post(_document(event)).status_code == 202
    with sqlite_app.app_context():
        row = db.session.scalars(select(EpcisEvent).where(EpcisEvent.event_id == supplied)).one()
        assert row.event_hash == event_hash(event, [CONTEXT]) != supplied
        assert row.event_hash.startswith("ni:///sha-256;") and row.event_hash.endswith(
            "?ver=CBV2.0"
        )
    # The same event under another id (or none) is the same event.
    response = post(_document(_event(eventTime="2025-02-05T11:00:00+01:00")))
    assert response.get_json()["duplicateCount"] == 1


def test_the_demo_packs_own_events_recaptured_are_all_duplicates(
    sqlite_app: Flask, post: Post
) -> None:
    before = _count(sqlite_app)
    for path in sorted((ROOT / "brands" / "nkabom" / "events").glob("*.jsonld")):
        response = post(path.read_bytes())
        assert response.status_code == 202, response.get_json()
        assert response.get_json()["storedCount"] == 0
    assert _count(sqlite_app) == before


def test_a_brand_pack_naming_one_event_in_two_files_stores_it_once(
    sqlite_app: Flask, tmp_path: Path
) -> None:
    pack = tmp_path / "pack"
    shutil.copytree(ROOT / "brands" / "nkabom", pack)
    harvest = json.loads((pack / "events" / "harvest.jsonld").read_text())
    event = copy.deepcopy(harvest["epcisBody"]["eventList"][0])
    for quantity in event["quantityList"]:
        quantity["epcClass"] = canonical_id(quantity["epcClass"])
    for key in ("readPoint", "bizLocation"):
        event[key]["id"] = canonical_id(event[key]["id"])
    event.pop("eventID", None)
    harvest["epcisBody"]["eventList"] = [event]
    (pack / "events" / "zz-repeat.jsonld").write_text(json.dumps(harvest))
    before = _count(sqlite_app)
    load_demo(sqlite_app, pack)  # the pack changed: its supply data is replaced
    assert _count(sqlite_app) == before


def _mutated(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    document = _document(_event(), _event(action="OBSERVE"), _event(bizStep="receiving"))
    change(document)
    return document


def _set(index: int, key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        document["epcisBody"]["eventList"][index][key] = value

    return change


def _drop(index: int, key: str) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        del document["epcisBody"]["eventList"][index][key]

    return change


QUANTITY_WITHOUT_CLASS = [{"quantity": 3, "uom": "KGM"}]
INVALID = {
    "missing eventTime": (_drop(2, "eventTime"), "$.epcisBody.eventList[2].eventTime"),
    "bad type": (_set(1, "type", "FooEvent"), "$.epcisBody.eventList[1].type"),
    "quantity without epcClass": (
        _set(2, "quantityList", QUANTITY_WITHOUT_CLASS),
        "$.epcisBody.eventList[2].quantityList[0].epcClass",
    ),
    "malformed URN": (
        _set(1, "epcList", ["urn:epc:id:sgtin:95201x3.0123.1"]),
        "$.epcisBody.eventList[1].epcList[0]",
    ),
    "truncated sgln": (
        _set(2, "bizLocation", {"id": "urn:epc:id:sgln:9520123"}),
        "$.epcisBody.eventList[2].bizLocation.id",
    ),
    "offset +25:00": (
        _set(1, "eventTimeZoneOffset", "+25:00"),
        "$.epcisBody.eventList[1].eventTimeZoneOffset",
    ),
    "missing offset": (
        _drop(0, "eventTimeZoneOffset"),
        "$.epcisBody.eventList[0].eventTimeZoneOffset",
    ),
    "time without offset": (
        _set(2, "eventTime", "2025-02-03T10:00:00"),
        "$.epcisBody.eventList[2].eventTime",
    ),
    "bad action": (_set(0, "action", "ADDED"), "$.epcisBody.eventList[0].action"),
    "unknown field": (_set(0, "eventtime", "x"), "$.epcisBody.eventList[0].eventtime"),
    "no event list": (lambda d: d["epcisBody"].clear(), "$.epcisBody.eventList"),
    # CBV 2.0 §7.1-7.2 (a CBV word or a URI) and the EPCIS 2.0 schema (ilmd, extension
    # and custom type names are IRIs): (event index, key, value, path below the event).
    **{
        name: (_set(i, key, value), f"$.epcisBody.eventList[{i}].{where}")
        for name, (i, key, value, where) in {
            "bizStep not a CBV word": (0, "bizStep", "transforming", "bizStep"),
            "disposition not a CBV word": (1, "disposition", "in_transport", "disposition"),
            "CBV URN, unknown word": (2, "bizStep", "urn:epcglobal:cbv:bizstep:x", "bizStep"),
            "ilmd key without prefix": (0, "ilmd", {"lotNumber": "L1"}, "ilmd.lotNumber"),
            "undeclared prefix": (1, "acme:grade", "A", "acme:grade"),
            "undeclared prefix in ilmd": (0, "ilmd", {"acme:grade": "A"}, "ilmd.acme:grade"),
            "custom type, no namespace": (1, "type", "DryingEvent", "type"),
        }.items()
    },
}


@pytest.mark.parametrize("case", sorted(INVALID))
def test_invalid_documents_are_refused_naming_the_path_and_store_nothing(
    sqlite_app: Flask, post: Post, case: str
) -> None:
    change, path = INVALID[case]
    before = (_count(sqlite_app), _count(sqlite_app, Capture), _revision(sqlite_app))
    response = post(_mutated(change))
    assert response.status_code == 422, response.get_json()
    assert response.mimetype == "application/problem+json"
    assert path in [e["path"] for e in response.get_json()["errors"]]
    after = (_count(sqlite_app), _count(sqlite_app, Capture), _revision(sqlite_app))
    assert after == before


UNREADABLE = {
    "10 MB of junk": (b"x" * 10_000_000, LD, 413),
    "200-deep nesting": (b"[" * 200 + b"]" * 200, LD, 400),
    "100,000-deep nesting": (b"[" * 100_000 + b"]" * 100_000, LD, 400),
    "non-UTF-8": (b'{"type": "EPCISDocument", "sender": "caf\xe9"}', LD, 400),
    "truncated JSON": (b'{"type": "EPCISDocument", ', LD, 400),
    "NaN": (b'{"type": "EPCISDocument", "x": NaN}', LD, 400),
    "wrong content type": (json.dumps(_document(_event())).encode(), "text/plain", 415),
    "not an object": (b"[1, 2]", "application/json", 422),
}


@pytest.mark.parametrize("case", sorted(UNREADABLE))
def test_unreadable_bodies_get_a_4xx_problem_and_store_nothing(
    sqlite_app: Flask, post: Post, case: str
) -> None:
    body, content_type, status = UNREADABLE[case]
    before = _count(sqlite_app)
    response = post(body, content_type=content_type)
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["detail"]
    assert _count(sqlite_app) == before


def test_requests_without_a_live_token_get_401_with_a_bearer_challenge(sqlite_app: Flask) -> None:
    client = sqlite_app.test_client()
    document = _document(_event())
    with sqlite_app.app_context(), db.transaction() as session:
        record, token = create_token(session, "nkabom", "to revoke")
        revoke_token(session, record.id)
    captures = _count(sqlite_app, Capture)
    for headers in ({}, {"Authorization": "Basic abc"}, {"Authorization": f"Bearer {token}"}):
        response = client.post("/epcis/capture", json=document, headers=headers)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert response.mimetype == "application/problem+json"
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    assert _count(sqlite_app, Capture) == captures


def test_a_capture_is_invisible_to_another_brands_token(sqlite_app: Flask, post: Post) -> None:
    location = post(_document(_event())).headers["Location"]
    with sqlite_app.app_context(), db.transaction() as session:
        session.add(Brand(slug="other", name="Other brand"))
    other = _token(sqlite_app, "other")
    client = sqlite_app.test_client()
    response = client.get(location, headers={"Authorization": f"Bearer {other}"})
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    missing = client.get("/epcis/capture/nope", headers={"Authorization": f"Bearer {other}"})
    assert missing.status_code == 404


def test_a_failure_while_storing_rolls_the_whole_capture_back(app: Flask) -> None:
    # A brand id that does not exist fails the foreign key only when the events are
    # written, after the document's blob row and the capture row were added.
    before = (_count(app), _count(app, Blob), _count(app, Capture))
    with app.app_context(), pytest.raises(IntegrityError):
        capture_events(db.session, 999_999, [("$", _event())], ("0" * 64, 1, LD))
    assert (_count(app), _count(app, Blob), _count(app, Capture)) == before


def test_create_token_prints_a_token_stored_only_as_its_hash(sqlite_app: Flask) -> None:
    result = sqlite_app.test_cli_runner().invoke(
        main, ["create-token", "--brand", "nkabom", "--name", "coop ERP"]
    )
    assert result.exit_code == 0, result.output
    token = result.stdout.strip().splitlines()[-1]
    with sqlite_app.app_context():
        record = db.session.scalars(select(ApiToken)).one()
    assert (record.name, record.token_sha256) == ("coop ERP", token_hash(token))
    assert token not in json.dumps([record.name, record.token_sha256])
    unknown = sqlite_app.test_cli_runner().invoke(main, ["create-token", "--brand", "nope"])
    assert unknown.exit_code != 0 and "nope" in unknown.output


def test_status_client_without_token_is_refused(sqlite_app: Flask) -> None:
    client: FlaskClient = sqlite_app.test_client()
    assert client.get("/epcis/capture/whatever").status_code == 401


def test_cbv_refusals_name_the_nearest_word(post: Post) -> None:
    response = post(_document(_event(bizStep="transforming", disposition="in_transport")))
    assert response.status_code == 422
    messages = {e["path"]: e["message"] for e in response.get_json()["errors"]}
    assert "'transporting'" in messages["$.epcisBody.eventList[0].bizStep"]
    assert "'in_transit'" in messages["$.epcisBody.eventList[0].disposition"]


def test_every_spelling_of_a_cbv_word_and_own_uris_are_accepted(post: Post) -> None:
    events = [
        _event(bizStep=step, eventTime=f"2025-02-03T10:00:0{i}.000+00:00")
        for i, step in enumerate(
            [
                "shipping",
                "urn:epcglobal:cbv:bizstep:shipping",
                "https://ref.gs1.org/cbv/BizStep-shipping",
                "https://ns.example.com/bizstep/drying",
            ]
        )
    ]
    assert post(_document(*events)).status_code == 202


def test_declared_extensions_and_a_declared_custom_event_type_are_accepted(
    sqlite_app: Flask, post: Post
) -> None:
    document = _document(
        _event(ilmd={"acme:grade": "A", "https://ns.acme.com/moisture": 7.5}),
        {
            "type": "acme:DryingEvent",
            "eventTime": "2025-02-04T10:00:00.000+00:00",
            "eventTimeZoneOffset": "+00:00",
            "bizLocation": {"id": "urn:epc:id:sgln:9520123.00001.0"},
            "acme:days": 6,
        },
    )
    document["@context"].append({"acme": "https://ns.acme.com/"})
    before = _count(sqlite_app)
    response = post(document)
    assert response.status_code == 202, response.get_json()
    assert _count(sqlite_app) == before + 2
