"""Sends outbox items to the ledger, in order, each signed with its actor's key.

Crash safety: an item is marked done only after its transaction is mined. If the
process dies between the two, the next round finds the event hash already anchored on
chain and marks the item done without sending it again — nothing is lost, nothing
is anchored twice.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from backend.actors.models import Actor
from backend.db import transaction
from backend.outbox.models import OutboxItem
from backend.runtime import DEV_ACCOUNT_FUNDS_WEI
from backend.traceability.models import EpcisEvent
from chain_sync.models import ChainAnchor
from contracts.chains import fund
from contracts.errors import ChainError, LedgerRevert
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
        if runtime.chain.is_dev and (
            runtime.chain.w3.eth.get_balance(account.address) < DEV_MIN_BALANCE_WEI
        ):
            fund(runtime.chain.w3, account.address, DEV_ACCOUNT_FUNDS_WEI)
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


def submit_pending(runtime: Runtime, limit: int = 200) -> int:
    """Send up to ``limit`` pending items; returns how many reached a final state.

    Stops at the first transient chain failure so later items never overtake it.
    """
    finished = 0
    with runtime.sessions() as session:
        ids = session.scalars(
            select(OutboxItem.id)
            .where(OutboxItem.status == "pending")
            .order_by(OutboxItem.id)
            .limit(limit)
        ).all()
    for item_id in ids:
        with transaction(runtime.sessions) as session:
            item = session.get(OutboxItem, item_id)
            if item is None or item.status != "pending":
                continue
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
                return finished
            finished += 1
    return finished
