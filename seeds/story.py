"""The demo story, loaded through the same services the API uses.

Harvest at a Y Tý cooperative (500 kg fresh tam thất) -> handover to a processor ->
drying (150 kg, 30% yield) -> packing into 150 serialised 1 kg packs -> lab certificate
-> handover to an exporter -> departure to the border gate -> customs clearance.

Loading twice adds nothing twice: each step first looks for what it would create.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select

from backend.actors import service as actors
from backend.actors.models import Actor
from backend.actors.schemas import ActorIn
from backend.db import transaction
from backend.traceability import schemas, service
from backend.traceability.models import EpcisEvent, EventBatch, Product
from qr.codes import unit_uri
from seeds import laocai as data

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from backend.runtime import Runtime


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
        query = query.where(EpcisEvent.biz_step == biz_step)
    return session.scalar(query) is not None


def _actor(session: Session, key: str) -> Actor:
    sample = next(a for a in data.ACTORS if a.key == key)
    found = session.scalar(select(Actor).where(Actor.gln == sample.gln))
    assert found is not None, f"sample actor {key} is not onboarded"
    return found


def load_story(runtime: Runtime) -> StoryResult:
    created = 0
    fresh = service.batch_id_hex(data.FRESH_ROOTS, data.HARVEST["lot"])  # type: ignore[arg-type]
    dried = service.batch_id_hex(data.DRIED_ROOTS, data.DRIED_LOT)
    retail = service.batch_id_hex(data.RETAIL_PACK, data.RETAIL_LOT)

    def step(done: bool, action: object) -> None:
        nonlocal created
        if not done:
            assert callable(action)
            action()
            created += 1

    with transaction(runtime.sessions) as session:
        admin = actors.operator(session)
        assert admin is not None, "the runtime creates the operator when it deploys the ledger"
        for sample in data.ACTORS:
            if session.scalar(select(Actor.id).where(Actor.gln == sample.gln)) is None:
                actors.onboard(
                    session,
                    admin,
                    runtime.vault,
                    ActorIn(name=sample.name, role=sample.role, gln=sample.gln,  # type: ignore[arg-type]
                            locality=sample.locality),
                )
                created += 1
        for product in data.PRODUCTS:
            if session.get(Product, product["gtin"]) is None:
                service.add_product(session, admin, schemas.ProductIn.model_validate(product))
                created += 1

    steps: list[tuple[str, object]] = [
        ("harvest", lambda s: step(
            s.get(service.Batch, fresh) is not None,
            lambda: service.register_harvest(
                s, _actor(s, "cooperative"), schemas.HarvestIn.model_validate(data.HARVEST)),
        )),
        ("to processor", lambda s: step(
            _has_event(s, fresh, "custody"),
            lambda: service.transfer_custody(
                s, _actor(s, "cooperative"), fresh,
                schemas.TransferIn(to_gln=_actor(s, "processor").gln, event_time=data.at(6, 8))),
        )),
        ("receive", lambda s: step(
            _has_event(s, fresh, "step", "receiving"),
            lambda: service.record_step(
                s, _actor(s, "processor"), fresh,
                schemas.StepIn(step="receiving", event_time=data.at(6, 14))),
        )),
        ("dry", lambda s: step(
            s.get(service.Batch, dried) is not None,
            lambda: service.transform(s, _actor(s, "processor"), schemas.TransformIn(
                process_step="drying",
                inputs=[schemas.LotAmount(batch_id=fresh, quantity_kg=data.HARVEST["quantityKg"])],
                outputs=[schemas.NewLot(gtin=data.DRIED_ROOTS, lot=data.DRIED_LOT,
                                        quantity_kg=data.DRIED_KG)],
                event_time=data.at(12, 17))),
        )),
        ("certificate", lambda s: step(
            _has_event(s, dried, "certificate"),
            lambda: service.attach_certificate(s, _actor(s, "lab"), dried, schemas.CertificateIn(
                certificate_type="lab-test",
                document_sha256=data.LAB_REPORT_SHA256,
                valid_until=data.at(14, 9).date().replace(year=2027),
                test_results=data.LAB_RESULTS,
                event_time=data.at(14, 9))),
        )),
        ("pack", lambda s: step(
            s.get(service.Batch, retail) is not None,
            lambda: service.transform(s, _actor(s, "processor"), schemas.TransformIn(
                process_step="packing",
                inputs=[schemas.LotAmount(batch_id=dried, quantity_kg=data.DRIED_KG)],
                outputs=[schemas.NewLot(gtin=data.RETAIL_PACK, lot=data.RETAIL_LOT,
                                        quantity_kg=data.DRIED_KG, serials=data.SERIALS)],
                event_time=data.at(15, 10))),
        )),
        ("to exporter", lambda s: step(
            _has_event(s, retail, "custody"),
            lambda: service.transfer_custody(
                s, _actor(s, "processor"), retail,
                schemas.TransferIn(to_gln=_actor(s, "exporter").gln, event_time=data.at(20, 8))),
        )),
        ("depart", lambda s: step(
            _has_event(s, retail, "step", "departing"),
            lambda: service.record_step(s, _actor(s, "exporter"), retail, schemas.StepIn(
                step="departing", border_gate_gln=data.BORDER_GATE_GLN,
                event_time=data.at(21, 7))),
        )),
        ("clear", lambda s: step(
            _has_event(s, retail, "export"),
            lambda: service.clear_export(s, _actor(s, "customs"), retail, schemas.ExportClearanceIn(
                declaration_number=data.EXPORT_DECLARATION,
                border_gate_gln=data.BORDER_GATE_GLN,
                phytosanitary_certificate_number="VN-PSC-2026-SAMPLE-0457",
                event_time=data.at(21, 11))),
        )),
    ]
    for _name, run in steps:
        # One transaction per step: a crash mid-story resumes at the step it stopped in.
        with transaction(runtime.sessions) as session:
            assert callable(run)
            run(session)
    uri = unit_uri(runtime.settings.digital_link_base, data.RETAIL_PACK, data.RETAIL_LOT,
                   data.SERIALS[0])
    return StoryResult(created, uri, retail)
