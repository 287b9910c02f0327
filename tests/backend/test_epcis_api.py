"""The EPCIS 2.0 REST binding: capture jobs, queries, discovery, and the round trip that
keeps every Event Hash ID."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from backend.actors.models import Actor
from backend.app import create_app
from backend.outbox.models import OutboxItem
from backend.runtime import Runtime
from backend.security import hash_api_key
from backend.traceability.models import EpcisEvent
from backend.worker import drain
from contracts.types import EventDigest
from epcis.event_hash import document_event_hash_ids, event_hash_id
from epcis.gs1 import epc_urn_to_digital_link
from seeds import laocai as data
from seeds.story import load_story
from tests.backend.story_client import ApiStory
from tests.conftest import SHARED_TESTDATA
from verifier.service import FAILED, VERIFIED, verify_unit

HASH_CASES = SHARED_TESTDATA / "epcis-event-hash" / "cases"
OPENEPCIS = SHARED_TESTDATA / "openepcis"


@pytest.fixture
def api(runtime: Runtime) -> Iterator[ApiStory]:
    with TestClient(create_app(runtime=runtime, run_worker=False)) as client:
        story = ApiStory(client, runtime.settings.admin_api_key)
        story.onboard_all()
        yield story


def _capture(api: ApiStory, document: dict[str, Any], behaviour: str | None = None) -> Any:
    headers = api.as_actor("exporter")
    if behaviour:
        headers["GS1-Capture-Error-Behaviour"] = behaviour
    return api.client.post("/epcis/capture", json=document, headers=headers)


def _query(api: ApiStory, path: str = "/epcis/events", **params: str) -> list[dict[str, Any]]:
    response = api.client.get(path, params=params)
    assert response.status_code == 200, response.text
    assert response.json()["type"] == "EPCISQueryDocument"
    events: list[dict[str, Any]] = response.json()["epcisBody"]["queryResults"]["resultsBody"][
        "eventList"
    ]
    return events


def _stored(runtime: Runtime) -> int:
    with runtime.sessions() as session:
        return session.scalar(select(func.count()).select_from(EpcisEvent)) or 0


@pytest.mark.parametrize("case", sorted(HASH_CASES.glob("*.jsonld")), ids=lambda p: p.stem)
def test_capture_query_round_trip_keeps_every_event_hash_id(
    api: ApiStory, runtime: Runtime, case: Path
) -> None:
    document = json.loads(case.read_text())
    expected = case.with_suffix(".hashes").read_text().split()
    answer = _capture(api, document)
    assert answer.status_code == 202, answer.text
    job = api.client.get(answer.headers["Location"], headers=api.as_actor("exporter")).json()
    assert job["success"], job["errors"]
    assert job["capturedEvents"] + job["duplicateEvents"] == len(expected)

    returned = _query(api, perPage="1000")
    assert sorted(event_hash_id(event) for event in returned) == sorted(set(expected))
    # Each event is also fetchable by its own eventID.
    for event in returned:
        single = api.client.get(f"/epcis/events/{quote(event['eventID'], safe='')}")
        assert single.status_code == 200
        assert event_hash_id(single.json()) in expected


def test_capture_same_document_twice_stores_nothing_twice(api: ApiStory, runtime: Runtime) -> None:
    document = json.loads((HASH_CASES / "epcisDocWithVariousEventTypes.jsonld").read_text())
    count = len(document_event_hash_ids(document))
    first = _capture(api, document).json()
    before = _stored(runtime)
    second = _capture(api, document).json()
    assert (first["capturedEvents"], second["capturedEvents"]) == (count, 0)
    assert second["duplicateEvents"] == count
    assert second["success"] is True
    assert _stored(runtime) == before


def _valid_and_invalid() -> dict[str, Any]:
    document = json.loads((HASH_CASES / "epcisDocWithSingleEvent.jsonld").read_text())
    good = document["epcisBody"]["eventList"][0]
    bad = {**good, "eventTime": "2020-01-01T00:00:00", "bizStep": "not a step"}
    document["epcisBody"]["eventList"] = [good, bad]
    return document


def test_capture_rollback_stores_nothing_and_reports_the_event(
    api: ApiStory, runtime: Runtime
) -> None:
    answer = _capture(api, _valid_and_invalid())
    assert answer.status_code == 202
    job = answer.json()
    assert (job["success"], job["capturedEvents"]) == (False, 0)
    assert [error["eventIndex"] for error in job["errors"]] == [1]
    assert _stored(runtime) == 0
    with runtime.sessions() as session:
        assert (
            session.scalar(
                select(func.count()).select_from(OutboxItem).where(OutboxItem.event_pk.is_not(None))
            )
            == 0
        )


def test_capture_proceed_stores_the_valid_events(api: ApiStory, runtime: Runtime) -> None:
    job = _capture(api, _valid_and_invalid(), "proceed").json()
    assert (job["success"], job["capturedEvents"]) == (False, 1)
    assert job["errors"][0]["eventIndex"] == 1
    assert _stored(runtime) == 1


def test_capture_bad_behaviour_header_and_non_json_are_400(api: ApiStory) -> None:
    answer = _capture(api, {"type": "EPCISDocument"}, "maybe")
    assert answer.status_code == 400
    assert answer.headers["content-type"] == "application/problem+json"
    assert "GS1-Capture-Error-Behaviour" in answer.json()["detail"]
    raw = api.client.post(
        "/epcis/capture",
        content=b"not json",
        headers={**api.as_actor("exporter"), "Content-Type": "application/json"},
    )
    assert raw.status_code == 400
    assert raw.json()["type"] == "epcisException:ValidationException"


def test_capture_needs_an_api_key(api: ApiStory, runtime: Runtime) -> None:
    document = json.loads((HASH_CASES / "epcisDocWithSingleEvent.jsonld").read_text())
    assert api.client.post("/epcis/capture", json=document).status_code == 401
    assert _stored(runtime) == 0


@pytest.mark.parametrize("name", sorted(p.name for p in (OPENEPCIS / "valid").glob("*.json")))
def test_capture_accepts_every_valid_openepcis_file(api: ApiStory, name: str) -> None:
    document = json.loads((OPENEPCIS / "valid" / name).read_text())
    path = "/epcis/capture" if "epcisBody" in document else "/epcis/events"
    answer = api.client.post(path, json=document, headers=api.as_actor("exporter"))
    assert answer.status_code == 202, answer.text
    assert answer.json()["success"], answer.json()["errors"]


@pytest.mark.parametrize("name", sorted(p.name for p in (OPENEPCIS / "invalid").glob("*.json")))
def test_capture_refuses_every_invalid_openepcis_file(
    api: ApiStory, runtime: Runtime, name: str
) -> None:
    document = json.loads((OPENEPCIS / "invalid" / name).read_text())
    path = "/epcis/capture" if "epcisBody" in document else "/epcis/events"
    answer = api.client.post(path, json=document, headers=api.as_actor("exporter"))
    if answer.status_code == 400:
        assert answer.json()["detail"]
    else:
        assert answer.status_code == 202
        job = answer.json()
        assert job["success"] is False
        assert all(error["problems"] for error in job["errors"])
    assert _stored(runtime) == 0


@pytest.fixture
def captured(api: ApiStory) -> ApiStory:
    for case in ("epcisDocWithVariousEventTypes", "epcisDocWithShippingAndTransportingEvent"):
        document = json.loads((HASH_CASES / f"{case}.jsonld").read_text())
        assert _capture(api, document).json()["success"]
    return api


def test_query_event_type_and_biz_step_short_or_uri(captured: ApiStory) -> None:
    every = _query(captured, perPage="1000")
    objects = _query(captured, eventType="ObjectEvent", perPage="1000")
    assert objects
    assert {e["type"] for e in objects} == {"ObjectEvent"}
    both = _query(captured, eventType="ObjectEvent|AggregationEvent", perPage="1000")
    assert len(both) > len(objects)
    shipping = [
        e
        for e in every
        if e.get("bizStep") in ("shipping", "https://ref.gs1.org/cbv/BizStep-shipping")
    ]
    assert len(_query(captured, EQ_bizStep="shipping")) == len(shipping)
    assert len(_query(captured, EQ_bizStep="https://ref.gs1.org/cbv/BizStep-shipping")) == len(
        shipping
    )


def test_query_match_epc_urn_or_digital_link(captured: ApiStory) -> None:
    every = _query(captured, perPage="1000")
    urn = next(
        epc for e in every for epc in e.get("epcList", []) if epc.startswith("urn:epc:id:sgtin")
    )
    by_urn = _query(captured, MATCH_epc=urn)
    assert by_urn
    assert all(urn in e.get("epcList", []) + e.get("childEPCs", []) for e in by_urn)

    assert _query(captured, MATCH_epc=epc_urn_to_digital_link(urn)) == by_urn
    assert _query(captured, path=f"/epcis/epcs/{urn}/events") != []


def test_query_times_and_order(captured: ApiStory) -> None:
    every = _query(captured, perPage="1000", orderBy="eventTime", orderDirection="DESC")
    assert every
    times = [e["eventTime"] for e in _query(captured, perPage="1000")]
    assert len(times) == len(every)
    later = _query(captured, GE_eventTime="2020-01-01T00:00:00Z", perPage="1000")
    earlier = _query(captured, LT_eventTime="2020-01-01T00:00:00Z", perPage="1000")
    assert len(later) + len(earlier) == len(every)


def test_query_pages_through_link_header(captured: ApiStory) -> None:
    every = _query(captured, perPage="1000")
    seen: list[str] = []
    url = "/epcis/events?perPage=2"
    while url:
        response = captured.client.get(url)
        events = response.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
        assert len(events) <= 2
        seen.extend(e["eventID"] for e in events)
        link = response.headers.get("Link")
        url = link.split(";")[0].strip("<>") if link else ""
    assert seen == [e["eventID"] for e in every]


def test_query_unknown_parameter_and_bad_values_are_400(captured: ApiStory) -> None:
    for params in (
        {"EQ_colour": "red"},
        {"GE_eventTime": "yesterday"},
        {"perPage": "0"},
        {"nextPageToken": "forged"},
        {"eventType": "FooEvent"},
    ):
        response = captured.client.get("/epcis/events", params=params)
        assert response.status_code == 400, params
        body = response.json()
        assert body["type"] == "epcisException:QueryParameterException"
        assert next(iter(params)) in body["detail"]


def test_query_max_event_count_and_limit(captured: ApiStory) -> None:
    assert len(_query(captured, eventCountLimit="3")) == 3
    too_many = captured.client.get("/epcis/events", params={"maxEventCount": "1"})
    assert too_many.status_code == 413


def test_discovery_headers_and_vocabularies(captured: ApiStory) -> None:
    options = captured.client.options("/epcis/events")
    assert options.status_code == 204
    for header, value in (
        ("GS1-EPCIS-Version", "2.0.0"),
        ("GS1-CBV-Version", "2.0.0"),
        ("GS1-EPC-Format", "Never_Translates"),
    ):
        assert options.headers[header] == value
    assert "ns.ocoptrace.org" in options.headers["GS1-Extensions"]
    assert captured.client.options("/epcis/capture").headers["Allow"] == "OPTIONS, GET, POST"
    assert "ObjectEvent" in captured.client.get("/epcis/eventTypes").json()
    assert "shipping" in captured.client.get("/epcis/bizSteps").json()
    assert "in_transit" in captured.client.get("/epcis/dispositions").json()
    assert captured.client.get("/epcis/events/urn:uuid:nope").status_code == 404


def test_workflow_events_are_queryable_like_captured_ones(api: ApiStory, runtime: Runtime) -> None:
    api.harvest()
    events = _query(api, EQ_bizStep="commissioning")
    assert len(events) == 1
    assert events[0]["eventID"] == event_hash_id(events[0])
    assert "recordTime" in events[0]


def test_captured_events_are_anchored_on_chain(api: ApiStory, runtime: Runtime) -> None:

    document = json.loads((HASH_CASES / "epcisDocWithVariousEventTypes.jsonld").read_text())
    expected = document_event_hash_ids(document)
    assert _capture(api, document).json()["success"]
    drain(runtime)
    with runtime.sessions() as session:
        rows = session.execute(select(EpcisEvent.event_hash, EpcisEvent.status)).all()
    assert {status for _, status in rows} == {"anchored"}
    assert len(rows) == len(set(expected))
    for digest, _ in rows:
        record = runtime.ledger.event_record(EventDigest(bytes.fromhex(digest)))
        assert record is not None
        assert record.actor == api.client.get("/actors").json()[4]["address"]


def _arrival_of_unit_0001() -> dict[str, Any]:
    unit = f"https://id.gs1.org/01/{data.RETAIL_PACK}/21/{data.SERIALS[0]}"
    return {
        "type": "ObjectEvent",
        "action": "OBSERVE",
        "bizStep": "arriving",
        "disposition": "in_transit",
        "epcList": [unit],
        "eventTime": "2026-10-21T15:00:00.000+08:00",
        "eventTimeZoneOffset": "+08:00",
        "readPoint": {"id": f"https://id.gs1.org/414/{data.BORDER_GATE_GLN}"},
    }


def test_error_declaration_is_anchored_and_honoured(api: ApiStory, runtime: Runtime) -> None:
    story = load_story(runtime)
    drain(runtime)
    exporter = {"Authorization": f"Bearer {_exporter_key(runtime)}"}
    arrival = _arrival_of_unit_0001()
    assert api.client.post("/epcis/events", json=arrival, headers=exporter).json()["success"]
    drain(runtime)
    declared = {
        **arrival,
        "errorDeclaration": {
            "declarationTime": "2026-10-22T09:00:00.000+08:00",
            "reason": "incorrect_data",
        },
    }
    job = api.client.post("/epcis/events", json=declared, headers=exporter).json()
    assert (job["success"], job["capturedEvents"]) == (True, 1)
    assert _stored(runtime) == 11  # recorded on the original row, never a second copy
    drain(runtime)
    verdict = verify_unit(runtime, story.unit_uri)
    assert verdict.verdict == VERIFIED, verdict.reasons
    assert [c.name for c in verdict.checks].count("event-declared-erroneous") == 1
    assert len(_query(api, EXISTS_errorDeclaration="true")) == 1


def test_error_declaration_forged_in_sql_fails(runtime: Runtime, api: ApiStory) -> None:
    story = load_story(runtime)
    drain(runtime)
    with runtime.sessions() as session, session.begin():
        harvest = session.scalars(select(EpcisEvent).where(EpcisEvent.kind == "harvest")).one()
        document = json.loads(harvest.document)
        document["errorDeclaration"] = {
            "declarationTime": "2026-10-22T09:00:00.000+08:00",
            "reason": "incorrect_data",
        }
        harvest.document = json.dumps(document)
    verdict = verify_unit(runtime, story.unit_uri)
    assert (verdict.verdict, verdict.cause) == (FAILED, "tampered")
    assert any("errorDeclaration that is not anchored" in r for r in verdict.reasons)


def test_error_declaration_by_another_actor_is_refused(api: ApiStory, runtime: Runtime) -> None:
    load_story(runtime)
    drain(runtime)
    arrival = _arrival_of_unit_0001()
    exporter = {"Authorization": f"Bearer {_exporter_key(runtime)}"}
    assert api.client.post("/epcis/events", json=arrival, headers=exporter).json()["success"]
    declared = {**arrival, "errorDeclaration": {"declarationTime": "2026-10-22T09:00:00Z"}}
    job = api.client.post("/epcis/events", json=declared, headers=api.as_actor("lab")).json()
    assert job["success"] is False
    assert "may declare it erroneous" in job["errors"][0]["problems"][0]


def _exporter_key(runtime: Runtime) -> str:
    """Give the story's exporter a known API key (the story keeps none)."""
    key = "ocp_test_exporter_key"
    with runtime.sessions() as session, session.begin():
        exporter = session.scalars(
            select(Actor).where(Actor.role == "EXPORTER").order_by(Actor.id)
        ).first()
        assert exporter is not None
        exporter.api_key_hash = hash_api_key(key)
    return key


