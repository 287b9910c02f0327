"""Reads the ledger's logs into the SQL mirror and marks captured events anchored.

A step of the sync (``sync_once`` runs steps until the mirror reaches the head):
1. the cursor (chain id, block number, block hash) is read; on the first step its block
   is compared with the chain's block of that number;
2. logs of the next block range are fetched (``AdaptiveRange``), with the headers the
   range needs: its first block (whose parent must be the cursor's block: a mismatch is a
   reorg), its last block (the new cursor), and every block of the unfinalized window
   (the last ``finality`` blocks below the head), whose hashes are kept in
   ``chain_blocks``;
3. ``commit_block`` writes the logs, their projections, the window's hashes, the new
   cursor and the confirmations (``finalize``) in ONE transaction.

On a reorg, ``revert_to(ancestor)`` deletes what the orphaned blocks wrote and moves the
cursor back to the common ancestor, in one transaction; the next steps ingest the
canonical blocks. A reorg below the window raises ``ChainReorgTooDeep``; a chain with
another genesis or without the contract raises ``ChainReset``.

Invariants:
- the cursor is written in the same SQL transaction as the rows of the blocks it covers,
  so a crash (even SIGKILL) leaves the mirror at a chunk boundary, never half way;
- a chunk is committed only if the cursor is still where the step read it (the cursor
  row is locked first): two sync processes never apply the same logs twice;
- ``chain_logs`` rows are keyed on (chain id, tx hash, log index) and projections are
  applied only for rows actually inserted: reading a range again changes nothing;
- an EPCIS event is ``anchored`` only once its first anchoring log is confirmed
  (``confirmations`` blocks deep); orphaned anchorings send it back to ``submitted`` and
  re-queue its outbox item, which the submitter resends unless the canonical chain has it.
"""

from __future__ import annotations

import bisect
import itertools
import logging
import operator
import queue
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import OperationalError
from web3.exceptions import Web3Exception

from backend.db import transaction
from backend.outbox.models import OutboxItem
from backend.traceability.models import EpcisEvent
from chain_sync.errors import ChainReorgTooDeep, ChainReset
from chain_sync.gcpause import paused_gc
from chain_sync.models import (
    MIRROR_TABLES,
    PROJECTION_TABLES,
    ChainAnchor,
    ChainBlock,
    ChainDeployment,
    ChainLog,
    SyncCheckpoint,
)
from chain_sync.projections import LogRow, Projector, dialect_insert, json_text, upsert
from chain_sync.rpc import AdaptiveRange, Backoff, BlockRef, ChainReader, fetch_range
from chain_sync.stats import SYNC_STATS, SyncStats
from contracts.chains import genesis_hash
from contracts.errors import ChainError
from contracts.ledger import hex_int, hex_text

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker
    from web3 import Web3

    from contracts.ledger import Deployment, Ledger

log = logging.getLogger(__name__)

DEFAULT_CHUNK_BLOCKS = 1
"""The first ``eth_getLogs`` range of a sync: ``AdaptiveRange`` grows it (up to tenfold
per answer) while answers are light, so a sparse chain costs a few calls more and a
dense one never answers with more than about its target of logs."""
DEFAULT_MAX_CHUNK_BLOCKS = 50_000
DEFAULT_TARGET_LOGS = 5_000
"""Logs an ``eth_getLogs`` answer aims at: about one SQL transaction's worth, half the
10,000-log cap of hosted providers."""
DEFAULT_FINALITY = 64
"""Blocks below the head a reorg may still replace (dev chains; Besu QBFT is final at once)."""

# A step that finds the chain changing under it (log hashes not matching headers) retries
# this many times before giving up with an error.
_UNSTABLE_RETRIES = 5
_REPLAY_BATCH = 5_000


