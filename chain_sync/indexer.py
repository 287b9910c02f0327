"""Reads the ledger's logs into ``chain_logs`` and marks captured events anchored.

Invariants:
- the checkpoint (chain id, block number, block hash) is written in the same SQL
  transaction as the rows of the blocks it covers, so a crash between chunks leaves
  the mirror at a chunk boundary, never half way;
- rows are keyed on (chain id, tx hash, log index): reading a range again adds nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from backend.db import transaction
from backend.traceability.models import EpcisEvent
from chain_sync.models import ChainLog, SyncCheckpoint
from contracts.errors import ChainMismatch

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker
    from web3 import Web3

    from contracts.ledger import DecodedLog, Deployment, Ledger

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SyncResult:
    from_block: int
    to_block: int
    logs: int


def _jsonable(value: Any) -> Any:
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2**53:
        return str(value)
    return value


def fetch_logs(w3: Web3, ledger: Ledger, start: int, end: int) -> list[DecodedLog]:
    """The ledger's decoded logs in blocks ``start..end``, in chain order."""
    raw = w3.eth.get_logs({"address": ledger.address, "fromBlock": start, "toBlock": end})
    found = (ledger.decode_log(entry) for entry in raw)
    decoded = [entry for entry in found if entry is not None]
    decoded.sort(key=lambda entry: (entry.block_number, entry.tx_index, entry.log_index))
    return decoded


def _checkpoint(session: Session, deployment: Deployment) -> SyncCheckpoint | None:
    return session.get(SyncCheckpoint, (deployment.chain_id, deployment.address))


def _write_logs(session: Session, chain_id: int, decoded: list[DecodedLog]) -> int:
    written = 0
    for entry in decoded:
        exists = session.scalar(
            select(ChainLog.id).where(
                ChainLog.chain_id == chain_id,
                ChainLog.tx_hash == entry.tx_hash,
                ChainLog.log_index == entry.log_index,
            )
        )
        if exists is not None:
            continue
        digest = entry.args.get("eventHash")
        digest_hex = bytes(digest).hex() if isinstance(digest, bytes | bytearray) else None
        session.add(
            ChainLog(
                chain_id=chain_id,
                block_number=entry.block_number,
                block_hash=entry.block_hash,
                tx_hash=entry.tx_hash,
                tx_index=entry.tx_index,
                log_index=entry.log_index,
                name=entry.name,
                args={key: _jsonable(value) for key, value in entry.args.items()},
                event_hash=digest_hex,
            )
        )
        if digest_hex is not None:
            event = session.scalar(select(EpcisEvent).where(EpcisEvent.event_hash == digest_hex))
            if event is not None:
                event.status = "anchored"
                event.error = ""
                event.tx_hash = entry.tx_hash
                event.block_number = entry.block_number
                event.log_index = entry.log_index
        written += 1
    return written


def sync_once(
    sessions: sessionmaker[Session],
    w3: Web3,
    ledger: Ledger,
    deployment: Deployment,
    *,
    confirmations: int = 0,
    chunk_blocks: int = 2_000,
) -> SyncResult:
    """Mirror every log from the checkpoint up to ``head - confirmations``."""
    with sessions() as session:
        checkpoint = _checkpoint(session, deployment)
        start = checkpoint.block_number + 1 if checkpoint else deployment.deploy_block
        if checkpoint is not None:
            canonical = "0x" + bytes(w3.eth.get_block(checkpoint.block_number)["hash"]).hex()
            if canonical != checkpoint.block_hash:
                raise ChainMismatch(
                    f"block {checkpoint.block_number} is now {canonical}, the mirror has "
                    f"{checkpoint.block_hash}: the chain reorganised or was reset below the "
                    "checkpoint"
                )
    head = w3.eth.block_number - confirmations
    total = 0
    first = start
    while start <= head:
        end = min(start + chunk_blocks - 1, head)
        decoded = fetch_logs(w3, ledger, start, end)
        block_hash = "0x" + bytes(w3.eth.get_block(end)["hash"]).hex()
        with transaction(sessions) as session:
            total += _write_logs(session, deployment.chain_id, decoded)
            checkpoint = _checkpoint(session, deployment)
            if checkpoint is None:
                session.add(
                    SyncCheckpoint(
                        chain_id=deployment.chain_id,
                        ledger_address=deployment.address,
                        block_number=end,
                        block_hash=block_hash,
                    )
                )
            else:
                checkpoint.block_number = end
                checkpoint.block_hash = block_hash
        start = end + 1
    if total:
        log.info("mirrored %d ledger logs from blocks %d..%d", total, first, head)
    return SyncResult(first, head, total)
