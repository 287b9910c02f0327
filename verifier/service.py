"""The verifier: walks a retail unit's lineage and checks every event against the chain.

The SQL mirror only tells it *where to look*. Every claim shown to a buyer is
re-established from scratch: each stored EPCIS document is hashed again with the CBV 2.0
Event Hash ID algorithm and the digest is looked up in the ledger contract's storage
(``eventRecord``) through JSON-RPC. A row altered in SQL hashes to a digest the chain
has never seen, and the verdict names that event.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from backend.actors.models import Actor
from backend.epcis_api.store import declaration_digest
from backend.traceability import lineage
from backend.traceability.epcis_events import trade_item
from backend.traceability.models import Batch, EpcisEvent, Product, RetailUnit
from contracts.types import BatchId, BatchStatus, EventDigest, EventRecord, Role
from epcis import gs1
from epcis.errors import InvalidInput
from epcis.event_hash import event_hash_id

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from backend.runtime import Runtime

VERIFIED = "VERIFIED"
FAILED = "FAILED"


@dataclass
class Check:
    name: str
    ok: bool
    detail: str


@dataclass
class StepView:
    event_id: str
    kind: str
    biz_step: str
    event_time: str
    actor: str
    actor_role: str
    place_gln: str
    gtin: str
    lot: str
    block_number: int | None
    tx_hash: str | None
    anchored: bool
    extensions: dict[str, Any] = field(default_factory=dict)


# The role an event's kind needs on chain; other kinds need the actor's own role.
_EXPECTED_ROLE = {
    "harvest": "COOPERATIVE",
    "transformation": "PROCESSOR",
    "certificate": "LAB",
    "export": "CUSTOMS",
}

# Why a verdict is what it is, most serious first; a buyer's page words each differently.
CAUSES = ("counterfeit", "tampered", "recalled", "pending", "verified")
_CAUSE_OF_CHECK = {
    "unit": "counterfeit",
    "unit-packed": "counterfeit",
    "origin": "counterfeit",
    "batch-on-chain": "counterfeit",
    "event-document": "tampered",
    "event-hash": "tampered",
    "event-batch": "tampered",
    "event-actor": "tampered",
    "event-on-chain": "tampered",
    "event-role": "tampered",
    "error-declaration": "tampered",
    "batch-recall": "recalled",
    "event-pending": "pending",
}


def cause_of(checks: list[Check]) -> str:
    """The most serious cause among the failed checks.

    A code never issued is a counterfeit whatever else fails. Otherwise an altered record
    comes first, then a recall, then records still queued for the chain; a lineage that
    does not hold together for none of those reasons is treated as counterfeit.
    """
    failed = {check.name for check in checks if not check.ok}
    if not failed:
        return "verified"
    if "unit" in failed or "code" in failed:
        return "counterfeit"
    causes = {_CAUSE_OF_CHECK.get(name, "tampered") for name in failed}
    for cause in ("tampered", "recalled", "pending"):
        if cause in causes:
            return cause
    return "counterfeit"


@dataclass
class Verdict:
    verdict: str
    # One of CAUSES: what a person should understand from the verdict.
    cause: str
    uri: str
    gtin: str
    lot: str
    serial: str
    reasons: list[str]
    checks: list[Check]
    product: dict[str, Any]
    origin: dict[str, Any]
    steps: list[StepView]
    chain: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _ocop_fields(document: dict[str, Any]) -> dict[str, Any]:
    found = {k.removeprefix("ocop:"): v for k, v in document.items() if k.startswith("ocop:")}
    for k, v in document.get("ilmd", {}).items():
        found[k.removeprefix("ocop:")] = v
    if "certificationInfo" in document:
        found["certificationInfo"] = document["certificationInfo"]
    return found


def _check_event(
    runtime: Runtime, event: EpcisEvent, batches: set[str], actor: Actor
) -> tuple[list[Check], bool]:
    """Recompute the event's hash and find it on chain; returns the checks and anchored."""
    label = f"event {event.event_id} ({event.kind})"
    try:
        document = json.loads(event.document)
        recomputed = event_hash_id(document)
    except (ValueError, KeyError, TypeError) as exc:
        return [
            Check("event-document", False, f"{label}: stored document is unreadable: {exc}")
        ], False
    checks: list[Check] = []
    digest = recomputed.split(";", 1)[1].split("?", 1)[0]
    names_its_hash = event.event_id.startswith("ni:///")
    if digest != event.event_hash or (names_its_hash and recomputed != event.event_id):
        checks.append(
            Check(
                "event-hash",
                False,
                f"{label}: the stored document hashes to {recomputed}, not to its recorded "
                "Event Hash ID — the mirror row was altered",
            )
        )
    with runtime.chain.lock:
        record = runtime.ledger.event_record(EventDigest(bytes.fromhex(digest)))
    if record is None:
        # Not on chain: altered content, or (when the row is intact and still queued) not
        # sent yet. Either way it is not evidence.
        queued = not checks and event.status in ("pending", "submitted")
        checks.append(
            Check(
                "event-pending" if queued else "event-on-chain",
                False,
                f"{label}: digest {digest} is not anchored on chain (content altered, or "
                f"not anchored yet: status {event.status})",
            )
        )
        return checks, False
    record_batch = "0x" + bytes(record.batch_id).hex()
    # An event captured through the EPCIS interface is anchored without a batch (zero id).
    if any(record.batch_id) and record_batch not in batches:
        checks.append(
            Check(
                "event-batch",
                False,
                f"{label}: anchored for batch {record_batch}, not this lineage",
            )
        )
    if record.actor.lower() != actor.address.lower():
        checks.append(
            Check("event-actor", False, f"{label}: anchored by {record.actor}, not {actor.address}")
        )
    role = _EXPECTED_ROLE.get(event.kind, actor.role)
    with runtime.chain.lock:
        had_role = role in Role.__members__ and runtime.ledger.role_at(
            record.actor, Role[role], record.block_number
        )
    if not had_role:
        checks.append(
            Check(
                "event-role",
                False,
                f"{label}: {record.actor} could not write as {role} at block {record.block_number}",
            )
        )
    if not checks:
        checks.append(
            Check(
                "event-on-chain",
                True,
                f"{label}: hash recomputed and found in block {record.block_number}, "
                f"written by an active {role}",
            )
        )
    declaration = document.get("errorDeclaration")
    if isinstance(declaration, dict):
        checks.append(_check_declaration(runtime, label, record, declaration))
    return checks, True


