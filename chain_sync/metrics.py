"""``GET /metrics``: the sync's health in the Prometheus text format (version 0.0.4).

Gauges are read when scraped: the cursor and the outbox from the database, the head from
the chain (the last head the sync saw when the chain does not answer), the rate and the
last error from this process's ``SYNC_STATS``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse
from sqlalchemy import func, select

from backend.outbox.models import OutboxItem
from chain_sync.indexer import read_cursor
from chain_sync.stats import SYNC_STATS, StatsSnapshot

if TYPE_CHECKING:
    from backend.runtime import Runtime

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

router = APIRouter(tags=["operations"])


@dataclass(frozen=True, slots=True)
class MirrorState:
    last_block: int
    confirmed_block: int
    head: int | None
    outbox_pending: int


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def render(state: MirrorState, stats: StatsSnapshot) -> str:
    """The exposition text: HELP and TYPE for every metric, one sample each."""
    lines: list[str] = []

    def metric(name: str, kind: str, help_text: str, value: float, labels: str = "") -> None:
        lines.append(f"# HELP {name} {help_text}")
        lines.append(f"# TYPE {name} {kind}")
        shown = repr(float(value)) if isinstance(value, float) else str(value)
        lines.append(f"{name}{labels} {shown}")

    head = state.head if state.head is not None else stats.head
    if head is not None:
        metric("ocoptrace_sync_head_block", "gauge", "Latest block of the chain.", head)
        metric(
            "ocoptrace_sync_head_lag_blocks",
            "gauge",
            "Blocks between the chain's head and the mirror's cursor.",
            max(0, head - state.last_block),
        )
    metric(
        "ocoptrace_sync_last_block",
        "gauge",
        "Last block whose logs are all in the mirror (the cursor).",
        state.last_block,
    )
    metric(
        "ocoptrace_sync_confirmed_block",
        "gauge",
        "Last block whose mirror rows are confirmed.",
        state.confirmed_block,
    )
    metric(
        "ocoptrace_sync_events_total",
        "counter",
        "Ledger logs mirrored by this process.",
        stats.events_total,
    )
    metric(
        "ocoptrace_sync_events_per_second",
        "gauge",
        "Ledger logs mirrored per second over the last minute.",
        round(stats.events_per_second, 3),
    )
    metric(
        "ocoptrace_sync_reorgs_total",
        "counter",
        "Reorgs the mirror followed in this process.",
        stats.reorgs_total,
    )
    metric(
        "ocoptrace_sync_last_error_timestamp_seconds",
        "gauge",
        "Unix time of the sync's last error (0: none since start).",
        stats.last_error_time or 0.0,
    )
    metric(
        "ocoptrace_sync_last_error_info",
        "gauge",
        "The sync's last error message (1 when there is one).",
        1 if stats.last_error else 0,
        f'{{error="{_escape(stats.last_error[:300])}"}}',
    )
    metric(
        "ocoptrace_outbox_pending",
        "gauge",
        "Outbox items waiting to be sent to the chain.",
        state.outbox_pending,
    )
    return "\n".join(lines) + "\n"


def mirror_state(runtime: Runtime) -> MirrorState:
    with runtime.sessions() as session:
        cursor = read_cursor(session, runtime.deployment)
        pending = session.scalar(
            select(func.count()).select_from(OutboxItem).where(OutboxItem.status == "pending")
        )
    head: int | None = None
    # Never wait on the worker (it may hold the lock for a long backfill): then the last
    # head the sync saw is reported instead.
    if runtime.chain.lock.acquire(timeout=0.5):
        try:
            head = int(runtime.chain.w3.eth.block_number)
        except Exception:  # noqa: S110 - the chain may be down; /metrics must still answer
            pass
        finally:
            runtime.chain.lock.release()
    return MirrorState(
        last_block=max(cursor.number, 0),
        confirmed_block=max(cursor.confirmed_block, 0),
        head=head,
        outbox_pending=int(pending or 0),
    )


@router.get("/metrics", response_class=PlainTextResponse, include_in_schema=False)
def metrics(request: Request) -> PlainTextResponse:
    """Prometheus scrape endpoint."""
    runtime: Runtime = request.app.state.runtime
    body = render(mirror_state(runtime), SYNC_STATS.snapshot())
    return PlainTextResponse(body, media_type=CONTENT_TYPE)
