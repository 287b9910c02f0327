"""Sends outbox items to the ledger, in order, each signed with its actor's key.

Crash safety: an item is marked done only after its transaction is mined. If the
process dies between the two, the next round finds the event hash already anchored on
chain and marks the item done without sending it again — nothing is lost, nothing
is anchored twice.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from eth_typing import ChecksumAddress
from sqlalchemy import select

from backend.actors.models import Actor
from backend.db import transaction
from backend.outbox.models import OutboxItem
from backend.runtime import DEV_ACCOUNT_FUNDS_WEI
from backend.traceability.models import EpcisEvent
from chain_sync.models import ChainAnchor
from contracts.chains import fund
from contracts.errors import ChainError, LedgerRevert
from contracts.ledger import Calls
from contracts.types import EventDigest, Role

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from backend.runtime import Runtime
    from contracts.ledger import TxResult

log = logging.getLogger(__name__)

# An actor account on a dev chain is topped up when it falls below this.
DEV_MIN_BALANCE_WEI = 10**18
_BYTES_ARGS = (
    "batch_id",
    "event_digest",
    "erroneous_digest",
    "document_hash",
    "declaration_hash",
)
_BYTES_LIST_ARGS = ("input_ids", "output_ids", "event_digests")


def _chain_args(args: dict[str, Any]) -> dict[str, Any]:
    """Outbox JSON arguments -> the binding's Python values."""
    converted: dict[str, Any] = {}
    for name, value in args.items():
        if name in _BYTES_ARGS:
            converted[name] = bytes.fromhex(value.removeprefix("0x"))
        elif name in _BYTES_LIST_ARGS:
            converted[name] = [bytes.fromhex(item.removeprefix("0x")) for item in value]
        elif name == "role":
            converted[name] = Role[value]
        else:
            converted[name] = value
    return converted


def _send(runtime: Runtime, item: OutboxItem, sender: Actor) -> TxResult:
    account = runtime.vault.open(sender.sealed_key)
    method = getattr(runtime.ledger, item.call)
    with runtime.chain.lock:
        _top_up(runtime, account.address)
        result: TxResult = method(account, **_chain_args(item.args))
        return result


def _already_anchored(runtime: Runtime, session: Session, item: OutboxItem) -> bool:
    """Whether the item's event digest is on chain already (sent before a crash)."""
    if item.event_pk is None:
        return False
    event = session.get(EpcisEvent, item.event_pk)
    if event is None:
        return False
    with runtime.chain.lock:
        return runtime.ledger.event_record(EventDigest(bytes.fromhex(event.event_hash))) is not None


def _mark_event(session: Session, item: OutboxItem, **values: Any) -> None:
    if item.event_pk is None:
        return
    event = session.get(EpcisEvent, item.event_pk)
    if event is not None and event.status != "anchored":
        for name, value in values.items():
            setattr(event, name, value)


def _anchor_from_mirror(session: Session, item: OutboxItem) -> None:
    """An event re-captured after its transaction was mined: the mirror may already hold
    its confirmed first anchoring (the sync will not confirm that block again), so take
    the anchor from there."""
    if item.event_pk is None:
        return
    event = session.get(EpcisEvent, item.event_pk)
    if event is None:
        return
    anchor = session.scalar(
        select(ChainAnchor).where(
            ChainAnchor.event_hash == event.event_hash, ChainAnchor.confirmed.is_(True)
        )
    )
    if anchor is not None:
        event.status = "anchored"
        event.tx_hash = anchor.tx_hash
        event.block_number = anchor.block_number
        event.log_index = anchor.log_index


# Items of one sender sent together in one multicall transaction, at most this many.
MAX_BATCH = 50


def _pending_runs(runtime: Runtime, limit: int) -> list[list[int]]:
    """Pending item ids in order, cut into runs of consecutive items of one sender."""
    with runtime.sessions() as session:
        rows = session.execute(
            select(OutboxItem.id, OutboxItem.sender_id)
            .where(OutboxItem.status == "pending")
            .order_by(OutboxItem.id)
            .limit(limit)
        ).all()
    runs: list[list[int]] = []
    last_sender: int | None = None
    for item_id, sender_id in rows:
        if runs and sender_id == last_sender and len(runs[-1]) < MAX_BATCH:
            runs[-1].append(item_id)
        else:
            runs.append([item_id])
        last_sender = sender_id
    return runs


