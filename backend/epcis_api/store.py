"""The one storage path. Events made by the backend's own workflows and events captured
through the EPCIS interface are validated, hashed, stored, indexed and queued for the
chain here, and nowhere else.

Invariants:
- ``epcis_events.event_hash`` is the CBV 2.0 Event Hash ID digest of the stored document;
  the same content is never stored twice (the digest is unique);
- every stored event has exactly one outbox item that anchors its digest on chain.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.actors.models import Actor
from backend.epcis_api.models import EventEpc
from backend.errors import Conflict, Forbidden
from backend.outbox.models import OutboxItem
from backend.traceability.models import EpcisEvent, EventBatch
from epcis import cbv, gs1
from epcis.errors import InvalidGS1Key, InvalidInput
from epcis.event_hash import event_digest, hash_id_from_digest
from epcis.validation import Problem, validate_event

#: Where identifiers sit in an event, and the index field each one goes to.
_INSTANCE_FIELDS = (
    ("epcList", "epc"),
    ("childEPCs", "child"),
    ("inputEPCList", "input"),
    ("outputEPCList", "output"),
)
_CLASS_FIELDS = (
    ("quantityList", "class"),
    ("childQuantityList", "child_class"),
    ("inputQuantityList", "input_class"),
    ("outputQuantityList", "output_class"),
)


class InvalidEvent(InvalidInput):
    """An event that breaks the EPCIS 2.0 schema or a rule the schema cannot express."""

    def __init__(self, problems: list[Problem]) -> None:
        first = problems[0]
        super().__init__(first.field, "; ".join(str(problem) for problem in problems))
        self.problems = problems


class DuplicateEvent(Conflict):
    """An event whose Event Hash ID is already stored: captured once, never twice."""

    def __init__(self, existing_id: str) -> None:
        super().__init__("event", f"an identical event is already captured as {existing_id}")
        self.existing_id = existing_id


@dataclass(frozen=True)
class StoredEvent:
    record: EpcisEvent
    batch_ids: list[str]


def identifier_key(value: str) -> str:
    """The canonical GS1 path of an EPC URN or Digital Link; other URIs unchanged."""
    try:
        if value.startswith(("urn:epc:id:", "urn:epc:class:", "urn:epc:idpat:")):
            value = gs1.epc_urn_to_digital_link(value)
    except InvalidGS1Key:
        return value
    if value.startswith(("http://", "https://")):
        return gs1.canonical_gs1_path(value) or value
    return value


def _location(event: Mapping[str, Any], field: str) -> str:
    place = event.get(field)
    return identifier_key(place["id"]) if isinstance(place, Mapping) and "id" in place else ""


def _epc_index(event: Mapping[str, Any]) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for name, field in _INSTANCE_FIELDS:
        found.extend((field, identifier_key(epc)) for epc in event.get(name) or ())
    if isinstance(event.get("parentID"), str):
        found.append(("parent", identifier_key(event["parentID"])))
    for name, field in _CLASS_FIELDS:
        found.extend(
            (field, identifier_key(item["epcClass"]))
            for item in event.get(name) or ()
            if isinstance(item, Mapping) and "epcClass" in item
        )
    return list(dict.fromkeys(found))


def _vocabulary(kind: cbv.VocabularyType, value: object) -> str:
    return cbv.expand(kind, value) if isinstance(value, str) and value else ""


def declaration_digest(erroneous: bytes, declaration: Mapping[str, Any]) -> bytes:
    """The digest anchored for an errorDeclaration.

    EPCIS declares an error by capturing the erroneous event again with an
    ``errorDeclaration`` added; the Event Hash ID leaves that field out, so the copy hashes
    to the original. What is anchored for the declaration itself is the SHA-256 of the
    original's digest followed by the declaration as canonical JSON (sorted keys, no
    spaces), which anyone holding both can recompute.
    """
    canonical = json.dumps(declaration, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(erroneous + canonical.encode()).digest()


def _declare_error(
    session: Session, actor: Actor, erroneous: EpcisEvent, declaration: Mapping[str, Any]
) -> StoredEvent:
    """Record an errorDeclaration on the stored event and queue its anchoring."""
    if actor.id != erroneous.actor_id and actor.role != "ADMIN":
        raise Forbidden(
            f"only the actor that captured {erroneous.event_id}, or the operator, may "
            "declare it erroneous"
        )
    document = json.loads(erroneous.document)
    document["errorDeclaration"] = dict(declaration)
    erroneous.document = json.dumps(document, ensure_ascii=False, sort_keys=True)
    erroneous.error_declared = True
    digest = bytes.fromhex(erroneous.event_hash)
    reason = str(declaration.get("reason", "incorrect_data")).rsplit("-", 1)[-1].rsplit("/", 1)[-1]
    session.add(
        OutboxItem(
            event_pk=None,
            call="declare_error",
            args={
                "erroneous_digest": "0x" + digest.hex(),
                "event_digest": "0x" + declaration_digest(digest, declaration).hex(),
                "reason": reason[:32],
            },
            sender_id=actor.id,
        )
    )
    batch_ids = session.scalars(
        select(EventBatch.batch_id).where(EventBatch.event_pk == erroneous.id)
    ).all()
    return StoredEvent(record=erroneous, batch_ids=list(batch_ids))


def store_event(
    session: Session,
    actor: Actor,
    event: Mapping[str, Any],
    *,
    kind: str,
    relations: Iterable[tuple[str, str]] = (),
    call: str,
    call_args: Mapping[str, Any] | None = None,
    record_time: datetime | None = None,
) -> StoredEvent:
    """Validate, hash, store, index and queue one event; raises without writing anything.

    ``call``/``call_args`` name the ledger binding method that anchors it; the event's
    digest is added as ``event_digest`` (or ``event_digests`` for ``anchor_events``).
    """
    problems = validate_event(event)
    if problems:
        raise InvalidEvent(problems)
    digest = event_digest(event)
    hash_id = hash_id_from_digest(digest)
    existing = session.scalar(select(EpcisEvent).where(EpcisEvent.event_hash == digest.hex()))
    if existing is not None:
        declaration = event.get("errorDeclaration")
        if isinstance(declaration, Mapping) and not existing.error_declared:
            return _declare_error(session, actor, existing, declaration)
        raise DuplicateEvent(existing.event_id)
    event_id = str(event.get("eventID") or hash_id)
    if session.scalar(select(EpcisEvent.id).where(EpcisEvent.event_id == event_id)) is not None:
        raise Conflict("eventID", f"{event_id} is already the eventID of another event")
    recorded = record_time or datetime.now(UTC)
    document = {
        **event,
        "eventID": event_id,
        "recordTime": recorded.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }
    pairs = list(relations)
    error_declaration = event.get("errorDeclaration")
    record = EpcisEvent(
        event_id=event_id,
        event_hash=digest.hex(),
        kind=kind,
        event_type=str(event["type"]),
        biz_step=_vocabulary(cbv.VocabularyType.BIZ_STEP, event.get("bizStep")),
        disposition=_vocabulary(cbv.VocabularyType.DISPOSITION, event.get("disposition")),
        action=str(event.get("action", "")),
        read_point=_location(event, "readPoint"),
        biz_location=_location(event, "bizLocation"),
        transformation_id=str(event.get("transformationID", "")),
        error_declared=isinstance(error_declaration, Mapping),
        event_time=datetime.fromisoformat(str(event["eventTime"])).astimezone(UTC),
        record_time=recorded,
        document=json.dumps(document, ensure_ascii=False, sort_keys=True),
        actor_id=actor.id,
        batch_id=pairs[0][0] if pairs else "",
    )
    session.add(record)
    session.flush()
    session.add_all(EventBatch(event_pk=record.id, batch_id=b, relation=r) for b, r in pairs)
    session.add_all(EventEpc(event_pk=record.id, field=f, key=k) for f, k in _epc_index(event))
    digest_hex = "0x" + digest.hex()
    anchor = (
        {"event_digests": [digest_hex]} if call == "anchor_events" else {"event_digest": digest_hex}
    )
    session.add(
        OutboxItem(
            event_pk=record.id,
            call=call,
            args={**(call_args or {}), **anchor},
            sender_id=actor.id,
        )
    )
    return StoredEvent(record=record, batch_ids=[batch_id for batch_id, _ in pairs])
