"""Typed tables from the ledger's logs: actors, batches, custody, certificates, anchors,
recalls, Merkle roots.

``Projector.apply`` takes a chunk of logs in chain order, reads the state rows they
touch in one query per table, applies every log in memory exactly as the contract
changed its storage, and writes the touched rows back in bulk — inside the caller's
transaction, the one that also writes the logs and moves the cursor. It reads only the
logs (never the chain), so replaying ``chain_logs`` rebuilds the tables.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import orjson
from eth_abi.abi import encode as abi_encode
from eth_utils.crypto import keccak
from sqlalchemy import String, any_, bindparam, func, select
from sqlalchemy.dialects import postgresql, sqlite

from chain_sync.models import (
    ChainActor,
    ChainAnchor,
    ChainBatch,
    ChainCertificate,
    ChainCustody,
    ChainMerkleRoot,
    ChainRecall,
)
from contracts.ledger import ANCHORING_EVENTS
from contracts.types import BatchStatus, Role

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from backend.db import Base

# Rows per IN (...) lookup: far below SQLite's and PostgreSQL's parameter limits.
_LOOKUP_CHUNK = 500
_ROLE_BITS = {"0x" + role.role_id.hex(): role.bit for role in Role}
_CUSTODY_KINDS = {
    "CustodyShipped": "shipped",
    "CustodyReceived": "received",
    "ShipmentCancelled": "cancelled",
    "CustodyTransferred": "transferred",
}


_ANCHOR_COLUMNS = (
    "chain_id",
    "event_hash",
    "kind",
    "batch_id",
    "actor",
    "block_number",
    "tx_hash",
    "log_index",
    "confirmed",
)
_ANCHOR_KINDS = {name: kind.name for name, kind in ANCHORING_EVENTS.items()}


class LogRow(NamedTuple):
    """A ledger log as the mirror stores it: args JSON-ready (bytes as 0x-hex). A named
    tuple: the sync builds hundreds of thousands, several times faster than a frozen
    dataclass."""

    name: str
    args: dict[str, Any]
    args_json: str  # ``args`` serialized (``json_text``), as the row stores them
    block_number: int
    block_hash: str
    tx_hash: str
    tx_index: int
    log_index: int
    # The eventHash argument as bare hex (as ``epcis_events.event_hash``), if any.
    event_hash: str | None
    confirmed: bool


def json_text(value: Any) -> str:
    """``value`` as compact JSON text (orjson: an order of magnitude faster than ``json``,
    which mattered for 100,000s of rows)."""
    return orjson.dumps(value).decode()


def dialect_insert(session: Session, model: type[Base]) -> postgresql.Insert | sqlite.Insert:
    """``INSERT`` with ``ON CONFLICT`` support for the session's database."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(model)
    return sqlite.insert(model)


def insert_rows(
    session: Session, model: type[Base], rows: Sequence[dict[str, Any]], *, skip_known: bool = False
) -> None:
    """Insert rows known to be new (dicts with the same keys); see ``insert_tuples``."""
    if rows:
        columns = tuple(rows[0])
        # itemgetter of several keys gives tuples (gathered in C); of one key, the value.
        values = operator.itemgetter(*columns) if len(columns) > 1 else lambda r: (r[columns[0]],)
        insert_tuples(session, model, columns, map(values, rows), skip_known=skip_known)


def insert_tuples(
    session: Session,
    model: type[Base],
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    skip_known: bool = False,
) -> None:
    """Insert rows known to be new, each a sequence of values in ``columns`` order:
    ``COPY`` on PostgreSQL (same transaction), one ``executemany`` on SQLite. Values must
    be plain (no JSON columns). ``skip_known`` (SQLite only): rows whose primary key is
    already stored are skipped, not an error."""
    dialect = session.get_bind().dialect.name
    if skip_known and dialect == "postgresql":
        raise ValueError("skip_known is for SQLite; COPY cannot skip rows")
    connection: Any = session.connection().connection.dbapi_connection
    if dialect != "postgresql":
        # One DB-API executemany on the session's connection: SQLAlchemy's per-row
        # parameter processing would cost more than the insert.
        names, marks = ", ".join(columns), ", ".join("?" for _ in columns)
        statement = f"INSERT INTO {model.__tablename__} ({names}) VALUES ({marks})"  # noqa: S608
        if skip_known:
            keys = ", ".join(c.name for c in model.__table__.columns if c.primary_key)
            statement += f" ON CONFLICT ({keys}) DO NOTHING"
        connection.executemany(statement, rows)
        return
    statement = f"COPY {model.__tablename__} ({', '.join(columns)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def upsert(session: Session, model: type[Base], rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows``, overwriting every non-key column of the rows already there."""
    if not rows:
        return
    statement = dialect_insert(session, model)
    table = model.__table__
    keys = [column.name for column in table.columns if column.primary_key]
    updated = {c.name: statement.excluded[c.name] for c in table.columns if c.name not in keys}
    session.execute(statement.on_conflict_do_update(index_elements=keys, set_=updated), list(rows))


