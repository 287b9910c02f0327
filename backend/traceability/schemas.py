"""Request and response bodies of the capture workflows (camelCase on the wire)."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_camel

from epcis import gs1
from epcis.errors import InvalidGS1Key

# GS1 AI (10) batch/lot and AI (21) serial: up to 20 characters of GS1 AI encodable set 82.
_CSET82 = re.compile(r"^[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]{1,20}$")
_BATCH_ID = re.compile(r"^0x[0-9a-f]{64}$")
_SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")


def _gs1_key(check: Any) -> Any:
    def validate(value: str) -> str:
        try:
            return str(check(value))
        except InvalidGS1Key as exc:
            raise ValueError(exc.message) from exc

    return AfterValidator(validate)


def _cset82(value: str) -> str:
    if not _CSET82.match(value):
        raise ValueError("must be 1 to 20 characters of the GS1 AI character set 82")
    return value


def _batch_id(value: str) -> str:
    value = value.lower()
    if not _BATCH_ID.match(value):
        raise ValueError("must be a 0x-prefixed 32-byte hex batch id")
    return value


def _kilograms(value: Decimal) -> Decimal:
    if value <= 0:
        raise ValueError("must be greater than 0")
    if value != value.quantize(Decimal("0.001")):
        raise ValueError("must have at most 3 decimals (whole grams)")
    if value > Decimal("1000000000"):
        raise ValueError("must be at most 1,000,000,000 kg")
    return value


Gtin = Annotated[str, _gs1_key(gs1.validate_gtin)]
Gln = Annotated[str, _gs1_key(gs1.validate_gln)]
LotNumber = Annotated[str, AfterValidator(_cset82)]
Serial = Annotated[str, AfterValidator(_cset82)]
BatchIdHex = Annotated[str, AfterValidator(_batch_id)]
Kilograms = Annotated[Decimal, AfterValidator(_kilograms)]


class CamelModel(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", str_strip_whitespace=True
    )


def grams(kilograms: Decimal) -> int:
    return int(kilograms * 1000)


class ProductIn(CamelModel):
    gtin: Gtin
    company_prefix_length: int = Field(ge=6, le=12)
    name_vi: str = Field(min_length=1, max_length=200)
    name_en: str = Field(min_length=1, max_length=200)
    name_zh: str = Field(min_length=1, max_length=200)
    species: str = Field(default="", max_length=200)
    net_content_g: int = Field(default=0, ge=0)
    ocop_stars: int = Field(default=0, ge=0, le=5)
    brand: str = Field(default="", max_length=200)
    shelf_life_days: int = Field(default=0, ge=0)
    standards: str = Field(default="", max_length=300)


class HarvestIn(CamelModel):
    gtin: Gtin
    lot: LotNumber
    quantity_kg: Kilograms
    harvest_date: date
    event_time: datetime | None = None
    planting_area_code: str = Field(min_length=1, max_length=64)
    practice: Literal["GACP", "VietGAP", "organic", "conventional"]
    commune: str = Field(min_length=1, max_length=100)
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)


ProcessStep = Literal["drying", "slicing", "extraction", "packing", "grinding", "blending"]
ObservedStep = Literal["receiving", "storing", "inspecting", "washing", "sorting", "departing"]


class StepIn(CamelModel):
    step: ObservedStep
    event_time: datetime | None = None
    border_gate_gln: Gln | None = None
    note: str = Field(default="", max_length=500)


class LotAmount(CamelModel):
    batch_id: BatchIdHex
    quantity_kg: Kilograms


class NewLot(CamelModel):
    gtin: Gtin
    lot: LotNumber
    quantity_kg: Kilograms
    serials: list[Serial] = Field(default_factory=list, max_length=10_000)

    @field_validator("serials")
    @classmethod
    def _unique(cls, serials: list[str]) -> list[str]:
        if len(set(serials)) != len(serials):
            raise ValueError("serials must be unique")
        return serials


class TransformIn(CamelModel):
    process_step: ProcessStep
    inputs: list[LotAmount] = Field(min_length=1, max_length=50)
    outputs: list[NewLot] = Field(min_length=1, max_length=50)
    event_time: datetime | None = None


class ShipmentIn(CamelModel):
    to_gln: Gln
    event_time: datetime | None = None


class CertificateIn(CamelModel):
    certificate_type: Literal["lab-test", "gacp-receipt", "ocop", "phytosanitary", "organic"]
    document_sha256: str
    document_url: str = Field(default="", max_length=500)
    valid_until: date
    test_results: dict[str, str] = Field(default_factory=dict, max_length=100)
    event_time: datetime | None = None

    @field_validator("document_sha256")
    @classmethod
    def _sha256(cls, value: str) -> str:
        value = value.lower()
        if not _SHA256_HEX.match(value):
            raise ValueError("must be the document's SHA-256 as 64 hex characters")
        return value


class ExportClearanceIn(CamelModel):
    declaration_number: str = Field(min_length=1, max_length=64)
    border_gate_gln: Gln
    phytosanitary_certificate_number: str = Field(default="", max_length=64)
    event_time: datetime | None = None


class Accepted(CamelModel):
    """Answer to a capture: the event is stored and queued for the chain."""

    event_id: str
    event_hash: str
    status: str
    status_url: str
    batch_ids: list[str]


class EventView(CamelModel):
    event_id: str
    event_hash: str
    kind: str
    event_type: str
    biz_step: str
    event_time: datetime
    actor: str
    status: str
    error: str
    tx_hash: str | None
    block_number: int | None
    document: dict[str, Any]


class BatchView(CamelModel):
    batch_id: str
    gtin: str
    lot: str
    product_name: str
    quantity_kg: float
    remaining_kg: float
    status: str
    custodian: str
    origin: str
    attributes: dict[str, Any]


class LineageView(CamelModel):
    batch: BatchView
    ancestors: list[BatchView]
    descendants: list[BatchView]
    units: list[str]
    events: list[EventView]
