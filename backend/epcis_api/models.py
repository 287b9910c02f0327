from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, String, func
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base


class EventEpc(Base):
    """One identifier an event names, by where it appears, in canonical GS1 form.

    ``key`` is the constrained canonical Digital Link path (``/01/{gtin}/21/{serial}``,
    ``/01/{gtin}/10/{lot}``, ``/00/{sscc}``, ``/414/{gln}``...) whether the event wrote an
    EPC URN or a Digital Link, so a query matches either spelling; identifiers that are not
    GS1 keys are kept verbatim.
    """

    __tablename__ = "event_epcs"
    __table_args__ = (Index("ix_event_epcs_key", "key", "field"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_pk: Mapped[int] = mapped_column(ForeignKey("epcis_events.id"), index=True)
    # epc, child, parent, input, output (instances); class, child_class, input_class,
    # output_class (quantities)
    field: Mapped[str] = mapped_column(String(12))
    key: Mapped[str] = mapped_column(String(300))


class CaptureJob(Base):
    """A capture request and its outcome, as ``/capture/{captureID}`` reports it."""

    __tablename__ = "capture_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    capture_id: Mapped[str] = mapped_column(String(40), unique=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id"))
    behaviour: Mapped[str] = mapped_column(String(10))
    running: Mapped[bool] = mapped_column(default=False)
    success: Mapped[bool] = mapped_column(default=True)
    captured: Mapped[int] = mapped_column(default=0)
    duplicates: Mapped[int] = mapped_column(default=0)
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
