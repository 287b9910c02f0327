"""EPCIS 2.0 events for the backend's own workflows, written with GS1's own field names.

Identifiers are GS1 Digital Link URIs on the canonical ``https://id.gs1.org`` base,
which EPCIS 2.0 accepts everywhere an EPC URN is accepted and which needs no company
prefix length: ``/01/{gtin}/10/{lot}`` for a lot (the LGTIN class),
``/01/{gtin}/21/{serial}`` for a trade item (SGTIN), ``/414/{gln}`` for a place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from epcis.ocop_extensions import event_context, term

ID_BASE = "https://id.gs1.org"


def lot_class(gtin: str, lot: str) -> str:
    return f"{ID_BASE}/01/{gtin}/10/{quote(lot, safe='')}"


def trade_item(gtin: str, serial: str) -> str:
    return f"{ID_BASE}/01/{gtin}/21/{quote(serial, safe='')}"


def place(gln: str) -> str:
    return f"{ID_BASE}/414/{gln}"


def party(gln: str) -> str:
    return f"{ID_BASE}/417/{gln}"


def kilograms(grams: int) -> float | int:
    """Grams as a JSON number of kilograms, exact (no binary-float rounding in the text)."""
    value = Decimal(grams) / 1000
    return int(value) if value == value.to_integral_value() else float(value)


def _timestamp(moment: datetime) -> tuple[str, str]:
    if moment.tzinfo is None:
        raise ValueError("event times must carry a time zone")
    offset = moment.strftime("%z")
    return moment.isoformat(timespec="milliseconds"), f"{offset[:3]}:{offset[3:]}"


@dataclass(frozen=True)
class LotQuantity:
    gtin: str
    lot: str
    grams: int

    def as_epcis(self) -> dict[str, Any]:
        return {
            "epcClass": lot_class(self.gtin, self.lot),
            "quantity": kilograms(self.grams),
            "uom": "KGM",
        }


def _base(event_type: str, moment: datetime, where_gln: str) -> dict[str, Any]:
    event_time, offset = _timestamp(moment)
    return {
        "@context": event_context(),
        "type": event_type,
        "eventTime": event_time,
        "eventTimeZoneOffset": offset,
        "readPoint": {"id": place(where_gln)},
        "bizLocation": {"id": place(where_gln)},
    }


def harvest_event(
    lot: LotQuantity, moment: datetime, where_gln: str, ilmd: dict[str, Any]
) -> dict[str, Any]:
    """Commissioning of a harvested lot, with harvest facts as instance/lot master data."""
    event = _base("ObjectEvent", moment, where_gln)
    event.update(
        {
            "action": "ADD",
            "bizStep": "commissioning",
            "disposition": "active",
            "epcList": [],
            "quantityList": [lot.as_epcis()],
            "ilmd": {term(key): value for key, value in ilmd.items()},
        }
    )
    return event


def step_event(
    lot: LotQuantity,
    moment: datetime,
    where_gln: str,
    biz_step: str,
    disposition: str,
    extensions: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An observation of a lot at a step (receiving, inspecting, a processing step...)."""
    event = _base("ObjectEvent", moment, where_gln)
    event.update(
        {
            "action": "OBSERVE",
            "bizStep": biz_step,
            "disposition": disposition,
            "epcList": [],
            "quantityList": [lot.as_epcis()],
        }
    )
    event.update({term(key): value for key, value in (extensions or {}).items()})
    return event


def transformation_event(
    inputs: list[LotQuantity],
    outputs: list[LotQuantity],
    output_items: list[str],
    moment: datetime,
    where_gln: str,
    process_step: str,
) -> dict[str, Any]:
    event = _base("TransformationEvent", moment, where_gln)
    event.update(
        {
            "bizStep": "commissioning",
            "disposition": "active",
            "inputQuantityList": [item.as_epcis() for item in inputs],
            "outputQuantityList": [item.as_epcis() for item in outputs],
            term("processStep"): process_step,
        }
    )
    if output_items:
        event["outputEPCList"] = output_items
    return event


def shipping_event(
    lot: LotQuantity, moment: datetime, from_gln: str, to_gln: str
) -> dict[str, Any]:
    """Custody of a lot handed from one party to another."""
    event = _base("ObjectEvent", moment, from_gln)
    event.update(
        {
            "action": "OBSERVE",
            "bizStep": "shipping",
            "disposition": "in_transit",
            "epcList": [],
            "quantityList": [lot.as_epcis()],
            "sourceList": [{"type": "owning_party", "source": party(from_gln)}],
            "destinationList": [{"type": "owning_party", "destination": party(to_gln)}],
        }
    )
    return event
