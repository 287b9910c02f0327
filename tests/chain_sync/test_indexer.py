"""The mirror on the in-process chain, on SQLite and PostgreSQL: checkpoint with the rows,
idempotent on restart, projections equal to the contract's state, confirmations, rebuild."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, func, select, update

from backend.db import Base
from backend.outbox.models import OutboxItem
from backend.runtime import Runtime, start_runtime
from backend.traceability.models import EpcisEvent
from backend.worker import drain
from chain_sync import indexer
from chain_sync.indexer import clear_mirror, rebuild, sync_once
from chain_sync.models import (
    PROJECTION_TABLES,
    ChainActor,
    ChainAnchor,
    ChainBatch,
    ChainBlock,
    ChainLog,
    SyncCheckpoint,
)
from chain_sync.rpc import ChainReader
from contracts.ledger import ANCHORING_EVENTS
from contracts.types import ZERO_ADDRESS, BatchId, EventDigest, Role
from seeds.story import load_story
from tests.chain_sync.mirror import anchoring, as_rows, fetch_logs, logs_in_mirror, mirror_rows
from tests.conftest import make_settings


@pytest.fixture
def synced(tmp_path: Path, database_url: str) -> Iterator[Runtime]:
    """The sample story, sent and mirrored, on SQLite or PostgreSQL."""
    runtime = start_runtime(make_settings(tmp_path, database_url))
    load_story(runtime)
    drain(runtime)
    yield runtime
    runtime.close()


def _sync(runtime: Runtime, chunk_blocks: int = 2_000, target_logs: int = 5_000) -> int:
    w3, ledger, deployment = runtime.chain.w3, runtime.ledger, runtime.deployment
    return sync_once(
        runtime.sessions, w3, ledger, deployment, chunk_blocks=chunk_blocks, target_logs=target_logs
    ).logs


def _chain_logs(runtime: Runtime) -> list[tuple[str, str, int, str]]:
    w3 = runtime.chain.w3
    return as_rows(
        fetch_logs(w3, runtime.ledger, runtime.deployment.deploy_block, w3.eth.block_number)
    )


def test_sync_mirrors_every_ledger_log_in_chain_order(synced: Runtime) -> None:
    assert logs_in_mirror(synced) == _chain_logs(synced)
    names = {name for *_, name in logs_in_mirror(synced)}
    assert {
        "ActorOnboarded",
        "BatchRegistered",
        "BatchTransformed",
        "CustodyShipped",
        "CustodyReceived",
        "CertificateAttached",
        "ExportCleared",
        "EventRecorded",
    } <= names
    with synced.sessions() as session:
        checkpoint = session.scalars(select(SyncCheckpoint)).one()
        unconfirmed = session.scalar(
            select(func.count()).select_from(ChainLog).where(ChainLog.confirmed.is_(False))
        )
    head = synced.chain.w3.eth.get_block("latest")
    assert checkpoint.block_number == head["number"]
    assert checkpoint.block_hash == "0x" + bytes(head["hash"]).hex()
    assert checkpoint.confirmed_block == head["number"]
    assert unconfirmed == 0


def test_sync_restart_adds_nothing_twice(synced: Runtime) -> None:
    before = mirror_rows(synced)
    assert _sync(synced) == 0
    # A crash after rows were written but before the checkpoint moved cannot happen (one
    # transaction), but a rewound cursor must still add nothing, to logs or projections.
    with synced.sessions() as session, session.begin():
        session.execute(delete(SyncCheckpoint))
    assert _sync(synced) == 0
    assert mirror_rows(synced) == before


def test_sync_resumes_from_checkpoint_in_small_chunks(synced: Runtime) -> None:
    before = mirror_rows(synced)
    with synced.sessions() as session, session.begin():
        clear_mirror(session)
    assert _sync(synced, chunk_blocks=3, target_logs=3) == len(before["chain_logs"])
    assert mirror_rows(synced) == before


def test_projections_equal_the_contract_state(synced: Runtime) -> None:
    ledger = synced.ledger
    with synced.sessions() as session:
        batches = session.scalars(select(ChainBatch)).all()
        actors = session.scalars(select(ChainActor)).all()
        anchors = session.scalars(select(ChainAnchor)).all()
        events = session.scalars(select(EpcisEvent)).all()
    assert len(batches) >= 3
    for row in batches:
        state = ledger.batch(BatchId(bytes.fromhex(row.batch_id[2:])))
        assert (row.custodian or ZERO_ADDRESS) == state.custodian
        assert row.origin == state.origin
        assert (row.quantity, row.remaining) == (state.quantity, state.remaining)
        assert row.status == state.status.name
        assert row.is_pallet == state.is_pallet
        assert (row.consignee if row.status == "IN_TRANSIT" else ZERO_ADDRESS) == state.consignee
    assert len(actors) >= 5
    for actor in actors:
        actor_state = ledger.actor(actor.address)
        assert Role.from_bitmap(actor.roles) == actor_state.roles
        assert actor.active == actor_state.active
        assert int(actor.gln) == actor_state.gln
    digests = {event.event_hash for event in events}
    assert {anchor.event_hash for anchor in anchors} == digests
    for anchor in anchors:
        record = ledger.event_record(EventDigest(bytes.fromhex(anchor.event_hash)))
        assert record is not None
        assert (anchor.tx_hash, anchor.log_index) == (record.tx_hash, record.log_index)
        assert anchor.kind == record.kind.name
    assert all(event.status == "anchored" for event in events)
    assert {ANCHORING_EVENTS[name].name for name in ANCHORING_EVENTS} >= {a.kind for a in anchors}


def test_sync_projects_a_mirror_written_before_the_projections(synced: Runtime) -> None:
    before = mirror_rows(synced)
    # What revision 1db30c854a50 leaves of an older mirror: logs and cursor, nothing else.
    with synced.sessions() as session, session.begin():
        cleared: tuple[type[Base], ...] = (*PROJECTION_TABLES, ChainBlock)
        for model in cleared:
            session.execute(delete(model))
        session.execute(update(ChainLog).values(confirmed=False))
        session.execute(update(SyncCheckpoint).values(confirmed_block=0))
    assert _sync(synced) == 0
    after = mirror_rows(synced)
    assert {name: rows for name, rows in after.items() if name != "chain_blocks"} == {
        name: rows for name, rows in before.items() if name != "chain_blocks"
    }


def test_rebuild_from_chain_and_epcis_documents_equals_the_mirror(synced: Runtime) -> None:
    before, anchored_before = mirror_rows(synced), anchoring(synced)
    with synced.sessions() as session, session.begin():
        clear_mirror(session)
        session.execute(
            update(EpcisEvent).values(
                status="submitted", tx_hash=None, block_number=None, log_index=None
            )
        )
    assert all(status == "submitted" for _, status, *_ in anchoring(synced))
    result = rebuild(synced.sessions, synced.chain.w3, synced.ledger, synced.deployment)
    assert result.logs == len(before["chain_logs"])
    assert mirror_rows(synced) == before
    assert anchoring(synced) == anchored_before


def test_sync_with_confirmations_anchors_only_when_deep_enough(
    tmp_path: Path, database_url: str
) -> None:
    runtime = start_runtime(make_settings(tmp_path, database_url))
    runtime.settings.confirmations = 3
    try:
        load_story(runtime)
        drain(runtime)
        head = runtime.chain.w3.eth.block_number
        with runtime.sessions() as session:
            newest = session.scalars(
                select(ChainLog).order_by(ChainLog.block_number.desc()).limit(1)
            ).one()
            assert newest.block_number == head
            assert newest.confirmed is False
            assert newest.event_hash is not None
            event = session.scalars(
                select(EpcisEvent).where(EpcisEvent.event_hash == newest.event_hash)
            ).one()
            assert event.status == "submitted"
        tester = runtime.chain.w3.provider.ethereum_tester  # type: ignore[attr-defined]
        for depth in (1, 2, 3):
            tester.mine_blocks(1)
            drain(runtime)
            with runtime.sessions() as session:
                status = session.get(EpcisEvent, event.id)
                log = session.get(ChainLog, newest.id)
                assert status is not None
                assert log is not None
                assert status.status == ("anchored" if depth == 3 else "submitted")
                assert log.confirmed is (depth == 3)
                checkpoint = session.scalars(select(SyncCheckpoint)).one()
                assert checkpoint.confirmed_block == head + depth - 3
        assert status is not None
        assert status.tx_hash == newest.tx_hash
        assert (status.block_number, status.log_index) == (newest.block_number, newest.log_index)
        with runtime.sessions() as session:
            pending = session.scalar(
                select(func.count()).select_from(OutboxItem).where(OutboxItem.status != "done")
            )
        assert pending == 0
    finally:
        runtime.close()


def _fetch_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "chain-sync-fetch"]


def test_sync_writes_large_ranges_in_transactions_of_whole_blocks(
    synced: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = mirror_rows(synced)
    with synced.sessions() as session, session.begin():
        clear_mirror(session)
    monkeypatch.setattr(indexer, "_MAX_CHUNK_LOGS", 2)
    commits: list[tuple[int, list[int]]] = []
    original = indexer.commit_block

    def spy(session: Any, deployment: Any, block: Any, logs: Any, **kwargs: Any) -> int:
        commits.append((block.number, [entry.block_number for entry in logs]))
        return original(session, deployment, block, logs, **kwargs)

    monkeypatch.setattr(indexer, "commit_block", spy)
    assert _sync(synced) == len(before["chain_logs"])
    assert mirror_rows(synced) == before
    assert len(commits) > 3
    seen: set[int] = set()
    for last, blocks in commits:
        assert all(number <= last for number in blocks)
        assert not seen & set(blocks)  # a block's logs are never split over transactions
        seen |= set(blocks)
        assert len(blocks) <= 2 or len(set(blocks)) == 1
    assert not _fetch_threads()


def test_sync_fetch_error_is_raised_with_the_mirror_at_a_chunk_boundary(
    synced: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = mirror_rows(synced)
    with synced.sessions() as session, session.begin():
        clear_mirror(session)
    calls = itertools.count()
    original = ChainReader.logs

    def flaky(self: ChainReader, address: str, start: int, end: int) -> Any:
        if next(calls) == 2:
            raise OSError("node unreachable")
        return original(self, address, start, end)

    monkeypatch.setattr(ChainReader, "logs", flaky)
    with pytest.raises(OSError, match="unreachable"):
        _sync(synced, chunk_blocks=3, target_logs=3)  # many small answers: a third one fails
    assert not _fetch_threads()
    with synced.sessions() as session:
        cursor = session.scalars(select(SyncCheckpoint)).one().block_number
    stored = logs_in_mirror(synced)
    assert stored == [row for row in _chain_logs(synced) if row in stored]
    assert len(stored) == len([row for row in before["chain_logs"] if row[1] <= cursor])
    _sync(synced, chunk_blocks=3)
    assert mirror_rows(synced) == before


def test_sync_stops_between_chunks_when_asked(
    synced: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    with synced.sessions() as session, session.begin():
        clear_mirror(session)
    stop = threading.Event()
    original = indexer.commit_block

    def stop_after(*args: Any, **kwargs: Any) -> int:
        written = original(*args, **kwargs)
        stop.set()
        return written

    monkeypatch.setattr(indexer, "commit_block", stop_after)
    w3, ledger, deployment = synced.chain.w3, synced.ledger, synced.deployment
    sync_once(synced.sessions, w3, ledger, deployment, chunk_blocks=3, stop=stop)
    assert not _fetch_threads()
    with synced.sessions() as session:
        cursor = session.scalars(select(SyncCheckpoint)).one().block_number
    assert cursor == deployment.deploy_block + 2