def _check_declaration(
    runtime: Runtime, label: str, record: EventRecord, declaration: dict[str, Any]
) -> Check:
    """An errorDeclaration counts only if the chain holds it, from the event's author or
    an admin; a declaration added to a mirror row alone is tampering."""
    expected = declaration_digest(bytes(record.event_digest), declaration)
    with runtime.chain.lock:
        for log in runtime.ledger.error_declarations(record.event_digest):
            if bytes(log.args["eventHash"]) != expected:
                continue
            author = log.args["actor"]
            if author.lower() == record.actor.lower() or runtime.ledger.role_at(
                author, Role.ADMIN, log.block_number
            ):
                return Check(
                    "event-declared-erroneous",
                    True,
                    f"{label}: declared erroneous by its author in block {log.block_number} "
                    f"(reason {declaration.get('reason', 'unspecified')})",
                )
    return Check(
        "error-declaration",
        False,
        f"{label}: carries an errorDeclaration that is not anchored on chain by its author",
    )


def _check_batches(runtime: Runtime, batches: list[Batch]) -> list[Check]:
    checks: list[Check] = []
    for batch in batches:
        with runtime.chain.lock:
            state = runtime.ledger.batch(BatchId(bytes.fromhex(batch.batch_id[2:])))
        name = f"batch {batch.gtin}/{batch.lot}"
        if state.status == BatchStatus.NONE:
            checks.append(Check("batch-on-chain", False, f"{name} is not registered on chain"))
        elif state.status == BatchStatus.RECALLED:
            checks.append(Check("batch-recall", False, f"{name} was RECALLED on chain"))
        else:
            checks.append(
                Check("batch-on-chain", True, f"{name} is {state.status.name.lower()} on chain")
            )
    return checks


def unreadable_code(uri: str, reason: str) -> Verdict:
    """The verdict for a scanned code that is not a valid GS1 Digital Link of a unit."""
    return Verdict(
        FAILED,
        "counterfeit",
        uri,
        "",
        "",
        "",
        [reason],
        [Check("code", False, reason)],
        {},
        {},
        [],
        {},
    )


