"""Fill a local Hardhat chain with many ledger events, fast.

Used by ``bench.sync.run`` (100,000 events) and ``tests/chain_sync/test_faults.py`` (a
few thousand). ``anchorEvents`` emits one ``EventAnchored`` log per digest (~2,700 gas
each in a batch), so a few hundred transactions of hundreds of digests hold 100,000
events. The transactions are signed here (coincurve) with a gas limit estimated once,
sent raw in JSON-RPC batches with automining off, and mined with ``evm_mine``; optional
empty blocks (``evm_mine``) between them spread the events over many blocks, as on a
real network.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

from contracts.chains import fund
from contracts.errors import ChainError
from contracts.types import EventDigest, Role

if TYPE_CHECKING:
    from collections.abc import Sequence

    from eth_account.signers.local import LocalAccount
    from web3 import Web3

    from contracts.ledger import Ledger

# Ether given to the accounts the fill uses (gas for a few hundred large transactions).
ACCOUNT_FUNDS_WEI = 10**21
_SEND_BATCH = 50


def digest(label: str) -> EventDigest:
    """A deterministic, non-zero event digest."""
    return EventDigest(hashlib.sha256(label.encode()).digest())


class Rpc:
    """Raw JSON-RPC over one HTTP client (single calls and batches)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._client = httpx.Client(timeout=120.0)
        self._id = 0

    def close(self) -> None:
        self._client.close()

    def call(self, method: str, *params: Any) -> Any:
        self._id += 1
        answer = self._client.post(
            self.url, json={"jsonrpc": "2.0", "id": self._id, "method": method, "params": params}
        ).json()
        if "error" in answer:
            raise ChainError(f"{method} failed: {answer['error']}")
        return answer.get("result")

    def batch(self, calls: Sequence[tuple[str, list[Any]]]) -> list[Any]:
        payload = []
        for method, params in calls:
            self._id += 1
            payload.append({"jsonrpc": "2.0", "id": self._id, "method": method, "params": params})
        answers = self._client.post(self.url, json=payload).json()
        if isinstance(answers, dict):
            raise ChainError(f"the batch was refused: {answers}")
        errors = [a["error"] for a in answers if "error" in a]
        if errors:
            raise ChainError(f"{len(errors)} calls of the batch failed, first: {errors[0]}")
        return [a.get("result") for a in sorted(answers, key=lambda a: int(a["id"]))]


@dataclass(frozen=True)
class FillResult:
    events: int
    transactions: int
    first_block: int
    last_block: int


def onboard(w3: Web3, ledger: Ledger, admin: LocalAccount, account: str, role: Role) -> None:
    """Fund ``account`` and make it an active actor with ``role``."""
    fund(w3, account, ACCOUNT_FUNDS_WEI)
    ledger.onboard_actor(admin, account, role, 8938501000016)


def anchor_many(
    w3: Web3,
    url: str,
    ledger: Ledger,
    sender: LocalAccount,
    count: int,
    *,
    per_tx: int = 1_000,
    txs_per_block: int = 0,
    gap_blocks: int = 0,
    label: str = "fill",
) -> FillResult:
    """Anchor ``count`` distinct digests from ``sender`` (an active operational actor) in
    transactions of ``per_tx`` digests. ``txs_per_block`` 0 packs blocks to the gas limit;
    ``gap_blocks`` empty blocks are mined after each block of events. Every transaction
    is checked to have succeeded with the expected number of logs."""
    digests = [digest(f"{label}-{i}") for i in range(count)]
    chunks = [digests[i : i + per_tx] for i in range(0, count, per_tx)]
    datas = [ledger.contract.encode_abi("anchorEvents", args=[chunk]) for chunk in chunks]
    estimate = w3.eth.estimate_gas({"from": sender.address, "to": ledger.address, "data": datas[0]})
    gas = estimate + estimate // 5
    chain_id, gas_price = w3.eth.chain_id, w3.eth.gas_price
    nonce = w3.eth.get_transaction_count(sender.address, "pending")
    raws = [
        "0x"
        + sender.sign_transaction(
            {
                "to": ledger.address,
                "data": data,
                "gas": gas,
                "gasPrice": gas_price,
                "nonce": nonce + i,
                "chainId": chain_id,
            }
        ).raw_transaction.hex()
        for i, data in enumerate(datas)
    ]
    rpc = Rpc(url)
    first_block = w3.eth.block_number + 1
    hashes: list[str] = []
    try:
        rpc.call("evm_setAutomine", False)
        try:
            groups = [raws] if txs_per_block <= 0 else [
                raws[i : i + txs_per_block] for i in range(0, len(raws), txs_per_block)
            ]  # fmt: skip
            for group in groups:
                for start in range(0, len(group), _SEND_BATCH):
                    part = group[start : start + _SEND_BATCH]
                    hashes += rpc.batch([("eth_sendRawTransaction", [raw]) for raw in part])
                _mine_until(rpc, sender.address, nonce + len(hashes))
                if gap_blocks:
                    # evm_mine, not hardhat_mine: blocks of hardhat_mine(n > 1) report a
                    # zero parentHash, which the indexer takes for an unstable chain.
                    rpc.batch([("evm_mine", [])] * gap_blocks)
        finally:
            rpc.call("evm_setAutomine", True)
        _check_receipts(rpc, hashes, [len(chunk) for chunk in chunks])
    finally:
        rpc.close()
    return FillResult(count, len(hashes), first_block, w3.eth.block_number)


def _mine_until(rpc: Rpc, address: str, nonce: int) -> None:
    for _ in range(10_000):
        if int(rpc.call("eth_getTransactionCount", address, "latest"), 16) >= nonce:
            return
        rpc.call("evm_mine")
    raise ChainError("the pending transactions were not mined")


def _check_receipts(rpc: Rpc, hashes: Sequence[str], logs: Sequence[int]) -> None:
    for start in range(0, len(hashes), 20):
        part = hashes[start : start + 20]
        receipts = rpc.batch([("eth_getTransactionReceipt", [h]) for h in part])
        for receipt, expected in zip(receipts, logs[start : start + 20], strict=True):
            if int(receipt["status"], 16) != 1 or len(receipt["logs"]) != expected:
                raise ChainError(f"fill transaction {receipt['transactionHash']} failed")
