"""Typed binding to the ``OcopLedger`` contract: deploy, write, read, decode logs and reverts.

Writes are simulated first (``eth_call`` from the sender) so that a refusal surfaces as
``LedgerRevert`` with the contract's custom error decoded from the ABI, on eth-tester
(which gives raw revert bytes) and on JSON-RPC nodes alike. Only then is gas estimated,
the transaction signed locally and sent raw; a receipt with status 0 raises ``ChainError``.
"""

from __future__ import annotations

import ast
import functools
import json
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from eth_abi.abi import decode as abi_decode
from eth_abi.abi import encode as abi_encode
from eth_tester.exceptions import TransactionFailed
from eth_typing import Hash32
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak
from web3.exceptions import ContractCustomError, ContractLogicError

from contracts.build import ARTIFACT_PATH, artifact_path, artifact_sha256, load_artifact
from contracts.chains import genesis_hash, send_signed
from contracts.errors import ChainError, ChainMismatch, LedgerRevert
from contracts.types import (
    ZERO_ADDRESS,
    ActorState,
    BatchId,
    BatchState,
    BatchStatus,
    BlockNumber,
    Certificate,
    EventDigest,
    EventKind,
    EventRecord,
    MerkleRootRecord,
    Role,
    as_bytes32,
    step_code,
)
from epcis.errors import InvalidInput

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence
    from pathlib import Path

    from eth_account.signers.local import LocalAccount
    from web3 import Web3
    from web3.contract import Contract
    from web3.types import BlockIdentifier, TxParams, TxReceipt


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


@functools.lru_cache(maxsize=65_536)
def _checksum(address: str) -> str:
    """``to_checksum_address``, cached: a chain has few accounts and the keccak behind
    the checksum was the largest cost of decoding logs."""
    return to_checksum_address(address)


def _decode_topic(topic: bytes, abi_type: str) -> Any:
    """An indexed static value from its 32-byte topic; eth-abi only for the rare types."""
    if abi_type == "bytes32":
        return topic
    if abi_type == "address":
        return "0x" + topic[12:].hex()
    if abi_type.startswith("uint"):
        return int.from_bytes(topic, "big")
    return abi_decode([abi_type], topic)[0]


def _normalize(value: Any, abi_type: str, internal_type: str) -> Any:
    """eth-abi values as we hand them out: checksummed addresses, lists, BatchStatus."""
    if abi_type.endswith("[]"):
        return [_normalize(v, abi_type[:-2], internal_type.removesuffix("[]")) for v in value]
    if abi_type == "address":
        return _checksum(value)
    if internal_type == "enum OcopLedger.Status":
        return BatchStatus(value)
    return value


JSON_SAFE_INT = 2**53
"""Integers beyond ±2**53 lose digits in JavaScript's numbers: the JSON form spells them
as decimal strings."""


def json_int(value: int) -> int | str:
    return value if -JSON_SAFE_INT <= value <= JSON_SAFE_INT else str(value)