def verify_unit(runtime: Runtime, uri: str) -> Verdict:
    """The verdict for the retail unit a GS1 Digital Link URI names."""
    link = gs1.parse_digital_link(uri)
    gtin, lot, serial = link.gtin, link.lot, link.serial
    if not gtin or not lot or not serial:
        raise InvalidInput("uri", "must name a retail unit: /01/{gtin}/10/{lot}/21/{serial}")
    with runtime.sessions() as session:
        return _verify(runtime, session, uri, gtin, lot, serial)


def _verify(
    runtime: Runtime, session: Session, uri: str, gtin: str, lot: str, serial: str
) -> Verdict:
    chain_info = {
        "chainId": runtime.deployment.chain_id,
        "ledger": runtime.deployment.address,
        "genesis": runtime.deployment.genesis_hash,
    }
    unit = session.scalar(
        select(RetailUnit).where(
            RetailUnit.gtin == gtin, RetailUnit.lot == lot, RetailUnit.serial == serial
        )
    )
    product = session.get(Product, gtin)
    product_view = _product_view(product)
    if unit is None:
        reason = (
            f"no unit with serial {serial} was ever packed in lot {lot} of GTIN {gtin}: "
            "this code was not issued by a registered producer — possible counterfeit"
        )
        return Verdict(
            FAILED,
            "counterfeit",
            uri,
            gtin,
            lot,
            serial,
            [reason],
            [Check("unit", False, reason)],
            product_view,
            {},
            [],
            chain_info,
        )
    batch_ids = [unit.batch_id, *lineage.ancestors(session, unit.batch_id)]
    batches = [b for b in (session.get(Batch, i) for i in batch_ids) if b is not None]
    events = lineage.events_of(session, batch_ids)
    actors = {a.id: a for a in session.scalars(select(Actor)).all()}
    checks: list[Check] = []
    steps: list[StepView] = []
    unit_epc = trade_item(gtin, serial)
    unit_packed = False
    for event in events:
        actor = actors[event.actor_id]
        event_checks, anchored = _check_event(runtime, event, set(batch_ids), actor)
        checks.extend(event_checks)
        document = json.loads(event.document)
        if event.id == unit.event_pk and unit_epc in document.get("outputEPCList", []):
            unit_packed = anchored and all(c.ok for c in event_checks)
        batch = session.get(Batch, event.batch_id)
        steps.append(
            StepView(
                event_id=event.event_id,
                kind=event.kind,
                biz_step=event.biz_step,
                event_time=document["eventTime"],
                actor=actor.name,
                actor_role=actor.role,
                place_gln=document.get("readPoint", {}).get("id", "").rsplit("/", 1)[-1],
                gtin=batch.gtin if batch else "",
                lot=batch.lot if batch else "",
                block_number=event.block_number,
                tx_hash=event.tx_hash,
                anchored=anchored,
                extensions=_ocop_fields(document),
            )
        )
    checks.append(
        Check(
            "unit-packed",
            unit_packed,
            f"unit {serial} is listed in the packing event of lot {lot}"
            if unit_packed
            else f"unit {serial} is not in a verified packing event of lot {lot}",
        )
    )
    checks.extend(_check_batches(runtime, batches))
    harvests = [
        b
        for b in batches
        if b.attributes.get("harvestDate") and not lineage.ancestors(session, b.batch_id)
    ]
    origin = _origin_view(harvests[0], actors) if harvests else {}
    if not harvests:
        checks.append(Check("origin", False, "the lineage does not reach a registered harvest"))
    reasons = [c.detail for c in checks if not c.ok]
    return Verdict(
        VERIFIED if not reasons else FAILED,
        cause_of(checks),
        uri,
        gtin,
        lot,
        serial,
        reasons,
        checks,
        product_view,
        origin,
        steps,
        chain_info,
    )


def _product_view(product: Product | None) -> dict[str, Any]:
    if product is None:
        return {}
    return {
        "gtin": product.gtin,
        "name": {"vi": product.name_vi, "en": product.name_en, "zh": product.name_zh},
        "species": product.species,
        "netContentG": product.net_content_g,
        "ocopStars": product.ocop_stars,
        "brand": product.brand,
        "shelfLifeDays": product.shelf_life_days,
        "standards": product.standards,
    }


def _origin_view(batch: Batch, actors: dict[int, Actor]) -> dict[str, Any]:
    producer = actors[batch.origin_id]
    return {
        **batch.attributes,
        "gtin": batch.gtin,
        "lot": batch.lot,
        "producer": producer.name,
        "producerGln": producer.gln,
        "producerLocality": producer.locality,
    }