def _chunks(values: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(values), _LOOKUP_CHUNK):
        yield values[start : start + _LOOKUP_CHUNK]


def certificate_id(batch_id: str, document_hash: str, lab: str) -> str:
    """The contract's ``certificateIdOf(batchId, documentHash, lab)``, from hex args."""
    encoded = abi_encode(
        ["bytes32", "bytes32", "address"],
        [bytes.fromhex(batch_id[2:]), bytes.fromhex(document_hash[2:]), lab],
    )
    return "0x" + keccak(encoded).hex()


class Projector:
    """Applies chunks of logs of one chain to the projection tables."""

    def __init__(self, session: Session, chain_id: int) -> None:
        self.session = session
        self.chain_id = chain_id

    def apply(self, logs: Sequence[LogRow]) -> None:
        """Apply ``logs`` (chain order) and write the rows they create or change."""
        if not logs:
            return
        chunk = _Chunk(self.chain_id)
        for log in logs:
            if log.event_hash is not None and log.name in _ANCHOR_KINDS:
                chunk.anchor(log)
        # Only logs with a handler change state (most logs of a busy chain only anchor).
        stateful = [log for log in logs if log.name in _HANDLERS]
        chunk.batches = self._load(ChainBatch, "batch_id", _batch_keys(stateful))
        chunk.actors = self._load(ChainActor, "address", _actor_keys(stateful))
        chunk.certificates = self._load(
            ChainCertificate, "certificate_id", _certificate_keys(stateful)
        )
        for log in stateful:
            _HANDLERS[log.name](chunk, log)
        session = self.session
        upsert(session, ChainBatch, [chunk.batches[k] for k in sorted(chunk.dirty_batches)])
        upsert(session, ChainActor, [chunk.actors[k] for k in sorted(chunk.dirty_actors)])
        upsert(
            session,
            ChainCertificate,
            [chunk.certificates[k] for k in sorted(chunk.dirty_certificates)],
        )
        # Only logs new to chain_logs come here, so rows keyed by log are new; a digest
        # may have been anchored by an earlier chunk, whose (first) anchoring stays.
        if session.get_bind().dialect.name == "postgresql":
            known = self._existing(ChainAnchor, "event_hash", list(chunk.anchors))
            anchors = [a for d, a in chunk.anchors.items() if d not in known]
            insert_tuples(session, ChainAnchor, _ANCHOR_COLUMNS, anchors)
        else:  # the key conflict skips them in the insert itself: no lookup first
            insert_tuples(
                session, ChainAnchor, _ANCHOR_COLUMNS, chunk.anchors.values(), skip_known=True
            )
        insert_rows(session, ChainCustody, chunk.custody)
        insert_rows(session, ChainRecall, chunk.recalls)
        insert_rows(session, ChainMerkleRoot, chunk.roots)

    def _matching(self, model: type[Base], key: str, wanted: Iterable[str]) -> Iterator[Any]:
        """``SELECT`` statements for the rows of ``model`` whose ``key`` is in ``wanted``
        (hex keys: digests, batch ids, addresses): one on PostgreSQL, the keys sent as one
        comma-separated text split by the server (a long IN list, or an array parameter
        that psycopg dumps element by element, cost more than the lookup itself), IN lists
        of bounded length on SQLite."""
        table = model.__table__
        keys = sorted(set(wanted))
        if not keys:
            return
        if self.session.get_bind().dialect.name == "postgresql":
            if any("," in k for k in keys):
                raise ValueError(f"{model.__tablename__}.{key} keys must not contain commas")
            joined = bindparam("keys", ",".join(keys), type_=String)
            yield table.c[key] == any_(func.string_to_array(joined, ","))
            return
        for part in _chunks(keys):
            yield table.c[key].in_(part)

    def _existing(self, model: type[Base], key: str, wanted: Iterable[str]) -> set[str]:
        """Which of ``wanted`` are already keys of ``model``."""
        table = model.__table__
        found: set[str] = set()
        for condition in self._matching(model, key, wanted):
            statement = select(table.c[key]).where(table.c.chain_id == self.chain_id, condition)
            found.update(self.session.scalars(statement))
        return found

    def _load(
        self, model: type[Base], key: str, wanted: Iterable[str]
    ) -> dict[str, dict[str, Any]]:
        """Rows of ``model`` whose ``key`` column is in ``wanted``, as dicts by key."""
        table = model.__table__
        found: dict[str, dict[str, Any]] = {}
        for condition in self._matching(model, key, wanted):
            statement = select(table).where(table.c.chain_id == self.chain_id, condition)
            for row in self.session.execute(statement).mappings():
                found[row[key]] = dict(row)
        return found


