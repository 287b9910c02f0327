"""Sync throughput: ``chain_sync`` into SQLite and PostgreSQL against raw ``eth_getLogs``.

For each chain shape, starts a Hardhat node, deploys ``OcopLedger``, onboards a
cooperative and fills the chain with ``--events`` ``EventAnchored`` logs (``anchorEvents``
transactions signed locally, sent in JSON-RPC batches):

- ``spread``: 100 digests a transaction, one transaction every 5 blocks (4 empty blocks
  between): a busy ledger as the outbox writes it, 100,000 events over ~5,000 blocks;
- ``dense``: 1,000 digests a transaction, blocks packed to the gas limit: 100,000 events
  in 4 blocks of ~27,000 logs. No range can be smaller than a block, so the sync reads
  most of the chain in one answer before it can write anything: the worst case for it.

Then, on the same chain, ``--repeat`` times in turn:

- the limit: ``eth_getLogs`` over the whole range in ranges of 2,000 blocks (the whole
  chain of either shape in 1-3 answers, the fewest calls), each log decoded with the
  sync's own decoder (``Ledger.log_json_args``: the values the mirror stores);
- ``chain_sync.indexer.sync_once`` from the deploy block into a fresh SQLite file (WAL)
  and into a fresh PostgreSQL database, each built by the product's migrations
  (``backend.db.upgrade_schema``) and bound to the deployment (a ``chain_deployment`` row),
  with the product's defaults.

Each figure is the best of the ``--repeat`` runs (this 2-core machine's timings vary by
up to a third from run to run; the seconds of every run are printed too). Prints one
JSON object: per shape, events/s of each, the ratios against the limit, goals met, and
how long the fill took. ``--profile`` writes cProfile's top functions of each sync to
stderr.

Run: ``.venv/bin/python -m bench.sync.run [--events 100000] [--shape spread|dense|both]``
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import io
import json
import logging
import pstats
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from eth_account import Account
from sqlalchemy import create_engine, func, select, text

from bench.sync.chainfill import anchor_many, onboard
from chain_sync.indexer import sync_once
from chain_sync.models import ChainAnchor, ChainDeployment, ChainLog
from chain_sync.rpc import ChainReader
from contracts.chains import HardhatNode, fund
from contracts.ledger import Deployment, Ledger, deploy_ledger
from contracts.types import Role

if TYPE_CHECKING:
    from web3 import Web3

GOALS = {"ratio": 0.5, "postgres_events_per_s": 5_000}
# The limit's eth_getLogs ranges: 2,000 blocks (a common provider cap), so the limit
# reads the bench's whole chain in one answer, the fewest calls possible.
RAW_RANGE_BLOCKS = 2_000
POSTGRES_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def _raw_limit(w3: Web3, ledger: Ledger, start: int, end: int) -> tuple[int, float]:
    """(logs, seconds): eth_getLogs in indexer-sized ranges, every log decoded."""
    reader = ChainReader(w3)
    began = time.perf_counter()
    count = 0
    for low in range(start, end + 1, RAW_RANGE_BLOCKS):
        high = min(end, low + RAW_RANGE_BLOCKS - 1)
        for entry in reader.logs(ledger.address, low, high):
            if ledger.log_json_args(entry) is not None:
                count += 1
    return count, time.perf_counter() - began


def _bound_database(url: str, deployment: Deployment) -> Any:
    """A session factory on ``url``, migrated like the product does and bound to
    ``deployment`` (the row ``backend.runtime.bind_ledger`` writes after deploying)."""
    from backend.db import make_engine, make_session_factory, transaction, upgrade_schema

    engine = make_engine(url)
    upgrade_schema(engine)
    sessions = make_session_factory(engine)
    with transaction(sessions) as session:
        session.add(
            ChainDeployment(
                chain_id=deployment.chain_id,
                genesis_hash=deployment.genesis_hash,
                ledger_address=deployment.address,
                deploy_block=deployment.deploy_block,
                deploy_tx=deployment.deploy_tx,
            )
        )
    return engine, sessions


def _timed_sync(
    url: str, w3: Web3, ledger: Ledger, deployment: Deployment, expected: int, profile: bool
) -> float:
    """Seconds ``sync_once`` takes to mirror the chain into the fresh database ``url``."""
    engine, sessions = _bound_database(url, deployment)
    try:
        profiler = cProfile.Profile() if profile else None
        began = time.perf_counter()
        if profiler:
            profiler.enable()
        result = sync_once(sessions, w3, ledger, deployment)
        if profiler:
            profiler.disable()
        seconds = time.perf_counter() - began
        with sessions() as session:
            logs = session.scalar(select(func.count()).select_from(ChainLog))
            anchors = session.scalar(select(func.count()).select_from(ChainAnchor))
        if not (result.logs == logs == expected) or not anchors:
            raise SystemExit(f"{url}: mirrored {result.logs} logs ({logs} rows), not {expected}")
        if profiler:
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
            stats.print_stats(35)
            out.write("\n--- by own time ---\n")
            stats.sort_stats("tottime").print_stats(25)
            print(f"=== profile: {engine.dialect.name} ===\n{out.getvalue()}", file=sys.stderr)
        return seconds
    finally:
        engine.dispose()


SHAPES: dict[str, dict[str, int]] = {
    "spread": {"per_tx": 100, "txs_per_block": 1, "gap_blocks": 4},
    "dense": {"per_tx": 1_000, "txs_per_block": 0, "gap_blocks": 0},
}


def _postgres_sync(
    w3: Web3, ledger: Ledger, deployment: Deployment, expected: int, profile: bool
) -> float:
    """``_timed_sync`` into a fresh PostgreSQL database, dropped afterwards."""
    name = f"ocoptrace_bench_{uuid.uuid4().hex[:12]}"
    admin_engine = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin_engine.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        pg_url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
        return _timed_sync(pg_url, w3, ledger, deployment, expected, profile)
    finally:
        with admin_engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin_engine.dispose()


def measure_shape(events: int, shape: dict[str, int], repeat: int, profile: bool) -> dict[str, Any]:
    """Fill a fresh chain in ``shape``, then time the limit and both syncs ``repeat``
    times in turn; the best of each."""
    with HardhatNode() as node, tempfile.TemporaryDirectory(prefix="bench-sync-") as tmp:
        w3 = node.web3()
        admin = Account.from_key(hashlib.sha256(b"bench-sync-admin").digest())
        coop = Account.from_key(hashlib.sha256(b"bench-sync-coop").digest())
        fund(w3, admin.address, 10**21)
        deployment = deploy_ledger(w3, admin)
        ledger = Ledger(w3, deployment.address, from_block=deployment.deploy_block)
        onboard(w3, ledger, admin, coop.address, Role.COOPERATIVE)

        began = time.perf_counter()
        fill = anchor_many(w3, node.url, ledger, coop, events, label="bench", **shape)
        fill_seconds = time.perf_counter() - began
        head = w3.eth.block_number
        runs: dict[str, list[float]] = {"raw": [], "sqlite": [], "postgres": []}
        expected = 0
        for attempt in range(repeat):
            expected, raw_seconds = _raw_limit(w3, ledger, deployment.deploy_block, head)
            runs["raw"].append(raw_seconds)
            sqlite_url = f"sqlite:///{Path(tmp) / f'bench{attempt}.db'}"
            sqlite_seconds = _timed_sync(sqlite_url, w3, ledger, deployment, expected, profile)
            runs["sqlite"].append(sqlite_seconds)
            runs["postgres"].append(_postgres_sync(w3, ledger, deployment, expected, profile))

    raw, sqlite, postgres = (expected / min(runs[k]) for k in ("raw", "sqlite", "postgres"))
    return {
        "events": expected,
        "blocks": head - deployment.deploy_block + 1,
        "fill_transactions": fill.transactions,
        "raw_getlogs_decode_events_per_s": round(raw),
        "sqlite_events_per_s": round(sqlite),
        "postgres_events_per_s": round(postgres),
        "ratio_sqlite": round(sqlite / raw, 3),
        "ratio_postgres": round(postgres / raw, 3),
        "goals_met": {
            "ratio_sqlite": sqlite / raw >= GOALS["ratio"],
            "ratio_postgres": postgres / raw >= GOALS["ratio"],
            "postgres_events_per_s": postgres >= GOALS["postgres_events_per_s"],
        },
        "seconds": {k: [round(v, 3) for v in values] for k, values in runs.items()},
        "fill_seconds": round(fill_seconds, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000, help="ledger events to mirror")
    parser.add_argument("--shape", choices=[*SHAPES, "both"], default="both")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; the best counts")
    parser.add_argument("--profile", action="store_true", help="cProfile each sync (stderr)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    names = list(SHAPES) if args.shape == "both" else [args.shape]
    shapes = {n: measure_shape(args.events, SHAPES[n], args.repeat, args.profile) for n in names}
    print(json.dumps({"goals": GOALS, "repeat": args.repeat, "shapes": shapes}, indent=2))


if __name__ == "__main__":
    main()
