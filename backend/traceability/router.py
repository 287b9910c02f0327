from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Query, status
from sqlalchemy import select

from backend.actors.models import Actor
from backend.deps import CurrentActor, SessionDep
from backend.traceability import lineage, schemas, service
from backend.traceability.epcis_events import kilograms
from backend.traceability.models import Batch, EpcisEvent, Product, RetailUnit
from epcis.errors import NotFound

router = APIRouter(tags=["traceability"])
ACCEPTED = status.HTTP_202_ACCEPTED


def _accepted(captured: service.CapturedEvent) -> schemas.Accepted:
    record = captured.record
    return schemas.Accepted(
        event_id=record.event_id,
        event_hash=record.event_hash,
        status=record.status,
        status_url=f"/events/{record.event_hash}",
        batch_ids=captured.batch_ids,
    )


@router.post("/products", status_code=status.HTTP_201_CREATED, response_model=schemas.ProductIn)
def add_product(body: schemas.ProductIn, session: SessionDep, actor: CurrentActor) -> Product:
    """Publish product master data (province operator only)."""
    return service.add_product(session, actor, body)


@router.post("/batches", status_code=ACCEPTED, response_model=schemas.Accepted)
def register_harvest(
    body: schemas.HarvestIn, session: SessionDep, actor: CurrentActor
) -> schemas.Accepted:
    """A cooperative registers a harvested lot."""
    return _accepted(service.register_harvest(session, actor, body))


@router.post("/batches/{batch_id}/steps", status_code=ACCEPTED, response_model=schemas.Accepted)
def record_step(
    batch_id: str, body: schemas.StepIn, session: SessionDep, actor: CurrentActor
) -> schemas.Accepted:
    """The custodian records a step (receiving, storing, washing, departing...)."""
    return _accepted(service.record_step(session, actor, batch_id, body))


@router.post("/transformations", status_code=ACCEPTED, response_model=schemas.Accepted)
def transform(
    body: schemas.TransformIn, session: SessionDep, actor: CurrentActor
) -> schemas.Accepted:
    """A processor turns input lots into output lots (drying, packing...), mass-balanced."""
    return _accepted(service.transform(session, actor, body))


@router.post("/batches/{batch_id}/shipments", status_code=ACCEPTED, response_model=schemas.Accepted)
def ship(
    batch_id: str, body: schemas.ShipmentIn, session: SessionDep, actor: CurrentActor
) -> schemas.Accepted:
    """The custodian ships the lot to another actor. Custody moves when that actor records
    the ``receiving`` step (POST /batches/{batchId}/steps): a two-step handover."""
    return _accepted(service.ship(session, actor, batch_id, body))


@router.post(
    "/batches/{batch_id}/certificates", status_code=ACCEPTED, response_model=schemas.Accepted
)
def attach_certificate(
    batch_id: str, body: schemas.CertificateIn, session: SessionDep, actor: CurrentActor
) -> schemas.Accepted:
    """A lab binds a certificate (its document's SHA-256) to the lot."""
    return _accepted(service.attach_certificate(session, actor, batch_id, body))


@router.post(
    "/batches/{batch_id}/export-clearance", status_code=ACCEPTED, response_model=schemas.Accepted
)
def clear_export(
    batch_id: str, body: schemas.ExportClearanceIn, session: SessionDep, actor: CurrentActor
) -> schemas.Accepted:
    """Customs clears the lot for export at a border gate."""
    return _accepted(service.clear_export(session, actor, batch_id, body))


def _batch_view(session: SessionDep, batch: Batch) -> schemas.BatchView:
    product = session.get(Product, batch.gtin)
    custodian = session.get(Actor, batch.custodian_id)
    origin = session.get(Actor, batch.origin_id)
    return schemas.BatchView(
        batch_id=batch.batch_id,
        gtin=batch.gtin,
        lot=batch.lot,
        product_name=product.name_en if product else "",
        quantity_kg=kilograms(batch.quantity_g),
        remaining_kg=kilograms(batch.remaining_g),
        status=batch.status,
        custodian=custodian.gln if custodian else "",
        origin=origin.gln if origin else "",
        attributes=batch.attributes,
    )


def _event_view(session: SessionDep, event: EpcisEvent) -> schemas.EventView:
    actor = session.get(Actor, event.actor_id)
    return schemas.EventView(
        event_id=event.event_id,
        event_hash=event.event_hash,
        kind=event.kind,
        event_type=event.event_type,
        biz_step=event.biz_step,
        event_time=event.event_time,
        actor=actor.gln if actor else "",
        status=event.status,
        error=event.error,
        tx_hash=event.tx_hash,
        block_number=event.block_number,
        document=json.loads(event.document),
    )


@router.get("/batches", response_model=schemas.BatchView)
def find_batch(
    session: SessionDep, gtin: Annotated[str, Query()], lot: Annotated[str, Query()]
) -> schemas.BatchView:
    """Look a lot up by GTIN and lot number."""
    batch = session.scalar(select(Batch).where(Batch.gtin == gtin, Batch.lot == lot))
    if batch is None:
        raise NotFound("batch", f"{gtin}/{lot}")
    return _batch_view(session, batch)


@router.get("/batches/{batch_id}", response_model=schemas.LineageView)
def get_batch(batch_id: str, session: SessionDep) -> schemas.LineageView:
    """A lot with its full lineage: up to the harvest, down to the packages and units."""
    batch = service.get_batch(session, batch_id)
    up = lineage.ancestors(session, batch.batch_id)
    down = lineage.descendants(session, batch.batch_id)
    units = session.scalars(
        select(RetailUnit).where(RetailUnit.batch_id.in_([batch.batch_id, *down]))
    ).all()
    events = lineage.events_of(session, [batch.batch_id, *up, *down])
    return schemas.LineageView(
        batch=_batch_view(session, batch),
        ancestors=[_batch_view(session, service.get_batch(session, i)) for i in up],
        descendants=[_batch_view(session, service.get_batch(session, i)) for i in down],
        units=[f"/01/{u.gtin}/10/{u.lot}/21/{u.serial}" for u in units],
        events=[_event_view(session, event) for event in events],
    )


@router.get("/events/{event_hash}", response_model=schemas.EventView)
def get_event(event_hash: str, session: SessionDep) -> schemas.EventView:
    """An event's document and its anchoring status (pending, submitted, anchored, rejected)."""
    event = session.scalar(select(EpcisEvent).where(EpcisEvent.event_hash == event_hash.lower()))
    if event is None:
        raise NotFound("event", event_hash)
    return _event_view(session, event)