def _batch_keys(logs: Sequence[LogRow]) -> Iterator[str]:
    for log in logs:
        args = log.args
        if "batchId" in args:
            yield args["batchId"]
        for name in ("inputIds", "outputIds", "childIds"):
            yield from args.get(name, ())


def _actor_keys(logs: Sequence[LogRow]) -> Iterator[str]:
    for log in logs:
        if log.name.startswith("Actor"):
            yield log.args["account"]


def _certificate_keys(logs: Sequence[LogRow]) -> Iterator[str]:
    for log in logs:
        if log.name == "CertificateAttached":
            args = log.args
            yield certificate_id(args["batchId"], args["documentHash"], args["actor"])
        elif log.name == "CertificateRevoked":
            yield log.args["certificateId"]


class _Chunk:
    """The rows one chunk of logs reads and writes, keyed as in their tables."""

    def __init__(self, chain_id: int) -> None:
        self.chain_id = chain_id
        self.batches: dict[str, dict[str, Any]] = {}
        self.actors: dict[str, dict[str, Any]] = {}
        self.certificates: dict[str, dict[str, Any]] = {}
        self.dirty_batches: set[str] = set()
        self.dirty_actors: set[str] = set()
        self.dirty_certificates: set[str] = set()
        # chain_anchors rows (values in _ANCHOR_COLUMNS order) by digest.
        self.anchors: dict[str, tuple[Any, ...]] = {}
        self.custody: list[dict[str, Any]] = []
        self.recalls: list[dict[str, Any]] = []
        self.roots: list[dict[str, Any]] = []

    # ------------------------------------------------------------------- batches

    def create_batch(
        self, batch_id: str, creator: str, quantity: int, block: int, *, pallet: bool = False
    ) -> None:
        self.batches[batch_id] = {
            "chain_id": self.chain_id,
            "batch_id": batch_id,
            "custodian": creator,
            "origin": creator,
            "quantity": quantity,
            "remaining": quantity,
            "status": BatchStatus.ACTIVE.name,
            "is_pallet": pallet,
            "consignee": None,
            "pallet_id": None,
            "created_block": block,
            "updated_block": block,
        }
        self.dirty_batches.add(batch_id)

    def batch(self, batch_id: str, block: int) -> dict[str, Any]:
        """The batch's row, marked changed at ``block``. A batch the mirror never saw
        created (imported from a predecessor ledger) starts empty."""
        row = self.batches.get(batch_id)
        if row is None:
            self.create_batch(batch_id, "", 0, block)
            row = self.batches[batch_id]
        row["updated_block"] = block
        self.dirty_batches.add(batch_id)
        return row

    # -------------------------------------------------------------------- actors

    def actor(self, address: str, block: int) -> dict[str, Any]:
        row = self.actors.get(address)
        if row is None:
            row = self.actors[address] = {
                "chain_id": self.chain_id,
                "address": address,
                "roles": 0,
                "gln": "0",
                "name_hash": "0x" + "00" * 32,
                "active": True,
                "since_block": block,
                "updated_block": block,
            }
        row["updated_block"] = block
        self.dirty_actors.add(address)
        return row

    # ---------------------------------------------------------------- log tables

    def anchor(self, log: LogRow) -> None:
        """The first anchoring of a digest counts (docs/ledger.md); later ones are ignored
        here and by the insert (the table already holds an earlier one)."""
        digest = log.event_hash
        assert digest is not None
        if digest in self.anchors:
            return
        args = log.args
        self.anchors[digest] = (
            self.chain_id,
            digest,
            _ANCHOR_KINDS[log.name],
            args.get("batchId"),
            args["actor"],
            log.block_number,
            log.tx_hash,
            log.log_index,
            log.confirmed,
        )

    def log_key(self, log: LogRow) -> dict[str, Any]:
        return {
            "chain_id": self.chain_id,
            "tx_hash": log.tx_hash,
            "log_index": log.log_index,
            "block_number": log.block_number,
        }