@dataclass(frozen=True)
class SyncResult:
    from_block: int
    to_block: int
    logs: int
    reorgs: int = 0


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where the mirror is: every log up to ``number`` (hash ``hash``, "" before the first
    commit) is in it; rows up to ``confirmed_block`` are confirmed."""

    number: int
    hash: str
    confirmed_block: int


class _CursorMoved(Exception):
    """Another sync moved the cursor since this step read it: redo the step."""


class _ChainUnstable(Exception):
    """The chain changed between the calls of one step: redo the step."""


# ------------------------------------------------------------------------- reading


def log_rows(
    ledger: Ledger, raw: Sequence[Mapping[str, Any]], *, confirm_through: int
) -> list[LogRow]:
    """The ledger's logs among ``raw`` (``eth_getLogs`` entries) as the mirror stores
    them, in chain order; rows up to block ``confirm_through`` are confirmed.

    Decoded straight from the hex into the JSON form (``Ledger.log_json_args``) and
    serialized once here, in the fetch thread, so the writer only writes."""
    rows: list[LogRow] = []
    for entry in raw:
        decoded = ledger.log_json_args(entry)
        if decoded is None:
            continue
        name, args = decoded
        block_number = hex_int(entry["blockNumber"])
        digest = args.get("eventHash")
        rows.append(
            LogRow(
                name=name,
                args=args,
                args_json=json_text(args),
                block_number=block_number,
                block_hash=hex_text(entry["blockHash"]),
                tx_hash=hex_text(entry["transactionHash"]),
                tx_index=hex_int(entry["transactionIndex"]),
                log_index=hex_int(entry["logIndex"]),
                event_hash=digest[2:] if isinstance(digest, str) else None,
                confirmed=block_number <= confirm_through,
            )
        )
    rows.sort(key=_chain_order)
    return rows


_chain_order = operator.attrgetter("block_number", "tx_index", "log_index")


def chain_identity_problem(w3: Web3, deployment: Deployment) -> str | None:
    """Why the chain behind ``w3`` is not the one ``deployment`` lives on, or None."""
    chain_id = w3.eth.chain_id
    if chain_id != deployment.chain_id:
        return f"chain id is {chain_id}, the mirror is of chain id {deployment.chain_id}"
    current = genesis_hash(w3)
    if current != deployment.genesis_hash:
        return f"genesis block is {current}, the mirror's chain has {deployment.genesis_hash}"
    if not w3.eth.get_code(w3.to_checksum_address(deployment.address)):
        return f"no contract code at the ledger address {deployment.address}"
    return None


# ------------------------------------------------------------------------- cursor


def _cursor_key(deployment: Deployment) -> Any:
    return (SyncCheckpoint.chain_id == deployment.chain_id) & (
        SyncCheckpoint.ledger_address == deployment.address
    )


def read_cursor(session: Session, deployment: Deployment) -> Cursor:
    row = session.execute(
        select(
            SyncCheckpoint.block_number, SyncCheckpoint.block_hash, SyncCheckpoint.confirmed_block
        ).where(_cursor_key(deployment))
    ).first()
    if row is None:
        before = deployment.deploy_block - 1
        return Cursor(before, "", before)
    return Cursor(int(row[0]), row[1], int(row[2]))


def _lock_cursor(session: Session, deployment: Deployment) -> Cursor:
    """The cursor, with the write lock on its row taken (a no-op UPDATE: a row lock on
    PostgreSQL, the database write lock on SQLite) so no other sync commits meanwhile."""
    touched = session.execute(
        update(SyncCheckpoint)
        .where(_cursor_key(deployment))
        .values(block_number=SyncCheckpoint.block_number)
    )
    if getattr(touched, "rowcount", 0) == 0:
        before = deployment.deploy_block - 1
        session.execute(
            dialect_insert(session, SyncCheckpoint).on_conflict_do_nothing(),
            [
                {
                    "chain_id": deployment.chain_id,
                    "ledger_address": deployment.address,
                    "block_number": before,
                    "block_hash": "",
                    "confirmed_block": before,
                }
            ],
        )
    return read_cursor(session, deployment)


def _move_cursor(session: Session, deployment: Deployment, **values: Any) -> None:
    session.execute(update(SyncCheckpoint).where(_cursor_key(deployment)).values(**values))


# ---------------------------------------------------------------- commit / revert


def commit_block(
    session: Session,
    deployment: Deployment,
    block: BlockRef,
    rows: Sequence[LogRow],
    *,
    expected: Cursor,
    window: Sequence[BlockRef] = (),
    confirm_through: int,
    prune_below: int,
) -> int:
    """Commit every log of the blocks after the cursor up to ``block`` (the range's last
    block; ``rows`` from ``log_rows`` with this ``confirm_through``), their projections,
    the hashes of the unfinalized ``window``, and move the cursor to ``block``; then
    ``finalize``. Returns the number of new logs.

    ``_CursorMoved`` if the cursor is no longer ``expected`` (another sync got there).
    """
    if _lock_cursor(session, deployment) != expected:
        raise _CursorMoved
    new_rows = _insert_logs(session, deployment.chain_id, rows)
    Projector(session, deployment.chain_id).apply(new_rows)
    blocks = {ref.number: ref for ref in window}
    blocks[block.number] = block
    upsert(
        session,
        ChainBlock,
        [
            {
                "chain_id": deployment.chain_id,
                "number": ref.number,
                "hash": ref.hash,
                "parent_hash": ref.parent_hash,
            }
            for ref in sorted(blocks.values(), key=lambda ref: ref.number)
        ],
    )
    _move_cursor(session, deployment, block_number=block.number, block_hash=block.hash)
    # Every row after the cursor new (as usual): their confirmations are already right.
    fresh_from = expected.number + 1 if len(new_rows) == len(rows) else None
    finalize(session, deployment, confirm_through, prune_below=prune_below, fresh_from=fresh_from)
    return len(new_rows)


def _insert_logs(session: Session, chain_id: int, rows: Sequence[LogRow]) -> list[LogRow]:
    """Insert ``rows`` (chain order) into ``chain_logs``; the rows that were not there yet.

    One range query finds the rows already stored (a rewound cursor re-reads blocks);
    the rest go in by ``COPY`` on PostgreSQL, by one ``executemany`` on SQLite. The
    unique key still guards: a duplicate that slipped through fails loudly."""
    if not rows:
        return []
    stored = {
        (tx_hash, log_index)
        for tx_hash, log_index in session.execute(
            select(ChainLog.tx_hash, ChainLog.log_index).where(
                ChainLog.chain_id == chain_id,
                ChainLog.block_number >= rows[0].block_number,
                ChainLog.block_number <= rows[-1].block_number,
            )
        )
    }
    new = (
        [row for row in rows if (row.tx_hash, row.log_index) not in stored]
        if stored
        else list(rows)
    )
    if not new:
        return []
    if session.get_bind().dialect.name == "postgresql":
        _copy_logs(session, chain_id, new)
    else:
        _sqlite_insert_logs(session, chain_id, new)
    return new


_LOG_COLUMNS = (
    "block_number",
    "block_hash",
    "tx_hash",
    "tx_index",
    "log_index",
    "name",
    "args",
    "event_hash",
    "confirmed",
)
# A row's values in _LOG_COLUMNS order, gathered in C (no Python loop per row); the
# args column takes the JSON text.
_log_values = operator.attrgetter(*(c if c != "args" else "args_json" for c in _LOG_COLUMNS))


def _sqlite_insert_logs(session: Session, chain_id: int, rows: Sequence[LogRow]) -> None:
    """One DB-API ``executemany`` on the session's own connection (same transaction),
    with the values already in SQLite's types: SQLAlchemy's per-row parameter
    processing would cost more than the insert."""
    connection: Any = session.connection().connection.dbapi_connection
    marks = ", ".join("?" for _ in _LOG_COLUMNS)
    columns = ", ".join(_LOG_COLUMNS)
    statement = (
        f"INSERT INTO {ChainLog.__tablename__} (chain_id, {columns}) "  # noqa: S608
        f"VALUES ({int(chain_id)}, {marks})"
    )
    connection.executemany(statement, map(_log_values, rows))


def _copy_logs(session: Session, chain_id: int, rows: Sequence[LogRow]) -> None:
    """``COPY chain_logs FROM STDIN`` on the session's own connection (same transaction):
    several times faster than a multi-row INSERT, whose SQL text psycopg must parse."""
    connection: Any = session.connection().connection.dbapi_connection
    statement = f"COPY {ChainLog.__tablename__} (chain_id, {', '.join(_LOG_COLUMNS)}) FROM STDIN"
    key = (chain_id,)
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        for values in map(_log_values, rows):
            copy.write_row(key + values)


def finalize(
    session: Session,
    deployment: Deployment,
    block: int,
    *,
    prune_below: int,
    fresh_from: int | None = None,
) -> int:
    """Mark rows up to ``block`` confirmed, anchor the EPCIS events whose first anchoring
    log just became confirmed, and forget block hashes below ``prune_below`` (a reorg
    there is too deep to follow). Returns how many events became anchored.

    Rows of blocks from ``fresh_from`` on were inserted by the caller's transaction with
    their confirmation already decided: the update skips them."""
    cursor = read_cursor(session, deployment)
    chain_id = deployment.chain_id
    session.execute(
        delete(ChainBlock).where(
            ChainBlock.chain_id == chain_id,
            ChainBlock.number < prune_below,
            ChainBlock.number != cursor.number,
        )
    )
    block = min(block, cursor.number)
    if block <= cursor.confirmed_block:
        return 0
    span = (cursor.confirmed_block, block)
    stale_through = block if fresh_from is None else min(block, fresh_from - 1)
    for table in (ChainLog, ChainAnchor) if stale_through > span[0] else ():
        session.execute(
            update(table)
            .where(
                table.chain_id == chain_id,
                table.block_number > span[0],
                table.block_number <= stale_through,
                table.confirmed.is_(False),
            )
            .values(confirmed=True)
        )
    anchored = session.execute(
        select(EpcisEvent.id, ChainAnchor.tx_hash, ChainAnchor.block_number, ChainAnchor.log_index)
        .join(ChainAnchor, ChainAnchor.event_hash == EpcisEvent.event_hash)
        .where(
            ChainAnchor.chain_id == chain_id,
            ChainAnchor.block_number > span[0],
            ChainAnchor.block_number <= span[1],
            EpcisEvent.status != "anchored",
        )
    ).all()
    if anchored:
        session.execute(
            update(EpcisEvent),
            [
                {
                    "id": event_id,
                    "status": "anchored",
                    "error": "",
                    "tx_hash": tx_hash,
                    "block_number": block_number,
                    "log_index": log_index,
                }
                for event_id, tx_hash, block_number, log_index in anchored
            ],
        )
    _move_cursor(session, deployment, confirmed_block=block)
    return len(anchored)


def revert_to(session: Session, deployment: Deployment, ancestor: BlockRef) -> int:
    """Undo every block after ``ancestor`` (the common ancestor of the mirror and the
    canonical chain): delete their logs and everything projected from them, send events
    anchored there back to ``submitted`` with their outbox item re-queued, and move the
    cursor to ``ancestor``. Returns the number of logs removed.

    State projections (actors, batches, certificates) keep no history: they are replayed
    from the mirror's own remaining logs (no RPC). Reorgs are rare and shallow; one code
    path — the projector — stays the only writer of projected state.
    """
    chain_id = deployment.chain_id
    cursor = _lock_cursor(session, deployment)
    requeued = _requeue_orphaned_events(session, chain_id, ancestor.number)
    removed = session.execute(
        delete(ChainLog).where(
            ChainLog.chain_id == chain_id, ChainLog.block_number > ancestor.number
        )
    )
    session.execute(
        delete(ChainBlock).where(
            ChainBlock.chain_id == chain_id, ChainBlock.number > ancestor.number
        )
    )
    replay_projections(session, chain_id)
    _move_cursor(
        session,
        deployment,
        block_number=ancestor.number,
        block_hash=ancestor.hash,
        confirmed_block=min(cursor.confirmed_block, ancestor.number),
    )
    count = int(getattr(removed, "rowcount", 0) or 0)
    log.warning(
        "reorg: reverted the mirror from block %d to the common ancestor %d (%s): %d logs "
        "removed, %d events re-queued for anchoring",
        cursor.number,
        ancestor.number,
        ancestor.hash,
        count,
        requeued,
    )
    return count


def _requeue_orphaned_events(session: Session, chain_id: int, ancestor: int) -> int:
    """Events whose first anchoring, or whose submitted transaction, is in a block after
    ``ancestor``: back to ``submitted`` without anchor, outbox item pending again (the
    submitter checks the canonical chain before resending)."""
    anchored = (
        select(EpcisEvent.id)
        .join(ChainAnchor, ChainAnchor.event_hash == EpcisEvent.event_hash)
        .where(ChainAnchor.chain_id == chain_id, ChainAnchor.block_number > ancestor)
    )
    submitted = select(EpcisEvent.id).where(
        EpcisEvent.status.in_(("submitted", "anchored")), EpcisEvent.block_number > ancestor
    )
    ids = set(session.scalars(anchored)) | set(session.scalars(submitted))
    if not ids:
        return 0
    id_list = sorted(ids)
    session.execute(
        update(EpcisEvent)
        .where(EpcisEvent.id.in_(id_list))
        .values(status="submitted", tx_hash=None, block_number=None, log_index=None)
    )
    session.execute(
        update(OutboxItem)
        .where(OutboxItem.event_pk.in_(id_list), OutboxItem.status == "done")
        .values(status="pending", last_error="re-queued: its block was replaced by a reorg")
    )
    return len(id_list)


def replay_projections(session: Session, chain_id: int) -> None:
    """Recompute every projection table of ``chain_id`` from its ``chain_logs``."""
    for table in PROJECTION_TABLES:
        session.execute(delete(table).where(table.chain_id == chain_id))  # type: ignore[attr-defined]
    projector = Projector(session, chain_id)
    statement = (
        select(ChainLog)
        .where(ChainLog.chain_id == chain_id)
        .order_by(ChainLog.block_number, ChainLog.tx_index, ChainLog.log_index)
        .execution_options(yield_per=_REPLAY_BATCH)
    )
    batch: list[LogRow] = []
    for stored in session.scalars(statement):
        batch.append(
            LogRow(
                name=stored.name,
                args=stored.args,
                args_json=json_text(stored.args),
                block_number=stored.block_number,
                block_hash=stored.block_hash,
                tx_hash=stored.tx_hash,
                tx_index=stored.tx_index,
                log_index=stored.log_index,
                event_hash=stored.event_hash,
                confirmed=stored.confirmed,
            )
        )
        if len(batch) >= _REPLAY_BATCH:
            projector.apply(batch)
            batch = []
    projector.apply(batch)


def _project_premigration_mirror(session: Session, deployment: Deployment, cursor: Cursor) -> None:
    """A mirror written before the projections existed (revision 1db30c854a50 adds them
    empty) has a cursor but no ``chain_blocks`` row for it — every commit writes one and
    pruning keeps it. Project its logs once; the confirmations follow in ``finalize``."""
    known = session.scalar(
        select(ChainBlock.number).where(
            ChainBlock.chain_id == deployment.chain_id, ChainBlock.number == cursor.number
        )
    )
    if known is not None or _lock_cursor(session, deployment) != cursor:
        return
    replay_projections(session, deployment.chain_id)
    session.add(
        ChainBlock(
            chain_id=deployment.chain_id,
            number=cursor.number,
            hash=cursor.hash,
            parent_hash="",  # unknown; only the hash is compared
        )
    )
    log.info(
        "projected the %s mirror's existing logs up to block %d", deployment.address, cursor.number
    )


def _find_ancestor(
    session: Session,
    reader: ChainReader,
    deployment: Deployment,
    cursor: Cursor,
    finality: int,
) -> BlockRef:
    """The newest block the mirror and the chain agree on, at most ``finality`` blocks
    below the cursor; ``ChainReset`` / ``ChainReorgTooDeep`` when there is none."""
    stored = session.execute(
        select(ChainBlock.number, ChainBlock.hash, ChainBlock.parent_hash)
        .where(ChainBlock.chain_id == deployment.chain_id)
        .order_by(ChainBlock.number.desc())
    ).all()
    canonical = reader.blocks(number for number, _, _ in stored)
    for number, block_hash, parent_hash in stored:
        now = canonical.get(number)
        if now is not None and now.hash == block_hash:
            if cursor.number - number <= finality:
                return BlockRef(number, block_hash, parent_hash)
            break
    problem = chain_identity_problem(reader.w3, deployment)
    if problem is not None:
        raise ChainReset(problem)
    at_cursor = canonical.get(cursor.number) or reader.blocks([cursor.number])[cursor.number]
    raise ChainReorgTooDeep(
        cursor.number, cursor.hash, at_cursor.hash if at_cursor else None, finality
    )


# ------------------------------------------------------------------------- the loop


def new_ranges(
    chunk_blocks: int = DEFAULT_CHUNK_BLOCKS, target_logs: int = DEFAULT_TARGET_LOGS
) -> AdaptiveRange:
    """Range sizing for a sync starting at ``chunk_blocks`` blocks, aiming at answers of
    ``target_logs`` logs."""
    if chunk_blocks < 1 or target_logs < 1:
        raise ValueError("chunk_blocks and target_logs must be >= 1")
    return AdaptiveRange(
        size=chunk_blocks,
        maximum=max(chunk_blocks, DEFAULT_MAX_CHUNK_BLOCKS),
        target_logs=target_logs,
    )


def sync_once(
    sessions: sessionmaker[Session],
    w3: Web3,
    ledger: Ledger,
    deployment: Deployment,
    *,
    confirmations: int = 0,
    finality: int = DEFAULT_FINALITY,
    chunk_blocks: int = DEFAULT_CHUNK_BLOCKS,
    target_logs: int = DEFAULT_TARGET_LOGS,
    ranges: AdaptiveRange | None = None,
    stats: SyncStats = SYNC_STATS,
    stop: threading.Event | None = None,
) -> SyncResult:
    """Bring the mirror up to the chain's head as it is when called: every log stored,
    rows ``confirmations`` deep confirmed, reorgs within ``finality`` blocks followed.

    ``ranges`` carries the adaptive ``eth_getLogs`` range size across calls (the follow
    loop keeps one); by default a fresh one starts at ``chunk_blocks`` and aims at
    answers of ``target_logs`` logs. ``stop`` is
    checked between chunks. Errors propagate (after being recorded in ``stats``).
    """
    if confirmations < 0 or finality < 1:
        raise ValueError("confirmations must be >= 0 and finality >= 1")
    reader = ChainReader(w3)
    ranges = ranges or new_ranges(chunk_blocks, target_logs)
    try:
        return _sync(
            sessions, reader, ledger, deployment, confirmations, finality, ranges, stats, stop
        )
    except Exception as exc:
        stats.record_error(exc)
        raise


def _sync(
    sessions: sessionmaker[Session],
    reader: ChainReader,
    ledger: Ledger,
    deployment: Deployment,
    confirmations: int,
    finality: int,
    ranges: AdaptiveRange,
    stats: SyncStats,
    stop: threading.Event | None,
) -> SyncResult:
    head = reader.head()
    stats.observe_head(head)
    confirm_through = head - confirmations
    prune_below = head - finality + 1
    with sessions() as session:
        cursor = read_cursor(session, deployment)
    if cursor.hash:
        with transaction(sessions) as session:
            _project_premigration_mirror(session, deployment, cursor)
    first = cursor.number + 1
    total = reorgs = unstable = 0
    check_cursor = bool(cursor.hash)
    # The RPC calls of the chunks ahead run in the prefetch thread while this one writes;
    # this thread calls the node only while no prefetch runs.
    prefetch: _Prefetch | None = None
    try:
        while stop is None or not stop.is_set():
            with sessions() as session:
                cursor = read_cursor(session, deployment)
            if check_cursor and cursor.hash:
                here = reader.blocks([cursor.number])[cursor.number]
                if here is None or here.hash != cursor.hash:
                    with transaction(sessions) as session:
                        ancestor = _find_ancestor(session, reader, deployment, cursor, finality)
                        revert_to(session, deployment, ancestor)
                    stats.record_reorg()
                    reorgs += 1
                    continue
            check_cursor = False
            start = cursor.number + 1
            if start > head:
                if confirm_through > cursor.confirmed_block and cursor.hash:
                    with transaction(sessions) as session:
                        if _lock_cursor(session, deployment) == cursor:
                            finalize(session, deployment, confirm_through, prune_below=prune_below)
                break
            if prefetch is None:
                prefetch = _Prefetch(
                    reader, ledger, start, head, ranges, prune_below, confirm_through
                )
            try:
                chunk = prefetch.next()
                if chunk is None or chunk.start != start:
                    raise _CursorMoved  # the cursor moved under the prefetch: start again
                written = _commit_chunk(
                    sessions, deployment, cursor, chunk, stats,
                    confirm_through=confirm_through, prune_below=prune_below,
                )  # fmt: skip
            except (_CursorMoved, _ChainUnstable) as exc:
                prefetch.close()  # what it read ahead may be of another branch
                prefetch = None
                unstable += 1
                if unstable > _UNSTABLE_RETRIES:
                    raise ChainError(
                        f"the chain or the mirror kept changing during the sync "
                        f"({type(exc).__name__} {unstable} times); try again"
                    ) from None
                check_cursor = True
                continue
            total += written
    finally:
        if prefetch is not None:
            prefetch.close()
    if total or reorgs:
        log.info(
            "mirrored %d ledger logs from blocks %d..%d (%d reorgs)", total, first, head, reorgs
        )
    return SyncResult(first, head, total, reorgs)


@dataclass(frozen=True)
class _Chunk:
    """Blocks ``start..end`` read from the node: every ledger log in them as a mirror row,
    and the headers of ``start``, ``end`` and the unfinalized window's blocks among them."""

    start: int
    end: int
    headers: Mapping[int, BlockRef | None]
    rows: list[LogRow]


