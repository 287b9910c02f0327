"""Capture workflows: validate against the accepted state, write the EPCIS event, its
batches and its outbox call in one transaction. Nothing here talks to the chain: the
submitter sends the outbox, the contract enforces the same rules again."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.actors.models import Actor
from backend.epcis_api.store import store_event
from backend.errors import Conflict, Forbidden
from backend.traceability import epcis_events as ev
from backend.traceability import schemas
from backend.traceability.models import (
    Batch,
    BatchLink,
    EpcisEvent,
    Product,
    RetailUnit,
)
from contracts.types import batch_id_of
from epcis.errors import InvalidInput, NotFound
from epcis.event_hash import event_hash_id
from epcis.ocop_extensions import term

# Lào Cai keeps Indochina Time all year; events default to it when a client sends none.
INDOCHINA_TIME = timezone(timedelta(hours=7))
_OBSERVED_STEPS: dict[str, tuple[str, str]] = {
    # step -> (CBV bizStep, CBV disposition)
    "receiving": ("receiving", "in_progress"),
    "storing": ("storing", "in_progress"),
    "inspecting": ("inspecting", "in_progress"),
    "washing": ("https://ns.ocoptrace.org/epcis/bizstep/washing", "in_progress"),
    "sorting": ("https://ns.ocoptrace.org/epcis/bizstep/sorting", "in_progress"),
    "departing": ("departing", "in_transit"),
}


@dataclass(frozen=True)
class CapturedEvent:
    record: EpcisEvent
    batch_ids: list[str]


def now_local() -> datetime:
    return datetime.now(INDOCHINA_TIME).replace(microsecond=0)


def batch_id_hex(gtin: str, lot: str) -> str:
    return "0x" + bytes(batch_id_of(gtin, lot)).hex()


def require_role(actor: Actor, *roles: str) -> None:
    if not actor.active:
        raise Forbidden(f"actor {actor.gln} is suspended and cannot write")
    if actor.role not in roles:
        raise Forbidden(f"actor {actor.gln} has role {actor.role}; this needs {' or '.join(roles)}")


def get_batch(session: Session, batch_id: str) -> Batch:
    batch = session.get(Batch, batch_id.lower())
    if batch is None:
        raise NotFound("batch", batch_id)
    return batch


def get_product(session: Session, gtin: str, field: str = "gtin") -> Product:
    product = session.get(Product, gtin)
    if product is None:
        raise InvalidInput(field, f"GTIN {gtin} is not in the product master data")
    return product


def _new_batch(
    batch_id: str, gtin: str, lot: str, grams: int, actor: Actor, attributes: dict[str, Any]
) -> Batch:
    """A lot that ``actor`` creates, holds and originates, nothing of it used yet."""
    return Batch(
        batch_id=batch_id,
        gtin=gtin,
        lot=lot,
        quantity_g=grams,
        remaining_g=grams,
        custodian_id=actor.id,
        origin_id=actor.id,
        attributes=attributes,
    )


def _require_custodian(batch: Batch, actor: Actor) -> None:
    if batch.custodian_id != actor.id:
        raise Forbidden(f"actor {actor.gln} is not the custodian of batch {batch.batch_id}")


def _require_movable(batch: Batch) -> None:
    if batch.status != "active":
        raise Conflict("batchId", f"batch {batch.batch_id} is {batch.status} and cannot change")


def capture(
    session: Session,
    actor: Actor,
    kind: str,
    event: dict[str, Any],
    relations: Iterable[tuple[str, str]],
    call: str,
    call_args: dict[str, Any],
) -> CapturedEvent:
    """Store a workflow's event through the one storage path, its Event Hash ID as eventID.

    The same content captured twice is refused rather than stored twice.
    """
    event = {**event, "eventID": event_hash_id(event)}
    stored = store_event(
        session, actor, event, kind=kind, relations=relations, call=call, call_args=call_args
    )
    return CapturedEvent(record=stored.record, batch_ids=stored.batch_ids)


def register_harvest(session: Session, actor: Actor, body: schemas.HarvestIn) -> CapturedEvent:
    require_role(actor, "COOPERATIVE")
    get_product(session, body.gtin)
    batch_id = batch_id_hex(body.gtin, body.lot)
    if session.get(Batch, batch_id) is not None:
        raise Conflict("lot", f"lot {body.lot} of GTIN {body.gtin} is already registered")
    quantity = schemas.grams(body.quantity_kg)
    attributes = {
        "harvestDate": body.harvest_date.isoformat(),
        "plantingAreaCode": body.planting_area_code,
        "practice": body.practice,
        "commune": body.commune,
        "latitude": body.latitude,
        "longitude": body.longitude,
    }
    session.add(_new_batch(batch_id, body.gtin, body.lot, quantity, actor, attributes))
    session.flush()
    event = ev.harvest_event(
        ev.LotQuantity(body.gtin, body.lot, quantity),
        body.event_time or now_local(),
        actor.gln,
        attributes,
    )
    return capture(
        session,
        actor,
        "harvest",
        event,
        [(batch_id, "subject")],
        "register_batch",
        {"batch_id": batch_id, "quantity": quantity},
    )


def record_step(
    session: Session, actor: Actor, batch_id: str, body: schemas.StepIn
) -> CapturedEvent:
    """The custodian observes its lot at a step; ``receiving`` by the consignee of a
    shipment is the second half of a handover and moves custody to it."""
    require_role(actor, "COOPERATIVE", "PROCESSOR", "LAB", "EXPORTER", "CUSTOMS")
    batch = get_batch(session, batch_id)
    if body.step == "receiving":
        return _receive(session, actor, batch, body)
    _require_custodian(batch, actor)
    _require_movable(batch)
    return _observe(session, actor, batch, body, "record_event", {"step": body.step})


def _receive(session: Session, actor: Actor, batch: Batch, body: schemas.StepIn) -> CapturedEvent:
    if batch.status != "in_transit" or batch.consignee_id != actor.id:
        raise Conflict(
            "step",
            f"batch {batch.batch_id} is not in transit to actor {actor.gln}: only the "
            "consignee of a shipment receives it",
        )
    batch.custodian_id = actor.id
    batch.consignee_id = None
    batch.status = "active"
    return _observe(session, actor, batch, body, "receive", {})


def _observe(
    session: Session,
    actor: Actor,
    batch: Batch,
    body: schemas.StepIn,
    call: str,
    call_args: dict[str, Any],
) -> CapturedEvent:
    biz_step, disposition = _OBSERVED_STEPS[body.step]
    extensions: dict[str, Any] = {"processStep": body.step}
    if body.border_gate_gln:
        extensions["borderGate"] = body.border_gate_gln
    event = ev.step_event(
        ev.LotQuantity(batch.gtin, batch.lot, batch.remaining_g),
        body.event_time or now_local(),
        actor.gln,
        biz_step,
        disposition,
        extensions,
    )
    return capture(
        session,
        actor,
        "step",
        event,
        [(batch.batch_id, "subject")],
        call,
        {"batch_id": batch.batch_id, **call_args},
    )


def transform(session: Session, actor: Actor, body: schemas.TransformIn) -> CapturedEvent:
    require_role(actor, "PROCESSOR")
    inputs: list[tuple[Batch, int]] = []
    for index, item in enumerate(body.inputs):
        batch = get_batch(session, item.batch_id)
        _require_custodian(batch, actor)
        _require_movable(batch)
        wanted = schemas.grams(item.quantity_kg)
        if wanted > batch.remaining_g:
            raise InvalidInput(
                f"inputs.{index}.quantityKg",
                f"batch {batch.batch_id} has {ev.kilograms(batch.remaining_g)} kg left, "
                f"{item.quantity_kg} kg requested",
            )
        inputs.append((batch, wanted))
    if len({batch.batch_id for batch, _ in inputs}) != len(inputs):
        raise InvalidInput("inputs", "each input batch may appear once")
    input_total = sum(quantity for _, quantity in inputs)
    outputs: list[tuple[str, schemas.NewLot, int]] = []
    for index, lot in enumerate(body.outputs):
        product = get_product(session, lot.gtin, f"outputs.{index}.gtin")
        quantity = schemas.grams(lot.quantity_kg)
        if lot.serials and product.net_content_g * len(lot.serials) > quantity:
            raise InvalidInput(
                f"outputs.{index}.serials",
                f"{len(lot.serials)} units of {product.net_content_g} g need more than "
                f"the lot's {lot.quantity_kg} kg",
            )
        batch_id = batch_id_hex(lot.gtin, lot.lot)
        if session.get(Batch, batch_id) is not None:
            raise Conflict(f"outputs.{index}.lot", f"lot {lot.lot} of GTIN {lot.gtin} exists")
        outputs.append((batch_id, lot, quantity))
    if len({batch_id for batch_id, _, _ in outputs}) != len(outputs):
        raise InvalidInput("outputs", "each output lot may appear once")
    output_total = sum(quantity for _, _, quantity in outputs)
    if output_total > input_total:
        raise InvalidInput(
            "outputs",
            f"mass balance: outputs weigh {ev.kilograms(output_total)} kg, more than the "
            f"{ev.kilograms(input_total)} kg of inputs",
        )

    for batch, quantity in inputs:
        batch.remaining_g -= quantity
        if batch.remaining_g == 0:
            batch.status = "consumed"
    origin_attributes = _merged_origin(inputs)
    for batch_id, lot, quantity in outputs:
        session.add(_new_batch(batch_id, lot.gtin, lot.lot, quantity, actor, origin_attributes))
    session.flush()
    unit_ids = [ev.trade_item(lot.gtin, serial) for _, lot, _ in outputs for serial in lot.serials]
    event = ev.transformation_event(
        [ev.LotQuantity(batch.gtin, batch.lot, quantity) for batch, quantity in inputs],
        [ev.LotQuantity(lot.gtin, lot.lot, quantity) for _, lot, quantity in outputs],
        unit_ids,
        body.event_time or now_local(),
        actor.gln,
        body.process_step,
    )
    captured = capture(
        session,
        actor,
        "transformation",
        event,
        [(batch_id, "output") for batch_id, _, _ in outputs]
        + [(batch.batch_id, "input") for batch, _ in inputs],
        "transform",
        {
            "input_ids": [batch.batch_id for batch, _ in inputs],
            "input_quantities": [quantity for _, quantity in inputs],
            "output_ids": [batch_id for batch_id, _, _ in outputs],
            "output_quantities": [quantity for _, _, quantity in outputs],
        },
    )
    for batch_id, lot, _ in outputs:
        for batch, quantity in inputs:
            session.add(
                BatchLink(
                    parent_batch_id=batch.batch_id,
                    child_batch_id=batch_id,
                    quantity_g=quantity,
                    event_pk=captured.record.id,
                )
            )
        for serial in lot.serials:
            session.add(
                RetailUnit(
                    gtin=lot.gtin,
                    lot=lot.lot,
                    serial=serial,
                    batch_id=batch_id,
                    event_pk=captured.record.id,
                )
            )
    return captured


def _merged_origin(inputs: list[tuple[Batch, int]]) -> dict[str, Any]:
    """Harvest facts carry forward when every input shares them (one origin)."""
    if len(inputs) == 1:
        return dict(inputs[0][0].attributes)
    return {}


def ship(session: Session, actor: Actor, batch_id: str, body: schemas.ShipmentIn) -> CapturedEvent:
    """The custodian ships its lot to another actor, who takes custody on receipt."""
    require_role(actor, "COOPERATIVE", "PROCESSOR", "EXPORTER")
    batch = get_batch(session, batch_id)
    _require_custodian(batch, actor)
    _require_movable(batch)
    receiver = session.scalar(select(Actor).where(Actor.gln == body.to_gln))
    if receiver is None or not receiver.active or receiver.role == "ADMIN":
        raise InvalidInput("toGln", f"GLN {body.to_gln} is not an active supply-chain actor")
    if receiver.id == actor.id:
        raise InvalidInput("toGln", "custody cannot be transferred to its current holder")
    # First half of a two-step handover: custody moves when the receiver records receipt.
    batch.status = "in_transit"
    batch.consignee_id = receiver.id
    event = ev.shipping_event(
        ev.LotQuantity(batch.gtin, batch.lot, batch.remaining_g),
        body.event_time or now_local(),
        actor.gln,
        receiver.gln,
    )
    return capture(
        session,
        actor,
        "custody",
        event,
        [(batch.batch_id, "subject")],
        "ship",
        {"batch_id": batch.batch_id, "to": receiver.address},
    )


def attach_certificate(
    session: Session, actor: Actor, batch_id: str, body: schemas.CertificateIn
) -> CapturedEvent:
    require_role(actor, "LAB")
    batch = get_batch(session, batch_id)
    moment = body.event_time or now_local()
    if body.valid_until < moment.date():
        raise InvalidInput("validUntil", "a certificate must not have expired when attached")
    extensions: dict[str, Any] = {
        "certificateType": body.certificate_type,
        "documentSha256": body.document_sha256,
        "validUntil": body.valid_until.isoformat(),
    }
    if body.test_results:
        extensions["testResults"] = [
            {term("analyte"): analyte, term("result"): result}
            for analyte, result in sorted(body.test_results.items())
        ]
    event = ev.step_event(
        ev.LotQuantity(batch.gtin, batch.lot, batch.quantity_g),
        moment,
        actor.gln,
        "inspecting",
        "conformant",
        extensions,
    )
    if body.document_url:
        event["certificationInfo"] = body.document_url
    return capture(
        session,
        actor,
        "certificate",
        event,
        [(batch.batch_id, "subject")],
        "attach_certificate",
        {
            "batch_id": batch.batch_id,
            "document_hash": "0x" + body.document_sha256,
            "valid_until": _epoch_seconds(body.valid_until),
        },
    )


def clear_export(
    session: Session, actor: Actor, batch_id: str, body: schemas.ExportClearanceIn
) -> CapturedEvent:
    require_role(actor, "CUSTOMS")
    batch = get_batch(session, batch_id)
    _require_movable(batch)
    batch.status = "exported"
    extensions: dict[str, Any] = {
        "declarationNumber": body.declaration_number,
        "borderGate": body.border_gate_gln,
    }
    if body.phytosanitary_certificate_number:
        extensions["phytosanitaryCertificateNumber"] = body.phytosanitary_certificate_number
    event = ev.step_event(
        ev.LotQuantity(batch.gtin, batch.lot, batch.remaining_g),
        body.event_time or now_local(),
        body.border_gate_gln,
        "inspecting",
        "in_transit",
        extensions,
    )
    declaration = _sha256_hex(f"{body.declaration_number}|{body.border_gate_gln}")
    return capture(
        session,
        actor,
        "export",
        event,
        [(batch.batch_id, "subject")],
        "clear_export",
        {
            "batch_id": batch.batch_id,
            "declaration_hash": "0x" + declaration,
            "border_gate_gln": int(body.border_gate_gln),
        },
    )


def _epoch_seconds(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=UTC).timestamp())


def _sha256_hex(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode()).hexdigest()


def add_product(session: Session, actor: Actor, body: schemas.ProductIn) -> Product:
    require_role(actor, "ADMIN")
    if session.get(Product, body.gtin) is not None:
        raise Conflict("gtin", f"GTIN {body.gtin} is already in the product master data")
    product = Product(**body.model_dump())
    session.add(product)
    return product