# ------------------------------------------------------------------- log handlers
# Each mirrors the storage writes of the contract function that emits the log
# (contracts/solidity/OcopLedger.sol); checks are not repeated: a log exists only if
# the contract accepted the call.


def _registered(chunk: _Chunk, log: LogRow) -> None:
    a = log.args
    chunk.create_batch(a["batchId"], a["actor"], int(a["quantity"]), log.block_number)


def _transformed(chunk: _Chunk, log: LogRow) -> None:
    a, block = log.args, log.block_number
    for input_id, quantity in zip(a["inputIds"], a["inputQuantities"], strict=True):
        row = chunk.batch(input_id, block)
        row["remaining"] -= int(quantity)
        if row["remaining"] == 0:
            row["status"] = BatchStatus.CONSUMED.name
    for output_id, quantity in zip(a["outputIds"], a["outputQuantities"], strict=True):
        chunk.create_batch(output_id, a["actor"], int(quantity), block)


def _custody(chunk: _Chunk, log: LogRow) -> None:
    a, block = log.args, log.block_number
    row = chunk.batch(a["batchId"], block)
    if log.name == "CustodyShipped":
        row["status"] = BatchStatus.IN_TRANSIT.name
        row["consignee"] = a["to"]
    elif log.name == "CustodyReceived":
        row["custodian"] = a["actor"]
        row["status"] = BatchStatus.ACTIVE.name
        row["consignee"] = None
    elif log.name == "ShipmentCancelled":
        row["status"] = BatchStatus.ACTIVE.name
        row["consignee"] = None
    else:  # CustodyTransferred
        row["custodian"] = a["to"]
    chunk.custody.append(
        {
            **chunk.log_key(log),
            "batch_id": a["batchId"],
            "kind": _CUSTODY_KINDS[log.name],
            "actor": a["actor"],
            "to_address": a.get("to"),
            "consented": a.get("consented"),
            "event_hash": log.event_hash,
        }
    )


def _aggregated(chunk: _Chunk, log: LogRow) -> None:
    a, block = log.args, log.block_number
    total = 0
    for child_id in a["childIds"]:
        child = chunk.batch(child_id, block)
        total += child["remaining"]
        child["status"] = BatchStatus.AGGREGATED.name
        child["custodian"] = None
        child["pallet_id"] = a["batchId"]
    chunk.create_batch(a["batchId"], a["actor"], total, block, pallet=True)


def _disaggregated(chunk: _Chunk, log: LogRow) -> None:
    a, block = log.args, log.block_number
    pallet = chunk.batch(a["batchId"], block)
    for child_id in a["childIds"]:
        child = chunk.batch(child_id, block)
        pallet["remaining"] -= child["remaining"]
        child["status"] = BatchStatus.ACTIVE.name
        child["custodian"] = a["actor"]
        child["pallet_id"] = None
    if pallet["remaining"] == 0:
        pallet["status"] = BatchStatus.CONSUMED.name


def _status(status: BatchStatus, *, empty: bool = False) -> Callable[[_Chunk, LogRow], None]:
    def apply(chunk: _Chunk, log: LogRow) -> None:
        row = chunk.batch(log.args["batchId"], log.block_number)
        row["status"] = status.name
        if empty:
            row["remaining"] = 0

    return apply


def _recalled(chunk: _Chunk, log: LogRow) -> None:
    _status(BatchStatus.RECALLED)(chunk, log)
    a = log.args
    chunk.recalls.append(
        {
            **chunk.log_key(log),
            "batch_id": a["batchId"],
            "actor": a["actor"],
            "reason_hash": a["reasonHash"],
        }
    )