_MAX_CHUNK_LOGS = 5_000
"""Logs per SQL transaction, about: a range's logs are split at block boundaries (a block
with more stays whole) so that writing one part overlaps reading the next."""
_PREFETCH_CHUNKS = 2


def _split_points(raw: Sequence[Mapping[str, Any]], start: int, end: int) -> list[int]:
    """The last block of each part of ``start..end`` holding about ``_MAX_CHUNK_LOGS``
    logs of ``raw`` (whole blocks; the last part ends at ``end``)."""
    per_block: dict[int, int] = {}
    for entry in raw:
        number = hex_int(entry["blockNumber"])
        per_block[number] = per_block.get(number, 0) + 1
    points: list[int] = []
    count = 0
    for number in sorted(per_block):
        if count and count + per_block[number] > _MAX_CHUNK_LOGS:
            points.append(number - 1)
            count = 0
        count += per_block[number]
    points.append(end)
    return [point for point in points if start <= point]


def fetch_chunks(
    reader: ChainReader,
    ledger: Ledger,
    start: int,
    head: int,
    ranges: AdaptiveRange,
    prune_below: int,
    confirm_through: int,
) -> Iterator[_Chunk]:
    """The next block range after ``start - 1`` (sized by ``ranges``), as ``_Chunk``s of
    about ``_MAX_CHUNK_LOGS`` logs in chain order.

    Headers first, logs second, the last header again: if the last block is unchanged
    after the logs were read, so is every block below it (the hash chain), and the logs
    belong to these headers. ``_ChainUnstable`` when it changed."""
    end, raw = fetch_range(reader, ledger.address, start, head, ranges)
    window_from = max(start, prune_below)
    points = _split_points(raw, start, end)
    wanted = {start, end, *range(window_from, end + 1)}
    for point in points[:-1]:
        wanted.update((point, point + 1))
    headers = reader.blocks(wanted)
    if end >= window_from:
        again = reader.blocks([end])[end]
        if again is None or again != headers[end]:
            raise _ChainUnstable
    parts: dict[int, list[Mapping[str, Any]]] = {point: [] for point in points}
    for entry in raw:
        number = hex_int(entry["blockNumber"])
        parts[points[bisect.bisect_left(points, number)]].append(entry)
    low = start
    for point in points:
        with paused_gc():  # not across the yield: the writer may hold the chunk a while
            rows = log_rows(ledger, parts[point], confirm_through=confirm_through)
        yield _Chunk(
            start=low,
            end=point,
            headers={n: ref for n, ref in headers.items() if low <= n <= point},
            rows=rows,
        )
        low = point + 1


