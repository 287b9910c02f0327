"""Capture jobs: an EPCIS document's events stored through the one path, all or nothing
(``rollback``, the default) or as many as are valid (``proceed``)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.actors.models import Actor
from backend.epcis_api.models import CaptureJob
from backend.epcis_api.store import DuplicateEvent, InvalidEvent, _epc_index, store_event
from backend.errors import Conflict, Forbidden
from backend.traceability.models import Batch, RetailUnit
from backend.traceability.service import require_role
from epcis.errors import InvalidInput
from epcis.event_hash import document_events
from epcis.validation import validate_document

CaptureBehaviour = Literal["rollback", "proceed"]
# Largest number of events one capture call may carry (announced as GS1-EPCIS-Capture-Limit).
CAPTURE_LIMIT = 1_000


class DocumentRejected(InvalidInput):
    """The payload is not an EPCIS document we can take apart into events."""


def _with_context(event: Mapping[str, Any], context: Any) -> dict[str, Any]:
    """The event carrying its document's @context too, so it can be hashed on its own."""
    if context is None:
        return dict(event)
    own = event.get("@context")
    outer = context if isinstance(context, list) else [context]
    inner = [] if own is None else own if isinstance(own, list) else [own]
    merged = [*outer, *(item for item in inner if item not in outer)]
    return {"@context": merged, **{k: v for k, v in event.items() if k != "@context"}}


def _known_batches(session: Session, event: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Our batches an event names, by lot (LGTIN class) or by serialised unit."""
    found: dict[str, str] = {}
    for field, key in _epc_index(event):
        parts = key.split("/")
        if len(parts) == 5 and parts[1] == "01" and parts[3] == "10":
            batch = session.scalar(
                select(Batch.batch_id).where(Batch.gtin == parts[2], Batch.lot == parts[4])
            )
        elif len(parts) == 5 and parts[1] == "01" and parts[3] == "21":
            batch = session.scalar(
                select(RetailUnit.batch_id).where(
                    RetailUnit.gtin == parts[2], RetailUnit.serial == parts[4]
                )
            )
        else:
            continue
        if batch is not None:
            found.setdefault(batch, "input" if field.startswith("input") else "subject")
    return list(found.items())


def capture_document(
    session: Session, actor: Actor, document: Mapping[str, Any], behaviour: CaptureBehaviour
) -> CaptureJob:
    """Run one capture job; the job row is written whatever happens to the events."""
    require_role(actor, "COOPERATIVE", "PROCESSOR", "LAB", "EXPORTER", "CUSTOMS")
    problems = [p for p in validate_document(document) if p.event_index is None]
    if problems:
        raise DocumentRejected(problems[0].field, "; ".join(str(p) for p in problems))
    events = document_events(document)
    if not events:
        raise DocumentRejected("eventList", "the document carries no event")
    if len(events) > CAPTURE_LIMIT:
        raise DocumentRejected(
            "eventList", f"at most {CAPTURE_LIMIT} events per capture call, got {len(events)}"
        )
    job = CaptureJob(capture_id=uuid.uuid4().hex, actor_id=actor.id, behaviour=behaviour, errors=[])
    errors: list[dict[str, Any]] = []
    captured = duplicates = 0
    context = document.get("@context")
    all_events = session.begin_nested()
    for index, raw in enumerate(events):
        event = _with_context(raw, context)
        one_event = session.begin_nested()
        try:
            store_event(
                session,
                actor,
                event,
                kind="captured",
                relations=_known_batches(session, event),
                call="anchor_events",
            )
        except DuplicateEvent:
            one_event.rollback()
            duplicates += 1
            continue
        except (InvalidEvent, Conflict, InvalidInput, Forbidden) as exc:
            one_event.rollback()
            errors.append(
                {
                    "eventIndex": index,
                    "eventID": raw.get("eventID"),
                    "problems": [f"{p.field}: {p.rule}" for p in exc.problems]
                    if isinstance(exc, InvalidEvent)
                    else [str(exc)],
                }
            )
            continue
        one_event.commit()
        captured += 1
    if errors and behaviour == "rollback":
        all_events.rollback()
        captured = 0
    else:
        all_events.commit()
    job.errors = errors
    job.success = not errors
    job.captured = captured
    job.duplicates = duplicates
    job.running = False
    job.finished_at = datetime.now(UTC)
    session.add(job)
    session.flush()
    return job
