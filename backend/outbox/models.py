from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base


class OutboxItem(Base):
    """One ledger call to send, written in the same transaction as the event it anchors.

    Items are sent in ``id`` order; a transient chain failure stops the round so that
    the order the backend accepted things in is the order the chain sees them.
    """

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_pk: Mapped[int | None] = mapped_column(ForeignKey("epcis_events.id"))
    # The Ledger binding method to call, e.g. "register_batch".
    call: Mapped[str] = mapped_column(String(40))
    args: Mapped[dict[str, Any]] = mapped_column(JSON)
    sender_id: Mapped[int] = mapped_column(ForeignKey("actors.id"))
    # pending -> done, or failed (the contract refused it; ``last_error`` says why).
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    tx_hash: Mapped[str | None] = mapped_column(String(66))
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())