def _json_value(value: Any, abi_type: str) -> Any:
    """An eth-abi value in the JSON form (see ``AbiCodec.event_json_args``)."""
    if abi_type.endswith("]"):
        element = abi_type[: abi_type.rindex("[")]
        return [_json_value(v, element) for v in value]
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if abi_type == "address":
        return _checksum(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return json_int(int(value))
    return value


def _word_reader(abi_type: str) -> Callable[[str], Any] | None:
    """How to read a value of ``abi_type`` from its 32-byte word (64 lower-case hex
    digits, as topics and static data hold it); None for types that are not one word."""
    if abi_type == "bytes32":
        return lambda word: "0x" + word
    if abi_type == "address":
        return lambda word: _checksum("0x" + word[24:])
    if abi_type == "bool":
        return lambda word: int(word, 16) != 0
    if abi_type.startswith("uint") and abi_type[4:].isdigit():
        return lambda word: json_int(int(word, 16))
    if abi_type.startswith("int") and abi_type[3:].isdigit():
        return lambda word: json_int(int.from_bytes(bytes.fromhex(word), "big", signed=True))
    if abi_type.startswith("bytes") and abi_type[5:].isdigit():
        size = 2 * int(abi_type[5:])
        return lambda word: "0x" + word[:size]
    return None


_TOPIC, _WORD, _ABI = 0, 1, 2


@dataclass(frozen=True, slots=True)
class _JsonPlan:
    """How to read one event's args from hex: each arg from its topic, from its word of
    the data (static types), or from eth-abi's decoding of the data (dynamic types)."""

    name: str
    # (arg name, source, position in topics / data words / eth-abi values, reader)
    fields: tuple[tuple[str, int, int, Callable[[Any], Any]], ...]
    # The data's types when eth-abi must decode it; empty when every value is one word.
    abi_types: tuple[str, ...]


def _hashed_value(word: str) -> str:
    """A dynamic indexed value (string, bytes, array): its topic holds only its hash."""
    return "0x" + word


def _json_plan(item: _AbiItem) -> _JsonPlan:
    plain = [t for t, ix in zip(item.types, item.indexed, strict=True) if not ix]
    word_readers = [_word_reader(t) for t in plain]
    one_word = all(reader is not None for reader in word_readers)
    fields: list[tuple[str, int, int, Callable[[Any], Any]]] = []
    topic = data = 0
    for name, abi_type, is_indexed in zip(item.names, item.types, item.indexed, strict=True):
        if is_indexed:
            topic += 1
            fields.append((name, _TOPIC, topic, _word_reader(abi_type) or _hashed_value))
            continue
        word_reader = word_readers[data]
        if one_word and word_reader is not None:
            fields.append((name, _WORD, data, word_reader))
        else:
            fields.append((name, _ABI, data, functools.partial(_json_value, abi_type=abi_type)))
        data += 1
    return _JsonPlan(item.name, tuple(fields), () if one_word else tuple(plain))


def hex_text(value: Any) -> str:
    """A hash, topic or data field as lower-case 0x-hex text (JSON-RPC gives text,
    web3 and eth-tester give bytes)."""
    if isinstance(value, str):
        text = value.lower()
        return text if text.startswith("0x") else "0x" + text
    return "0x" + bytes(value).hex()


def hex_int(value: Any) -> int:
    """A quantity (block number, index) as JSON-RPC's hex text or web3's int."""
    return int(value, 16) if isinstance(value, str) else int(value)


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
        self._json_plans = {
            "0x" + topic.hex(): _json_plan(item) for topic, item in self.events.items()
        }

    def topic_of(self, event_name: str) -> bytes:
        """topic0 of the event called ``event_name``."""
        for topic, item in self.events.items():
            if item.name == event_name:
                return topic
        raise KeyError(event_name)

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
        plain = iter(abi_decode(plain_types, data) if plain_types else ())
        indexed = iter(topics[1:])
        args: dict[str, Any] = {}
        for name, abi_type, internal, is_indexed in zip(
            item.names, item.types, item.internal_types, item.indexed, strict=True
        ):
            if is_indexed:
                topic = next(indexed)
                # Dynamic indexed values are stored hashed: hand out the hash (we have none).
                dynamic = abi_type in ("string", "bytes") or abi_type.endswith("]")
                value = topic if dynamic else _decode_topic(topic, abi_type)
            else:
                value = next(plain)
            args[name] = _normalize(value, abi_type, internal)
        return item.name, args

    def event_json_args(
        self, topics: Sequence[str], data: str
    ) -> tuple[str, dict[str, Any]] | None:
        """(event name, args in JSON form) of a log whose topics and data are lower-case
        0x-hex text, or None if topic0 is not one of our events.

        The JSON form is what the mirror stores: bytes as 0x-hex, addresses checksummed,
        integers as numbers (beyond ±2**53 as decimal strings), arrays as lists. One-word
        values are read straight from the hex, without a round trip through bytes."""
        if not topics:
            return None
        plan = self._json_plans.get(topics[0])
        if plan is None:
            return None
        decoded: Sequence[Any] = ()
        if plan.abi_types:
            decoded = abi_decode(list(plan.abi_types), bytes.fromhex(data[2:]))
        args: dict[str, Any] = {}
        for name, source, position, read in plan.fields:
            if source == _TOPIC:
                args[name] = read(topics[position][2:])
            elif source == _WORD:
                start = 2 + 64 * position
                args[name] = read(data[start : start + 64])
            else:
                args[name] = read(decoded[position])
        return plan.name, args


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


FULL_YIELD_BPS = 10_000
"""A declared yield of 100.00 %: outputs may hold as many grams as the inputs gave."""

ANCHORING_EVENTS: dict[str, EventKind] = {
    "BatchRegistered": EventKind.REGISTER,
    "EventRecorded": EventKind.STEP,
    "BatchTransformed": EventKind.TRANSFORMATION,
    "CustodyShipped": EventKind.CUSTODY,
    "CustodyReceived": EventKind.CUSTODY,
    "ShipmentCancelled": EventKind.CUSTODY,
    "CustodyTransferred": EventKind.CUSTODY,
    "PalletAggregated": EventKind.AGGREGATION,
    "PalletDisaggregated": EventKind.AGGREGATION,
    "CertificateAttached": EventKind.CERTIFICATE,
    "ExportCleared": EventKind.EXPORT,
    "BatchConsumed": EventKind.CONSUMPTION,
    "EventAnchored": EventKind.EPCIS,
    "ErrorDeclared": EventKind.ERROR_DECLARATION,
}
"""Ledger events whose first indexed topic is an anchored event digest (``eventHash``)."""


@dataclass(frozen=True, slots=True)
class LedgerCall:
    """One prepared contract call: the Solidity function name and its ABI arguments."""

    fn_name: str
    args: tuple[Any, ...]


class Calls:
    """Builders of ``LedgerCall`` for ``Ledger.write`` and ``Ledger.batch_write``: the
    Python values of the binding, checked and converted to ABI arguments."""

    @staticmethod
    def onboard_actor(
        account: str, role: Role, gln: int, name_hash: bytes = bytes(32)
    ) -> LedgerCall:
        return LedgerCall(
            "onboardActor",
            (to_checksum_address(account), role.role_id, gln, as_bytes32(name_hash, "name_hash")),
        )

    @staticmethod
    def suspend_actor(account: str) -> LedgerCall:
        return LedgerCall("suspendActor", (to_checksum_address(account),))

    @staticmethod
    def register_batch(batch_id: BatchId, quantity: int, event_digest: EventDigest) -> LedgerCall:
        return LedgerCall(
            "registerBatch",
            (as_bytes32(batch_id, "batch_id"), quantity, as_bytes32(event_digest, "event_digest")),
        )

    @staticmethod
    def record_event(batch_id: BatchId, step: str | bytes, event_digest: EventDigest) -> LedgerCall:
        code = step_code(step) if isinstance(step, str) else as_bytes32(step, "step")
        return LedgerCall(
            "recordEvent",
            (as_bytes32(batch_id, "batch_id"), code, as_bytes32(event_digest, "event_digest")),
        )

    @staticmethod
    def transform(
        input_ids: Sequence[BatchId],
        input_quantities: Sequence[int],
        output_ids: Sequence[BatchId],
        output_quantities: Sequence[int],
        event_digest: EventDigest,
        yield_bps: int = FULL_YIELD_BPS,
    ) -> LedgerCall:
        return LedgerCall(
            "transform",
            (
                [as_bytes32(i, "input_ids") for i in input_ids],
                list(input_quantities),
                [as_bytes32(o, "output_ids") for o in output_ids],
                list(output_quantities),
                yield_bps,
                as_bytes32(event_digest, "event_digest"),
            ),
        )

    @staticmethod
    def transfer_custody(batch_id: BatchId, to: str, event_digest: EventDigest) -> LedgerCall:
        return LedgerCall(
            "transferCustody",
            (
                as_bytes32(batch_id, "batch_id"),
                to_checksum_address(to),
                as_bytes32(event_digest, "event_digest"),
            ),
        )

    @staticmethod
    def ship(batch_id: BatchId, to: str, event_digest: EventDigest) -> LedgerCall:
        return LedgerCall(
            "ship",
            (
                as_bytes32(batch_id, "batch_id"),
                to_checksum_address(to),
                as_bytes32(event_digest, "event_digest"),
            ),
        )

    @staticmethod
    def receive(batch_id: BatchId, event_digest: EventDigest) -> LedgerCall:
        return LedgerCall(
            "receiveBatch",
            (as_bytes32(batch_id, "batch_id"), as_bytes32(event_digest, "event_digest")),
        )

    @staticmethod
    def aggregate(
        pallet_id: BatchId, child_ids: Sequence[BatchId], event_digest: EventDigest
    ) -> LedgerCall:
        return LedgerCall(
            "aggregate",
            (
                as_bytes32(pallet_id, "pallet_id"),
                [as_bytes32(c, "child_ids") for c in child_ids],
                as_bytes32(event_digest, "event_digest"),
            ),
        )

    @staticmethod
    def attach_certificate(
        batch_id: BatchId,
        document_hash: bytes,
        valid_until: int,
        event_digest: EventDigest,
        valid_from: int = 0,
    ) -> LedgerCall:
        return LedgerCall(
            "attachCertificate",
            (
                as_bytes32(batch_id, "batch_id"),
                as_bytes32(document_hash, "document_hash"),
                valid_from,
                valid_until,
                as_bytes32(event_digest, "event_digest"),
            ),
        )

    @staticmethod
    def clear_export(
        batch_id: BatchId, declaration_hash: bytes, border_gate_gln: int, event_digest: EventDigest
    ) -> LedgerCall:
        return LedgerCall(
            "clearExport",
            (
                as_bytes32(batch_id, "batch_id"),
                as_bytes32(declaration_hash, "declaration_hash"),
                border_gate_gln,
                as_bytes32(event_digest, "event_digest"),
            ),
        )

    @staticmethod
    def consume_batch(batch_id: BatchId, event_digest: EventDigest) -> LedgerCall:
        return LedgerCall(
            "consumeBatch",
            (as_bytes32(batch_id, "batch_id"), as_bytes32(event_digest, "event_digest")),
        )

    @staticmethod
    def anchor_events(event_digests: Sequence[EventDigest]) -> LedgerCall:
        return LedgerCall(
            "anchorEvents", ([as_bytes32(d, "event_digests") for d in event_digests],)
        )

    @staticmethod
    def declare_error(
        erroneous_digest: EventDigest, event_digest: EventDigest, reason: str | bytes
    ) -> LedgerCall:
        code = step_code(reason) if isinstance(reason, str) else as_bytes32(reason, "reason")
        return LedgerCall(
            "declareError",
            (
                as_bytes32(erroneous_digest, "erroneous_digest"),
                as_bytes32(event_digest, "event_digest"),
                code,
            ),
        )


def _raw(value: Any) -> bytes:
    if isinstance(value, str):
        return bytes.fromhex(value.removeprefix("0x"))
    return bytes(value)


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
        artifact = load_artifact(artifact_path)
        if _mask_immutables(code, artifact) != _mask_immutables(
            _raw(artifact["deployedBytecode"]), artifact
        ):
            raise ChainMismatch(
                f"no OcopLedger code (from this artifact) at {self.address}: "
                "the node was reset or the contract was rebuilt; redeploy and resync"
            )


def _mask_immutables(code: bytes, artifact: Mapping[str, Any]) -> bytes:
    """``code`` with the constructor-filled immutable ranges zeroed, for comparison."""
    masked = bytearray(code)
    for ranges in artifact.get("immutableReferences", {}).values():
        for r in ranges:
            start, length = int(r["start"]), int(r["length"])
            masked[start : start + length] = bytes(length)
    return bytes(masked)


def deploy_contract(
    w3: Web3, deployer: LocalAccount, name: str, constructor_args: Sequence[Any] = ()
) -> TxReceipt:
    """Deploy contract ``name`` from its committed artifact; the mined receipt."""
    artifact = load_artifact(artifact_path(name))
    factory = w3.eth.contract(abi=artifact["abi"], bytecode=artifact["bytecode"])
    data = factory.constructor(*constructor_args).data_in_transaction
    tx: TxParams = {"from": deployer.address, "data": data}
    gas = w3.eth.estimate_gas(tx)
    receipt = send_signed(w3, deployer, {"data": data, "gas": gas})
    if receipt["contractAddress"] is None:
        raise ChainError(f"deployment receipt of {name} names no contract address")
    return receipt


def deploy_ledger(
    w3: Web3,
    deployer: LocalAccount,
    artifact_path: Path = ARTIFACT_PATH,
    predecessor: str = ZERO_ADDRESS,
) -> Deployment:
    """Deploy ``OcopLedger`` from the committed artifact; ``deployer`` becomes ADMIN.

    ``predecessor`` is the retired version this one continues (see docs/ledger.md)."""
    artifact = load_artifact(artifact_path)
    factory = w3.eth.contract(abi=artifact["abi"], bytecode=artifact["bytecode"])
    data = factory.constructor(to_checksum_address(predecessor)).data_in_transaction
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
        deploy_tx=hex_text(receipt["transactionHash"]),
        artifact_sha256=artifact_sha256(artifact_path),
    )


