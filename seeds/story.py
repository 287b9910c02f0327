"""The demo story, loaded through the same services the API uses.

Harvest at a Y Tý cooperative (500 kg fresh tam thất) -> handover to a processor ->
drying (150 kg, 30% yield) -> packing into 150 serialised 1 kg packs -> lab certificate
-> handover to an exporter -> departure to the border gate -> customs clearance.

Loading twice adds nothing twice: each step first looks for what it would create.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from backend.actors import service as actors
from backend.actors.models import Actor
from backend.actors.schemas import ActorIn
from backend.db import transaction
from backend.traceability import schemas, service
from backend.traceability.models import Batch, EpcisEvent, EventBatch, Product
from epcis.cbv import expand_biz_step
from qr.codes import unit_uri
from seeds import laocai as data

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from backend.runtime import Runtime


Step = tuple[Callable[["Session"], bool], Callable[["Session"], Any]]


@dataclass(frozen=True)
class StoryResult:
    created_steps: int
    unit_uri: str
    retail_batch_id: str


def _has_event(session: Session, batch_id: str, kind: str, biz_step: str | None = None) -> bool:
    query = (
        select(EpcisEvent.id)
        .join(EventBatch, EventBatch.event_pk == EpcisEvent.id)
        .where(EventBatch.batch_id == batch_id, EpcisEvent.kind == kind)
    )
    if biz_step is not None:
        query = query.where(EpcisEvent.biz_step == expand_biz_step(biz_step))
    return session.scalar(query) is not None


def _actor(session: Session, key: str) -> Actor:
    sample = next(a for a in data.ACTORS if a.key == key)
    found = session.scalar(select(Actor).where(Actor.gln == sample.gln))
    assert found is not None, f"sample actor {key} is not onboarded"
    return found


def _onboard_actors_and_products(session: Session, runtime: Runtime) -> int:
    created = 0
    admin = actors.operator(session)
    assert admin is not None, "the runtime creates the operator when it deploys the ledger"
    for sample in data.ACTORS:
        if session.scalar(select(Actor.id).where(Actor.gln == sample.gln)) is None:
            body = ActorIn.model_validate(
                {
                    "name": sample.name,
                    "role": sample.role,
                    "gln": sample.gln,
                    "locality": sample.locality,
                }
            )
            actors.onboard(session, admin, runtime.vault, body)
            created += 1
    for product in data.PRODUCTS:
        if session.get(Product, product["gtin"]) is None:
            service.add_product(session, admin, schemas.ProductIn.model_validate(product))
            created += 1
    return created


def _story_steps(fresh: str, dried: str, retail: str) -> list[Step]:
    """Each step: (already done?, do it). Run in order, each in its own transaction."""
    dried_kg = data.DRIED_KG

    def gln_of(session: Session, key: str) -> str:
        return _actor(session, key).gln

    return [
        (
            lambda s: s.get(Batch, fresh) is not None,
            lambda s: service.register_harvest(
                s, _actor(s, "cooperative"), schemas.HarvestIn.model_validate(data.HARVEST)
            ),
        ),
        (
            lambda s: _has_event(s, fresh, "custody"),
            lambda s: service.ship(
                s,
                _actor(s, "cooperative"),
                fresh,
                schemas.ShipmentIn(to_gln=gln_of(s, "processor"), event_time=data.at(6, 8)),
            ),
        ),
        (
            lambda s: _has_event(s, fresh, "step", "receiving"),
            lambda s: service.record_step(
                s,
                _actor(s, "processor"),
                fresh,
                schemas.StepIn(step="receiving", event_time=data.at(6, 14)),
            ),
        ),
        (
            lambda s: s.get(Batch, dried) is not None,
            lambda s: service.transform(
                s,
                _actor(s, "processor"),
                schemas.TransformIn(
                    process_step="drying",
                    inputs=[schemas.LotAmount(batch_id=fresh, quantity_kg=data.HARVEST_KG)],
                    outputs=[
                        schemas.NewLot(
                            gtin=data.DRIED_ROOTS, lot=data.DRIED_LOT, quantity_kg=dried_kg
                        )
                    ],
                    event_time=data.at(12, 17),
                ),
            ),
        ),
        (
            lambda s: _has_event(s, dried, "certificate"),
            lambda s: service.attach_certificate(
                s,
                _actor(s, "lab"),
                dried,
                schemas.CertificateIn(
                    certificate_type="lab-test",
                    document_sha256=data.LAB_REPORT_SHA256,
                    valid_until=data.LAB_REPORT_VALID_UNTIL,
                    test_results=data.LAB_RESULTS,
                    event_time=data.at(14, 9),
                ),
            ),
        ),
        (
            lambda s: s.get(Batch, retail) is not None,
            lambda s: service.transform(
                s,
                _actor(s, "processor"),
                schemas.TransformIn(
                    process_step="packing",
                    inputs=[schemas.LotAmount(batch_id=dried, quantity_kg=dried_kg)],
                    outputs=[
                        schemas.NewLot(
                            gtin=data.RETAIL_PACK,
                            lot=data.RETAIL_LOT,
                            quantity_kg=dried_kg,
                            serials=data.SERIALS,
                        )
                    ],
                    event_time=data.at(15, 10),
                ),
            ),
        ),
        (
            lambda s: _has_event(s, retail, "custody"),
            lambda s: service.ship(
                s,
                _actor(s, "processor"),
                retail,
                schemas.ShipmentIn(to_gln=gln_of(s, "exporter"), event_time=data.at(20, 8)),
            ),
        ),
        (
            lambda s: _has_event(s, retail, "step", "receiving"),
            lambda s: service.record_step(
                s,
                _actor(s, "exporter"),
                retail,
                schemas.StepIn(step="receiving", event_time=data.at(20, 15)),
            ),
        ),
        (
            lambda s: _has_event(s, retail, "step", "departing"),
            lambda s: service.record_step(
                s,
                _actor(s, "exporter"),
                retail,
                schemas.StepIn(
                    step="departing",
                    border_gate_gln=data.BORDER_GATE_GLN,
                    event_time=data.at(21, 7),
                ),
            ),
        ),
        (
            lambda s: _has_event(s, retail, "export"),
            lambda s: service.clear_export(
                s,
                _actor(s, "customs"),
                retail,
                schemas.ExportClearanceIn(
                    declaration_number=data.EXPORT_DECLARATION,
                    border_gate_gln=data.BORDER_GATE_GLN,
                    phytosanitary_certificate_number=data.PHYTOSANITARY_CERTIFICATE,
                    event_time=data.at(21, 11),
                ),
            ),
        ),
    ]


def load_story(runtime: Runtime) -> StoryResult:
    with transaction(runtime.sessions) as session:
        created = _onboard_actors_and_products(session, runtime)
    fresh = service.batch_id_hex(data.FRESH_ROOTS, data.HARVEST_LOT)
    dried = service.batch_id_hex(data.DRIED_ROOTS, data.DRIED_LOT)
    retail = service.batch_id_hex(data.RETAIL_PACK, data.RETAIL_LOT)
    for done, run in _story_steps(fresh, dried, retail):
        # One transaction per step: a crash mid-story resumes at the step it stopped in.
        with transaction(runtime.sessions) as session:
            if not done(session):
                run(session)
                created += 1
    uri = unit_uri(
        runtime.settings.digital_link_base, data.RETAIL_PACK, data.RETAIL_LOT, data.SERIALS[0]
    )
    return StoryResult(created, uri, retail)
