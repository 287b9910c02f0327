"""Pausing Python's cyclic garbage collector around bulk work.

Parsing an ``eth_getLogs`` answer of 100,000 logs, decoding it and writing it allocate
millions of containers that stay alive until written. Each allocation burst triggers
collections, and the oldest generation's collections re-scan every live object: measured
here, ``json.loads`` of a 17 MB answer took 0.28 s with the collector on and 0.07 s with
it paused. None of this work creates reference cycles worth collecting (the answer is a
tree of dicts, lists and strings), so the collector is paused while it runs and resumes
afterwards (reference counting frees everything as usual meanwhile).

The pause is process-wide (``gc.disable``); nested and concurrent pauses (the fetch
thread and the writer overlap) are counted, and the collector resumes when the last one
ends, if it was on before the first.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0
_was_enabled = False


@contextmanager
def paused_gc() -> Iterator[None]:
    """The cyclic collector paused for the block (see the module docstring)."""
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                gc.enable()
