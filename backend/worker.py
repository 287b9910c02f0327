"""The background loop: send the outbox, then mirror the chain, until told to stop."""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from backend.outbox.submitter import submit_pending
from chain_sync.indexer import SyncResult, sync_once

if TYPE_CHECKING:
    from backend.runtime import Runtime
    from chain_sync.rpc import AdaptiveRange

log = logging.getLogger(__name__)


def mirror(runtime: Runtime, ranges: AdaptiveRange | None = None) -> SyncResult:
    """The mirror brought up to the chain's head, with the runtime's confirmation depth
    and finality."""
    with runtime.chain.lock:
        return sync_once(
            runtime.sessions,
            runtime.chain.w3,
            runtime.ledger,
            runtime.deployment,
            confirmations=runtime.settings.confirmations,
            finality=runtime.settings.sync_finality,
            ranges=ranges,
        )


def drain(runtime: Runtime) -> None:
    """One round: every pending outbox item sent, then the mirror brought up to the head.

    A reorg found by the sync re-queues the outbox items of the events it orphaned: they
    are sent (or found on the canonical chain) in the next round."""
    while submit_pending(runtime):
        pass
    mirror(runtime)


class Worker(threading.Thread):
    def __init__(self, runtime: Runtime) -> None:
        super().__init__(name="ocoptrace-worker", daemon=True)
        self.runtime = runtime
        self.stopping = threading.Event()

    def run(self) -> None:
        interval = self.runtime.settings.worker_interval_s
        while not self.stopping.is_set():
            try:
                drain(self.runtime)
            except Exception:
                # Keep going: the chain may be down for a while; the outbox keeps the work.
                log.exception("worker round failed; retrying in %.1fs", interval)
            self.stopping.wait(interval)

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=10)