def test_captured_event_about_our_unit_joins_its_lineage(runtime: Runtime) -> None:

    story = load_story(runtime)
    drain(runtime)
    unit = f"https://id.gs1.org/01/{data.RETAIL_PACK}/21/{data.SERIALS[0]}"
    event = {
        "type": "ObjectEvent",
        "action": "OBSERVE",
        "bizStep": "arriving",
        "disposition": "in_transit",
        "epcList": [unit],
        "eventTime": "2026-10-21T15:00:00.000+08:00",
        "eventTimeZoneOffset": "+08:00",
        "readPoint": {"id": f"https://id.gs1.org/414/{data.BORDER_GATE_GLN}"},
    }
    with TestClient(create_app(runtime=runtime, run_worker=False)) as client:
        exporter_key = "ocp_test_exporter_key"
        with runtime.sessions() as session, session.begin():
            exporter = session.scalars(select(Actor).where(Actor.role == "EXPORTER")).one()
            exporter.api_key_hash = hash_api_key(exporter_key)
        answer = client.post(
            "/epcis/events", json=event, headers={"Authorization": f"Bearer {exporter_key}"}
        )
        assert answer.json()["success"], answer.text
    drain(runtime)
    verdict = verify_unit(runtime, story.unit_uri)
    assert verdict.verdict == VERIFIED, verdict.reasons
    assert [s.kind for s in verdict.steps][-1] == "captured"

    with runtime.sessions() as session, session.begin():
        row = session.scalars(select(EpcisEvent).where(EpcisEvent.kind == "captured")).one()
        row.document = row.document.replace("arriving", "departing")
    assert verify_unit(runtime, story.unit_uri).verdict == FAILED
