"""The submitter: each actor's consecutive outbox items go out in one transaction, all or
nothing; a refused batch is retried item by item so only the bad item fails."""

from __future__ import annotations

import os

from sqlalchemy import func, select

from backend.db import transaction
from backend.outbox.models import OutboxItem
from backend.outbox.submitter import submit_pending
from backend.runtime import Runtime
from backend.traceability.models import EpcisEvent
from backend.worker import drain
from contracts.types import EventDigest
from seeds.story import load_story
from verifier.service import VERIFIED, verify_unit


def _transactions(runtime: Runtime) -> int:
    with runtime.sessions() as session:
        return session.scalar(select(func.count(OutboxItem.tx_hash.distinct()))) or 0


def test_story_items_of_one_sender_share_a_transaction(runtime: Runtime) -> None:
    story = load_story(runtime)
    with runtime.sessions() as session:
        items = session.scalar(select(func.count()).select_from(OutboxItem)) or 0
    drain(runtime)
    assert 0 < _transactions(runtime) < items
    with runtime.sessions() as session:
        assert set(session.scalars(select(OutboxItem.status))) == {"done"}
        assert set(session.scalars(select(EpcisEvent.status))) == {"anchored"}
    assert verify_unit(runtime, story.unit_uri).verdict == VERIFIED


def test_refused_batch_is_retried_item_by_item(runtime: Runtime) -> None:
    load_story(runtime)
    drain(runtime)
    with runtime.sessions() as session:
        harvest = session.scalars(
            select(OutboxItem).where(OutboxItem.call == "register_batch")
        ).one()
    # One sender's run of three: two good anchorings around a second registration of the
    # same harvest, which the contract refuses (the batch exists).
    digests = ["0x" + os.urandom(32).hex() for _ in range(2)]
    with transaction(runtime.sessions) as session:
        for args, call in (
            ({"event_digests": [digests[0]]}, "anchor_events"),
            (dict(harvest.args), "register_batch"),
            ({"event_digests": [digests[1]]}, "anchor_events"),
        ):
            session.add(OutboxItem(call=call, args=args, sender_id=harvest.sender_id))
    while submit_pending(runtime):
        pass
    with runtime.sessions() as session:
        added = session.scalars(select(OutboxItem).order_by(OutboxItem.id.desc()).limit(3)).all()
    assert [item.status for item in reversed(added)] == ["done", "failed", "done"]
    assert "OcopLedgerBatchExists" in added[1].last_error
    anchored = runtime.ledger.anchored_digests([EventDigest(bytes.fromhex(d[2:])) for d in digests])
    assert len(anchored) == 2
