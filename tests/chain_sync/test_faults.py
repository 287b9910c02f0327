"""Faults around the real ``ocoptrace sync run`` process on a Hardhat node: SIGKILLed at
seeded random points and restarted, its mirror equals a clean sync row for row; the node
unreachable for a while (a TCP proxy between them cut, then restored), it retries without
crashing and catches up to exactly what ``eth_getLogs`` returns.

The chain holds a few thousand ``EventAnchored`` logs spread over a few thousand blocks
plus lifecycle events (actors, batches, custody, transformation, certificate, recall), so
every projection is exercised. The database is bound to the ledger by the product itself
(``start_runtime`` deploys it); each test works on a copy of that bound, still empty file.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from sqlalchemy import Engine, select

from backend.actors import service as actors
from backend.db import make_engine, make_session_factory
from backend.runtime import Chain, start_runtime
from bench.sync.chainfill import anchor_many, digest, onboard
from chain_sync.indexer import sync_once
from chain_sync.models import MIRROR_TABLES, ChainLog, SyncCheckpoint
from contracts.chains import HardhatNode, free_port
from contracts.ledger import Calls, Deployment, Ledger
from contracts.merkle import MerkleTree
from contracts.types import Role, batch_id_of
from tests.chain_sync.mirror import fetch_logs
from tests.conftest import make_settings

pytestmark = [pytest.mark.hardhat, pytest.mark.timeout(300)]

OCOPTRACE = str(Path(sys.executable).parent / "ocoptrace")
ANCHORED_EVENTS = 4_000
KILLS = 10
SEED = 20_250_605
GTIN = "08938501000023"


@dataclass
class Actors:
    admin: LocalAccount
    coop: LocalAccount
    processor: LocalAccount
    lab: LocalAccount


@dataclass
class FilledChain:
    node: HardhatNode
    ledger: Ledger
    deployment: Deployment
    actors: Actors
    bound_db: Path  # bound to the ledger, mirror still empty: copy it, never sync into it


def _account(label: str) -> LocalAccount:
    account: LocalAccount = Account.from_key(hashlib.sha256(f"faults-{label}".encode()).digest())
    return account


def _lifecycle(ledger: Ledger, who: Actors, label: str) -> None:
    """Lifecycle events touching every projection: batches, steps, custody, transformation,
    certificate, recall, consumption, a Merkle root, a batched (multicall) write."""
    coop, proc, lab = who.coop, who.processor, who.lab
    lots = {name: batch_id_of(GTIN, f"{label}-{name}") for name in ("a", "b", "c", "d", "e")}
    for name in ("a", "b", "c", "d"):
        ledger.register_batch(coop, lots[name], 100_000, digest(f"{label}-reg-{name}"))
    ledger.record_event(coop, lots["a"], "drying", digest(f"{label}-dry-a"))
    ledger.ship(coop, lots["a"], proc.address, digest(f"{label}-ship-a"))
    ledger.receive(proc, lots["a"], digest(f"{label}-recv-a"))
    ledger.transfer_custody(coop, lots["b"], proc.address, digest(f"{label}-xfer-b"))
    out = batch_id_of(GTIN, f"{label}-sliced")
    ledger.transform(proc, [lots["a"]], [50_000], [out], [45_000], digest(f"{label}-slice"))
    ledger.attach_certificate(lab, out, digest(f"{label}-pdf"), 2**40, digest(f"{label}-cert"))
    ledger.recall(who.admin, lots["c"], digest(f"{label}-why"))
    ledger.consume_batch(coop, lots["d"], digest(f"{label}-sold-d"))
    tree = MerkleTree.build(digest(f"{label}-scan-{i}") for i in range(100))
    ledger.anchor_merkle_root(proc, tree.root, tree.count, digest(f"{label}-scans"))
    ledger.batch_write(
        coop,
        [
            Calls.register_batch(lots["e"], 20_000, digest(f"{label}-reg-e")),
            Calls.record_event(lots["e"], "washing", digest(f"{label}-wash-e")),
        ],
    )


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FilledChain]:
    var_dir = tmp_path_factory.mktemp("faults")
    bound_db = var_dir / "bound.db"
    with HardhatNode() as node:
        settings = make_settings(var_dir, f"sqlite:///{bound_db}", chain="hardhat")
        runtime = start_runtime(settings, Chain("hardhat", node.web3(), None))
        try:
            with runtime.sessions() as session:
                operator = actors.operator(session)
                assert operator is not None
                admin = runtime.vault.open(operator.sealed_key)
            w3, ledger = runtime.chain.w3, runtime.ledger
            who = Actors(admin, _account("coop"), _account("processor"), _account("lab"))
            for account, role in (
                (who.coop, Role.COOPERATIVE),
                (who.processor, Role.PROCESSOR),
                (who.lab, Role.LAB),
            ):
                onboard(w3, ledger, admin, account.address, role)
            half = ANCHORED_EVENTS // 2
            # One 50-digest transaction per block, 30 empty blocks after each: the events
            # spread over ~2,500 blocks, so a small-range sync takes many chunks.
            spread = {"per_tx": 50, "txs_per_block": 1, "gap_blocks": 30}
            anchor_many(w3, node.url, ledger, who.coop, half, label="one", **spread)
            _lifecycle(ledger, who, "one")
            anchor_many(w3, node.url, ledger, who.coop, half, label="two", **spread)
            deployment = runtime.deployment
        finally:
            runtime.close()
        yield FilledChain(node, ledger, deployment, who, bound_db)


# ------------------------------------------------------------------ helpers


def _fresh_db(chain: FilledChain, path: Path) -> str:
    """A copy of the bound, empty database: its URL."""
    shutil.copyfile(chain.bound_db, path)
    return f"sqlite:///{path}"


def _plain(value: Any) -> Any:
    return int(value) if isinstance(value, Decimal) else value


def _mirror(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every mirror table's rows (surrogate ids left out), ordered by all their columns."""
    found: dict[str, list[tuple[Any, ...]]] = {}
    with make_session_factory(engine)() as session:
        for model in MIRROR_TABLES:
            columns = [c for c in model.__table__.columns if c.name != "id"]
            rows = session.execute(select(*columns)).all()
            found[model.__tablename__] = sorted(
                (tuple(_plain(v) for v in row) for row in rows), key=repr
            )
    return found