def _send_run(runtime: Runtime, item_ids: list[int]) -> bool:
    """Send a run of one sender's items in one transaction, all or nothing.

    Returns False when the ledger refused the batch (one item is bad): the caller then
    sends the items one by one, so the bad one fails alone with its own reason.
    """
    with transaction(runtime.sessions) as session:
        items = [session.get(OutboxItem, item_id) for item_id in item_ids]
        pending = [item for item in items if item is not None and item.status == "pending"]
        if not pending:
            return True
        sender = session.get(Actor, pending[0].sender_id)
        assert sender is not None
        events = {
            item.id: session.get(EpcisEvent, item.event_pk) for item in pending if item.event_pk
        }
        digests = [bytes.fromhex(e.event_hash) for e in events.values() if e is not None]
        with runtime.chain.lock:
            anchored = runtime.ledger.anchored_digests([EventDigest(d) for d in digests])
        if anchored:
            return False  # sent before a crash: let the one-by-one path sort it out
        account = runtime.vault.open(sender.sealed_key)
        calls = [getattr(Calls, item.call)(**_chain_args(item.args)) for item in pending]
        with runtime.chain.lock:
            _top_up(runtime, account.address)
            try:
                result = runtime.ledger.batch_write(account, calls)
            except LedgerRevert:
                return False
        for item in pending:
            item.attempts += 1
            item.status = "done"
            item.tx_hash = result.tx_hash
            _mark_event(
                session,
                item,
                status="submitted",
                tx_hash=result.tx_hash,
                block_number=result.block_number,
            )
    return True


def _top_up(runtime: Runtime, address: ChecksumAddress) -> None:
    if runtime.chain.is_dev and runtime.chain.w3.eth.get_balance(address) < DEV_MIN_BALANCE_WEI:
        fund(runtime.chain.w3, address, DEV_ACCOUNT_FUNDS_WEI)


def _send_one(runtime: Runtime, item_id: int) -> bool:
    """Send one item; False on a transient chain failure (retry later, keep the order)."""
    with transaction(runtime.sessions) as session:
        item = session.get(OutboxItem, item_id)
        if item is None or item.status != "pending":
            return True
        sender = session.get(Actor, item.sender_id)
        assert sender is not None
        item.attempts += 1
        try:
            if _already_anchored(runtime, session, item):
                item.status = "done"
                _mark_event(session, item, status="submitted")
                _anchor_from_mirror(session, item)
            else:
                result = _send(runtime, item, sender)
                item.status = "done"
                item.tx_hash = result.tx_hash
                _mark_event(
                    session,
                    item,
                    status="submitted",
                    tx_hash=result.tx_hash,
                    block_number=result.block_number,
                )
        except LedgerRevert as exc:
            # The contract refused it: retrying cannot help. Keep the reason.
            item.status = "failed"
            item.last_error = str(exc)
            _mark_event(session, item, status="rejected", error=str(exc))
            log.warning("outbox item %s refused by the ledger: %s", item.id, exc)
        except (ChainError, OSError) as exc:
            item.last_error = str(exc)
            log.warning("outbox item %s not sent (will retry): %s", item.id, exc)
            return False
    return True


def submit_pending(runtime: Runtime, limit: int = 200) -> int:
    """Send up to ``limit`` pending items; returns how many were handled.

    Consecutive items of one sender go out together in one multicall transaction (every
    item checked by the contract, all or nothing); a refused batch is retried item by
    item. Stops at the first transient chain failure so later items never overtake it.
    """
    handled = 0
    for run in _pending_runs(runtime, limit):
        sent = False
        if len(run) > 1:
            try:
                sent = _send_run(runtime, run)
            except (ChainError, OSError) as exc:
                log.warning("outbox items %s..%s not sent (will retry): %s", run[0], run[-1], exc)
                return handled
        if not sent:
            for item_id in run:
                if not _send_one(runtime, item_id):
                    return handled
        handled += len(run)
    return handled
