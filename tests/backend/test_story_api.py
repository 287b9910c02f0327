"""The whole story through the HTTP API on the in-process chain, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from backend.app import create_app
from backend.outbox.models import OutboxItem
from backend.runtime import Runtime, start_runtime
from backend.traceability.models import EpcisEvent
from backend.worker import drain
from chain_sync.models import ChainLog
from contracts.types import BatchStatus
from seeds import laocai as data
from tests.backend.story_client import ApiStory
from tests.conftest import make_settings


@pytest.fixture
def db_runtime(tmp_path: Path, database_url: str) -> Iterator[Runtime]:
    runtime = start_runtime(make_settings(tmp_path, database_url))
    yield runtime
    runtime.close()


@pytest.fixture
def api(db_runtime: Runtime) -> Iterator[ApiStory]:
    with TestClient(create_app(runtime=db_runtime, run_worker=False)) as client:
        yield ApiStory(client, db_runtime.settings.admin_api_key)


def test_story_api_end_to_end_verified(api: ApiStory, db_runtime: Runtime) -> None:
    unit_path = api.run_all()
    # Accepted, not yet on chain: the API answered 202 and queued every write.
    with db_runtime.sessions() as session:
        statuses = set(session.scalars(select(EpcisEvent.status)).all())
    assert statuses == {"pending"}

    drain(db_runtime)

    with db_runtime.sessions() as session:
        assert set(session.scalars(select(EpcisEvent.status)).all()) == {"anchored"}
        assert (
            session.scalar(
                select(func.count()).select_from(OutboxItem).where(OutboxItem.status != "done")
            )
            == 0
        )
        event_count = session.scalar(select(func.count()).select_from(EpcisEvent))
    assert event_count == 10

    verdict = api.client.get("/verify", params={"uri": "http://testserver" + unit_path}).json()
    assert verdict["verdict"] == "VERIFIED", verdict["reasons"]
    assert verdict["reasons"] == []
    assert verdict["origin"]["plantingAreaCode"] == data.HARVEST["plantingAreaCode"]
    assert [step["kind"] for step in verdict["steps"]] == [
        "harvest",
        "custody",
        "step",
        "transformation",
        "certificate",
        "transformation",
        "custody",
        "step",
        "step",
        "export",
    ]
    assert all(step["anchored"] and step["block_number"] for step in verdict["steps"])

    retail = db_runtime.ledger.batch(bytes.fromhex(api.batch_ids["retail"][2:]))
    assert retail.status == BatchStatus.EXPORTED
    assert retail.quantity == 150_000
    fresh = db_runtime.ledger.batch(bytes.fromhex(api.batch_ids["fresh"][2:]))
    assert (fresh.remaining, fresh.status) == (0, BatchStatus.CONSUMED)


def test_get_batch_lineage_up_to_harvest_and_down_to_units(
    api: ApiStory, db_runtime: Runtime
) -> None:
    api.run_all()
    drain(db_runtime)
    dried = api.client.get(f"/batches/{api.batch_ids['dried']}").json()
    assert [b["lot"] for b in dried["ancestors"]] == [data.HARVEST["lot"]]
    assert [b["lot"] for b in dried["descendants"]] == [data.RETAIL_LOT]
    assert len(dried["units"]) == data.UNIT_COUNT
    assert dried["batch"]["quantityKg"] == 150
    assert {e["status"] for e in dried["events"]} == {"anchored"}
    kinds = [e["kind"] for e in dried["events"]]
    assert kinds.count("transformation") == 2
    assert "certificate" in kinds

    by_key = api.client.get("/batches", params={"gtin": data.DRIED_ROOTS, "lot": data.DRIED_LOT})
    assert by_key.json()["batchId"] == api.batch_ids["dried"]


def test_event_status_url_follows_the_event_to_the_chain(
    api: ApiStory, db_runtime: Runtime
) -> None:
    api.onboard_all()
    api.harvest()
    with db_runtime.sessions() as session:
        digest = session.scalars(select(EpcisEvent.event_hash)).one()
    before = api.client.get(f"/events/{digest}").json()
    assert (before["status"], before["blockNumber"]) == ("pending", None)
    assert before["eventId"] == f"ni:///sha-256;{digest}?ver=CBV2.0"
    assert before["document"]["eventID"] == before["eventId"]

    drain(db_runtime)

    after = api.client.get(f"/events/{digest}").json()
    assert after["status"] == "anchored"
    with db_runtime.sessions() as session:
        log = session.scalars(select(ChainLog).where(ChainLog.event_hash == digest)).one()
    assert (after["blockNumber"], after["txHash"]) == (log.block_number, log.tx_hash)
    assert log.name == "BatchRegistered"
