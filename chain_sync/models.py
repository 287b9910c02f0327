"""The SQL mirror of the ledger: raw logs, the cursor, the unfinalized block window, and
typed projections of the logs (actors, batches, custody, certificates, anchors, recalls,
Merkle roots).

Invariants (kept by ``chain_sync.indexer``):
- every row of these tables comes from a ledger log in a block ``<= sync_checkpoints
  .block_number`` and was written in the same SQL transaction as the cursor that covers it;
- a row is *confirmed* when its block is ``<= sync_checkpoints.confirmed_block`` (``confirmed``
  columns say it where readers need it without a join);
- the projections are a pure function of ``chain_logs`` in (block, tx index, log index)
  order: deleting them and replaying the logs gives the same rows.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base

# Sizes of hex columns: 0x + 64 hex digits for hashes, 0x + 40 for addresses.
HASH = String(66)
ADDRESS = String(42)


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
    __table_args__ = (
        UniqueConstraint("chain_id", "tx_hash", "log_index"),
        # Chain id first: the sync's range queries name both (on SQLite, an index on the
        # block number alone lost to the unique key's chain id, a scan of the chain).
        Index("ix_chain_logs_block", "chain_id", "block_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(BigInteger)
    block_number: Mapped[int] = mapped_column(BigInteger)
    block_hash: Mapped[str] = mapped_column(String(66))
    tx_hash: Mapped[str] = mapped_column(String(66))
    tx_index: Mapped[int] = mapped_column(Integer)
    log_index: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(60))
    # Decoded arguments; bytes as 0x-hex, integers as JSON numbers or strings when huge.
    args: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The eventHash argument when the log carries one. Not indexed: lookups by digest go
    # to chain_anchors (its key), and a second random-keyed index here halved the sync's
    # insert rate.
    event_hash: Mapped[str | None] = mapped_column(String(64))
    # Buried under at least the configured number of confirmations.
    confirmed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class SyncCheckpoint(Base):
    """The cursor: the last block whose logs are all in the mirror, written in the same
    transaction as those rows; and the last block whose rows are confirmed."""

    __tablename__ = "sync_checkpoints"

    chain_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    ledger_address: Mapped[str] = mapped_column(String(42), primary_key=True)
    block_number: Mapped[int] = mapped_column(BigInteger)
    # "" before the first block is committed.
    block_hash: Mapped[str] = mapped_column(String(66))
    confirmed_block: Mapped[int] = mapped_column(BigInteger, default=0, server_default=text("0"))


class ChainBlock(Base):
    """Hashes of the blocks a reorg may still replace (the unfinalized window, and the
    cursor's block): where a reorg is detected and the common ancestor found."""

    __tablename__ = "chain_blocks"

    chain_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    number: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    hash: Mapped[str] = mapped_column(HASH)
    parent_hash: Mapped[str] = mapped_column(HASH)


# ---------------------------------------------------------------------- projections


class ChainActor(Base):
    """An actor as the ledger's logs describe it (the deployer, admin from the constructor,
    emits no log and is absent)."""

    __tablename__ = "chain_actors"

    chain_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    address: Mapped[str] = mapped_column(ADDRESS, primary_key=True)
    # Role bitmap as the contract keeps it: 1 ADMIN, 2 COOPERATIVE, 4 PROCESSOR, 8 LAB,
    # 16 EXPORTER, 32 CUSTOMS (``contracts.types.Role.bit``).
    roles: Mapped[int] = mapped_column(Integer)
    # uint64 GLN in decimal (a string: uint64 does not fit a signed BIGINT).
    gln: Mapped[str] = mapped_column(String(20))
    name_hash: Mapped[str] = mapped_column(HASH)
    active: Mapped[bool] = mapped_column(Boolean)
    since_block: Mapped[int] = mapped_column(BigInteger)
    updated_block: Mapped[int] = mapped_column(BigInteger)


class ChainBatch(Base):
    """A batch (or pallet) as the contract stores it, replayed from the logs; equals
    ``Ledger.batch(batch_id)`` at the cursor's block."""

    __tablename__ = "chain_batches"

    chain_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    batch_id: Mapped[str] = mapped_column(HASH, primary_key=True)
    # None while the batch sits on a pallet (the contract's custodian 0).
    custodian: Mapped[str | None] = mapped_column(ADDRESS, index=True)
    origin: Mapped[str] = mapped_column(ADDRESS)
    quantity: Mapped[int] = mapped_column(BigInteger)
    remaining: Mapped[int] = mapped_column(BigInteger)
    # ``contracts.types.BatchStatus`` name: ACTIVE, IN_TRANSIT, EXPORTED, CONSUMED, ...
    status: Mapped[str] = mapped_column(String(12))
    is_pallet: Mapped[bool] = mapped_column(Boolean)
    # The receiver while IN_TRANSIT; the pallet while AGGREGATED.
    consignee: Mapped[str | None] = mapped_column(ADDRESS)
    pallet_id: Mapped[str | None] = mapped_column(HASH)
    created_block: Mapped[int] = mapped_column(BigInteger)
    updated_block: Mapped[int] = mapped_column(BigInteger)


class ChainCustody(Base):
    """One custody log: shipped, received, cancelled or transferred."""

    __tablename__ = "chain_custody"
    __table_args__ = (Index("ix_chain_custody_batch", "chain_id", "batch_id"),)

    chain_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    tx_hash: Mapped[str] = mapped_column(HASH, primary_key=True)
    log_index: Mapped[int] = mapped_column(Integer, primary_key=True)
    block_number: Mapped[int] = mapped_column(BigInteger, index=True)
    batch_id: Mapped[str] = mapped_column(HASH)
    kind: Mapped[str] = mapped_column(String(12))
    actor: Mapped[str] = mapped_column(ADDRESS)
    # The receiver of a shipment or transfer.
    to_address: Mapped[str | None] = mapped_column(ADDRESS)
    # For transfers: whether the receiver signed its consent (EIP-712).
    consented: Mapped[bool | None] = mapped_column(Boolean)
    event_hash: Mapped[str] = mapped_column(String(64))


class ChainCertificate(Base):
    """A certificate attached by a lab, and its revocation. Key: ``certificateIdOf``."""

    __tablename__ = "chain_certificates"
    __table_args__ = (Index("ix_chain_certificates_batch", "chain_id", "batch_id"),)

    chain_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    certificate_id: Mapped[str] = mapped_column(HASH, primary_key=True)
    batch_id: Mapped[str] = mapped_column(HASH)
    lab: Mapped[str | None] = mapped_column(ADDRESS)
    document_hash: Mapped[str | None] = mapped_column(HASH)
    # uint64 unix seconds: NUMERIC, since "valid forever" (2**64 - 1) overflows BIGINT.
    valid_from: Mapped[Decimal | None] = mapped_column(Numeric(20, 0))
    valid_until: Mapped[Decimal | None] = mapped_column(Numeric(20, 0))
    event_hash: Mapped[str | None] = mapped_column(String(64))
    # None for a revocation of a certificate never attached (the contract allows it).
    attached_block: Mapped[int | None] = mapped_column(BigInteger)
    revoked_block: Mapped[int | None] = mapped_column(BigInteger)
    revoked_by: Mapped[str | None] = mapped_column(ADDRESS)
    revocation_reason: Mapped[str | None] = mapped_column(HASH)


class ChainAnchor(Base):
    """Where an EPCIS event digest was first anchored: the authoritative log (later
    anchorings of the same digest are in ``chain_logs`` but do not count)."""

    __tablename__ = "chain_anchors"
    __table_args__ = (Index("ix_chain_anchors_block", "chain_id", "block_number"),)

    chain_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    # Hex digest without 0x, as ``epcis_events.event_hash``.
    event_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    # ``contracts.types.EventKind`` name: REGISTER, STEP, CUSTODY, EPCIS, ...
    kind: Mapped[str] = mapped_column(String(20))
    batch_id: Mapped[str | None] = mapped_column(HASH)
    actor: Mapped[str] = mapped_column(ADDRESS)
    block_number: Mapped[int] = mapped_column(BigInteger)
    tx_hash: Mapped[str] = mapped_column(HASH)
    log_index: Mapped[int] = mapped_column(Integer)
    confirmed: Mapped[bool] = mapped_column(Boolean, default=False)


class ChainRecall(Base):
    """A recall of a batch (its descendants are recalled through lineage, see docs/ledger.md)."""

    __tablename__ = "chain_recalls"

    chain_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    tx_hash: Mapped[str] = mapped_column(HASH, primary_key=True)
    log_index: Mapped[int] = mapped_column(Integer, primary_key=True)
    block_number: Mapped[int] = mapped_column(BigInteger, index=True)
    batch_id: Mapped[str] = mapped_column(HASH, index=True)
    actor: Mapped[str] = mapped_column(ADDRESS)
    reason_hash: Mapped[str] = mapped_column(HASH)


class ChainMerkleRoot(Base):
    """A Merkle root of high-volume events (the contract refuses a repeated root)."""

    __tablename__ = "chain_merkle_roots"

    chain_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    root: Mapped[str] = mapped_column(HASH, primary_key=True)
    actor: Mapped[str] = mapped_column(ADDRESS)
    count: Mapped[int] = mapped_column(BigInteger)
    metadata_hash: Mapped[str] = mapped_column(HASH)
    block_number: Mapped[int] = mapped_column(BigInteger, index=True)
    tx_hash: Mapped[str] = mapped_column(HASH)
    log_index: Mapped[int] = mapped_column(Integer)


PROJECTION_TABLES: tuple[type[Base], ...] = (
    ChainActor,
    ChainBatch,
    ChainCustody,
    ChainCertificate,
    ChainAnchor,
    ChainRecall,
    ChainMerkleRoot,
)
"""Tables computed from ``chain_logs``, in no particular dependency order."""

MIRROR_TABLES: tuple[type[Base], ...] = (ChainLog, SyncCheckpoint, ChainBlock, *PROJECTION_TABLES)
"""Everything the sync writes; ``rebuild`` and ``sync reset`` clear these."""