class _Prefetch:
    """A thread reading chunks from ``start`` to ``head`` ahead of the writer, at most
    ``_PREFETCH_CHUNKS`` ahead; the only user of ``reader`` (and ``ranges``) until
    ``close``. Its error is raised by ``next``."""

    def __init__(
        self,
        reader: ChainReader,
        ledger: Ledger,
        start: int,
        head: int,
        ranges: AdaptiveRange,
        prune_below: int,
        confirm_through: int,
    ) -> None:
        self._args = (reader, ledger, head, ranges, prune_below, confirm_through)
        self._queue: queue.Queue[_Chunk | BaseException | None] = queue.Queue(_PREFETCH_CHUNKS)
        self._cancel = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(start,), name="chain-sync-fetch", daemon=True
        )
        self._thread.start()

    def _run(self, start: int) -> None:
        reader, ledger, head, ranges, prune_below, confirm_through = self._args
        try:
            while start <= head and not self._cancel.is_set():
                chunks = fetch_chunks(
                    reader, ledger, start, head, ranges, prune_below, confirm_through
                )
                for chunk in chunks:
                    if not self._put(chunk):
                        return
                    start = chunk.end + 1
            self._put(None)
        except BaseException as exc:  # handed to the writer thread, which raises it
            self._put(exc)

    def _put(self, item: _Chunk | BaseException | None) -> bool:
        while not self._cancel.is_set():
            try:
                self._queue.put(item, timeout=0.1)
            except queue.Full:
                continue
            return True
        return False

    def next(self) -> _Chunk | None:
        """The next chunk; None once ``head`` is reached."""
        item = self._queue.get()
        if isinstance(item, BaseException):
            raise item
        return item

    def close(self) -> None:
        """Stop reading ahead; returns once the thread is done with the node."""
        self._cancel.set()
        self._thread.join()


