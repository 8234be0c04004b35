"""EPCIS query interface: filters, keyset pagination with signed tokens, brand scoping."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from sqlalchemy import select, text
from werkzeug.datastructures import MultiDict

from server.adapters.db import db
from server.adapters.models import Brand, EpcisEvent
from server.core.gs1.identifiers import canonical_id
from server.services.epcis_query import _statement, parse_query
from tests.conftest import api_token

SHIPPING_URN = "urn:epcglobal:cbv:bizstep:shipping"


def _token(app: Flask, slug: str = "nkabom") -> str:
    return api_token(app, slug)


def _get(app: Flask, token: str, **params: str) -> Any:
    headers = {"Authorization": f"Bearer {token}"}
    return app.test_client().get("/epcis/events", query_string=params, headers=headers)


def _all(app: Flask, token: str, **params: str) -> list[dict[str, Any]]:
    """Return every event the query answers, following nextPageToken."""
    events: list[dict[str, Any]] = []
    token_param: dict[str, str] = {}
    for _ in range(100):
        response = _get(app, token, **params, **token_param)
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        events.extend(body["epcisBody"]["queryResults"]["resultsBody"]["eventList"])
        if "nextPageToken" not in body:
            assert "Link" not in response.headers
            return events
        link = response.headers["Link"]
        assert link.endswith('>; rel="next"')
        query = parse_qs(urlsplit(link[1 : link.index(">")]).query)
        assert query["nextPageToken"] == [body["nextPageToken"]]
        token_param = {"nextPageToken": body["nextPageToken"]}
    raise AssertionError("pagination did not end")


def _stored(app: Flask) -> list[EpcisEvent]:
    with app.app_context():
        brand_id = db.session.scalars(select(Brand.id).where(Brand.slug == "nkabom")).one()
        return list(db.session.scalars(select(EpcisEvent).where(EpcisEvent.brand_id == brand_id)))


def _time(event: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(event["eventTime"].replace("Z", "+00:00"))


def test_pages_walk_every_event_once_in_time_order(app: Flask) -> None:
    token = _token(app)
    events = _all(app, token, perPage="40")
    stored = _stored(app)
    assert len(stored) == 262
    assert sorted(e["eventID"] for e in events) == sorted(e.event_id or "" for e in stored)
    first = _get(app, token).get_json()
    assert first["type"] == "EPCISQueryDocument"
    assert len(first["epcisBody"]["queryResults"]["resultsBody"]["eventList"]) == 30


def test_eq_biz_step_counts_match_the_database_in_any_spelling(app: Flask) -> None:
    token = _token(app)
    expected = sum(1 for e in _stored(app) if e.biz_step == "shipping")
    assert expected > 0
    for spelling in ("shipping", SHIPPING_URN, "https://ref.gs1.org/cbv/BizStep-shipping"):
        found = _all(app, token, EQ_bizStep=spelling)
        assert len(found) == expected
        assert {e["bizStep"] for e in found} == {"shipping"}
    both = _all(app, token, EQ_bizStep="shipping,https://ns.originxr.org/bizstep/drying")
    drying = sum(1 for e in _stored(app) if e.biz_step == "https://ns.originxr.org/bizstep/drying")
    assert len(both) == expected + drying


def test_event_time_window_and_event_type(app: Flask) -> None:
    token = _token(app)
    low, high = datetime(2025, 1, 1, tzinfo=UTC), datetime(2025, 3, 1, tzinfo=UTC)
    raw = [e.raw for e in _stored(app)]
    expected = [e for e in raw if low <= _time(e) < high]
    # An unencoded "+" arrives as a space: accepted as the offset it meant.
    found = _all(
        app, token, GE_eventTime="2025-01-01T00:00:00Z", LT_eventTime="2025-03-01T00:00:00 00:00"
    )
    assert 0 < len(found) < len(raw)
    assert sorted(e["eventID"] for e in found) == sorted(e["eventID"] for e in expected)
    transformations = _all(app, token, eventType="TransformationEvent", perPage="500")
    assert len(transformations) == sum(1 for e in raw if e["type"] == "TransformationEvent")


def test_match_epc_and_any_epc_find_quantities_and_inputs(app: Flask) -> None:
    token = _token(app)
    stored = _stored(app)
    transformation = next(e for e in stored if e.inputs)
    lot = transformation.inputs[0]["epc_class"]
    in_any = {e.event_id for e in stored if lot in _classes(e, any_epc=True)}
    in_lists = {e.event_id for e in stored if lot in _classes(e, any_epc=False)}
    assert transformation.event_id in in_any - in_lists
    # The URN spelling of the class is canonicalised before matching.
    urn = next(
        q["epcClass"]
        for q in transformation.raw.get("inputQuantityList", [])
        if canonical_id(q["epcClass"]) == lot
    )
    assert {e["eventID"] for e in _all(app, token, MATCH_anyEPC=urn)} == in_any
    assert {e["eventID"] for e in _all(app, token, MATCH_epc=lot)} == in_lists


def _classes(event: EpcisEvent, *, any_epc: bool) -> set[str]:
    rows = list(event.quantities) + (list(event.inputs) + list(event.outputs) if any_epc else [])
    return {q["epc_class"] for q in rows}


def test_eq_biz_location_accepts_urn_or_digital_link(sqlite_app: Flask) -> None:
    token = _token(sqlite_app)
    stored = _stored(sqlite_app)
    location = next(e.biz_location for e in stored if e.biz_location)
    assert location is not None
    expected = sum(1 for e in stored if e.biz_location == location)
    gln = location.rsplit("/", 1)[1]
    urn = f"urn:epc:id:sgln:{gln[:7]}.{gln[7:12]}.0"
    assert len(_all(sqlite_app, token, EQ_bizLocation=urn)) == expected
    assert len(_all(sqlite_app, token, EQ_bizLocation=location)) == expected


def test_another_brands_events_are_invisible(sqlite_app: Flask) -> None:
    with sqlite_app.app_context(), db.transaction() as session:
        session.add(Brand(slug="other", name="Other brand"))
    other = _token(sqlite_app, "other")
    event = {
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
        "type": "ObjectEvent",
        "eventTime": "2025-02-03T10:00:00Z",
        "eventTimeZoneOffset": "+00:00",
        "action": "OBSERVE",
        "bizStep": "shipping",
        "epcList": ["urn:epc:id:sgtin:9520123.012345.1"],
    }
    client = sqlite_app.test_client()
    captured = client.post(
        "/epcis/events", json=event, headers={"Authorization": f"Bearer {other}"}
    )
    assert captured.status_code == 202, captured.get_json()
    assert len(_all(sqlite_app, other)) == 1
    mine = _all(sqlite_app, _token(sqlite_app), EQ_bizStep="shipping")
    assert "urn:epc:id:sgtin:9520123.012345.1" not in str(mine)
    assert len(mine) == 3


def test_a_page_token_is_refused_when_altered_or_reused_elsewhere(sqlite_app: Flask) -> None:
    token = _token(sqlite_app)
    page = _get(sqlite_app, token, perPage="5").get_json()["nextPageToken"]
    assert _get(sqlite_app, token, perPage="5", nextPageToken=page).status_code == 200
    head, _, mac = page.partition(".")
    flipped = head[:-2] + ("A" if head[-2] != "A" else "B") + head[-1] + "." + mac
    for bad in (flipped, "junk", page + "x"):
        response = _get(sqlite_app, token, perPage="5", nextPageToken=bad)
        assert response.status_code == 400
        assert response.get_json()["errors"][0]["parameter"] == "nextPageToken"
    other_query = _get(sqlite_app, token, EQ_bizStep="receiving", nextPageToken=page)
    assert other_query.status_code == 400
    with sqlite_app.app_context(), db.transaction() as session:
        session.add(Brand(slug="other", name="Other brand"))
    other_brand = _get(sqlite_app, _token(sqlite_app, "other"), perPage="5", nextPageToken=page)
    assert other_brand.status_code == 400


@pytest.mark.parametrize(
    ("parameter", "value"),
    [
        ("GE_eventTime", "yesterday"),
        ("LT_eventTime", "2025-01-01T00:00:00"),
        ("perPage", "0"),
        ("perPage", "501"),
        ("eventType", "ObjectEvent,CheeseEvent"),
        ("EQ_action", "ADDED"),
        ("MATCH_epc", "urn:epc:id:sgtin:abc.def.1"),
        ("MATCH_anyEPC", "urn:epc:idpat:sgtin:9520123.012345.*"),
        ("EQ_bizLocation", "https://id.gs1.org/414/9520123000019"),
        ("EQ_bizStep", "not a step"),
        ("EQ_bizStep", "shipping,"),
        ("MATCH_parentID", "urn:epc:id:sscc:9520123.0000000001"),
    ],
)
def test_bad_parameters_get_400_naming_them(sqlite_app: Flask, parameter: str, value: str) -> None:
    response = _get(sqlite_app, _token(sqlite_app), **{parameter: value})
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["errors"][0]["parameter"] == parameter
    assert parameter in response.get_json()["detail"]


def test_a_time_window_ending_before_it_starts_is_refused(sqlite_app: Flask) -> None:
    response = _get(
        sqlite_app,
        _token(sqlite_app),
        GE_eventTime="2025-03-01T00:00:00Z",
        LT_eventTime="2025-01-01T00:00:00Z",
    )
    assert response.status_code == 400


def test_queries_need_a_live_token(sqlite_app: Flask) -> None:
    response = sqlite_app.test_client().get("/epcis/events")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def _capture(app: Flask, token: str, *events: dict[str, Any]) -> None:
    document = {
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2025-02-03T11:00:00Z",
        "epcisBody": {"eventList": list(events)},
    }
    response = app.test_client().post(
        "/epcis/capture",
        data=json.dumps(document),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/ld+json"},
    )
    assert response.status_code == 202, response.get_json()


def _aggregation(event_id: str, parent: str, children: list[str]) -> dict[str, Any]:
    return {
        "type": "AggregationEvent",
        "eventID": event_id,
        "eventTime": "2025-02-03T10:00:00Z",
        "eventTimeZoneOffset": "+00:00",
        "action": "ADD",
        "bizStep": "packing",
        "parentID": parent,
        "childEPCs": children,
    }


SSCC = "urn:epc:id:sscc:9520123.0000000001"
CHILD = "urn:epc:id:sgtin:9520123.012345.400"


def test_match_epc_sees_children_and_any_epc_sees_the_parent(app: Flask) -> None:
    token = _token(app)
    _capture(app, token, _aggregation("urn:uuid:agg-1", SSCC, [CHILD]))
    # Digital Link and URN spellings of the same identifiers find the same events.
    assert [e["eventID"] for e in _all(app, token, MATCH_epc=CHILD)] == ["urn:uuid:agg-1"]
    assert [e["eventID"] for e in _all(app, token, MATCH_anyEPC=CHILD)] == ["urn:uuid:agg-1"]
    assert _all(app, token, MATCH_epc=SSCC) == []
    assert [e["eventID"] for e in _all(app, token, MATCH_anyEPC=canonical_id(SSCC))] == [
        "urn:uuid:agg-1"
    ]
    # Both filters given: an event must satisfy each.
    assert _all(app, token, MATCH_epc=CHILD, MATCH_anyEPC=SSCC) != []
    assert _all(app, token, MATCH_epc=SSCC, MATCH_anyEPC=CHILD) == []


def test_identifier_filters_agree_with_the_events_for_every_class(sqlite_app: Flask) -> None:
    token = _token(sqlite_app)
    stored = _stored(sqlite_app)
    classes = sorted({q["epc_class"] for e in stored for q in e.quantities + e.inputs})[:12]
    for cls in classes:
        for name, any_epc in (("MATCH_epc", False), ("MATCH_anyEPC", True)):
            expected = {e.event_id for e in stored if cls in _classes(e, any_epc=any_epc)}
            found = _all(sqlite_app, token, perPage="500", **{name: cls})
            assert {e["eventID"] for e in found} == expected, (name, cls)


def test_identifier_filters_use_the_identifier_index(sqlite_app: Flask) -> None:
    query = parse_query(MultiDict({"MATCH_anyEPC": CHILD}))
    with sqlite_app.app_context():
        statement = _statement(1, query, None).limit(31)
        compiled = statement.compile(db.engine, compile_kwargs={"literal_binds": True})
        plan = db.session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")).all()
    assert any("ix_event_identifiers_lookup" in str(row) for row in plan), plan


def test_an_identifier_longer_than_the_index_is_still_found(sqlite_app: Flask) -> None:
    token = _token(sqlite_app)
    long_child = "https://example.org/item/" + "x" * 300
    _capture(sqlite_app, token, _aggregation("urn:uuid:agg-long", SSCC, [long_child]))
    found = _all(sqlite_app, token, MATCH_epc=long_child)
    assert [e["eventID"] for e in found] == ["urn:uuid:agg-long"]
    assert _all(sqlite_app, token, MATCH_epc=long_child + "y") == []
