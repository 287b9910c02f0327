"""Event Hash ID throughput: ours against the peer ``epcis-event-hash-generator``.

Both start from the same JSON text of every shared test-case document (parse, then hash
every event), in the same process, so the ratio is independent of the machine. Prints one
JSON object: ours_events_per_s, peer_events_per_s, ratio, cases_ok, cases_total.

Run: ``.venv/bin/python -m bench.eventhash.run [--seconds 2]``
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from epcis.event_hash import document_event_hash_ids

if TYPE_CHECKING:
    from collections.abc import Callable

CASES = Path(__file__).resolve().parents[3] / "shared" / "testdata" / "epcis-event-hash" / "cases"


def _ours(text: str) -> list[str]:
    return document_event_hash_ids(json.loads(text))


def _peer(text: str) -> list[str]:
    from epcis_event_hash_generator.hash_generator import epcis_hashes_from_events
    from epcis_event_hash_generator.json_to_py import event_list_from_epcis_document_str

    events = event_list_from_epcis_document_str(text)
    return list(epcis_hashes_from_events(events))


def _rate(func: Callable[[str], list[str]], texts: list[str], seconds: float) -> float:
    """Events per second over whole passes of all documents, for at least ``seconds``."""
    events = 0
    start = time.perf_counter()
    elapsed = 0.0
    while elapsed < seconds:
        for text in texts:
            events += len(func(text))
        elapsed = time.perf_counter() - start
    return events / elapsed


def main(argv: list[str] | None = None) -> dict[str, float | int]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="time per implementation")
    parser.add_argument("--cases", type=Path, default=CASES)
    args = parser.parse_args(argv)

    documents = sorted(args.cases.glob("*.jsonld"))
    texts = [p.read_text(encoding="utf-8") for p in documents]
    cases_ok = 0
    for path, text in zip(documents, texts, strict=True):
        expected = [x for x in path.with_suffix(".hashes").read_text().split("\n") if x]
        cases_ok += _ours(text) == expected

    logging.disable(logging.CRITICAL)  # the peer logs per event
    with contextlib.redirect_stdout(io.StringIO()):
        # The peer's JSON API cannot read some documents (an EPCISQueryDocument): time both
        # implementations on the documents the peer reads, so the ratio compares like work.
        timed, skipped = [], []
        for path, text in zip(documents, texts, strict=True):
            try:
                _peer(text)  # also the warm-up: imports and JSON-LD context loading
            except (KeyError, TypeError, ValueError):
                skipped.append(path.name)
            else:
                timed.append(text)
        peer = _rate(_peer, timed, args.seconds)
    ours = _rate(_ours, timed, args.seconds)
    result: dict[str, float | int] = {
        "ours_events_per_s": round(ours, 1),
        "peer_events_per_s": round(peer, 1),
        "ratio": round(ours / peer, 1),
        "cases_ok": cases_ok,
        "cases_total": len(documents),
        "peer_unreadable_documents": skipped,
    }
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