def _commit_chunk(
    sessions: sessionmaker[Session],
    deployment: Deployment,
    cursor: Cursor,
    chunk: _Chunk,
    stats: SyncStats,
    *,
    confirm_through: int,
    prune_below: int,
) -> int:
    """Check ``chunk`` against the cursor and commit it in one transaction; the new logs'
    count."""
    _check_consistent(cursor, chunk.start, chunk.end, chunk.headers, chunk.rows)
    last = chunk.headers[chunk.end]
    assert last is not None
    window = [ref for n, ref in chunk.headers.items() if ref is not None and n >= prune_below]
    with transaction(sessions) as session:
        written = commit_block(
            session, deployment, last, chunk.rows,
            expected=cursor, window=window,
            confirm_through=confirm_through, prune_below=prune_below,
        )  # fmt: skip
    stats.record_chunk(written, chunk.end)
    return written


def _check_consistent(
    cursor: Cursor,
    start: int,
    end: int,
    headers: Mapping[int, BlockRef | None],
    rows: Sequence[LogRow],
) -> None:
    """``_ChainUnstable`` unless the headers chain onto the cursor and each other and
    every log belongs to the header of its block."""
    first, last = headers.get(start), headers.get(end)
    if first is None or last is None:
        raise _ChainUnstable
    if cursor.hash and first.parent_hash != cursor.hash:
        raise _ChainUnstable  # the next step's cursor check finds the ancestor
    numbers = sorted(n for n, ref in headers.items() if ref is not None)
    for lower, upper in itertools.pairwise(numbers):
        a, b = headers[lower], headers[upper]
        if upper == lower + 1 and a is not None and b is not None and b.parent_hash != a.hash:
            raise _ChainUnstable
    for entry in rows:
        ref = headers.get(entry.block_number)
        if ref is not None and ref.hash != entry.block_hash.lower():
            raise _ChainUnstable


