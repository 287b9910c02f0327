"""The demo story loads through the services and adds nothing twice."""

from __future__ import annotations

from sqlalchemy import delete, func, select

from backend.actors.models import Actor
from backend.epcis_api.models import EventEpc
from backend.outbox.models import OutboxItem
from backend.runtime import Runtime
from backend.traceability.models import Batch, EpcisEvent, EventBatch, Product, RetailUnit
from backend.worker import drain
from chain_sync.models import ChainLog
from seeds import laocai as data
from seeds.story import load_story
from verifier.service import VERIFIED, verify_unit

TABLES = (Actor, Product, Batch, RetailUnit, EpcisEvent, OutboxItem, ChainLog)


def _counts(runtime: Runtime) -> dict[str, int]:
    with runtime.sessions() as session:
        return {
            table.__tablename__: session.scalar(select(func.count()).select_from(table)) or 0
            for table in TABLES
        }


def test_load_story_twice_adds_nothing_twice(runtime: Runtime) -> None:
    first = load_story(runtime)
    drain(runtime)
    after_first = _counts(runtime)
    head = runtime.chain.w3.eth.block_number
    assert after_first["actors"] == len(data.ACTORS) + 1  # plus the operator
    assert after_first["retail_units"] == data.UNIT_COUNT
    assert after_first["epcis_events"] == 10
    assert first.created_steps == len(data.ACTORS) + len(data.PRODUCTS) + 10

    second = load_story(runtime)
    drain(runtime)
    assert second.created_steps == 0
    assert _counts(runtime) == after_first
    assert runtime.chain.w3.eth.block_number == head
    assert second.unit_uri == first.unit_uri


def test_load_story_resumes_after_partial_load(runtime: Runtime) -> None:
    load_story(runtime)
    drain(runtime)
    complete = _counts(runtime)
    head = runtime.chain.w3.eth.block_number
    # Forget the last step in SQL, as if the loader had died before committing it while
    # its transaction had already been mined.
    with runtime.sessions() as session, session.begin():
        event = session.scalars(select(EpcisEvent).where(EpcisEvent.kind == "export")).one()
        session.execute(delete(OutboxItem).where(OutboxItem.event_pk == event.id))
        session.execute(delete(EventBatch).where(EventBatch.event_pk == event.id))
        session.execute(delete(EventEpc).where(EventEpc.event_pk == event.id))
        session.delete(event)
        retail = session.scalars(select(Batch).where(Batch.lot == data.RETAIL_LOT)).one()
        retail.status = "active"
    resumed = load_story(runtime)
    assert resumed.created_steps == 1
    drain(runtime)
    # Same content, same Event Hash ID: the submitter finds it anchored and sends nothing.
    assert runtime.chain.w3.eth.block_number == head
    assert _counts(runtime)["epcis_events"] == complete["epcis_events"]
    with runtime.sessions() as session:
        assert set(session.scalars(select(EpcisEvent.status))) == {"anchored"}
    assert verify_unit(runtime, resumed.unit_uri).verdict == VERIFIED