# ----------------------------------------------------------------------------- binding


class Ledger:
    """Typed access to one deployed ``OcopLedger``."""

    def __init__(
        self, w3: Web3, address: str, artifact_path: Path = ARTIFACT_PATH, from_block: int = 0
    ) -> None:
        artifact = load_artifact(artifact_path)
        self.w3 = w3
        self.address = to_checksum_address(address)
        # Where history lookups (eth_getLogs) start: the deploy block when known.
        self.from_block = from_block
        self.contract: Contract = w3.eth.contract(address=self.address, abi=artifact["abi"])
        self.codec = AbiCodec(artifact["abi"])

    @classmethod
    def from_deployment(cls, w3: Web3, deployment: Deployment, *, check: bool = True) -> Ledger:
        """The ledger of a manifest; by default refuses (``ChainMismatch``) another chain."""
        if check:
            deployment.check(w3)
        return cls(w3, deployment.address, from_block=deployment.deploy_block)

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
            tx_hash=hex_text(receipt["transactionHash"]),
            block_number=BlockNumber(receipt["blockNumber"]),
            gas_used=receipt["gasUsed"],
            logs=tuple(self.decode_receipt(receipt)),
        )

    # ---------------------------------------------------------------- writes

    def write(self, sender: LocalAccount, call: LedgerCall) -> TxResult:
        """Send one prepared call (see ``Calls``) as ``sender``."""
        return self.send(sender, call.fn_name, *call.args)

    def batch_write(self, sender: LocalAccount, calls: Sequence[LedgerCall]) -> TxResult:
        """Many writes in one transaction (``multicall``): each call is checked as if sent
        alone by ``sender``; one refusal reverts them all and raises its ``LedgerRevert``."""
        if not calls:
            raise InvalidInput("calls", "a batched write needs at least one call")
        data = [self.contract.encode_abi(c.fn_name, args=list(c.args)) for c in calls]
        return self.send(sender, "multicall", data)

    def onboard_actor(
        self,
        admin: LocalAccount,
        account: str,
        role: Role,
        gln: int,
        name_hash: bytes = bytes(32),
    ) -> TxResult:
        """Grant ``role`` to ``account`` with location ``gln`` and mark it active (ADMIN)."""
        return self.write(admin, Calls.onboard_actor(account, role, gln, name_hash))

    def suspend_actor(self, admin: LocalAccount, account: str) -> TxResult:
        """Suspend ``account``: it can no longer write (ADMIN)."""
        return self.write(admin, Calls.suspend_actor(account))

    def reinstate_actor(self, admin: LocalAccount, account: str) -> TxResult:
        """Lift the suspension of ``account`` (ADMIN)."""
        return self.send(admin, "reinstateActor", to_checksum_address(account))

    def revoke_role(self, admin: LocalAccount, account: str, role: Role) -> TxResult:
        """Take ``role`` away from ``account`` (ADMIN; never the last admin)."""
        return self.send(admin, "revokeRole", to_checksum_address(account), role.role_id)

    def grant_admin(self, admin: LocalAccount, account: str) -> TxResult:
        """Make ``account`` another admin (ADMIN)."""
        return self.send(admin, "grantAdmin", to_checksum_address(account))

    def register_batch(
        self, sender: LocalAccount, batch_id: BatchId, quantity: int, event_digest: EventDigest
    ) -> TxResult:
        """Register a harvest batch of ``quantity`` grams (COOPERATIVE)."""
        return self.write(sender, Calls.register_batch(batch_id, quantity, event_digest))

    def record_event(
        self, sender: LocalAccount, batch_id: BatchId, step: str | bytes, event_digest: EventDigest
    ) -> TxResult:
        """Anchor a step (``"drying"`` or a bytes32 step code) of a batch the sender holds."""
        return self.write(sender, Calls.record_event(batch_id, step, event_digest))

    def transform(
        self,
        sender: LocalAccount,
        input_ids: Sequence[BatchId],
        input_quantities: Sequence[int],
        output_ids: Sequence[BatchId],
        output_quantities: Sequence[int],
        event_digest: EventDigest,
        yield_bps: int = FULL_YIELD_BPS,
    ) -> TxResult:
        """Consume grams of input batches into new output batches (PROCESSOR); outputs may
        hold at most ``inputs * yield_bps / 10000`` grams."""
        return self.write(
            sender,
            Calls.transform(
                input_ids, input_quantities, output_ids, output_quantities, event_digest, yield_bps
            ),
        )

    def transfer_custody(
        self, sender: LocalAccount, batch_id: BatchId, to: str, event_digest: EventDigest
    ) -> TxResult:
        """Hand a batch the sender holds to the active actor ``to`` in one step (no consent)."""
        return self.write(sender, Calls.transfer_custody(batch_id, to, event_digest))

    def ship(
        self, sender: LocalAccount, batch_id: BatchId, to: str, event_digest: EventDigest
    ) -> TxResult:
        """Ship a batch the sender holds to ``to``; it is IN_TRANSIT until ``to`` receives it."""
        return self.write(sender, Calls.ship(batch_id, to, event_digest))

    def receive(
        self, sender: LocalAccount, batch_id: BatchId, event_digest: EventDigest
    ) -> TxResult:
        """Take custody of a batch shipped to the sender (``receiveBatch``)."""
        return self.write(sender, Calls.receive(batch_id, event_digest))

    def cancel_shipment(
        self, sender: LocalAccount, batch_id: BatchId, event_digest: EventDigest
    ) -> TxResult:
        """Take back a shipment the sender made that was not received yet."""
        return self.send(
            sender,
            "cancelShipment",
            as_bytes32(batch_id, "batch_id"),
            as_bytes32(event_digest, "event_digest"),
        )

    def consent_signature(
        self,
        receiver: LocalAccount,
        batch_id: BatchId,
        sender: str,
        event_digest: EventDigest,
        deadline: int,
    ) -> bytes:
        """``receiver``'s EIP-712 CustodyConsent for ``transfer_with_consent`` by ``sender``."""
        fn = self.contract.functions.custodyConsentDigest(
            as_bytes32(batch_id, "batch_id"),
            to_checksum_address(sender),
            as_bytes32(event_digest, "event_digest"),
            deadline,
        )
        digest = bytes(self._call(fn.call))
        signed = receiver.unsafe_sign_hash(Hash32(digest))
        return bytes(signed.signature)

    def transfer_with_consent(
        self,
        sender: LocalAccount,
        batch_id: BatchId,
        to: str,
        event_digest: EventDigest,
        deadline: int,
        signature: bytes,
    ) -> TxResult:
        """One-step handover signed by the receiver (see ``consent_signature``)."""
        return self.send(
            sender,
            "transferWithConsent",
            as_bytes32(batch_id, "batch_id"),
            to_checksum_address(to),
            as_bytes32(event_digest, "event_digest"),
            deadline,
            bytes(signature),
        )

    def aggregate(
        self,
        sender: LocalAccount,
        pallet_id: BatchId,
        child_ids: Sequence[BatchId],
        event_digest: EventDigest,
    ) -> TxResult:
        """Put whole batches the sender holds on a new pallet (SSCC) the sender holds."""
        return self.write(sender, Calls.aggregate(pallet_id, child_ids, event_digest))

    def disaggregate(
        self,
        sender: LocalAccount,
        pallet_id: BatchId,
        child_ids: Sequence[BatchId],
        event_digest: EventDigest,
    ) -> TxResult:
        """Take batches off a pallet the sender holds."""
        return self.send(
            sender,
            "disaggregate",
            as_bytes32(pallet_id, "pallet_id"),
            [as_bytes32(c, "child_ids") for c in child_ids],
            as_bytes32(event_digest, "event_digest"),
        )

    def attach_certificate(
        self,
        sender: LocalAccount,
        batch_id: BatchId,
        document_hash: bytes,
        valid_until: int,
        event_digest: EventDigest,
        valid_from: int = 0,
    ) -> TxResult:
        """Bind a certificate (document digest, validity in unix seconds) to a batch (LAB)."""
        return self.write(
            sender,
            Calls.attach_certificate(
                batch_id, document_hash, valid_until, event_digest, valid_from
            ),
        )

    def revoke_certificate(
        self,
        sender: LocalAccount,
        batch_id: BatchId,
        document_hash: bytes,
        lab: str,
        reason_hash: bytes,
    ) -> TxResult:
        """Revoke the certificate ``lab`` attached to ``batch_id`` (that LAB or ADMIN)."""
        return self.send(
            sender,
            "revokeCertificate",
            as_bytes32(batch_id, "batch_id"),
            as_bytes32(document_hash, "document_hash"),
            to_checksum_address(lab),
            as_bytes32(reason_hash, "reason_hash"),
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
        return self.write(
            sender, Calls.clear_export(batch_id, declaration_hash, border_gate_gln, event_digest)
        )

    def consume_batch(
        self, sender: LocalAccount, batch_id: BatchId, event_digest: EventDigest
    ) -> TxResult:
        """Declare a batch the sender holds used up (sold, destroyed); it becomes CONSUMED."""
        return self.write(sender, Calls.consume_batch(batch_id, event_digest))

    def recall(self, sender: LocalAccount, batch_id: BatchId, reason_hash: bytes) -> TxResult:
        """Recall a batch (ADMIN or the batch's origin)."""
        return self.send(
            sender,
            "recall",
            as_bytes32(batch_id, "batch_id"),
            as_bytes32(reason_hash, "reason_hash"),
        )

    def anchor_events(self, sender: LocalAccount, event_digests: Sequence[EventDigest]) -> TxResult:
        """Anchor digests of EPCIS events captured through the API, not tied to a batch."""
        return self.write(sender, Calls.anchor_events(event_digests))

    def declare_error(
        self,
        sender: LocalAccount,
        erroneous_digest: EventDigest,
        event_digest: EventDigest,
        reason: str | bytes = "incorrect_data",
    ) -> TxResult:
        """Anchor ``event_digest``, an EPCIS errorDeclaration of ``erroneous_digest``."""
        return self.write(sender, Calls.declare_error(erroneous_digest, event_digest, reason))

    def anchor_merkle_root(
        self, sender: LocalAccount, root: bytes, count: int, metadata_hash: bytes
    ) -> TxResult:
        """Anchor the root of a ``MerkleTree`` over ``count`` event digests."""
        return self.send(
            sender,
            "anchorMerkleRoot",
            as_bytes32(root, "root"),
            count,
            as_bytes32(metadata_hash, "metadata_hash"),
        )

    def retire(self, admin: LocalAccount, successor: str) -> TxResult:
        """Name ``successor`` as the version continuing this one (ADMIN, once)."""
        return self.send(admin, "retire", to_checksum_address(successor))

    def import_batch(self, sender: LocalAccount, batch_id: BatchId) -> TxResult:
        """On a successor version: move a batch the sender holds from the retired predecessor."""
        return self.send(sender, "importBatch", as_bytes32(batch_id, "batch_id"))

    # ---------------------------------------------------------------- reads

    def has_role(self, account: str, role: Role) -> bool:
        """Whether ``account`` was granted ``role`` (a suspension keeps it; see ``can_write``)."""
        fn = self.contract.functions.hasRole(role.role_id, to_checksum_address(account))
        return bool(self._call(fn.call))

    def can_write(self, account: str, role: Role, block: BlockIdentifier = "latest") -> bool:
        """Whether ``account`` held ``role`` and was not suspended at ``block``."""
        fn = self.contract.functions.canWrite(role.role_id, to_checksum_address(account))
        return bool(self._call(lambda: fn.call(block_identifier=block)))

    def role_at(self, account: str, role: Role, block_number: int) -> bool:
        """Whether ``account`` could write as ``role`` at ``block_number`` (state at the end
        of that block). Needs a node that serves historical state (Hardhat, eth-tester, an
        archive Besu node); otherwise replay the ActorOnboarded/ActorRoleRevoked/
        ActorSuspended/ActorReinstated logs up to that block."""
        return self.can_write(account, role, BlockNumber(block_number))

    def actor(self, account: str) -> ActorState:
        gln, active, roles, name_hash = self._call(
            self.contract.functions.actor(to_checksum_address(account)).call
        )
        return ActorState(
            gln=int(gln),
            active=bool(active),
            roles=Role.from_bitmap(int(roles)),
            name_hash=bytes(name_hash),
        )

    def batch(self, batch_id: BatchId, block: BlockIdentifier = "latest") -> BatchState:
        """The batch's own state (status NONE if unknown); see ``is_recalled`` for lineage."""
        raw_id = as_bytes32(batch_id, "batch_id")
        fn = self.contract.functions.batch(raw_id)
        custodian, origin, quantity, remaining, status, is_pallet, consignee = self._call(
            lambda: fn.call(block_identifier=block)
        )
        return BatchState(
            batch_id=BatchId(raw_id),
            custodian=to_checksum_address(custodian),
            origin=to_checksum_address(origin),
            quantity=int(quantity),
            remaining=int(remaining),
            status=BatchStatus(status),
            is_pallet=bool(is_pallet),
            consignee=to_checksum_address(consignee),
        )

    def batch_id_of(self, gtin: str, lot: str) -> BatchId:
        """The contract's ``batchIdOf``; ``contracts.types.batch_id_of`` computes it offline."""
        return BatchId(bytes(self._call(self.contract.functions.batchIdOf(gtin, lot).call)))

    def merkle_root(self, root: bytes) -> MerkleRootRecord | None:
        """The anchored root's record, or None if it was never anchored."""
        fn = self.contract.functions.merkleRoot(as_bytes32(root, "root"))
        actor_id, count, block_number, timestamp = self._call(fn.call)
        if actor_id == 0:
            return None
        account = self._call(self.contract.functions.accountOf(actor_id).call)
        return MerkleRootRecord(
            root=bytes(root),
            actor=to_checksum_address(account),
            count=int(count),
            block_number=BlockNumber(block_number),
            timestamp=int(timestamp),
        )

    def prove_inclusion(
        self, root: bytes, event_digest: EventDigest, proof: Sequence[bytes]
    ) -> bool:
        """The contract's ``verifyInclusion``: ``root`` is anchored and ``proof`` holds."""
        fn = self.contract.functions.verifyInclusion(
            as_bytes32(root, "root"),
            as_bytes32(event_digest, "event_digest"),
            [as_bytes32(p, "proof") for p in proof],
        )
        return bool(self._call(fn.call))

    def certificate_id(self, batch_id: BatchId, document_hash: bytes, lab: str) -> bytes:
        """``certificateIdOf(batchId, documentHash, lab)``, computed offline."""
        return keccak(
            abi_encode(
                ["bytes32", "bytes32", "address"],
                [
                    as_bytes32(batch_id, "batch_id"),
                    as_bytes32(document_hash, "document_hash"),
                    to_checksum_address(lab),
                ],
            )
        )

    # ---------------------------------------------------------------- history (logs)

    def _logs(self, topics: Sequence[Any]) -> list[DecodedLog]:
        raw = self.w3.eth.get_logs(
            {"address": self.address, "fromBlock": self.from_block, "topics": list(topics)}
        )
        found = (self.decode_log(entry) for entry in raw)
        decoded = [entry for entry in found if entry is not None]
        decoded.sort(key=lambda e: (e.block_number, e.tx_index, e.log_index))
        return decoded

    def _topic0(self, name: str) -> str:
        return "0x" + self.codec.topic_of(name).hex()

    def event_record(self, event_digest: EventDigest) -> EventRecord | None:
        """Where ``event_digest`` was first anchored, or None if it never was.

        One ``eth_getLogs`` on the digest as first indexed topic of the anchoring events,
        from the deploy block. The contract does not refuse a digest anchored twice: the
        first anchoring log is the authoritative one."""
        raw = as_bytes32(event_digest, "event_digest")
        topic0s = [self._topic0(name) for name in ANCHORING_EVENTS]
        for log in self._logs([topic0s, "0x" + raw.hex()]):
            batch = log.args.get("batchId", bytes(32))
            return EventRecord(
                event_digest=EventDigest(raw),
                batch_id=BatchId(bytes(batch)),
                actor=log.args["actor"],
                block_number=log.block_number,
                kind=ANCHORING_EVENTS[log.name],
                tx_hash=log.tx_hash,
                log_index=log.log_index,
            )
        return None

    def error_declarations(self, erroneous_digest: EventDigest) -> list[DecodedLog]:
        """The ErrorDeclared logs that name ``erroneous_digest``, in chain order."""
        raw = as_bytes32(erroneous_digest, "erroneous_digest")
        return self._logs([self._topic0("ErrorDeclared"), None, "0x" + raw.hex()])

    def anchored_digests(self, digests: Sequence[EventDigest]) -> set[bytes]:
        """Which of ``digests`` are anchored on chain, in one ``eth_getLogs``."""
        if not digests:
            return set()
        topic0s = [self._topic0(name) for name in ANCHORING_EVENTS]
        wanted = ["0x" + as_bytes32(d, "digests").hex() for d in digests]
        return {bytes(log.args["eventHash"]) for log in self._logs([topic0s, wanted])}

    def transformations(self) -> list[DecodedLog]:
        """Every BatchTransformed log, in chain order: the lineage graph."""
        return self._logs([self._topic0("BatchTransformed")])

    def parents_of(self, batch_id: BatchId) -> list[BatchId]:
        """Input batches of the transformation that made ``batch_id`` (empty for harvests)."""
        raw = as_bytes32(batch_id, "batch_id")
        for log in self.transformations():
            if raw in log.args["outputIds"]:
                return [BatchId(bytes(i)) for i in log.args["inputIds"]]
        return []

    def ancestors_of(self, batch_id: BatchId) -> list[BatchId]:
        """Every batch ``batch_id`` was made from, through any number of transformations."""
        made_from: dict[bytes, list[bytes]] = {}
        for log in self.transformations():
            for output in log.args["outputIds"]:
                made_from.setdefault(bytes(output), [bytes(i) for i in log.args["inputIds"]])
        found: list[BatchId] = []
        seen = {as_bytes32(batch_id, "batch_id")}
        pending = list(seen)
        while pending:
            for parent in made_from.get(pending.pop(), []):
                if parent not in seen:
                    seen.add(parent)
                    found.append(BatchId(parent))
                    pending.append(parent)
        return found

    def is_recalled(self, batch_id: BatchId) -> bool:
        """True if ``batch_id`` or any ancestor is RECALLED: a recall is visible for every
        descendant. The contract stores no parent links (gas), so the lineage comes from
        the BatchTransformed logs and each ancestor's status from ``batch``."""
        for candidate in [BatchId(as_bytes32(batch_id, "batch_id")), *self.ancestors_of(batch_id)]:
            if self.batch(candidate).status is BatchStatus.RECALLED:
                return True
        return False

    def certificates(self, batch_id: BatchId) -> list[Certificate]:
        """Certificates attached to ``batch_id``, with their revocation time."""
        raw = as_bytes32(batch_id, "batch_id")
        found: list[Certificate] = []
        for log in self._logs([self._topic0("CertificateAttached"), None, "0x" + raw.hex()]):
            document = bytes(log.args["documentHash"])
            cert_id = self.certificate_id(BatchId(raw), document, log.args["actor"])
            revoked = self._call(self.contract.functions.certificateRevokedAt(cert_id).call)
            found.append(
                Certificate(
                    certificate_id=cert_id,
                    batch_id=BatchId(raw),
                    lab=log.args["actor"],
                    document_hash=document,
                    valid_from=int(log.args["validFrom"]),
                    valid_until=int(log.args["validUntil"]),
                    event_digest=EventDigest(bytes(log.args["eventHash"])),
                    block_number=log.block_number,
                    revoked_at=int(revoked),
                )
            )
        return found

    # ---------------------------------------------------------------- logs

    def decode_log(self, raw_log: Mapping[str, Any]) -> DecodedLog | None:
        """Decode one log (a web3 receipt log or a raw ``eth_getLogs`` dict with hex strings).

        None for a log of another contract or an event not in the ABI. Uses a topic0 table
        and eth-abi directly: several times faster than web3's per-event ``process_log``.
        """
        address = _checksum(raw_log["address"])
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
            block_number=BlockNumber(hex_int(raw_log["blockNumber"])),
            block_hash=hex_text(raw_log["blockHash"]),
            tx_hash=hex_text(raw_log["transactionHash"]),
            tx_index=hex_int(raw_log["transactionIndex"]),
            log_index=hex_int(raw_log["logIndex"]),
            address=address,
        )

    def log_json_args(self, raw_log: Mapping[str, Any]) -> tuple[str, dict[str, Any]] | None:
        """(event name, args in JSON form — ``AbiCodec.event_json_args``) of one log, or
        None for a log of another contract or an event not in the ABI. The sync's decoder:
        it reads the hex of raw ``eth_getLogs`` answers directly."""
        if _checksum(raw_log["address"]) != self.address:
            return None
        topics = [hex_text(topic) for topic in raw_log["topics"]]
        return self.codec.event_json_args(topics, hex_text(raw_log["data"]))

    def decode_receipt(self, receipt: TxReceipt) -> list[DecodedLog]:
        """The ledger events of a receipt, in log order."""
        found = (self.decode_log(log) for log in receipt["logs"])
        return [log for log in found if log is not None]