# ------------------------------------------------------------------ rebuild / reset


def clear_mirror(session: Session) -> dict[str, int]:
    """Delete every row of the mirror tables (all chains); how many per table."""
    counts: dict[str, int] = {}
    for table in MIRROR_TABLES:
        result = session.execute(delete(table))
        counts[table.__tablename__] = int(getattr(result, "rowcount", 0) or 0)
    return counts


def rebuild(
    sessions: sessionmaker[Session],
    w3: Web3,
    ledger: Ledger,
    deployment: Deployment,
    **options: Any,
) -> SyncResult:
    """Drop the mirror and sync it again from the deploy block: the mirror is a function
    of the chain and the stored EPCIS documents (whose anchoring is recomputed)."""
    with transaction(sessions) as session:
        clear_mirror(session)
        session.execute(
            update(EpcisEvent)
            .where(EpcisEvent.status == "anchored")
            .values(status="submitted", tx_hash=None, block_number=None, log_index=None)
        )
    return sync_once(sessions, w3, ledger, deployment, **options)


@dataclass(frozen=True)
class ResetSummary:
    """What ``reset_mirror`` deleted and re-queued."""

    mirror_rows: dict[str, int]
    events_reset: int
    outbox_requeued: int


def reset_mirror(session: Session) -> ResetSummary:
    """Forget the chain: the mirror tables and the deployment binding are deleted, so the
    next start binds (on a dev chain: deploys) afresh. Captured EPCIS documents and actors
    are kept; events sent or anchored go back to ``pending`` and their outbox items (and
    the actors' onboarding) are re-queued, to be anchored on the new chain in their
    original order. Refused (``rejected``/``failed``) ones stay as they are."""
    rows = clear_mirror(session)
    rows[ChainDeployment.__tablename__] = int(
        getattr(session.execute(delete(ChainDeployment)), "rowcount", 0) or 0
    )
    events = session.execute(
        update(EpcisEvent)
        .where(EpcisEvent.status.in_(("submitted", "anchored")))
        .values(status="pending", error="", tx_hash=None, block_number=None, log_index=None)
    )
    items = session.execute(
        update(OutboxItem)
        .where(OutboxItem.status == "done")
        .values(status="pending", attempts=0, tx_hash=None, last_error="")
    )
    return ResetSummary(
        mirror_rows=rows,
        events_reset=int(getattr(events, "rowcount", 0) or 0),
        outbox_requeued=int(getattr(items, "rowcount", 0) or 0),
    )


