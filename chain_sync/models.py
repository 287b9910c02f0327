from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base


class ChainDeployment(Base):
    """The chain and contract this database mirrors; one row per database.

    The mirror refuses to run against a chain whose genesis hash or contract code
    differs: two chains are never mixed in one database.
    """

    __tablename__ = "chain_deployment"

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(BigInteger)
    genesis_hash: Mapped[str] = mapped_column(String(66))
    ledger_address: Mapped[str] = mapped_column(String(42))
    deploy_block: Mapped[int] = mapped_column(BigInteger)
    deploy_tx: Mapped[str] = mapped_column(String(66))


class ChainLog(Base):
    """One decoded contract log. Key: (chain id, tx hash, log index), so re-reading is a no-op."""

    __tablename__ = "chain_logs"
    __table_args__ = (UniqueConstraint("chain_id", "tx_hash", "log_index"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(BigInteger)
    block_number: Mapped[int] = mapped_column(BigInteger, index=True)
    block_hash: Mapped[str] = mapped_column(String(66))
    tx_hash: Mapped[str] = mapped_column(String(66))
    tx_index: Mapped[int] = mapped_column(Integer)
    log_index: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(60))
    # Decoded arguments; bytes as 0x-hex, integers as JSON numbers or strings when huge.
    args: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The eventHash argument when the log carries one (indexed: the verifier looks it up).
    event_hash: Mapped[str | None] = mapped_column(String(64), index=True)


class SyncCheckpoint(Base):
    """The last block whose logs are all in ``chain_logs``, written in the same transaction."""

    __tablename__ = "sync_checkpoints"

    chain_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    ledger_address: Mapped[str] = mapped_column(String(42), primary_key=True)
    block_number: Mapped[int] = mapped_column(BigInteger)
    block_hash: Mapped[str] = mapped_column(String(66))