def _imported(chunk: _Chunk, log: LogRow) -> None:
    # The predecessor's quantities are not in the log: the mirror of one ledger version
    # knows only that the batch is now here, held by the importer.
    row = chunk.batch(log.args["batchId"], log.block_number)
    row.update(custodian=log.args["actor"], status=BatchStatus.ACTIVE.name)
    if not row["origin"]:
        row["origin"] = log.args["actor"]


def _certificate(chunk: _Chunk, log: LogRow) -> dict[str, Any]:
    a = log.args
    if log.name == "CertificateAttached":
        key = certificate_id(a["batchId"], a["documentHash"], a["actor"])
    else:
        key = a["certificateId"]
    row = chunk.certificates.get(key)
    if row is None:
        row = chunk.certificates[key] = {
            "chain_id": chunk.chain_id,
            "certificate_id": key,
            "batch_id": a["batchId"],
            "lab": None,
            "document_hash": None,
            "valid_from": None,
            "valid_until": None,
            "event_hash": None,
            "attached_block": None,
            "revoked_block": None,
            "revoked_by": None,
            "revocation_reason": None,
        }
    chunk.dirty_certificates.add(key)
    return row


def _attached(chunk: _Chunk, log: LogRow) -> None:
    a = log.args
    row = _certificate(chunk, log)
    if row["attached_block"] is None:  # the same certificate attached twice: first counts
        row.update(
            lab=a["actor"],
            document_hash=a["documentHash"],
            valid_from=int(a["validFrom"]),
            valid_until=int(a["validUntil"]),
            event_hash=log.event_hash,
            attached_block=log.block_number,
        )


def _revoked(chunk: _Chunk, log: LogRow) -> None:
    row = _certificate(chunk, log)
    row.update(
        revoked_block=log.block_number,
        revoked_by=log.args["actor"],
        revocation_reason=log.args["reasonHash"],
    )


def _root(chunk: _Chunk, log: LogRow) -> None:
    a = log.args
    chunk.roots.append(
        {
            **chunk.log_key(log),
            "root": a["root"],
            "actor": a["actor"],
            "count": int(a["count"]),
            "metadata_hash": a["metadataHash"],
        }
    )


def _onboarded(chunk: _Chunk, log: LogRow) -> None:
    a = log.args
    row = chunk.actor(a["account"], log.block_number)
    bit = _ROLE_BITS[a["role"]]
    row["roles"] |= bit
    row["gln"] = str(int(a["gln"]))
    row["name_hash"] = a["nameHash"]
    if bit != Role.ADMIN.bit:  # onboardActor lifts a suspension; grantAdmin does not
        row["active"] = True


def _role_revoked(chunk: _Chunk, log: LogRow) -> None:
    row = chunk.actor(log.args["account"], log.block_number)
    row["roles"] &= ~_ROLE_BITS[log.args["role"]]


def _activity(active: bool) -> Callable[[_Chunk, LogRow], None]:
    def apply(chunk: _Chunk, log: LogRow) -> None:
        chunk.actor(log.args["account"], log.block_number)["active"] = active

    return apply


_HANDLERS: dict[str, Callable[[_Chunk, LogRow], None]] = {
    "BatchRegistered": _registered,
    "BatchTransformed": _transformed,
    "CustodyShipped": _custody,
    "CustodyReceived": _custody,
    "ShipmentCancelled": _custody,
    "CustodyTransferred": _custody,
    "PalletAggregated": _aggregated,
    "PalletDisaggregated": _disaggregated,
    "ExportCleared": _status(BatchStatus.EXPORTED),
    "BatchConsumed": _status(BatchStatus.CONSUMED, empty=True),
    "BatchMigrated": _status(BatchStatus.MIGRATED),
    "BatchRecalled": _recalled,
    "BatchImported": _imported,
    "CertificateAttached": _attached,
    "CertificateRevoked": _revoked,
    "MerkleRootAnchored": _root,
    "ActorOnboarded": _onboarded,
    "ActorRoleRevoked": _role_revoked,
    "ActorSuspended": _activity(False),
    "ActorReinstated": _activity(True),
}
"""Log name -> projection. EventRecorded, EventAnchored, ErrorDeclared and LedgerRetired
change no state here: they live in ``chain_logs`` (and ``chain_anchors``)."""