# Errors after which the follow loop waits and tries again: the node or the database is
# unreachable for a while. Anything else (ChainMismatch: reset chain, reorg too deep; a
# bug) stops it.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    ChainError,
    OSError,
    Web3Exception,
    OperationalError,
)


def run_sync(
    sessions: sessionmaker[Session],
    w3: Web3,
    ledger: Ledger,
    deployment: Deployment,
    *,
    follow: bool = False,
    poll_interval: float = 1.0,
    stop: threading.Event | None = None,
    backoff: Backoff | None = None,
    **options: Any,
) -> SyncResult:
    """Backfill to the head; with ``follow``, then keep up with new blocks until ``stop``.

    Idle, it sleeps ``poll_interval`` between polls; on a transient error it logs, waits
    (exponential backoff, capped) and resumes from the cursor. Each chunk is one SQL
    transaction, so the process may be killed at any point. ``options`` go to
    ``sync_once``. Returns the totals.
    """
    stop = stop or threading.Event()
    backoff = backoff or Backoff()
    ranges = options.pop("ranges", None) or new_ranges(
        options.get("chunk_blocks", DEFAULT_CHUNK_BLOCKS),
        options.get("target_logs", DEFAULT_TARGET_LOGS),
    )
    first: int | None = None
    last = total = reorgs = 0
    while not stop.is_set():
        try:
            result = sync_once(
                sessions, w3, ledger, deployment, ranges=ranges, stop=stop, **options
            )
        except TRANSIENT_ERRORS as exc:
            delay = backoff.next_delay()
            log.warning("sync failed, retrying in %.1fs: %s", delay, exc)
            stop.wait(delay)
            continue
        backoff.reset()
        first = result.from_block if first is None else first
        last = result.to_block
        total += result.logs
        reorgs += result.reorgs
        if not follow:
            break
        stop.wait(poll_interval)
    return SyncResult(first if first is not None else last + 1, last, total, reorgs)