def _clean_mirror(chain: FilledChain, path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """The mirror of one uninterrupted in-process sync into a fresh bound database."""
    engine = make_engine(_fresh_db(chain, path))
    try:
        w3 = chain.node.web3()
        ledger = Ledger(w3, chain.deployment.address)
        sync_once(make_session_factory(engine), w3, ledger, chain.deployment)
        return _mirror(engine)
    finally:
        engine.dispose()


def _logs(engine: Engine) -> list[tuple[int, str, str, int, str]]:
    with make_session_factory(engine)() as session:
        rows = session.execute(
            select(
                ChainLog.block_number,
                ChainLog.block_hash,
                ChainLog.tx_hash,
                ChainLog.log_index,
                ChainLog.name,
            ).order_by(ChainLog.block_number, ChainLog.tx_index, ChainLog.log_index)
        ).all()
    return [tuple(row) for row in rows]  # type: ignore[misc]


def _chain_logs(chain: FilledChain) -> list[tuple[int, str, str, int, str]]:
    w3 = chain.node.web3()
    ledger = Ledger(w3, chain.deployment.address)
    found = fetch_logs(w3, ledger, chain.deployment.deploy_block, w3.eth.block_number)
    return [(e.block_number, e.block_hash, e.tx_hash, e.log_index, e.name) for e in found]


def _cursor(engine: Engine, chain: FilledChain) -> tuple[int, str]:
    """(block, hash) of the sync checkpoint; (deploy block - 1, "") before the first chunk."""
    with make_session_factory(engine)() as session:
        row = session.execute(
            select(SyncCheckpoint.block_number, SyncCheckpoint.block_hash)
        ).first()
    return (int(row[0]), row[1]) if row else (chain.deployment.deploy_block - 1, "")


def _wait(condition: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    """Poll ``condition`` until true; the timeout only guards against a hang."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


class SyncProcess:
    """``ocoptrace sync run`` as a subprocess on its own database and RPC URL."""

    def __init__(self, rpc_url: str, database_url: str, var_dir: Path, *args: str) -> None:
        var_dir.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            "RPC_URL": rpc_url,
            "OCOPTRACE_CHAIN": "rpc",
            "DATABASE_URL": database_url,
            "OCOPTRACE_VAR_DIR": str(var_dir),
            "OCOPTRACE_ENVIRONMENT": "test",
        }
        self.stderr_path = var_dir / "sync.stderr"
        self._out: IO[bytes] = (var_dir / "sync.stdout").open("wb")
        self._err: IO[bytes] = self.stderr_path.open("wb")
        self.stdout_path = var_dir / "sync.stdout"
        self.process = subprocess.Popen(
            [OCOPTRACE, "sync", "run", *args],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._out,
            stderr=self._err,
        )

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    def finish(self, sig: signal.Signals | None = None, timeout: float = 120.0) -> int:
        """Send ``sig`` (if given) and wait for the exit code; files closed."""
        try:
            if sig is not None and self.alive:
                self.process.send_signal(sig)
            return self.process.wait(timeout=timeout)
        finally:
            if self.alive:
                self.process.kill()
                self.process.wait()
            self._out.close()
            self._err.close()


# ------------------------------------------------------------------ SIGKILL

# Answers of ~25 logs (~15 blocks here), each its own SQL transaction: a sync of the
# whole chain takes ~150 commits, so the kills land between and inside them.
SMALL = ("--chunk-blocks", "2", "--target-logs", "25")


def test_sync_killed_at_random_points_then_finished_equals_a_clean_sync(
    chain: FilledChain, tmp_path: Path
) -> None:
    url = _fresh_db(chain, tmp_path / "killed.db")
    expected_logs = _chain_logs(chain)
    head = chain.node.web3().eth.block_number
    assert len(expected_logs) > ANCHORED_EVENTS
    rng = random.Random(SEED)
    start = chain.deployment.deploy_block
    # Kill points: the process is killed shortly after its cursor passes each target.
    targets = sorted(rng.randrange(start, head) for _ in range(KILLS))
    engine = make_engine(url)
    killed_mid_sync = 0
    try:
        for attempt, target in enumerate(targets):
            before = _cursor(engine, chain)[0]
            sync = SyncProcess(chain.node.url, url, tmp_path / f"run{attempt}", "--follow", *SMALL)
            try:
                _wait(
                    lambda sync=sync, before=before, target=target: (
                        _cursor(engine, chain)[0] > max(before, target)
                        or _cursor(engine, chain)[0] == head  # done: this kill finds it idle
                        or not sync.alive
                    ),
                    f"kill {attempt}: the sync to pass block {target}",
                )
                time.sleep(rng.uniform(0.0, 0.05))
                assert sync.alive, sync.stderr()
            finally:
                sync.finish(signal.SIGKILL)
            number, block_hash = _cursor(engine, chain)
            killed_mid_sync += number < head
            print(f"kill {attempt}: target {target}, cursor {number} of {head}")
            # A chunk boundary, never half a chunk: exactly the logs up to the cursor.
            assert _logs(engine) == [log for log in expected_logs if log[0] <= number]
            assert block_hash == "0x" + bytes(chain.node.web3().eth.get_block(number)["hash"]).hex()
        assert killed_mid_sync >= KILLS // 2, f"only {killed_mid_sync} kills landed mid-sync"

        final = SyncProcess(chain.node.url, url, tmp_path / "final", *SMALL)
        assert final.finish() == 0, final.stderr()
        summary = json.loads(final.stdout_path.read_text().strip().splitlines()[-1])
        assert summary["toBlock"] == head
        assert _logs(engine) == expected_logs
        killed = _mirror(engine)
    finally:
        engine.dispose()
    clean = _clean_mirror(chain, tmp_path / "clean.db")
    assert killed.keys() == clean.keys()
    for table, rows in clean.items():
        assert rows, f"{table} is empty: the fixture does not exercise it"
        assert killed[table] == rows, table


# ------------------------------------------------------------------ RPC outage


class TcpProxy:
    """127.0.0.1:<port> forwarded to the node; ``cut()`` refuses new connections and
    drops open ones, ``restore()`` listens again on the same port."""

    def __init__(self, target_port: int) -> None:
        self.target = ("127.0.0.1", target_port)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._listener: socket.socket | None = None
        self._threads: list[threading.Thread] = []

    def _spawn(self, target: Callable[..., None], *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        thread.start()
        self._threads.append(thread)

    def restore(self) -> None:
        listener = socket.create_server(("127.0.0.1", self.port))  # SO_REUSEADDR on POSIX
        self._listener = listener
        self._spawn(self._accept, listener)

    def cut(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)  # wakes accept()
            listener.close()
        with self._lock:
            dropped, self._open = self._open, set()
        for sock in dropped:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)  # wakes the pumps, which close them

    def close(self) -> None:
        self.cut()
        for thread in self._threads:
            thread.join(timeout=5)

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._open |= {client, upstream}
            self._spawn(self._pump, client, upstream)
            self._spawn(self._pump, upstream, client)

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65_536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
            with self._lock:
                self._open.discard(source)
            source.close()


def test_sync_follow_survives_an_rpc_outage_and_catches_up(
    chain: FilledChain, tmp_path: Path
) -> None:
    url = _fresh_db(chain, tmp_path / "outage.db")
    w3 = chain.node.web3()
    proxy = TcpProxy(chain.node.port)
    proxy.restore()
    engine = make_engine(url)
    sync = SyncProcess(
        proxy.url, url, tmp_path / "run", "--follow", "--poll-interval", "0.2"
    )  # fmt: skip
    try:
        head = w3.eth.block_number
        _wait(lambda: _cursor(engine, chain)[0] == head, "the backfill", timeout=120)

        proxy.cut()
        # New blocks while the sync cannot see the node.
        anchor_many(w3, chain.node.url, chain.ledger, chain.actors.coop, 300, per_tx=100,
                    txs_per_block=1, gap_blocks=3, label="outage")  # fmt: skip
        _lifecycle(chain.ledger, chain.actors, "outage")
        new_head = w3.eth.block_number
        assert new_head > head
        _wait(lambda: sync.stderr().count("sync failed, retrying") >= 2, "two retries")
        assert sync.alive, sync.stderr()
        assert _cursor(engine, chain)[0] == head

        proxy.restore()
        _wait(lambda: _cursor(engine, chain)[0] == new_head, "the catch-up", timeout=120)
        assert sync.alive, sync.stderr()
        assert _logs(engine) == _chain_logs(chain)
        assert _mirror(engine) == _clean_mirror(chain, tmp_path / "clean.db")

        assert sync.finish(signal.SIGTERM) == 0, sync.stderr()
        summary = json.loads(sync.stdout_path.read_text().strip().splitlines()[-1])
        assert summary["stopped"] is True
        assert summary["toBlock"] >= new_head
        assert "Traceback" not in sync.stderr()
    finally:
        sync.finish(signal.SIGKILL, timeout=10)
        engine.dispose()
        proxy.close()
