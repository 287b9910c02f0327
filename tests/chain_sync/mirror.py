"""Helpers shared by the chain_sync tests: the mirror read back as plain rows, and the
chain's logs read by a decoder independent of the sync's (eth-abi, ``decode_log``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select
from web3 import Web3

from backend.runtime import Runtime
from backend.traceability.models import EpcisEvent
from chain_sync.models import MIRROR_TABLES, ChainLog
from chain_sync.rpc import ChainReader
from contracts.ledger import DecodedLog, Ledger


def _plain(value: Any) -> Any:
    return int(value) if isinstance(value, Decimal) else value


def mirror_rows(runtime: Runtime) -> dict[str, list[tuple[Any, ...]]]:
    """Every mirror table's rows without surrogate ids, sorted: equal mirrors compare equal."""
    found: dict[str, list[tuple[Any, ...]]] = {}
    with runtime.sessions() as session:
        for model in MIRROR_TABLES:
            table = model.__table__
            columns = [c for c in table.columns if c.name != "id"]
            rows = session.execute(select(*columns)).all()
            found[model.__tablename__] = sorted(
                (tuple(_plain(v) for v in row) for row in rows), key=repr
            )
    return found


def anchoring(runtime: Runtime) -> list[tuple[str, str, str | None, int | None, int | None]]:
    """(event hash, status, tx hash, block, log index) of every stored EPCIS event."""
    with runtime.sessions() as session:
        rows = session.execute(
            select(
                EpcisEvent.event_hash,
                EpcisEvent.status,
                EpcisEvent.tx_hash,
                EpcisEvent.block_number,
                EpcisEvent.log_index,
            ).order_by(EpcisEvent.id)
        ).all()
    return [tuple(row) for row in rows]  # type: ignore[misc]


def logs_in_mirror(runtime: Runtime) -> list[tuple[str, str, int, str]]:
    """(block hash, tx hash, log index, name) of ``chain_logs`` in chain order."""
    with runtime.sessions() as session:
        rows = session.execute(
            select(
                ChainLog.block_hash, ChainLog.tx_hash, ChainLog.log_index, ChainLog.name
            ).order_by(ChainLog.block_number, ChainLog.tx_index, ChainLog.log_index)
        ).all()
    return [tuple(row) for row in rows]  # type: ignore[misc]


def as_rows(logs: list[DecodedLog]) -> list[tuple[str, str, int, str]]:
    return [(log.block_hash, log.tx_hash, log.log_index, log.name) for log in logs]


def fetch_logs(w3: Web3, ledger: Ledger, start: int, end: int) -> list[DecodedLog]:
    """The ledger's logs in blocks ``start..end`` decoded with eth-abi, in chain order."""
    found = (ledger.decode_log(entry) for entry in ChainReader(w3).logs(ledger.address, start, end))
    decoded = [entry for entry in found if entry is not None]
    decoded.sort(key=lambda entry: (entry.block_number, entry.tx_index, entry.log_index))
    return decoded
