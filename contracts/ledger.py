"""Typed binding to the ``OcopLedger`` contract: deploy, write, read, decode logs and reverts.

Writes are simulated first (``eth_call`` from the sender) so that a refusal surfaces as
``LedgerRevert`` with the contract's custom error decoded from the ABI, on eth-tester
(which gives raw revert bytes) and on JSON-RPC nodes alike. Only then is gas estimated,
the transaction signed locally and sent raw; a receipt with status 0 raises ``ChainError``.
"""

from __future__ import annotations

import ast
import json
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from eth_abi.abi import decode as abi_decode
from eth_tester.exceptions import TransactionFailed
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak
from web3.exceptions import ContractCustomError, ContractLogicError

from contracts.build import ARTIFACT_PATH, artifact_sha256, load_artifact
from contracts.chains import genesis_hash, send_signed
from contracts.errors import ChainError, ChainMismatch, LedgerRevert
from contracts.types import (
    ZERO_ADDRESS,
    ActorState,
    BatchId,
    BatchState,
    BatchStatus,
    BlockNumber,
    EventDigest,
    EventKind,
    EventRecord,
    Role,
    as_bytes32,
    step_code,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence
    from pathlib import Path

    from eth_account.signers.local import LocalAccount
    from web3 import Web3
    from web3.contract import Contract
    from web3.types import TxParams, TxReceipt


_T = TypeVar("_T")

_ERROR_STRING = bytes.fromhex("08c379a0")  # Error(string)
_PANIC = bytes.fromhex("4e487b71")  # Panic(uint256)


# ------------------------------------------------------------------------------ ABI tables


def _canonical_type(entry: Mapping[str, Any]) -> str:
    kind: str = entry["type"]
    if kind.startswith("tuple"):
        inner = ",".join(_canonical_type(c) for c in entry["components"])
        return f"({inner}){kind[5:]}"
    return kind


def _signature(entry: Mapping[str, Any]) -> str:
    types = ",".join(_canonical_type(i) for i in entry["inputs"])
    return f"{entry['name']}({types})"


@dataclass(frozen=True, slots=True)
class _AbiItem:
    name: str
    names: tuple[str, ...]
    types: tuple[str, ...]
    internal_types: tuple[str, ...]
    indexed: tuple[bool, ...]


def _abi_item(entry: Mapping[str, Any]) -> _AbiItem:
    inputs = entry["inputs"]
    return _AbiItem(
        name=entry["name"],
        names=tuple(i["name"] for i in inputs),
        types=tuple(_canonical_type(i) for i in inputs),
        internal_types=tuple(i.get("internalType", "") for i in inputs),
        indexed=tuple(bool(i.get("indexed", False)) for i in inputs),
    )


def _normalize(value: Any, abi_type: str, internal_type: str) -> Any:
    """eth-abi values as we hand them out: checksummed addresses, lists, BatchStatus."""
    if abi_type.endswith("[]"):
        return [_normalize(v, abi_type[:-2], internal_type.removesuffix("[]")) for v in value]
    if abi_type == "address":
        return to_checksum_address(value)
    if internal_type == "enum OcopLedger.Status":
        return BatchStatus(value)
    return value


class AbiCodec:
    """Selector -> error ABI and topic0 -> event ABI tables built once from an ABI."""

    def __init__(self, abi: Sequence[Mapping[str, Any]]) -> None:
        self.errors: dict[bytes, _AbiItem] = {}
        self.events: dict[bytes, _AbiItem] = {}
        for entry in abi:
            if entry["type"] == "error":
                self.errors[keccak(text=_signature(entry))[:4]] = _abi_item(entry)
            elif entry["type"] == "event" and not entry.get("anonymous", False):
                self.events[keccak(text=_signature(entry))] = _abi_item(entry)

    def revert(self, data: bytes) -> ChainError:
        """The exception for revert ``data``: ``LedgerRevert`` when it is a known error."""
        selector, body = data[:4], data[4:]
        if selector == _ERROR_STRING:
            return LedgerRevert("Error", {"message": abi_decode(["string"], body)[0]})
        if selector == _PANIC:
            return LedgerRevert("Panic", {"code": abi_decode(["uint256"], body)[0]})
        item = self.errors.get(selector)
        if item is None:
            return ChainError(f"the contract reverted with unknown data 0x{data.hex()}")
        values = abi_decode(list(item.types), body)
        columns = zip(item.names, values, item.types, item.internal_types, strict=True)
        return LedgerRevert(item.name, {n: _normalize(v, t, it) for n, v, t, it in columns})

    def event_args(self, topics: Sequence[bytes], data: bytes) -> tuple[str, dict[str, Any]] | None:
        """(event name, args) of a log, or None if topic0 is not one of our events."""
        if not topics:
            return None
        item = self.events.get(topics[0])
        if item is None:
            return None
        plain_types = [t for t, ix in zip(item.types, item.indexed, strict=True) if not ix]
        plain = iter(abi_decode(plain_types, data))
        indexed = iter(topics[1:])
        args: dict[str, Any] = {}
        for name, abi_type, internal, is_indexed in zip(
            item.names, item.types, item.internal_types, item.indexed, strict=True
        ):
            if is_indexed:
                topic = next(indexed)
                # Dynamic indexed values are stored hashed: hand out the hash (we have none).
                dynamic = abi_type in ("string", "bytes") or abi_type.endswith("]")
                value = topic if dynamic else abi_decode([abi_type], topic)[0]
            else:
                value = next(plain)
            args[name] = _normalize(value, abi_type, internal)
        return item.name, args


def revert_data_of(exc: BaseException) -> bytes | None:
    """Raw revert data carried by an exception from web3 or eth-tester, if any."""
    if isinstance(exc, ContractCustomError | ContractLogicError):
        data = exc.data
        if isinstance(data, dict):
            data = data.get("data")
        if isinstance(data, str) and data.startswith("0x"):
            return bytes.fromhex(data[2:])
        return None
    if isinstance(exc, TransactionFailed):
        # eth-tester only keeps the repr of the revert bytes: "execution reverted: b'...'".
        text = str(exc.args[0]) if exc.args else ""
        text = text.removeprefix("execution reverted: ")
        if text.startswith(("b'", 'b"')):
            try:
                raw = ast.literal_eval(text)
            except (ValueError, SyntaxError):
                return None
            return raw if isinstance(raw, bytes) else None
    return None


# ---------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class DecodedLog:
    """One ledger log, decoded. Hashes are 0x-hex; bytes32 args are ``bytes``."""

    name: str
    args: dict[str, Any]
    block_number: BlockNumber
    block_hash: str
    tx_hash: str
    tx_index: int
    log_index: int
    address: str


@dataclass(frozen=True, slots=True)
class TxResult:
    """A mined, successful ledger transaction and the ledger events it emitted."""

    tx_hash: str
    block_number: BlockNumber
    gas_used: int
    logs: tuple[DecodedLog, ...]


LEDGER_EVENT_NAMES: frozenset[str] = frozenset(
    e["name"] for e in load_artifact()["abi"] if e["type"] == "event"
)


def _hex(value: Any) -> str:
    if isinstance(value, str):
        return value if value.startswith("0x") else "0x" + value
    return "0x" + bytes(value).hex()


def _raw(value: Any) -> bytes:
    if isinstance(value, str):
        return bytes.fromhex(value.removeprefix("0x"))
    return bytes(value)


def _int(value: Any) -> int:
    if isinstance(value, str):
        return int(value, 16)
    return int(value)


# ------------------------------------------------------------------------- deployment


@dataclass(frozen=True, slots=True)
class Deployment:
    """Manifest of a deployed ledger: which chain, where, and built from which artifact."""

    chain_id: int
    genesis_hash: str
    address: str
    deploy_block: int
    deploy_tx: str
    artifact_sha256: str

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Deployment:
        data = json.loads(text)
        try:
            return cls(
                chain_id=int(data["chain_id"]),
                genesis_hash=str(data["genesis_hash"]),
                address=to_checksum_address(data["address"]),
                deploy_block=int(data["deploy_block"]),
                deploy_tx=str(data["deploy_tx"]),
                artifact_sha256=str(data["artifact_sha256"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ChainError(f"not a deployment manifest: {exc}") from exc

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.to_json(), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> Deployment:
        return cls.from_json(path.read_text(encoding="utf-8"))

    def check(self, w3: Web3, artifact_path: Path = ARTIFACT_PATH) -> None:
        """``ChainMismatch`` unless ``w3`` is this deployment's chain and the code is ours.

        A Hardhat node restarted from scratch keeps chain id 31337 but loses the contract:
        the code check catches it even when the genesis hash happens to repeat.
        """
        chain_id = w3.eth.chain_id
        if chain_id != self.chain_id:
            raise ChainMismatch(f"chain id is {chain_id}, the deployment is on {self.chain_id}")
        genesis = genesis_hash(w3)
        if genesis != self.genesis_hash:
            raise ChainMismatch(
                f"genesis block is {genesis}, the deployment's chain started at "
                f"{self.genesis_hash}: this is another chain; redeploy and resync"
            )
        code = bytes(w3.eth.get_code(to_checksum_address(self.address)))
        expected = _raw(load_artifact(artifact_path)["deployedBytecode"])
        if code != expected:
            raise ChainMismatch(
                f"no OcopLedger code (from this artifact) at {self.address}: "
                "the node was reset or the contract was rebuilt; redeploy and resync"
            )


def deploy_ledger(
    w3: Web3, deployer: LocalAccount, artifact_path: Path = ARTIFACT_PATH
) -> Deployment:
    """Deploy ``OcopLedger`` from the committed artifact; ``deployer`` becomes ADMIN."""
    artifact = load_artifact(artifact_path)
    data = artifact["bytecode"]
    tx: TxParams = {"from": deployer.address, "data": data}
    gas = w3.eth.estimate_gas(tx)
    receipt = send_signed(w3, deployer, {"data": data, "gas": gas})
    address = receipt["contractAddress"]
    if address is None:
        raise ChainError("deployment receipt names no contract address")
    return Deployment(
        chain_id=w3.eth.chain_id,
        genesis_hash=genesis_hash(w3),
        address=to_checksum_address(address),
        deploy_block=receipt["blockNumber"],
        deploy_tx=_hex(receipt["transactionHash"]),
        artifact_sha256=artifact_sha256(artifact_path),
    )


# ----------------------------------------------------------------------------- binding


class Ledger:
    """Typed access to one deployed ``OcopLedger``."""

    def __init__(self, w3: Web3, address: str, artifact_path: Path = ARTIFACT_PATH) -> None:
        artifact = load_artifact(artifact_path)
        self.w3 = w3
        self.address = to_checksum_address(address)
        self.contract: Contract = w3.eth.contract(address=self.address, abi=artifact["abi"])
        self.codec = AbiCodec(artifact["abi"])

    @classmethod
    def from_deployment(cls, w3: Web3, deployment: Deployment, *, check: bool = True) -> Ledger:
        """The ledger of a manifest; by default refuses (``ChainMismatch``) another chain."""
        if check:
            deployment.check(w3)
        return cls(w3, deployment.address)

    # ---------------------------------------------------------------- sending

    def _call(self, run: Callable[[], _T]) -> _T:
        """Run an eth_call, turning a revert into ``LedgerRevert`` / ``ChainError``."""
        try:
            return run()
        except Exception as exc:
            data = revert_data_of(exc)
            if data is None:
                if isinstance(exc, ContractLogicError | TransactionFailed):
                    raise ChainError(f"the ledger call reverted: {exc}") from exc
                raise
            raise self.codec.revert(data) from exc

    def send(self, sender: LocalAccount, fn_name: str, *args: Any) -> TxResult:
        """Call ``fn_name(*args)`` as ``sender``: simulate, estimate, sign locally, send, wait."""
        fn = self.contract.functions[fn_name](*args)
        call_params: TxParams = {"from": sender.address}
        self._call(lambda: fn.call(call_params))
        gas = self._call(lambda: fn.estimate_gas(call_params))
        data = self.contract.encode_abi(fn_name, args=list(args))
        # 20% headroom: the state may move between estimate and inclusion.
        tx: TxParams = {"to": self.address, "data": data, "gas": gas + gas // 5}
        receipt = send_signed(self.w3, sender, tx)
        return TxResult(
            tx_hash=_hex(receipt["transactionHash"]),
            block_number=BlockNumber(receipt["blockNumber"]),
            gas_used=receipt["gasUsed"],
            logs=tuple(self.decode_receipt(receipt)),
        )

    # ---------------------------------------------------------------- writes

    def onboard_actor(self, admin: LocalAccount, account: str, role: Role, gln: int) -> TxResult:
        """Grant ``role`` to ``account`` with location ``gln`` and mark it active (ADMIN)."""
        return self.send(admin, "onboardActor", to_checksum_address(account), role.role_id, gln)

    def suspend_actor(self, admin: LocalAccount, account: str) -> TxResult:
        """Suspend ``account``: it can no longer write (ADMIN)."""
        return self.send(admin, "suspendActor", to_checksum_address(account))

    def register_batch(
        self, sender: LocalAccount, batch_id: BatchId, quantity: int, event_digest: EventDigest
    ) -> TxResult:
        """Register a harvest batch of ``quantity`` grams (COOPERATIVE)."""
        return self.send(
            sender,
            "registerBatch",
            as_bytes32(batch_id, "batch_id"),
            quantity,
            as_bytes32(event_digest, "event_digest"),
        )

    def record_event(
        self, sender: LocalAccount, batch_id: BatchId, step: str | bytes, event_digest: EventDigest
    ) -> TxResult:
        """Anchor a step (``"drying"`` or a bytes32 step code) of a batch the sender holds."""
        code = step_code(step) if isinstance(step, str) else as_bytes32(step, "step")
        return self.send(
            sender,
            "recordEvent",
            as_bytes32(batch_id, "batch_id"),
            code,
            as_bytes32(event_digest, "event_digest"),
        )

    def transform(
        self,
        sender: LocalAccount,
        input_ids: Sequence[BatchId],
        input_quantities: Sequence[int],
        output_ids: Sequence[BatchId],
        output_quantities: Sequence[int],
        event_digest: EventDigest,
    ) -> TxResult:
        """Consume grams of input batches into new output batches (PROCESSOR)."""
        return self.send(
            sender,
            "transform",
            [as_bytes32(i, "input_ids") for i in input_ids],
            list(input_quantities),
            [as_bytes32(o, "output_ids") for o in output_ids],
            list(output_quantities),
            as_bytes32(event_digest, "event_digest"),
        )

    def transfer_custody(
        self, sender: LocalAccount, batch_id: BatchId, to: str, event_digest: EventDigest
    ) -> TxResult:
        """Hand a batch the sender holds to the active actor ``to``."""
        return self.send(
            sender,
            "transferCustody",
            as_bytes32(batch_id, "batch_id"),
            to_checksum_address(to),
            as_bytes32(event_digest, "event_digest"),
        )

    def attach_certificate(
        self,
        sender: LocalAccount,
        batch_id: BatchId,
        document_hash: bytes,
        valid_until: int,
        event_digest: EventDigest,
    ) -> TxResult:
        """Bind a certificate (document digest, expiry in unix seconds) to a batch (LAB)."""
        return self.send(
            sender,
            "attachCertificate",
            as_bytes32(batch_id, "batch_id"),
            as_bytes32(document_hash, "document_hash"),
            valid_until,
            as_bytes32(event_digest, "event_digest"),
        )

    def clear_export(
        self,
        sender: LocalAccount,
        batch_id: BatchId,
        declaration_hash: bytes,
        border_gate_gln: int,
        event_digest: EventDigest,
    ) -> TxResult:
        """Record export clearance at a border gate; the batch becomes EXPORTED (CUSTOMS)."""
        return self.send(
            sender,
            "clearExport",
            as_bytes32(batch_id, "batch_id"),
            as_bytes32(declaration_hash, "declaration_hash"),
            border_gate_gln,
            as_bytes32(event_digest, "event_digest"),
        )

    def recall(self, sender: LocalAccount, batch_id: BatchId, reason_hash: bytes) -> TxResult:
        """Recall a batch (ADMIN or the batch's origin)."""
        return self.send(
            sender,
            "recall",
            as_bytes32(batch_id, "batch_id"),
            as_bytes32(reason_hash, "reason_hash"),
        )

    # ---------------------------------------------------------------- reads

    def has_role(self, account: str, role: Role) -> bool:
        fn = self.contract.functions.hasRole(role.role_id, to_checksum_address(account))
        return bool(self._call(fn.call))

    def actor(self, account: str) -> ActorState:
        gln, active = self._call(self.contract.functions.actor(to_checksum_address(account)).call)
        return ActorState(gln=int(gln), active=bool(active))

    def batch(self, batch_id: BatchId) -> BatchState:
        raw_id = as_bytes32(batch_id, "batch_id")
        custodian, quantity, origin, remaining, status = self._call(
            self.contract.functions.batch(raw_id).call
        )
        return BatchState(
            batch_id=BatchId(raw_id),
            custodian=to_checksum_address(custodian),
            origin=to_checksum_address(origin),
            quantity=int(quantity),
            remaining=int(remaining),
            status=BatchStatus(status),
        )

    def event_record(self, event_digest: EventDigest) -> EventRecord | None:
        """Where ``event_digest`` was anchored, or None if it never was."""
        raw = as_bytes32(event_digest, "event_digest")
        batch_id, actor, block_number, kind = self._call(
            self.contract.functions.eventRecord(raw).call
        )
        if to_checksum_address(actor) == ZERO_ADDRESS:
            return None
        return EventRecord(
            event_digest=EventDigest(raw),
            batch_id=BatchId(bytes(batch_id)),
            actor=to_checksum_address(actor),
            block_number=BlockNumber(block_number),
            kind=EventKind(kind),
        )

    def parents_of(self, batch_id: BatchId) -> list[BatchId]:
        """Input batches of the transformation that made ``batch_id`` (empty for harvests)."""
        fn = self.contract.functions.parentsOf(as_bytes32(batch_id, "batch_id"))
        return [BatchId(bytes(p)) for p in self._call(fn.call)]

    def batch_id_of(self, gtin: str, lot: str) -> BatchId:
        """The contract's ``batchIdOf``; ``contracts.types.batch_id_of`` computes it offline."""
        return BatchId(bytes(self._call(self.contract.functions.batchIdOf(gtin, lot).call)))

    # ---------------------------------------------------------------- logs

    def decode_log(self, raw_log: Mapping[str, Any]) -> DecodedLog | None:
        """Decode one log (a web3 receipt log or a raw ``eth_getLogs`` dict with hex strings).

        None for a log of another contract or an event not in the ABI. Uses a topic0 table
        and eth-abi directly: several times faster than web3's per-event ``process_log``.
        """
        address = to_checksum_address(raw_log["address"])
        if address != self.address:
            return None
        topics = [_raw(t) for t in raw_log["topics"]]
        decoded = self.codec.event_args(topics, _raw(raw_log["data"]))
        if decoded is None:
            return None
        name, args = decoded
        return DecodedLog(
            name=name,
            args=args,
            block_number=BlockNumber(_int(raw_log["blockNumber"])),
            block_hash=_hex(raw_log["blockHash"]),
            tx_hash=_hex(raw_log["transactionHash"]),
            tx_index=_int(raw_log["transactionIndex"]),
            log_index=_int(raw_log["logIndex"]),
            address=address,
        )

    def decode_receipt(self, receipt: TxReceipt) -> list[DecodedLog]:
        """The ledger events of a receipt, in log order."""
        found = (self.decode_log(log) for log in receipt["logs"])
        return [log for log in found if log is not None]
