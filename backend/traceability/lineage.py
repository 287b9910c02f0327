"""Lineage: one step back and one step forward (TCVN 12850), walked to the ends."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.traceability.models import BatchLink, EpcisEvent, EventBatch

# A lineage deeper than this is a data error (a cycle cannot be built by the workflows).
MAX_DEPTH = 64


def _walk(session: Session, start: str, upward: bool) -> list[str]:
    near, far = (
        (BatchLink.child_batch_id, BatchLink.parent_batch_id)
        if upward
        else (BatchLink.parent_batch_id, BatchLink.child_batch_id)
    )
    seen: list[str] = []
    frontier = [start]
    for _ in range(MAX_DEPTH):
        if not frontier:
            break
        found = session.scalars(select(far).where(near.in_(frontier)).distinct()).all()
        frontier = [batch_id for batch_id in found if batch_id not in seen and batch_id != start]
        seen.extend(frontier)
    return seen


def ancestors(session: Session, batch_id: str) -> list[str]:
    """Every batch that went into ``batch_id``, nearest first."""
    return _walk(session, batch_id, upward=True)


def descendants(session: Session, batch_id: str) -> list[str]:
    """Every batch made (in part) from ``batch_id``, nearest first."""
    return _walk(session, batch_id, upward=False)


def events_of(session: Session, batch_ids: Iterable[str]) -> list[EpcisEvent]:
    """The events that concern any of ``batch_ids``, in event-time order, each once."""
    ids = list(batch_ids)
    return list(
        session.scalars(
            select(EpcisEvent)
            .where(
                EpcisEvent.id.in_(select(EventBatch.event_pk).where(EventBatch.batch_id.in_(ids)))
            )
            .order_by(EpcisEvent.event_time, EpcisEvent.id)
        ).all()
    )
