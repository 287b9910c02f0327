from __future__ import annotations

from typing import Literal

from pydantic import Field

from backend.traceability.schemas import CamelModel, Gln

SupplyChainRole = Literal["COOPERATIVE", "PROCESSOR", "LAB", "EXPORTER", "CUSTOMS"]


class ActorIn(CamelModel):
    name: str = Field(min_length=1, max_length=200)
    role: SupplyChainRole
    gln: Gln
    locality: str = Field(default="", max_length=200)


class ActorOut(CamelModel):
    id: int
    name: str
    role: str
    gln: str
    address: str
    locality: str
    active: bool


class ActorCreated(ActorOut):
    # Shown once; only its hash is stored.
    api_key: str
