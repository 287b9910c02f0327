"""Reorgs made on a real Hardhat node with evm_snapshot / evm_revert, on SQLite and
PostgreSQL: the mirror follows the canonical chain, orphaned anchorings are resent, and a
reorg deeper than the finality stops the sync with a clear error."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from backend.app import create_app
from backend.outbox.models import OutboxItem
from backend.outbox.submitter import submit_pending
from backend.runtime import Chain, Runtime, start_runtime
from backend.traceability.models import EpcisEvent
from backend.worker import drain, mirror
from chain_sync.errors import ChainReorgTooDeep
from chain_sync.indexer import run_sync, sync_once
from chain_sync.models import ChainBatch, SyncCheckpoint
from contracts.chains import HardhatNode
from contracts.types import ZERO_ADDRESS, BatchId
from tests.backend.story_client import ApiStory
from tests.chain_sync.mirror import anchoring, as_rows, fetch_logs, logs_in_mirror, mirror_rows
from tests.conftest import make_settings

pytestmark = [pytest.mark.hardhat, pytest.mark.timeout(240)]


@pytest.fixture(scope="module")
def node() -> Iterator[HardhatNode]:
    with HardhatNode() as node:
        yield node


@pytest.fixture
def hh_runtime(node: HardhatNode, tmp_path: Path, database_url: str) -> Iterator[Runtime]:
    settings = make_settings(tmp_path, database_url, chain="hardhat")
    runtime = start_runtime(settings, Chain("hardhat", node.web3(), None))
    yield runtime
    runtime.close()


@pytest.fixture
def api(hh_runtime: Runtime) -> Iterator[ApiStory]:
    with TestClient(create_app(runtime=hh_runtime, run_worker=False)) as client:
        story = ApiStory(client, hh_runtime.settings.admin_api_key)
        story.onboard_all()
        story.harvest()
        drain(hh_runtime)
        yield story


def _rpc(runtime: Runtime, method: str, *params: Any) -> Any:
    answer = runtime.chain.w3.provider.make_request(method, list(params))  # type: ignore[arg-type]
    return answer["result"]


def _canonical_logs(runtime: Runtime) -> list[tuple[str, str, int, str]]:
    w3 = runtime.chain.w3
    start = runtime.deployment.deploy_block
    return as_rows(fetch_logs(w3, runtime.ledger, start, w3.eth.block_number))


def _assert_batches_equal_contract(runtime: Runtime) -> None:
    with runtime.sessions() as session:
        batches = session.scalars(select(ChainBatch)).all()
    assert batches
    for row in batches:
        state = runtime.ledger.batch(BatchId(bytes.fromhex(row.batch_id[2:])))
        assert (row.custodian or ZERO_ADDRESS, row.status) == (state.custodian, state.status.name)
        assert (row.quantity, row.remaining) == (state.quantity, state.remaining)


def test_reorg_mirror_follows_the_canonical_chain_and_orphaned_events_are_resent(
    api: ApiStory, hh_runtime: Runtime
) -> None:
    runtime = hh_runtime
    fresh = api.batch_ids["fresh"]
    snapshot = _rpc(runtime, "evm_snapshot")
    fork_block = runtime.chain.w3.eth.block_number
    for step in ("storing", "inspecting", "sorting"):
        api.post(f"/batches/{fresh}/steps", "cooperative", {"step": step})
    drain(runtime)
    orphaned = {
        digest: tx
        for digest, status, tx, block, _ in anchoring(runtime)
        if status == "anchored" and block is not None and block > fork_block
    }
    assert len(orphaned) == 3
    orphan_txs = set(orphaned.values())
    assert orphan_txs <= {tx for _, tx, _, _ in logs_in_mirror(runtime)}

    # The other branch: back to the snapshot, then more (empty) blocks than were lost.
    old_head = runtime.chain.w3.eth.block_number
    assert _rpc(runtime, "evm_revert", snapshot) is True
    for _ in range(old_head - fork_block + 2):
        _rpc(runtime, "evm_mine")

    result = mirror(runtime)
    assert result.reorgs == 1
    assert logs_in_mirror(runtime) == _canonical_logs(runtime)
    assert not orphan_txs & {tx for _, tx, _, _ in logs_in_mirror(runtime)}
    states = {digest: (status, tx) for digest, status, tx, _, _ in anchoring(runtime)}
    assert all(states[digest] == ("submitted", None) for digest in orphaned)
    with runtime.sessions() as session:
        requeued = session.scalars(
            select(OutboxItem.status)
            .join(EpcisEvent, EpcisEvent.id == OutboxItem.event_pk)
            .where(EpcisEvent.event_hash.in_(list(orphaned)))
        ).all()
        checkpoint = session.scalars(select(SyncCheckpoint)).one()
    assert requeued == ["pending"] * 3
    head = runtime.chain.w3.eth.get_block("latest")
    assert (checkpoint.block_number, checkpoint.block_hash) == (
        head["number"],
        "0x" + bytes(head["hash"]).hex(),
    )
    _assert_batches_equal_contract(runtime)

    drain(runtime)  # the submitter finds them missing on the canonical chain and resends
    again = {digest: (status, tx) for digest, status, tx, _, _ in anchoring(runtime)}
    assert all(again[d][0] == "anchored" and again[d][1] not in orphan_txs for d in orphaned)
    assert all(status == "anchored" for status, _ in again.values())
    assert logs_in_mirror(runtime) == _canonical_logs(runtime)


def test_reorg_deeper_than_finality_stops_the_sync_and_changes_nothing(
    api: ApiStory, hh_runtime: Runtime
) -> None:
    runtime = hh_runtime
    w3 = runtime.chain.w3
    snapshot = _rpc(runtime, "evm_snapshot")
    fork_block = w3.eth.block_number
    for _ in range(5):
        _rpc(runtime, "evm_mine")
    sync_once(runtime.sessions, w3, runtime.ledger, runtime.deployment, finality=2)
    before = mirror_rows(runtime)
    mirrored_head = w3.eth.get_block("latest")
    _rpc(runtime, "evm_revert", snapshot)
    # Empty blocks with the same parent and time would be the same blocks: move the clock.
    _rpc(runtime, "evm_increaseTime", 3600)
    for _ in range(8):
        _rpc(runtime, "evm_mine")
    with pytest.raises(ChainReorgTooDeep) as caught:
        sync_once(runtime.sessions, w3, runtime.ledger, runtime.deployment, finality=2)
    error = caught.value
    assert error.block_number == mirrored_head["number"] == fork_block + 5
    assert error.mirror_hash == "0x" + bytes(mirrored_head["hash"]).hex()
    assert error.chain_hash == "0x" + bytes(w3.eth.get_block(fork_block + 5)["hash"]).hex()
    message = str(error)
    assert f"block {fork_block + 5}" in message
    assert "finality of 2 blocks" in message
    assert "ocoptrace sync reset" in message
    assert mirror_rows(runtime) == before


def test_follow_mode_keeps_up_with_new_blocks_and_stops_on_request(
    api: ApiStory, hh_runtime: Runtime
) -> None:
    runtime = hh_runtime
    stop = threading.Event()
    results: list[Any] = []
    w3, ledger, deployment = runtime.chain.w3, runtime.ledger, runtime.deployment

    def follow() -> None:
        results.append(
            run_sync(
                runtime.sessions, w3, ledger, deployment, follow=True, poll_interval=0.05, stop=stop
            )
        )

    thread = threading.Thread(target=follow)
    thread.start()
    try:
        fresh = api.batch_ids["fresh"]
        api.post(f"/batches/{fresh}/steps", "cooperative", {"step": "washing"})
        with runtime.chain.lock:
            submit_pending(runtime)
        head = w3.eth.block_number
        for _ in range(200):
            with runtime.sessions() as session:
                checkpoint = session.scalars(select(SyncCheckpoint)).one()
            if checkpoint.block_number >= head:
                break
            stop.wait(0.05)
        assert checkpoint.block_number >= head
    finally:
        stop.set()
        thread.join(timeout=30)
    assert not thread.is_alive()
    assert results
    assert results[0].logs >= 1
    assert logs_in_mirror(runtime) == _canonical_logs(runtime)


def test_blocks_mined_by_hardhat_mine_sync_in_small_chunks(
    api: ApiStory, hh_runtime: Runtime
) -> None:
    """``hardhat_mine(n > 1)`` leaves the parent hash of its blocks zero: the sync links
    them to their parent by number instead of taking the chain for unstable."""
    runtime = hh_runtime
    w3 = runtime.chain.w3
    fresh = api.batch_ids["fresh"]
    begin = w3.eth.block_number
    _rpc(runtime, "hardhat_mine", hex(10))
    for step in ("storing", "inspecting"):
        api.post(f"/batches/{fresh}/steps", "cooperative", {"step": step})
        with runtime.chain.lock:
            submit_pending(runtime)
        _rpc(runtime, "hardhat_mine", hex(7))
    zero = "0x" + "00" * 32
    head = w3.eth.block_number
    parents = ["0x" + bytes(w3.eth.get_block(n)["parentHash"]).hex() for n in range(begin, head)]
    assert zero in parents
    for chunk in (2, 3):
        result = sync_once(
            runtime.sessions, w3, runtime.ledger, runtime.deployment, chunk_blocks=chunk
        )
        assert result.to_block == head
        assert logs_in_mirror(runtime) == _canonical_logs(runtime)
        with runtime.sessions() as session:
            checkpoint = session.scalars(select(SyncCheckpoint)).one()
        assert (checkpoint.block_number, checkpoint.block_hash) == (
            head,
            "0x" + bytes(w3.eth.get_block(head)["hash"]).hex(),
        )
        _rpc(runtime, "hardhat_mine", hex(5))
        head = w3.eth.block_number


def test_reorg_over_blocks_mined_by_hardhat_mine_is_followed(
    api: ApiStory, hh_runtime: Runtime
) -> None:
    runtime = hh_runtime
    w3 = runtime.chain.w3
    fresh = api.batch_ids["fresh"]
    mirror(runtime)
    snapshot = _rpc(runtime, "evm_snapshot")
    _rpc(runtime, "hardhat_mine", hex(6))
    api.post(f"/batches/{fresh}/steps", "cooperative", {"step": "storing"})
    drain(runtime)
    _rpc(runtime, "hardhat_mine", hex(6))
    sync_once(runtime.sessions, w3, runtime.ledger, runtime.deployment, chunk_blocks=2)
    assert logs_in_mirror(runtime) == _canonical_logs(runtime)
    before = {tx for _, tx, _, _ in logs_in_mirror(runtime)}
    assert _rpc(runtime, "evm_revert", snapshot) is True
    _rpc(runtime, "evm_increaseTime", 3600)
    _rpc(runtime, "hardhat_mine", hex(20))
    result = sync_once(runtime.sessions, w3, runtime.ledger, runtime.deployment, chunk_blocks=2)
    assert result.reorgs == 1
    assert logs_in_mirror(runtime) == _canonical_logs(runtime)
    assert {tx for _, tx, _, _ in logs_in_mirror(runtime)} < before
