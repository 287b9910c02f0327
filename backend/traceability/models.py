from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base


class Product(Base):
    """Product master data published by the province operator, keyed by GTIN-14."""

    __tablename__ = "products"

    gtin: Mapped[str] = mapped_column(String(14), primary_key=True)
    # GS1 company prefix length, needed to write the EPC URNs of this product.
    company_prefix_length: Mapped[int]
    name_vi: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    name_zh: Mapped[str] = mapped_column(String(200))
    species: Mapped[str] = mapped_column(String(200), default="")
    # Net content of one trade item in grams; 0 for a product sold by weight in bulk.
    net_content_g: Mapped[int] = mapped_column(BigInteger, default=0)
    ocop_stars: Mapped[int] = mapped_column(default=0)
    brand: Mapped[str] = mapped_column(String(200), default="")
    shelf_life_days: Mapped[int] = mapped_column(default=0)
    standards: Mapped[str] = mapped_column(String(300), default="")


class Batch(Base):
    """A lot of one product (GTIN + lot), as the backend has accepted it.

    ``batch_id`` is the ledger's id: keccak256(abi.encode(gtin, lot)).
    """

    __tablename__ = "batches"
    __table_args__ = (UniqueConstraint("gtin", "lot"),)

    batch_id: Mapped[str] = mapped_column(String(66), primary_key=True)
    gtin: Mapped[str] = mapped_column(ForeignKey("products.gtin"))
    lot: Mapped[str] = mapped_column(String(20))
    quantity_g: Mapped[int] = mapped_column(BigInteger)
    remaining_g: Mapped[int] = mapped_column(BigInteger)
    custodian_id: Mapped[int] = mapped_column(ForeignKey("actors.id"))
    origin_id: Mapped[int] = mapped_column(ForeignKey("actors.id"))
    # While in transit: who it was shipped to. Custody moves only when they receive it.
    consignee_id: Mapped[int | None] = mapped_column(ForeignKey("actors.id"))
    # active, in_transit, exported, consumed, recalled
    status: Mapped[str] = mapped_column(String(20), default="active")
    # Harvest facts (date, planting area code, practice, commune, coordinates) when known.
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class BatchLink(Base):
    """``quantity_g`` of ``parent`` went into ``child`` in one transformation event."""

    __tablename__ = "batch_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_batch_id: Mapped[str] = mapped_column(ForeignKey("batches.batch_id"), index=True)
    child_batch_id: Mapped[str] = mapped_column(ForeignKey("batches.batch_id"), index=True)
    quantity_g: Mapped[int] = mapped_column(BigInteger)
    event_pk: Mapped[int] = mapped_column(ForeignKey("epcis_events.id"))


class RetailUnit(Base):
    """One serialised trade item (SGTIN) and the lot it was packed into."""

    __tablename__ = "retail_units"
    __table_args__ = (UniqueConstraint("gtin", "lot", "serial"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    gtin: Mapped[str] = mapped_column(String(14))
    lot: Mapped[str] = mapped_column(String(20))
    serial: Mapped[str] = mapped_column(String(20))
    batch_id: Mapped[str] = mapped_column(ForeignKey("batches.batch_id"), index=True)
    event_pk: Mapped[int] = mapped_column(ForeignKey("epcis_events.id"))


class EpcisEvent(Base):
    """An EPCIS 2.0 event as captured, with its Event Hash ID and its anchoring state.

    Invariant: ``event_hash`` is the CBV 2.0 Event Hash ID digest of ``document``;
    the verifier recomputes it and compares with the chain, never trusting this column.
    """

    __tablename__ = "epcis_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(200), unique=True)
    event_hash: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    event_type: Mapped[str] = mapped_column(String(40))
    biz_step: Mapped[str] = mapped_column(String(200), default="", index=True)
    # UTC; the document keeps the local time and offset the actor sent.
    event_time: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    # When this repository captured it (EPCIS recordTime; not part of the hash).
    record_time: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    # Query fields, as the EPCIS query interface matches them: bizStep and disposition as
    # full CBV URIs, locations as canonical GS1 paths.
    action: Mapped[str] = mapped_column(String(10), default="")
    disposition: Mapped[str] = mapped_column(String(200), default="")
    read_point: Mapped[str] = mapped_column(String(300), default="", index=True)
    biz_location: Mapped[str] = mapped_column(String(300), default="", index=True)
    transformation_id: Mapped[str] = mapped_column(String(300), default="")
    error_declared: Mapped[bool] = mapped_column(default=False)
    document: Mapped[str] = mapped_column(Text)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id"))
    # The batch the event is about, when it concerns one of ours ("" for captured events
    # about identifiers this repository does not manage).
    batch_id: Mapped[str] = mapped_column(String(66), index=True, default="")
    # pending -> submitted -> anchored, or rejected with ``error``.
    status: Mapped[str] = mapped_column(String(20), default="pending")
    error: Mapped[str] = mapped_column(Text, default="")
    tx_hash: Mapped[str | None] = mapped_column(String(66))
    block_number: Mapped[int | None] = mapped_column(BigInteger)
    log_index: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class EventBatch(Base):
    """Which batches an event concerns, and how (subject, input or output)."""

    __tablename__ = "event_batches"
    __table_args__ = (Index("ix_event_batches_batch", "batch_id"),)

    event_pk: Mapped[int] = mapped_column(ForeignKey("epcis_events.id"), primary_key=True)
    batch_id: Mapped[str] = mapped_column(ForeignKey("batches.batch_id"), primary_key=True)
    relation: Mapped[str] = mapped_column(String(10), default="subject")
