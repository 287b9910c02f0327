from __future__ import annotations

from datetime import datetime

from sqlalchemy import LargeBinary, String, func
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base


class Actor(Base):
    """A party that writes to the ledger, with its signing key sealed at rest."""

    __tablename__ = "actors"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # One of contracts.types.Role's names: ADMIN, COOPERATIVE, PROCESSOR, LAB, EXPORTER, CUSTOMS.
    role: Mapped[str] = mapped_column(String(20))
    gln: Mapped[str] = mapped_column(String(13), unique=True)
    address: Mapped[str] = mapped_column(String(42), unique=True)
    sealed_key: Mapped[bytes] = mapped_column(LargeBinary)
    api_key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Free-form public details shown to buyers (commune, province, country).
    locality: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
