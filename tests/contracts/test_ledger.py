"""OcopLedger through the Python binding on eth-tester: every write's success path with its
exact event, every custom error with its exact arguments."""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import pytest
from eth_typing import HexStr

from contracts.errors import ChainError, LedgerRevert
from contracts.ledger import LEDGER_EVENT_NAMES, Ledger, TxResult
from contracts.types import (
    ActorState,
    BatchState,
    BatchStatus,
    EventDigest,
    EventKind,
    Role,
    batch_id_of,
    step_code,
)
from tests.contracts.ledger_world import (
    BORDER_GATE_GLN,
    HARVEST_GRAMS,
    World,
    digest,
    new_batch_id,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

GAS: dict[str, int] = {}


@contextmanager
def reverts(error_name: str, **args: Any) -> Iterator[None]:
    with pytest.raises(LedgerRevert) as info:
        yield
    assert info.value.error_name == error_name
    assert info.value.args_by_name == args


def only_event(result: TxResult, name: str) -> dict[str, Any]:
    ledger_logs = [log for log in result.logs if log.name in LEDGER_EVENT_NAMES]
    assert [log.name for log in ledger_logs] == [name]
    return ledger_logs[0].args


def record_gas(name: str, result: TxResult) -> None:
    GAS[name] = result.gas_used
    assert 21_000 < result.gas_used < 1_000_000


# ------------------------------------------------------------------------------ actors


def test_onboard_actor_grants_role_and_emits(world: World) -> None:
    account = world.stranger.address
    name = digest("name")
    result = world.ledger.onboard_actor(world.admin, account, Role.LAB, 8930000000079, name)
    record_gas("onboardActor", result)
    assert only_event(result, "ActorOnboarded") == {
        "account": account,
        "role": Role.LAB.role_id,
        "gln": 8930000000079,
        "nameHash": name,
    }
    assert world.ledger.has_role(account, Role.LAB)
    assert world.ledger.actor(account) == ActorState(
        gln=8930000000079, active=True, roles=frozenset({Role.LAB}), name_hash=name
    )


def test_onboard_actor_reverts_for_non_admin(world: World) -> None:
    with reverts(
        "OcopLedgerUnauthorizedActor",
        account=world.coop.address,
        neededRole=Role.ADMIN.role_id,
    ):
        world.ledger.onboard_actor(world.coop, world.stranger.address, Role.LAB, 1)


def test_onboard_actor_reverts_for_admin_role(world: World) -> None:
    with reverts("OcopLedgerInvalidRole", role=Role.ADMIN.role_id):
        world.ledger.onboard_actor(world.admin, world.stranger.address, Role.ADMIN, 1)


def test_suspend_actor_blocks_writes(world: World) -> None:
    result = world.ledger.suspend_actor(world.admin, world.coop.address)
    record_gas("suspendActor", result)
    assert only_event(result, "ActorSuspended") == {
        "account": world.coop.address,
        "admin": world.admin.address,
    }
    assert world.ledger.actor(world.coop.address).active is False
    assert world.ledger.has_role(world.coop.address, Role.COOPERATIVE)  # role kept
    with reverts(
        "OcopLedgerUnauthorizedActor",
        account=world.coop.address,
        neededRole=Role.COOPERATIVE.role_id,
    ):
        world.harvest()


def test_suspend_actor_reverts_for_unknown_actor(world: World) -> None:
    with reverts("OcopLedgerUnknownActor", account=world.stranger.address):
        world.ledger.suspend_actor(world.admin, world.stranger.address)


def test_suspend_actor_reverts_for_non_admin(world: World) -> None:
    with reverts(
        "OcopLedgerUnauthorizedActor",
        account=world.lab.address,
        neededRole=Role.ADMIN.role_id,
    ):
        world.ledger.suspend_actor(world.lab, world.coop.address)


def test_onboard_actor_reactivates_suspended_actor(world: World) -> None:
    world.ledger.suspend_actor(world.admin, world.coop.address)
    world.ledger.onboard_actor(world.admin, world.coop.address, Role.COOPERATIVE, 42)
    assert world.ledger.actor(world.coop.address) == ActorState(
        gln=42, active=True, roles=frozenset({Role.COOPERATIVE})
    )
    world.harvest()


# ---------------------------------------------------------------------------- batches


def test_batch_id_of_matches_python(ledger: Ledger) -> None:
    for gtin, lot in [
        ("08930000000017", "TT-2025-001"),
        ("08936012340005", "Tả Phìn/09"),  # non-ASCII lot: UTF-8 on both sides
        ("", ""),
        ("1" * 14, "L" * 40),  # lot longer than one ABI word
    ]:
        assert ledger.batch_id_of(gtin, lot) == batch_id_of(gtin, lot)


def test_register_batch_stores_batch_and_emits(world: World) -> None:
    batch_id = new_batch_id()
    event = digest()
    result = world.ledger.register_batch(world.coop, batch_id, HARVEST_GRAMS, event)
    record_gas("registerBatch", result)
    assert only_event(result, "BatchRegistered") == {
        "batchId": batch_id,
        "actor": world.coop.address,
        "quantity": HARVEST_GRAMS,
        "eventHash": event,
    }
    assert world.ledger.batch(batch_id) == BatchState(
        batch_id=batch_id,
        custodian=world.coop.address,
        origin=world.coop.address,
        quantity=HARVEST_GRAMS,
        remaining=HARVEST_GRAMS,
        status=BatchStatus.ACTIVE,
    )
    record = world.ledger.event_record(event)
    assert record is not None
    assert (record.batch_id, record.actor, record.block_number, record.kind) == (
        batch_id,
        world.coop.address,
        result.block_number,
        EventKind.REGISTER,
    )


@pytest.mark.parametrize("role", [Role.PROCESSOR, Role.LAB, Role.EXPORTER, Role.CUSTOMS])
def test_register_batch_reverts_for_other_roles(world: World, role: Role) -> None:
    sender = world.actor_for(role)
    with reverts(
        "OcopLedgerUnauthorizedActor",
        account=sender.address,
        neededRole=Role.COOPERATIVE.role_id,
    ):
        world.ledger.register_batch(sender, new_batch_id(), 1, digest())


def test_register_batch_reverts_for_zero_quantity(world: World) -> None:
    with reverts("OcopLedgerZeroQuantity"):
        world.ledger.register_batch(world.coop, new_batch_id(), 0, digest())


def test_register_batch_reverts_for_existing_batch(world: World) -> None:
    batch_id, _ = world.harvest()
    with reverts("OcopLedgerBatchExists", batchId=batch_id):
        world.ledger.register_batch(world.coop, batch_id, 1, digest())


def test_event_record_is_the_first_anchoring_of_a_digest(world: World) -> None:
    # The contract keeps no per-digest storage (gas): a repeat is accepted, and the
    # first anchoring log is the authoritative record.
    event = digest()
    first_batch, second_batch = new_batch_id(), new_batch_id()
    first = world.ledger.register_batch(world.coop, first_batch, 1, event)
    world.ledger.register_batch(world.coop, second_batch, 1, event)
    record = world.ledger.event_record(event)
    assert record is not None
    assert (record.batch_id, record.block_number, record.tx_hash) == (
        first_batch,
        first.block_number,
        first.tx_hash,
    )


def test_register_batch_reverts_for_zero_event_hash(world: World) -> None:
    with reverts("OcopLedgerZeroEventHash"):
        world.ledger.register_batch(world.coop, new_batch_id(), 1, EventDigest(bytes(32)))


def test_event_record_is_none_when_never_anchored(ledger: Ledger) -> None:
    assert ledger.event_record(digest()) is None


def test_batch_is_none_status_when_unknown(ledger: Ledger) -> None:
    state = ledger.batch(new_batch_id())
    assert state.status is BatchStatus.NONE
    assert not state.exists


# ----------------------------------------------------------------------- recordEvent


def test_record_event_anchors_step_and_emits(world: World) -> None:
    batch_id, _ = world.harvest()
    event = digest()
    result = world.ledger.record_event(world.coop, batch_id, "drying", event)
    record_gas("recordEvent", result)
    assert only_event(result, "EventRecorded") == {
        "batchId": batch_id,
        "actor": world.coop.address,
        "stepCode": step_code("drying"),
        "eventHash": event,
    }
    record = world.ledger.event_record(event)
    assert record is not None
    assert record.kind is EventKind.STEP


def test_record_event_reverts_for_non_custodian(world: World) -> None:
    batch_id, _ = world.harvest()
    with reverts(
        "OcopLedgerNotCustodian",
        batchId=batch_id,
        account=world.processor.address,
        custodian=world.coop.address,
    ):
        world.ledger.record_event(world.processor, batch_id, "receiving", digest())


def test_record_event_reverts_for_unknown_batch(world: World) -> None:
    batch_id = new_batch_id()
    with reverts("OcopLedgerUnknownBatch", batchId=batch_id):
        world.ledger.record_event(world.coop, batch_id, "drying", digest())


def test_record_event_reverts_for_recalled_batch(world: World) -> None:
    batch_id, _ = world.harvest()
    world.ledger.recall(world.admin, batch_id, digest())
    with reverts("OcopLedgerBatchRecalled", batchId=batch_id):
        world.ledger.record_event(world.coop, batch_id, "drying", digest())


def test_record_event_reverts_for_non_actor(world: World) -> None:
    batch_id, _ = world.harvest()
    with reverts("OcopLedgerUnknownActor", account=world.admin.address):
        world.ledger.record_event(world.admin, batch_id, "drying", digest())


def test_step_code_refuses_long_or_non_ascii() -> None:
    assert step_code("drying") == b"drying" + bytes(26)
    with pytest.raises(ValueError, match="1 to 32"):
        step_code("x" * 33)
    with pytest.raises(ValueError, match="ASCII"):
        step_code("sấy")


# ------------------------------------------------------------------------- transform


def test_transform_splits_batch_and_emits(world: World) -> None:
    source = world.at_processor(HARVEST_GRAMS)
    out_a, out_b = new_batch_id(), new_batch_id()
    event = digest()
    result = world.ledger.transform(
        world.processor, [source], [HARVEST_GRAMS], [out_a, out_b], [200_000, 250_000], event
    )
    record_gas("transform(1->2)", result)
    assert only_event(result, "BatchTransformed") == {
        "eventHash": event,
        "actor": world.processor.address,
        "batchId": out_a,
        "inputIds": [source],
        "inputQuantities": [HARVEST_GRAMS],
        "outputIds": [out_a, out_b],
        "outputQuantities": [200_000, 250_000],
        "yieldBps": 10_000,
    }
    consumed = world.ledger.batch(source)
    assert (consumed.remaining, consumed.status) == (0, BatchStatus.CONSUMED)
    made = world.ledger.batch(out_b)
    assert (made.custodian, made.origin, made.quantity, made.status) == (
        world.processor.address,
        world.processor.address,
        250_000,
        BatchStatus.ACTIVE,
    )
    assert world.ledger.parents_of(out_a) == [source]
    assert world.ledger.parents_of(source) == []
    record = world.ledger.event_record(event)
    assert record is not None
    assert (record.batch_id, record.kind) == (out_a, EventKind.TRANSFORMATION)


def test_transform_merges_partial_inputs(world: World) -> None:
    first, second = world.at_processor(), world.at_processor()
    merged = new_batch_id()
    result = world.ledger.transform(
        world.processor, [first, second], [100_000, 300_000], [merged], [400_000], digest()
    )
    record_gas("transform(2->1)", result)
    assert world.ledger.batch(first).remaining == HARVEST_GRAMS - 100_000
    assert world.ledger.batch(first).status is BatchStatus.ACTIVE
    assert world.ledger.parents_of(merged) == [first, second]


def test_transform_reverts_for_mass_balance_exceeded(world: World) -> None:
    source = world.at_processor()
    with reverts(
        "OcopLedgerMassBalanceExceeded", inputTotal=500_000, outputTotal=600_000, yieldBps=10_000
    ):
        world.ledger.transform(
            world.processor, [source], [500_000], [new_batch_id()], [600_000], digest()
        )


def test_transform_reverts_for_insufficient_quantity(world: World) -> None:
    source = world.at_processor()
    with reverts(
        "OcopLedgerInsufficientQuantity",
        batchId=source,
        requested=HARVEST_GRAMS + 1,
        remaining=HARVEST_GRAMS,
    ):
        world.ledger.transform(
            world.processor, [source], [HARVEST_GRAMS + 1], [new_batch_id()], [1], digest()
        )


@pytest.mark.parametrize(
    ("n_in", "n_in_q", "n_out", "n_out_q"),
    [(0, 0, 1, 1), (1, 1, 0, 0), (1, 2, 1, 1), (1, 1, 2, 1)],
    ids=["no-inputs", "no-outputs", "input-mismatch", "output-mismatch"],
)
def test_transform_reverts_for_invalid_shape(
    world: World, n_in: int, n_in_q: int, n_out: int, n_out_q: int
) -> None:
    source = world.at_processor()
    with reverts("OcopLedgerInvalidArrays"):
        world.ledger.transform(
            world.processor,
            [source] * n_in,
            [1] * n_in_q,
            [new_batch_id() for _ in range(n_out)],
            [1] * n_out_q,
            digest(),
        )


def test_transform_reverts_for_non_custodian(world: World) -> None:
    batch_id, _ = world.harvest()  # still with the cooperative
    with reverts(
        "OcopLedgerNotCustodian",
        batchId=batch_id,
        account=world.processor.address,
        custodian=world.coop.address,
    ):
        world.ledger.transform(world.processor, [batch_id], [1], [new_batch_id()], [1], digest())


@pytest.mark.parametrize("role", [Role.COOPERATIVE, Role.LAB, Role.EXPORTER, Role.CUSTOMS])
def test_transform_reverts_for_other_roles(world: World, role: Role) -> None:
    sender = world.actor_for(role)
    with reverts(
        "OcopLedgerUnauthorizedActor",
        account=sender.address,
        neededRole=Role.PROCESSOR.role_id,
    ):
        world.ledger.transform(sender, [new_batch_id()], [1], [new_batch_id()], [1], digest())


def test_transform_reverts_for_unknown_input(world: World) -> None:
    missing = new_batch_id()
    with reverts("OcopLedgerUnknownBatch", batchId=missing):
        world.ledger.transform(world.processor, [missing], [1], [new_batch_id()], [1], digest())


def test_transform_reverts_for_existing_output(world: World) -> None:
    source = world.at_processor()
    with reverts("OcopLedgerBatchExists", batchId=source):
        world.ledger.transform(world.processor, [source], [10], [source], [5], digest())


def test_transform_reverts_for_zero_output(world: World) -> None:
    source = world.at_processor()
    with reverts("OcopLedgerZeroQuantity"):
        world.ledger.transform(world.processor, [source], [10], [new_batch_id()], [0], digest())


def test_transform_reverts_for_consumed_input(world: World) -> None:
    source = world.at_processor()
    world.ledger.transform(
        world.processor, [source], [HARVEST_GRAMS], [new_batch_id()], [1], digest()
    )
    with reverts("OcopLedgerBatchNotActive", batchId=source, status=BatchStatus.CONSUMED):
        world.ledger.transform(world.processor, [source], [1], [new_batch_id()], [1], digest())


def test_transform_reverts_for_recalled_input(world: World) -> None:
    source = world.at_processor()
    world.ledger.recall(world.coop, source, digest())
    with reverts("OcopLedgerBatchRecalled", batchId=source):
        world.ledger.transform(world.processor, [source], [1], [new_batch_id()], [1], digest())


# ------------------------------------------------------------------- transferCustody


def test_transfer_custody_moves_batch_and_emits(world: World) -> None:
    batch_id, _ = world.harvest()
    event = digest()
    result = world.ledger.transfer_custody(world.coop, batch_id, world.processor.address, event)
    record_gas("transferCustody", result)
    assert only_event(result, "CustodyTransferred") == {
        "batchId": batch_id,
        "actor": world.coop.address,
        "to": world.processor.address,
        "eventHash": event,
        "consented": False,
    }
    assert world.ledger.batch(batch_id).custodian == world.processor.address
    assert world.ledger.batch(batch_id).origin == world.coop.address


def test_transfer_custody_reverts_for_non_custodian(world: World) -> None:
    batch_id, _ = world.harvest()
    with reverts(
        "OcopLedgerNotCustodian",
        batchId=batch_id,
        account=world.exporter.address,
        custodian=world.coop.address,
    ):
        world.ledger.transfer_custody(world.exporter, batch_id, world.exporter.address, digest())


def test_transfer_custody_reverts_for_unknown_recipient(world: World) -> None:
    batch_id, _ = world.harvest()
    with reverts("OcopLedgerUnknownActor", account=world.stranger.address):
        world.ledger.transfer_custody(world.coop, batch_id, world.stranger.address, digest())


def test_transfer_custody_reverts_for_suspended_recipient(world: World) -> None:
    batch_id, _ = world.harvest()
    world.ledger.suspend_actor(world.admin, world.processor.address)
    with reverts("OcopLedgerUnknownActor", account=world.processor.address):
        world.ledger.transfer_custody(world.coop, batch_id, world.processor.address, digest())


def test_transfer_custody_reverts_for_recalled_batch(world: World) -> None:
    batch_id, _ = world.harvest()
    world.ledger.recall(world.coop, batch_id, digest())
    with reverts("OcopLedgerBatchRecalled", batchId=batch_id):
        world.ledger.transfer_custody(world.coop, batch_id, world.processor.address, digest())


def test_transfer_custody_reverts_for_unknown_batch(world: World) -> None:
    batch_id = new_batch_id()
    with reverts("OcopLedgerUnknownBatch", batchId=batch_id):
        world.ledger.transfer_custody(world.coop, batch_id, world.processor.address, digest())


# ----------------------------------------------------------------- attachCertificate


def test_attach_certificate_anchors_and_emits(world: World) -> None:
    batch_id, _ = world.harvest()
    document, event = digest("pdf"), digest()
    result = world.ledger.attach_certificate(world.lab, batch_id, document, 1_900_000_000, event)
    record_gas("attachCertificate", result)
    assert only_event(result, "CertificateAttached") == {
        "batchId": batch_id,
        "actor": world.lab.address,
        "documentHash": document,
        "validFrom": 0,
        "validUntil": 1_900_000_000,
        "eventHash": event,
    }
    record = world.ledger.event_record(event)
    assert record is not None
    assert record.kind is EventKind.CERTIFICATE


@pytest.mark.parametrize("role", [Role.COOPERATIVE, Role.PROCESSOR, Role.EXPORTER, Role.CUSTOMS])
def test_attach_certificate_reverts_for_other_roles(world: World, role: Role) -> None:
    batch_id, _ = world.harvest()
    sender = world.actor_for(role)
    with reverts(
        "OcopLedgerUnauthorizedActor", account=sender.address, neededRole=Role.LAB.role_id
    ):
        world.ledger.attach_certificate(sender, batch_id, digest(), 1, digest())


def test_attach_certificate_reverts_for_unknown_batch(world: World) -> None:
    batch_id = new_batch_id()
    with reverts("OcopLedgerUnknownBatch", batchId=batch_id):
        world.ledger.attach_certificate(world.lab, batch_id, digest(), 1, digest())


# ----------------------------------------------------------------------- clearExport


def test_clear_export_marks_exported_and_emits(world: World) -> None:
    batch_id, _ = world.harvest()
    declaration, event = digest("decl"), digest()
    result = world.ledger.clear_export(world.customs, batch_id, declaration, BORDER_GATE_GLN, event)
    record_gas("clearExport", result)
    assert only_event(result, "ExportCleared") == {
        "batchId": batch_id,
        "actor": world.customs.address,
        "declarationHash": declaration,
        "borderGateGln": BORDER_GATE_GLN,
        "eventHash": event,
    }
    assert world.ledger.batch(batch_id).status is BatchStatus.EXPORTED


@pytest.mark.parametrize("role", [Role.COOPERATIVE, Role.PROCESSOR, Role.LAB, Role.EXPORTER])
def test_clear_export_reverts_for_other_roles(world: World, role: Role) -> None:
    batch_id, _ = world.harvest()
    sender = world.actor_for(role)
    with reverts(
        "OcopLedgerUnauthorizedActor", account=sender.address, neededRole=Role.CUSTOMS.role_id
    ):
        world.ledger.clear_export(sender, batch_id, digest(), BORDER_GATE_GLN, digest())


def test_clear_export_reverts_for_recalled_batch(world: World) -> None:
    batch_id, _ = world.harvest()
    world.ledger.recall(world.admin, batch_id, digest())
    with reverts("OcopLedgerBatchRecalled", batchId=batch_id):
        world.ledger.clear_export(world.customs, batch_id, digest(), BORDER_GATE_GLN, digest())


def test_clear_export_reverts_when_already_exported(world: World) -> None:
    batch_id, _ = world.harvest()
    world.ledger.clear_export(world.customs, batch_id, digest(), BORDER_GATE_GLN, digest())
    with reverts("OcopLedgerBatchNotActive", batchId=batch_id, status=BatchStatus.EXPORTED):
        world.ledger.clear_export(world.customs, batch_id, digest(), BORDER_GATE_GLN, digest())


# ---------------------------------------------------------------------------- recall


def test_recall_by_origin_emits(world: World) -> None:
    batch_id, _ = world.harvest()
    reason = digest("reason")
    result = world.ledger.recall(world.coop, batch_id, reason)
    record_gas("recall", result)
    assert only_event(result, "BatchRecalled") == {
        "batchId": batch_id,
        "actor": world.coop.address,
        "reasonHash": reason,
    }
    assert world.ledger.batch(batch_id).status is BatchStatus.RECALLED


def test_recall_by_admin_works_on_exported_batch(world: World) -> None:
    batch_id, _ = world.harvest()
    world.ledger.clear_export(world.customs, batch_id, digest(), BORDER_GATE_GLN, digest())
    world.ledger.recall(world.admin, batch_id, digest())
    assert world.ledger.batch(batch_id).status is BatchStatus.RECALLED


def test_recall_reverts_for_other_actor(world: World) -> None:
    batch_id = world.at_processor()  # custodian is the processor, origin the cooperative
    with reverts("OcopLedgerUnauthorizedRecall", batchId=batch_id, account=world.processor.address):
        world.ledger.recall(world.processor, batch_id, digest())


def test_recall_reverts_for_suspended_origin(world: World) -> None:
    batch_id, _ = world.harvest()
    world.ledger.suspend_actor(world.admin, world.coop.address)
    with reverts("OcopLedgerUnauthorizedRecall", batchId=batch_id, account=world.coop.address):
        world.ledger.recall(world.coop, batch_id, digest())


def test_recall_reverts_when_already_recalled(world: World) -> None:
    batch_id, _ = world.harvest()
    world.ledger.recall(world.admin, batch_id, digest())
    with reverts("OcopLedgerBatchRecalled", batchId=batch_id):
        world.ledger.recall(world.admin, batch_id, digest())


def test_recall_reverts_for_unknown_batch(world: World) -> None:
    batch_id = new_batch_id()
    with reverts("OcopLedgerUnknownBatch", batchId=batch_id):
        world.ledger.recall(world.admin, batch_id, digest())


# --------------------------------------------------------------------------- plumbing


def test_revert_message_reads_like_solidity(world: World) -> None:
    source = world.at_processor()
    with pytest.raises(LedgerRevert) as info:
        world.ledger.transform(
            world.processor, [source], [500_000], [new_batch_id()], [600_000], digest()
        )
    assert str(info.value) == (
        "OcopLedgerMassBalanceExceeded(inputTotal=500000, outputTotal=600000, yieldBps=10000)"
    )
    assert isinstance(info.value, ChainError)


def test_failed_revert_mines_nothing(world: World) -> None:
    before = world.w3.eth.block_number
    with pytest.raises(LedgerRevert):
        world.ledger.register_batch(world.coop, new_batch_id(), 0, digest())
    assert world.w3.eth.block_number == before


def test_decode_log_reads_raw_hex_logs(world: World) -> None:
    batch_id, result = world.harvest()
    receipt = world.w3.eth.get_transaction_receipt(HexStr(result.tx_hash))
    raw: dict[str, Any] = dict(receipt["logs"][0])
    hexed = {
        "address": raw["address"],
        "topics": ["0x" + bytes(t).hex() for t in raw["topics"]],
        "data": "0x" + bytes(raw["data"]).hex(),
        "blockNumber": hex(raw["blockNumber"]),
        "blockHash": "0x" + bytes(raw["blockHash"]).hex(),
        "transactionHash": "0x" + bytes(raw["transactionHash"]).hex(),
        "transactionIndex": hex(raw["transactionIndex"]),
        "logIndex": hex(raw["logIndex"]),
    }
    decoded = world.ledger.decode_log(hexed)
    assert decoded == result.logs[0]
    assert decoded.args["batchId"] == batch_id
    assert world.ledger.decode_log({**hexed, "address": world.admin.address}) is None


def test_ledger_event_names_lists_every_event() -> None:
    assert {
        "ActorOnboarded",
        "ActorSuspended",
        "BatchRegistered",
        "EventRecorded",
        "BatchTransformed",
        "CustodyTransferred",
        "CertificateAttached",
        "ExportCleared",
        "BatchRecalled",
    } <= LEDGER_EVENT_NAMES


def test_gas_used_report(capsys: pytest.CaptureFixture[str]) -> None:
    """Runs last in this module: prints the gas each write used above (see -s or -rP)."""
    with capsys.disabled():
        for name, gas in sorted(GAS.items()):
            print(f"gas {name}: {gas}")
    assert all(gas > 21_000 for gas in GAS.values())
