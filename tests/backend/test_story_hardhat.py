"""The whole story through the HTTP API on a real Hardhat node (JSON-RPC, automining).

Same ApiStory as the in-process chain; on top, the SQL mirror is compared with what the
node itself returns for ``eth_getLogs``, and a refused write is shown to touch nothing:
no SQL row, no transaction, no new block.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from backend.app import create_app
from backend.outbox.models import OutboxItem
from backend.runtime import Chain, Runtime, start_runtime
from backend.traceability.models import EpcisEvent
from backend.worker import drain
from chain_sync.models import ChainLog
from contracts.chains import HARDHAT_CHAIN_ID, HardhatNode
from contracts.types import BatchId, BatchStatus
from seeds import laocai as data
from tests.backend.story_client import ApiStory
from tests.conftest import make_settings

pytestmark = [pytest.mark.hardhat, pytest.mark.timeout(180)]


@pytest.fixture(scope="module")
def node() -> Iterator[HardhatNode]:
    with HardhatNode() as node:
        yield node


@pytest.fixture
def hh_runtime(node: HardhatNode, tmp_path: Path) -> Iterator[Runtime]:
    """A runtime with its own SQLite file and its own ledger, on the shared node.

    The chain is passed without its node: closing the runtime leaves the node running
    for the next test; the module fixture stops it."""
    runtime = start_runtime(
        make_settings(tmp_path, chain="hardhat"), Chain("hardhat", node.web3(), None)
    )
    yield runtime
    runtime.close()
    assert node.running


@pytest.fixture
def api(hh_runtime: Runtime) -> Iterator[ApiStory]:
    with TestClient(create_app(runtime=hh_runtime, run_worker=False)) as client:
        yield ApiStory(client, hh_runtime.settings.admin_api_key)


def _hex(value: Any) -> str:
    text = value if isinstance(value, str) else bytes(value).hex()
    return (text if text.startswith("0x") else "0x" + text).lower()


def batch_id(hex_id: str) -> BatchId:
    return BatchId(bytes.fromhex(hex_id.removeprefix("0x")))


def _counts(runtime: Runtime) -> tuple[int, int, list[str]]:
    with runtime.sessions() as session:
        events = session.scalar(select(func.count()).select_from(EpcisEvent)) or 0
        outbox = session.scalar(select(func.count()).select_from(OutboxItem)) or 0
        statuses = sorted(session.scalars(select(OutboxItem.status)).all())
    return events, outbox, statuses


def test_story_on_hardhat_verified_and_mirror_matches_node_logs(
    api: ApiStory, hh_runtime: Runtime
) -> None:
    w3 = hh_runtime.chain.w3
    assert w3.eth.chain_id == HARDHAT_CHAIN_ID
    unit_path = api.run_all()
    with hh_runtime.sessions() as session:
        assert set(session.scalars(select(EpcisEvent.status)).all()) == {"pending"}

    drain(hh_runtime)

    with hh_runtime.sessions() as session:
        assert set(session.scalars(select(EpcisEvent.status)).all()) == {"anchored"}
        assert session.scalar(select(func.count()).select_from(EpcisEvent)) == 10
        assert (
            session.scalar(
                select(func.count()).select_from(OutboxItem).where(OutboxItem.status != "done")
            )
            == 0
        )
        mirrored = session.execute(
            select(ChainLog.chain_id, ChainLog.tx_hash, ChainLog.log_index, ChainLog.block_number)
        ).all()
        anchored_at = session.execute(
            select(EpcisEvent.tx_hash, EpcisEvent.log_index, EpcisEvent.block_number)
        ).all()

    verdict = api.client.get("/verify", params={"uri": "http://testserver" + unit_path}).json()
    assert verdict["verdict"] == "VERIFIED", verdict["reasons"]
    assert verdict["reasons"] == []
    assert verdict["chain"]["chainId"] == HARDHAT_CHAIN_ID
    assert len(verdict["steps"]) == 10
    assert all(step["anchored"] and step["block_number"] for step in verdict["steps"])

    retail = hh_runtime.ledger.batch(batch_id(api.batch_ids["retail"]))
    assert (retail.status, retail.quantity) == (BatchStatus.EXPORTED, 150_000)
    fresh = hh_runtime.ledger.batch(batch_id(api.batch_ids["fresh"]))
    assert (fresh.remaining, fresh.status) == (0, BatchStatus.CONSUMED)

    # The mirror holds exactly the ledger's logs as the node reports them: none missing,
    # none extra, none twice.
    raw = w3.eth.get_logs(
        {
            "address": w3.to_checksum_address(hh_runtime.deployment.address),
            "fromBlock": hh_runtime.deployment.deploy_block,
            "toBlock": "latest",
        }
    )
    on_chain = {(_hex(entry["transactionHash"]), int(entry["logIndex"])) for entry in raw}
    in_mirror = {(_hex(tx_hash), log_index) for _, tx_hash, log_index, _ in mirrored}
    assert len(raw) == len(on_chain) > 0
    assert len(mirrored) == len(raw)
    assert in_mirror == on_chain
    assert {chain_id for chain_id, *_ in mirrored} == {HARDHAT_CHAIN_ID}
    # Each anchored event points at a log the node knows, in the block the node says.
    blocks = {(_hex(e["transactionHash"]), int(e["logIndex"])): int(e["blockNumber"]) for e in raw}
    for tx_hash, log_index, block_number in anchored_at:
        assert log_index is not None
        assert blocks[(_hex(tx_hash), log_index)] == block_number

    # A second round finds nothing new.
    drain(hh_runtime)
    with hh_runtime.sessions() as session:
        assert session.scalar(select(func.count()).select_from(ChainLog)) == len(raw)


def test_actor_without_role_gets_403_and_nothing_is_written(
    api: ApiStory, hh_runtime: Runtime
) -> None:
    api.onboard_all()
    fresh = api.harvest()
    drain(hh_runtime)
    w3 = hh_runtime.chain.w3
    before = _counts(hh_runtime)
    block_before = w3.eth.block_number
    assert set(before[2]) == {"done"}

    event_time = data.HARVEST["eventTime"]
    assert isinstance(event_time, datetime)
    harvest: dict[str, Any] = {
        **data.HARVEST,
        "lot": "TT2610-LAB",
        "quantityKg": "10",
        "harvestDate": "2026-10-05",
        "eventTime": event_time.isoformat(),
    }
    refusals: list[tuple[str, str, dict[str, Any]]] = [
        # A lab registering a harvest: only cooperatives do.
        ("/batches", "lab", harvest),
        # An exporter transforming a batch: only processors do.
        (
            "/transformations",
            "exporter",
            {
                "processStep": "drying",
                "inputs": [{"batchId": fresh, "quantityKg": "500"}],
                "outputs": [{"gtin": data.DRIED_ROOTS, "lot": "TT-X", "quantityKg": "100"}],
            },
        ),
        # A cooperative clearing its own batch for export: only customs does.
        (
            f"/batches/{fresh}/export-clearance",
            "cooperative",
            {
                "declarationNumber": data.EXPORT_DECLARATION,
                "borderGateGln": data.BORDER_GATE_GLN,
            },
        ),
    ]
    for path, actor, body in refusals:
        answer = api.post(path, actor, body, expect=403)
        assert answer["error"] == "forbidden", answer
        assert "role" in answer["detail"], answer

    drain(hh_runtime)  # nothing was queued, so nothing is sent
    assert _counts(hh_runtime) == before
    assert w3.eth.block_number == block_before
    state = hh_runtime.ledger.batch(batch_id(fresh))
    assert (state.status, state.remaining) == (BatchStatus.ACTIVE, 500_000)
