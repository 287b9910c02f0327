"""The verifier recomputes every lineage event's hash and asks the chain, not the mirror."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, update

from backend.actors.service import operator
from backend.runtime import Runtime
from backend.traceability.models import EpcisEvent
from backend.traceability.service import batch_id_hex
from backend.worker import drain
from contracts.types import BatchId
from epcis.errors import InvalidInput
from seeds import laocai as data
from seeds.story import StoryResult, load_story
from verifier.service import FAILED, VERIFIED, verify_unit


def _unit(serial: str = "0001") -> str:
    return f"http://testserver/01/{data.RETAIL_PACK}/10/{data.RETAIL_LOT}/21/{serial}"


def test_verify_story_unit_verified(runtime: Runtime, story: StoryResult) -> None:
    verdict = verify_unit(runtime, story.unit_uri)
    assert (verdict.verdict, verdict.reasons) == (VERIFIED, [])
    assert verdict.origin["producerGln"] == data.ACTORS[0].gln
    assert verdict.product["name"]["zh"] == data.PRODUCTS[2]["nameZh"]
    on_chain = [c for c in verdict.checks if c.name == "event-on-chain"]
    assert len(on_chain) == 10
    assert all(c.ok for c in on_chain)


def test_verify_last_serial_verified_and_unknown_serial_failed(
    runtime: Runtime, story: StoryResult
) -> None:
    assert verify_unit(runtime, _unit(data.SERIALS[-1])).verdict == VERIFIED
    fake = verify_unit(runtime, _unit("9999"))
    assert (fake.verdict, fake.cause) == (FAILED, "counterfeit")
    assert "possible counterfeit" in fake.reasons[0]


def test_verify_altered_document_row_names_the_event(runtime: Runtime, story: StoryResult) -> None:
    with runtime.sessions() as session, session.begin():
        certificate = session.scalars(
            select(EpcisEvent).where(EpcisEvent.kind == "certificate")
        ).one()
        document = json.loads(certificate.document)
        document["ocop:testResults"][0]["ocop:result"] = "0.01 %"
        certificate.document = json.dumps(document)
        event_id = certificate.event_id
    verdict = verify_unit(runtime, story.unit_uri)
    assert (verdict.verdict, verdict.cause) == (FAILED, "tampered")
    named = [reason for reason in verdict.reasons if event_id in reason]
    assert any("the mirror row was altered" in reason for reason in named)
    assert any("is not anchored on chain" in reason for reason in named)
    assert len(verdict.reasons) == 2


def test_verify_altered_hash_columns_still_fail(runtime: Runtime, story: StoryResult) -> None:
    """Rewriting the document *and* its stored hash does not help: the chain never saw it."""
    from epcis.event_hash import event_hash_id

    with runtime.sessions() as session, session.begin():
        harvest = session.scalars(select(EpcisEvent).where(EpcisEvent.kind == "harvest")).one()
        document = json.loads(harvest.document)
        document["ilmd"]["ocop:plantingAreaCode"] = "FORGED-AREA"
        forged = event_hash_id(document)
        document["eventID"] = forged
        harvest.document = json.dumps(document)
        harvest.event_id = forged
        harvest.event_hash = forged.split(";")[1].split("?")[0]
    verdict = verify_unit(runtime, story.unit_uri)
    assert verdict.verdict == FAILED
    assert verdict.reasons == [
        f"event {forged} (harvest): digest {forged.split(';')[1].split('?')[0]} is not anchored "
        "on chain (content altered, or not anchored yet: status anchored)"
    ]


def test_verify_not_yet_anchored_story_fails_even_if_status_says_anchored(
    runtime: Runtime,
) -> None:
    story = load_story(runtime)  # captured, not sent to the chain
    with runtime.sessions() as session, session.begin():
        session.execute(update(EpcisEvent).values(status="anchored"))
    verdict = verify_unit(runtime, story.unit_uri)
    # The mirror's status column is not evidence: only the chain is.
    assert (verdict.verdict, verdict.cause) == (FAILED, "tampered")
    assert len([r for r in verdict.reasons if "is not anchored on chain" in r]) == 10
    drain(runtime)
    assert verify_unit(runtime, story.unit_uri).verdict == VERIFIED


def test_verify_recalled_batch_fails(runtime: Runtime, story: StoryResult) -> None:
    with runtime.sessions() as session:
        admin = operator(session)
    assert admin is not None
    dried = batch_id_hex(data.DRIED_ROOTS, data.DRIED_LOT)
    runtime.ledger.recall(
        runtime.vault.open(admin.sealed_key), BatchId(bytes.fromhex(dried[2:])), b"\x01" * 32
    )
    verdict = verify_unit(runtime, story.unit_uri)
    assert (verdict.verdict, verdict.cause) == (FAILED, "recalled")
    assert verdict.reasons == [f"batch {data.DRIED_ROOTS}/{data.DRIED_LOT} was RECALLED on chain"]


def test_verify_refuses_uri_without_serial(runtime: Runtime, story: StoryResult) -> None:
    with pytest.raises(InvalidInput, match="uri: must name a retail unit"):
        verify_unit(runtime, f"https://id.gs1.org/01/{data.RETAIL_PACK}/10/{data.RETAIL_LOT}")


def test_verify_freshly_captured_story_is_pending(runtime: Runtime) -> None:
    story = load_story(runtime)
    verdict = verify_unit(runtime, story.unit_uri)
    assert (verdict.verdict, verdict.cause) == (FAILED, "pending")
    drain(runtime)
    verdict = verify_unit(runtime, story.unit_uri)
    assert (verdict.verdict, verdict.cause) == (VERIFIED, "verified")
