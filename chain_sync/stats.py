"""What the sync did lately, in this process: read by ``/metrics``.

One ``SyncStats`` per process (``SYNC_STATS``) is enough: the backend runs one sync loop,
and ``ocoptrace sync run`` is its own process. Thread safe: the worker thread writes, the
API thread reads.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass

# events/s is averaged over this many seconds of recent chunks.
RATE_WINDOW_S = 60.0


@dataclass(frozen=True, slots=True)
class StatsSnapshot:
    events_total: int
    events_per_second: float
    last_block: int | None
    head: int | None
    last_error: str
    last_error_time: float | None
    reorgs_total: int


class SyncStats:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events_total = 0
        self._reorgs_total = 0
        self._recent: deque[tuple[float, int]] = deque()
        self._last_block: int | None = None
        self._head: int | None = None
        self._last_error = ""
        self._last_error_time: float | None = None

    def observe_head(self, head: int) -> None:
        with self._lock:
            self._head = head

    def record_chunk(self, events: int, last_block: int) -> None:
        now = time.monotonic()
        with self._lock:
            self._events_total += events
            self._last_block = last_block
            self._recent.append((now, events))
            self._trim(now)

    def record_reorg(self) -> None:
        with self._lock:
            self._reorgs_total += 1

    def record_error(self, error: BaseException) -> None:
        with self._lock:
            self._last_error = f"{type(error).__name__}: {error}"
            self._last_error_time = time.time()

    def _trim(self, now: float) -> None:
        while self._recent and now - self._recent[0][0] > RATE_WINDOW_S:
            self._recent.popleft()

    def snapshot(self) -> StatsSnapshot:
        now = time.monotonic()
        with self._lock:
            self._trim(now)
            events = sum(count for _, count in self._recent)
            span = now - self._recent[0][0] if self._recent else 0.0
            # A lone chunk just now would divide by ~0: count at least one second.
            rate = events / max(span, 1.0) if events else 0.0
            return StatsSnapshot(
                events_total=self._events_total,
                events_per_second=rate,
                last_block=self._last_block,
                head=self._head,
                last_error=self._last_error,
                last_error_time=self._last_error_time,
                reorgs_total=self._reorgs_total,
            )


SYNC_STATS = SyncStats()
