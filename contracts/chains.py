"""Connections to the chains ocoptrace runs on: in-process eth-tester, a local Hardhat
node started and stopped by us, or any JSON-RPC URL.

Also the few chain-level helpers every caller needs: a funded dev account on local
chains, funding, the genesis hash (the identity of a chain that keeps no state across
restarts), and sending a locally signed transaction with per-sender nonce ordering.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
from eth_account import Account
from web3 import EthereumTesterProvider, HTTPProvider, Web3

from contracts.errors import ChainError

if TYPE_CHECKING:
    from types import TracebackType

    from eth_account.signers.local import LocalAccount
    from web3.types import TxParams, TxReceipt

PROJECT_ROOT = Path(__file__).resolve().parent.parent
HARDHAT_CHAIN_ID = 31337

# Hardhat's default account #0. This key is public (printed by every `hardhat node`) and
# holds ether only on local development chains; never use it on a shared network.
HARDHAT_DEV_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"


def memory_chain() -> Web3:
    """A fresh in-process chain (eth-tester + py-evm). Its first account is pre-funded."""
    return Web3(EthereumTesterProvider())


def rpc_chain(url: str, timeout: float = 30.0) -> Web3:
    """A Web3 talking JSON-RPC to ``url``; ``ChainError`` if the node does not answer."""
    w3 = Web3(HTTPProvider(url, request_kwargs={"timeout": timeout}))
    try:
        w3.eth.chain_id  # noqa: B018 - the call is the check
    except Exception as exc:
        raise ChainError(f"no JSON-RPC node answers at {url}: {exc}") from exc
    return w3


def genesis_hash(w3: Web3) -> str:
    """0x-hex hash of block 0: a chain restarted from scratch gets another one (mostly)."""
    return "0x" + bytes(w3.eth.get_block(0)["hash"]).hex()


def dev_funder(w3: Web3) -> LocalAccount:
    """An account holding ether on a local chain: eth-tester's first account in memory,
    Hardhat's public dev account #0 on chain id 31337. ``ChainError`` elsewhere."""
    provider = w3.provider
    if isinstance(provider, EthereumTesterProvider):
        tester = provider.ethereum_tester
        if tester is None:
            raise ChainError("the eth-tester provider has no tester attached")
        key = tester.backend.account_keys[0]
        account: LocalAccount = Account.from_key(key.to_bytes())
        return account
    chain_id = w3.eth.chain_id
    if chain_id == HARDHAT_CHAIN_ID:
        hardhat: LocalAccount = Account.from_key(HARDHAT_DEV_KEY)
        return hardhat
    raise ChainError(
        f"chain id {chain_id} has no known dev account: fund the actor accounts yourself"
    )


def fund(w3: Web3, to: str, wei: int) -> TxReceipt:
    """Send ``wei`` from ``dev_funder(w3)`` to ``to``; returns the receipt."""
    funder = dev_funder(w3)
    tx: TxParams = {
        "to": Web3.to_checksum_address(to),
        "value": Web3.to_wei(wei, "wei"),
        "gas": 21_000,
    }
    return send_signed(w3, funder, tx)


# --------------------------------------------------------------------------- sending

_LOCKS_GUARD = threading.Lock()
_SENDER_LOCKS: dict[str, threading.Lock] = {}


def sender_lock(address: str) -> threading.Lock:
    """The lock that orders transactions of one sender inside this process."""
    key = address.lower()
    with _LOCKS_GUARD:
        return _SENDER_LOCKS.setdefault(key, threading.Lock())


def send_signed(w3: Web3, sender: LocalAccount, tx: TxParams) -> TxReceipt:
    """Sign ``tx`` locally with ``sender``, send it raw and wait for its receipt.

    The nonce is the sender's *pending* count read under the sender's lock, so threads of
    this process never reuse a nonce, and a chain reverted to a snapshot is followed
    (no cached counter to go stale). ``tx`` must carry ``gas``. ``ChainError`` if the
    node refuses it or the receipt says it failed.
    """
    full: dict[str, Any] = dict(tx)
    full.setdefault("chainId", w3.eth.chain_id)
    full.setdefault("gasPrice", w3.eth.gas_price)
    full["from"] = sender.address
    with sender_lock(sender.address):
        full["nonce"] = w3.eth.get_transaction_count(sender.address, "pending")
        signed = sender.sign_transaction(full)
        try:
            tx_hash = w3.eth.send_raw_transaction(signed.raw_transaction)
        except Exception as exc:
            raise ChainError(
                f"the node refused a transaction from {sender.address}: {exc}"
            ) from exc
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash)
    if receipt["status"] != 1:
        raise ChainError(
            f"transaction 0x{bytes(tx_hash).hex()} from {sender.address} failed on chain "
            f"(block {receipt['blockNumber']}, gas used {receipt['gasUsed']})"
        )
    return receipt


# ---------------------------------------------------------------------- hardhat node


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class HardhatNode:
    """A local ``npx hardhat node`` (chain id 31337, empty at start) for as long as needed.

    Use as a context manager. The node runs in its own process group, so ``stop()`` ends
    npx *and* the node it spawns; ``stop()`` also runs at interpreter exit (which covers
    Ctrl-C). The node logs every transaction: its output goes to ``log_path``.
    """

    def __init__(
        self,
        port: int | None = None,
        *,
        log_path: Path | None = None,
        startup_timeout: float = 60.0,
        project_root: Path = PROJECT_ROOT,
    ) -> None:
        self.port = port if port is not None else free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        if log_path is None:
            fd, name = tempfile.mkstemp(prefix=f"hardhat-node-{self.port}-", suffix=".log")
            os.close(fd)
            log_path = Path(name)
        self.log_path = log_path
        self.startup_timeout = startup_timeout
        self.project_root = project_root
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> HardhatNode:
        """Start the node and wait until ``eth_chainId`` answers; ``ChainError`` on timeout."""
        if self._process is not None:
            return self
        with self.log_path.open("wb") as log:
            self._process = subprocess.Popen(
                ["npx", "hardhat", "node", "--hostname", "127.0.0.1", "--port", str(self.port)],
                cwd=self.project_root,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # own process group: stop() kills npx and node
            )
        atexit.register(self.stop)
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        assert self._process is not None
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                code = self._process.returncode
                self.stop()
                raise ChainError(
                    f"hardhat node exited with code {code} before answering on {self.url}; "
                    f"log tail:\n{self.log_tail()}"
                )
            try:
                answer = httpx.post(
                    self.url,
                    json={"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []},
                    timeout=2.0,
                )
                if answer.status_code == 200 and "result" in answer.json():
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise ChainError(
            f"hardhat node did not answer eth_chainId on {self.url} within "
            f"{self.startup_timeout:.0f}s; log tail:\n{self.log_tail()}"
        )

    def stop(self, grace: float = 5.0) -> None:
        """Terminate the node's process group, then kill it if it lingers. Idempotent."""
        process, self._process = self._process, None
        if process is None:
            return
        atexit.unregister(self.stop)
        if process.poll() is None:
            self._signal_group(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                self._signal_group(process.pid, signal.SIGKILL)
                process.wait(timeout=grace)
        # npx may be gone while the node it spawned lingers: finish the whole group.
        self._signal_group(process.pid, signal.SIGKILL)

    @staticmethod
    def _signal_group(pgid: int, sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, sig)

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def log_tail(self, lines: int = 20) -> str:
        """The last ``lines`` lines of the node's log."""
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def web3(self) -> Web3:
        """A Web3 connected to this node."""
        return rpc_chain(self.url)

    def __enter__(self) -> HardhatNode:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
