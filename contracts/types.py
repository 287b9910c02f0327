"""Typed chain values shared by the binding, the indexer and the verifier."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import NewType

from eth_abi.abi import encode
from eth_utils.crypto import keccak

from epcis.errors import InvalidInput

BatchId = NewType("BatchId", bytes)
"""32 bytes: keccak256(abi.encode(gtin, lot)), see ``batch_id_of``."""

EventDigest = NewType("EventDigest", bytes)
"""32 bytes: the sha-256 digest inside an EPCIS Event Hash ID (``ni:///sha-256;<hex>``)."""

BlockNumber = NewType("BlockNumber", int)

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"


class Role(enum.Enum):
    """Roles of the ledger; the value is the role name hashed by the contract."""

    ADMIN = "ADMIN_ROLE"
    COOPERATIVE = "COOPERATIVE_ROLE"
    PROCESSOR = "PROCESSOR_ROLE"
    LAB = "LAB_ROLE"
    EXPORTER = "EXPORTER_ROLE"
    CUSTOMS = "CUSTOMS_ROLE"

    @property
    def role_id(self) -> bytes:
        """The bytes32 role id: 0x00..00 for ADMIN (OpenZeppelin's DEFAULT_ADMIN_ROLE),
        keccak256 of the name for the others."""
        if self is Role.ADMIN:
            return bytes(32)
        return keccak(text=self.value)

    @property
    def bit(self) -> int:
        """The role's bit in the contract's role bitmap (``ActorView.roles``)."""
        return 1 << list(Role).index(self)

    @classmethod
    def from_bitmap(cls, bitmap: int) -> frozenset[Role]:
        """The roles set in a role bitmap."""
        return frozenset(role for role in cls if bitmap & role.bit)

    @classmethod
    def from_role_id(cls, role_id: bytes) -> Role:
        """The role whose id is ``role_id``; ``InvalidInput`` if none."""
        for role in cls:
            if role.role_id == bytes(role_id):
                return role
        raise InvalidInput("role", f"0x{bytes(role_id).hex()} is not a ledger role id")


OPERATIONAL_ROLES = (Role.COOPERATIVE, Role.PROCESSOR, Role.LAB, Role.EXPORTER, Role.CUSTOMS)


class BatchStatus(enum.IntEnum):
    """Mirror of ``OcopLedger.Status``."""

    NONE = 0
    ACTIVE = 1
    EXPORTED = 2
    CONSUMED = 3
    RECALLED = 4
    IN_TRANSIT = 5  # shipped, not yet received; custodian is still the shipper
    AGGREGATED = 6  # on a pallet; the pallet's custodian holds it
    MIGRATED = 7  # moved to the successor ledger version; frozen here


class EventKind(enum.IntEnum):
    """What kind of ledger log anchored an event digest (``EventRecord.kind``)."""

    REGISTER = 1  # BatchRegistered
    STEP = 2  # EventRecorded
    TRANSFORMATION = 3  # BatchTransformed
    CUSTODY = 4  # CustodyShipped, CustodyReceived, ShipmentCancelled, CustodyTransferred
    CERTIFICATE = 5  # CertificateAttached
    EXPORT = 6  # ExportCleared
    AGGREGATION = 7  # PalletAggregated, PalletDisaggregated
    EPCIS = 8  # EventAnchored (captured through the EPCIS API, no batch state)
    ERROR_DECLARATION = 9  # ErrorDeclared
    CONSUMPTION = 10  # BatchConsumed


@dataclass(frozen=True, slots=True)
class ActorState:
    """An actor as the contract stores it."""

    gln: int
    active: bool
    roles: frozenset[Role] = frozenset()
    name_hash: bytes = bytes(32)


@dataclass(frozen=True, slots=True)
class BatchState:
    """A batch as the contract stores it; quantities in grams."""

    batch_id: BatchId
    custodian: str
    origin: str
    quantity: int
    remaining: int
    status: BatchStatus
    is_pallet: bool = False
    consignee: str = ZERO_ADDRESS  # receiver of a shipment while IN_TRANSIT

    @property
    def exists(self) -> bool:
        return self.status is not BatchStatus.NONE


@dataclass(frozen=True, slots=True)
class EventRecord:
    """Where and by whom an event digest was first anchored (from the ledger's logs).

    ``batch_id`` is zero for digests not tied to a batch (EPCIS anchoring, error
    declarations); for a transformation it is the first output."""

    event_digest: EventDigest
    batch_id: BatchId
    actor: str
    block_number: BlockNumber
    kind: EventKind
    tx_hash: str = ""
    log_index: int = 0


@dataclass(frozen=True, slots=True)
class Certificate:
    """A certificate attached to a batch, read from its CertificateAttached log."""

    certificate_id: bytes
    batch_id: BatchId
    lab: str
    document_hash: bytes
    valid_from: int
    valid_until: int
    event_digest: EventDigest
    block_number: BlockNumber
    revoked_at: int  # unix seconds, 0 if not revoked

    def valid_at(self, unix_time: int) -> bool:
        """Valid at ``unix_time``: inside its window and not revoked before it."""
        revoked = self.revoked_at != 0 and self.revoked_at <= unix_time
        return self.valid_from <= unix_time <= self.valid_until and not revoked


@dataclass(frozen=True, slots=True)
class MerkleRootRecord:
    """A Merkle root anchored on the ledger."""

    root: bytes
    actor: str
    count: int
    block_number: BlockNumber
    timestamp: int


def batch_id_of(gtin: str, lot: str) -> BatchId:
    """The contract's ``batchIdOf(gtin, lot)``: keccak256(abi.encode(gtin, lot))."""
    return BatchId(keccak(encode(["string", "string"], [gtin, lot])))


def step_code(text: str) -> bytes:
    """A step code (``"drying"``) as the contract's bytes32: ASCII, right-padded with zeros."""
    try:
        raw = text.encode("ascii")
    except UnicodeEncodeError:
        raise InvalidInput("step_code", f"{text!r} must be ASCII") from None
    if not raw or len(raw) > 32:
        raise InvalidInput("step_code", f"{text!r} must be 1 to 32 ASCII characters")
    return raw.ljust(32, b"\0")


def step_text(code: bytes) -> str:
    """Inverse of ``step_code``."""
    return bytes(code).rstrip(b"\0").decode("ascii", errors="replace")


def as_bytes32(value: bytes | str, field: str) -> bytes:
    """``value`` (32 bytes or 0x-hex) as 32 bytes; ``InvalidInput`` naming ``field`` otherwise."""
    if isinstance(value, str):
        text = value.removeprefix("0x")
        try:
            raw = bytes.fromhex(text)
        except ValueError:
            raise InvalidInput(field, f"{value!r} is not hex") from None
    else:
        raw = bytes(value)
    if len(raw) != 32:
        raise InvalidInput(field, f"must be 32 bytes, got {len(raw)}")
    return raw
