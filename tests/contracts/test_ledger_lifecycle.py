"""OcopLedger v2 on eth-tester: actors and admins, two-step and signed custody, pallets,
certificates with revocation, consumption, yields, EPCIS anchoring, error declarations,
Merkle roots, batched writes, lineage recall, role history and the upgrade walk."""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import pytest

from contracts.errors import LedgerRevert
from contracts.ledger import Calls, Ledger, TxResult, deploy_ledger
from contracts.merkle import MerkleTree, merkle_leaf, verify_proof
from contracts.types import (
    ZERO_ADDRESS,
    BatchId,
    BatchStatus,
    EventDigest,
    EventKind,
    Role,
    step_code,
)
from tests.contracts.ledger_world import HARVEST_GRAMS, World, digest, new_batch_id

if TYPE_CHECKING:
    from collections.abc import Iterator


@contextmanager
def reverts(error_name: str, **args: Any) -> Iterator[None]:
    with pytest.raises(LedgerRevert) as info:
        yield
    assert (info.value.error_name, info.value.args_by_name) == (error_name, args)


def only_event(result: TxResult, name: str) -> dict[str, Any]:
    assert [log.name for log in result.logs] == [name]
    return result.logs[0].args


# ------------------------------------------------------------------------ actors, admins


def test_grant_admin_and_revoke_admin(world: World) -> None:
    result = world.ledger.grant_admin(world.admin, world.stranger.address)
    assert only_event(result, "ActorOnboarded") == {
        "account": world.stranger.address,
        "role": Role.ADMIN.role_id,
        "gln": 0,
        "nameHash": bytes(32),
    }
    world.ledger.onboard_actor(world.stranger, world.admin.address, Role.LAB, 1)  # a 2nd admin acts
    result = world.ledger.revoke_role(world.stranger, world.admin.address, Role.ADMIN)
    assert only_event(result, "ActorRoleRevoked") == {
        "account": world.admin.address,
        "role": Role.ADMIN.role_id,
        "admin": world.stranger.address,
    }
    assert not world.ledger.has_role(world.admin.address, Role.ADMIN)


def test_grant_admin_reverts_for_existing_admin(world: World) -> None:
    with reverts("OcopLedgerInvalidRole", role=Role.ADMIN.role_id):
        world.ledger.grant_admin(world.admin, world.admin.address)


def test_revoke_role_reverts_for_last_admin(world: World) -> None:
    with reverts("OcopLedgerLastAdmin", account=world.admin.address):
        world.ledger.revoke_role(world.admin, world.admin.address, Role.ADMIN)


def test_suspend_actor_reverts_for_last_admin(world: World) -> None:
    with reverts("OcopLedgerLastAdmin", account=world.admin.address):
        world.ledger.suspend_actor(world.admin, world.admin.address)


def test_revoke_role_reverts_for_role_not_held(world: World) -> None:
    with reverts("OcopLedgerInvalidRole", role=Role.LAB.role_id):
        world.ledger.revoke_role(world.admin, world.coop.address, Role.LAB)


def test_revoke_role_blocks_writes(world: World) -> None:
    world.ledger.revoke_role(world.admin, world.coop.address, Role.COOPERATIVE)
    with reverts(
        "OcopLedgerUnauthorizedActor",
        account=world.coop.address,
        neededRole=Role.COOPERATIVE.role_id,
    ):
        world.harvest()


def test_reinstate_actor_emits_and_allows_writes(world: World) -> None:
    world.ledger.suspend_actor(world.admin, world.coop.address)
    result = world.ledger.reinstate_actor(world.admin, world.coop.address)
    assert only_event(result, "ActorReinstated") == {
        "account": world.coop.address,
        "admin": world.admin.address,
    }
    world.harvest()


def test_reinstate_actor_reverts_for_active_actor(world: World) -> None:
    with reverts("OcopLedgerUnknownActor", account=world.coop.address):
        world.ledger.reinstate_actor(world.admin, world.coop.address)


def test_role_at_answers_for_past_blocks(world: World) -> None:
    _, before = world.harvest()
    suspended = world.ledger.suspend_actor(world.admin, world.coop.address)
    coop = world.coop.address
    assert world.ledger.role_at(coop, Role.COOPERATIVE, before.block_number)
    assert not world.ledger.role_at(coop, Role.COOPERATIVE, suspended.block_number)
    assert not world.ledger.role_at(coop, Role.LAB, before.block_number)
    # What it wrote before the suspension stays anchored.
    assert world.ledger.event_record(before.logs[0].args["eventHash"]) is not None


# ---------------------------------------------------------------------- ship, receive


def test_ship_then_receive_moves_custody(world: World) -> None:
    batch_id, _ = world.harvest()
    shipped_event, received_event = digest(), digest()
    shipped = world.ledger.ship(world.coop, batch_id, world.processor.address, shipped_event)
    assert only_event(shipped, "CustodyShipped") == {
        "eventHash": shipped_event,
        "batchId": batch_id,
        "actor": world.coop.address,
        "to": world.processor.address,
    }
    state = world.ledger.batch(batch_id)
    assert (state.status, state.custodian, state.consignee) == (
        BatchStatus.IN_TRANSIT,
        world.coop.address,
        world.processor.address,
    )
    received = world.ledger.receive(world.processor, batch_id, received_event)
    assert only_event(received, "CustodyReceived") == {
        "eventHash": received_event,
        "batchId": batch_id,
        "actor": world.processor.address,
    }
    state = world.ledger.batch(batch_id)
    assert (state.status, state.custodian, state.consignee) == (
        BatchStatus.ACTIVE,
        world.processor.address,
        ZERO_ADDRESS,
    )
    record = world.ledger.event_record(received_event)
    assert record is not None
    assert record.kind is EventKind.CUSTODY


def test_receive_reverts_for_other_actor(world: World) -> None:
    batch_id, _ = world.harvest()
    world.ledger.ship(world.coop, batch_id, world.processor.address, digest())
    with reverts("OcopLedgerNotConsignee", batchId=batch_id, account=world.exporter.address):
        world.ledger.receive(world.exporter, batch_id, digest())


def test_receive_reverts_when_not_shipped(world: World) -> None:
    batch_id, _ = world.harvest()
    with reverts("OcopLedgerNotConsignee", batchId=batch_id, account=world.coop.address):
        world.ledger.receive(world.coop, batch_id, digest())


def test_ship_reverts_to_self(world: World) -> None:
    batch_id, _ = world.harvest()
    with reverts("OcopLedgerSelfTransfer", batchId=batch_id, account=world.coop.address):
        world.ledger.ship(world.coop, batch_id, world.coop.address, digest())


def test_batch_in_transit_cannot_move_again(world: World) -> None:
    batch_id, _ = world.harvest()
    world.ledger.ship(world.coop, batch_id, world.processor.address, digest())
    with reverts("OcopLedgerBatchNotActive", batchId=batch_id, status=BatchStatus.IN_TRANSIT):
        world.ledger.transfer_custody(world.coop, batch_id, world.exporter.address, digest())


def test_cancel_shipment_returns_batch(world: World) -> None:
    batch_id, _ = world.harvest()
    world.ledger.ship(world.coop, batch_id, world.processor.address, digest())
    event = digest()
    result = world.ledger.cancel_shipment(world.coop, batch_id, event)
    assert only_event(result, "ShipmentCancelled") == {
        "eventHash": event,
        "batchId": batch_id,
        "actor": world.coop.address,
    }
    assert world.ledger.batch(batch_id).status is BatchStatus.ACTIVE


def test_cancel_shipment_reverts_when_not_in_transit(world: World) -> None:
    batch_id, _ = world.harvest()
    with reverts("OcopLedgerBatchNotActive", batchId=batch_id, status=BatchStatus.ACTIVE):
        world.ledger.cancel_shipment(world.coop, batch_id, digest())


# ------------------------------------------------------------------- signed handover


def test_transfer_with_consent_moves_custody(world: World) -> None:
    batch_id, _ = world.harvest()
    event, deadline = digest(), 2**40
    signature = world.ledger.consent_signature(
        world.processor, batch_id, world.coop.address, event, deadline
    )
    result = world.ledger.transfer_with_consent(
        world.coop, batch_id, world.processor.address, event, deadline, signature
    )
    assert only_event(result, "CustodyTransferred") == {
        "eventHash": event,
        "batchId": batch_id,
        "actor": world.coop.address,
        "to": world.processor.address,
        "consented": True,
    }
    assert world.ledger.batch(batch_id).custodian == world.processor.address


@pytest.mark.parametrize("fault", ["other-signer", "expired", "other-event"])
def test_transfer_with_consent_reverts_for_bad_consent(world: World, fault: str) -> None:
    batch_id, _ = world.harvest()
    event, deadline = digest(), 2**40
    signer = world.exporter if fault == "other-signer" else world.processor
    signed_deadline = 1 if fault == "expired" else deadline
    signed_event = digest() if fault == "other-event" else event
    signature = world.ledger.consent_signature(
        signer, batch_id, world.coop.address, signed_event, signed_deadline
    )
    with reverts("OcopLedgerInvalidConsent", batchId=batch_id, to=world.processor.address):
        world.ledger.transfer_with_consent(
            world.coop, batch_id, world.processor.address, event, signed_deadline, signature
        )


# --------------------------------------------------------------------------- pallets


def _two_lots_at_exporter(world: World) -> tuple[BatchId, BatchId]:
    lots = []
    for _ in range(2):
        batch_id, _ = world.harvest(1_000)
        world.ledger.transfer_custody(world.coop, batch_id, world.exporter.address, digest())
        lots.append(batch_id)
    return lots[0], lots[1]


def test_aggregate_and_disaggregate_pallet(world: World) -> None:
    first, second = _two_lots_at_exporter(world)
    pallet, event = new_batch_id("SSCC-1"), digest()
    result = world.ledger.aggregate(world.exporter, pallet, [first, second], event)
    assert only_event(result, "PalletAggregated") == {
        "eventHash": event,
        "batchId": pallet,
        "actor": world.exporter.address,
        "childIds": [first, second],
    }
    state = world.ledger.batch(pallet)
    assert (state.is_pallet, state.quantity, state.custodian) == (
        True,
        2_000,
        world.exporter.address,
    )
    child = world.ledger.batch(first)
    assert (child.status, child.custodian) == (BatchStatus.AGGREGATED, ZERO_ADDRESS)
    # The pallet moves as one; its children follow it.
    world.ledger.transfer_custody(world.exporter, pallet, world.processor.address, digest())
    event = digest()
    result = world.ledger.disaggregate(world.processor, pallet, [first], event)
    assert only_event(result, "PalletDisaggregated") == {
        "eventHash": event,
        "batchId": pallet,
        "actor": world.processor.address,
        "childIds": [first],
    }
    child = world.ledger.batch(first)
    assert (child.status, child.custodian) == (BatchStatus.ACTIVE, world.processor.address)
    assert world.ledger.batch(pallet).remaining == 1_000
    world.ledger.disaggregate(world.processor, pallet, [second], digest())
    assert world.ledger.batch(pallet).status is BatchStatus.CONSUMED


def test_aggregated_child_cannot_move_alone(world: World) -> None:
    first, second = _two_lots_at_exporter(world)
    world.ledger.aggregate(world.exporter, new_batch_id(), [first, second], digest())
    with reverts("OcopLedgerBatchNotActive", batchId=first, status=BatchStatus.AGGREGATED):
        world.ledger.transfer_custody(world.exporter, first, world.processor.address, digest())


def test_disaggregate_reverts_for_child_of_other_pallet(world: World) -> None:
    first, second = _two_lots_at_exporter(world)
    world.ledger.aggregate(world.exporter, new_batch_id(), [first], digest())
    other = new_batch_id()
    world.ledger.aggregate(world.exporter, other, [second], digest())
    with reverts("OcopLedgerNotOnPallet", palletId=other, childId=first):
        world.ledger.disaggregate(world.exporter, other, [first], digest())


def test_disaggregate_reverts_for_plain_batch(world: World) -> None:
    first, second = _two_lots_at_exporter(world)
    with reverts("OcopLedgerNotPallet", batchId=first):
        world.ledger.disaggregate(world.exporter, first, [second], digest())


def test_aggregate_reverts_for_empty_pallet(world: World) -> None:
    with reverts("OcopLedgerInvalidArrays"):
        world.ledger.aggregate(world.exporter, new_batch_id(), [], digest())


def test_is_recalled_sees_recalled_pallet(world: World) -> None:
    first, second = _two_lots_at_exporter(world)
    pallet = new_batch_id()
    world.ledger.aggregate(world.exporter, pallet, [first, second], digest())
    world.ledger.recall(world.admin, pallet, digest())
    fn = world.ledger.contract.functions.isRecalled
    assert fn(first, [pallet]).call() is True
    assert fn(first, []).call() is False


# ---------------------------------------------------------- certificates, consumption


def test_certificates_lists_and_revocation(world: World) -> None:
    batch_id, _ = world.harvest()
    document, event = digest("pdf"), digest()
    world.ledger.attach_certificate(world.lab, batch_id, document, 2_000, event, valid_from=1_000)
    reason = digest("why")
    result = world.ledger.revoke_certificate(
        world.lab, batch_id, document, world.lab.address, reason
    )
    cert_id = world.ledger.certificate_id(batch_id, document, world.lab.address)
    assert only_event(result, "CertificateRevoked") == {
        "certificateId": cert_id,
        "batchId": batch_id,
        "actor": world.lab.address,
        "reasonHash": reason,
    }
    on_chain_id = world.ledger.contract.functions.certificateIdOf(
        batch_id, document, world.lab.address
    ).call()
    assert bytes(on_chain_id) == cert_id
    [cert] = world.ledger.certificates(batch_id)
    assert (cert.valid_from, cert.valid_until, cert.lab, cert.event_digest) == (
        1_000,
        2_000,
        world.lab.address,
        event,
    )
    assert cert.revoked_at > 2_000  # revoked now, long after its window
    assert cert.valid_at(1_500)
    assert not cert.valid_at(2_001)
    assert not cert.valid_at(cert.revoked_at)


def test_revoke_certificate_reverts_twice(world: World) -> None:
    batch_id, _ = world.harvest()
    document = digest()
    world.ledger.revoke_certificate(world.admin, batch_id, document, world.lab.address, digest())
    cert_id = world.ledger.certificate_id(batch_id, document, world.lab.address)
    with reverts("OcopLedgerCertificateRevoked", certificateId=cert_id):
        world.ledger.revoke_certificate(world.lab, batch_id, document, world.lab.address, digest())


def test_revoke_certificate_reverts_for_other_lab(world: World) -> None:
    batch_id, _ = world.harvest()
    with reverts(
        "OcopLedgerUnauthorizedRevocation", account=world.coop.address, lab=world.lab.address
    ):
        world.ledger.revoke_certificate(world.coop, batch_id, digest(), world.lab.address, digest())


def test_attach_certificate_reverts_for_inverted_validity(world: World) -> None:
    batch_id, _ = world.harvest()
    with reverts("OcopLedgerInvalidValidity", validFrom=10, validUntil=10):
        world.ledger.attach_certificate(world.lab, batch_id, digest(), 10, digest(), valid_from=10)


def test_consume_batch_marks_consumed(world: World) -> None:
    batch_id, _ = world.harvest()
    event = digest()
    result = world.ledger.consume_batch(world.coop, batch_id, event)
    assert only_event(result, "BatchConsumed") == {
        "eventHash": event,
        "batchId": batch_id,
        "actor": world.coop.address,
    }
    state = world.ledger.batch(batch_id)
    assert (state.status, state.remaining) == (BatchStatus.CONSUMED, 0)


# ---------------------------------------------------------------------- yield, recall


def test_transform_with_declared_yield(world: World) -> None:
    fresh = world.at_processor(500_000)
    dried = new_batch_id()
    world.ledger.transform(
        world.processor, [fresh], [500_000], [dried], [100_000], digest(), yield_bps=2_000
    )
    with reverts(
        "OcopLedgerMassBalanceExceeded", inputTotal=100_000, outputTotal=20_001, yieldBps=2_000
    ):
        world.ledger.transform(
            world.processor, [dried], [100_000], [new_batch_id()], [20_001], digest(), 2_000
        )


@pytest.mark.parametrize("yield_bps", [0, 10_001])
def test_transform_reverts_for_invalid_yield(world: World, yield_bps: int) -> None:
    source = world.at_processor()
    with reverts("OcopLedgerInvalidYield", yieldBps=yield_bps):
        world.ledger.transform(
            world.processor, [source], [1], [new_batch_id()], [1], digest(), yield_bps
        )


def test_recall_is_visible_for_every_descendant(world: World) -> None:
    harvest = world.at_processor()
    dried, sliced = new_batch_id(), new_batch_id()
    world.ledger.transform(world.processor, [harvest], [500_000], [dried], [100_000], digest())
    world.ledger.transform(world.processor, [dried], [100_000], [sliced], [90_000], digest())
    assert world.ledger.ancestors_of(sliced) == [dried, harvest]
    assert not world.ledger.is_recalled(sliced)
    world.ledger.recall(world.coop, harvest, digest())  # origin recalls a consumed batch
    assert world.ledger.is_recalled(sliced)
    assert world.ledger.batch(sliced).status is BatchStatus.ACTIVE  # its own state


# ------------------------------------------------------------------------- anchoring


def test_anchor_events_emits_one_log_per_digest(world: World) -> None:
    digests = [digest(), digest()]
    result = world.ledger.anchor_events(world.lab, digests)
    assert [log.args for log in result.logs] == [
        {"eventHash": d, "actor": world.lab.address} for d in digests
    ]
    record = world.ledger.event_record(digests[1])
    assert record is not None
    assert (record.kind, record.batch_id, record.actor) == (
        EventKind.EPCIS,
        bytes(32),
        world.lab.address,
    )


def test_anchor_events_reverts_for_zero_digest(world: World) -> None:
    with reverts("OcopLedgerZeroEventHash"):
        world.ledger.anchor_events(world.lab, [digest(), bytes(32)])  # type: ignore[list-item]


def test_anchor_events_reverts_for_empty_list(world: World) -> None:
    with reverts("OcopLedgerInvalidArrays"):
        world.ledger.anchor_events(world.lab, [])


def test_anchor_events_reverts_for_stranger(world: World) -> None:
    with reverts("OcopLedgerUnknownActor", account=world.stranger.address):
        world.ledger.anchor_events(world.stranger, [digest()])


def test_declare_error_anchors_correction(world: World) -> None:
    _, registered = world.harvest()
    wrong = registered.logs[0].args["eventHash"]
    correction = digest()
    result = world.ledger.declare_error(world.coop, wrong, correction)
    assert only_event(result, "ErrorDeclared") == {
        "eventHash": correction,
        "erroneousEventHash": wrong,
        "actor": world.coop.address,
        "reasonCode": step_code("incorrect_data"),
    }
    record = world.ledger.event_record(correction)
    assert record is not None
    assert record.kind is EventKind.ERROR_DECLARATION


def test_declare_error_reverts_for_stranger(world: World) -> None:
    with reverts("OcopLedgerUnknownActor", account=world.stranger.address):
        world.ledger.declare_error(world.stranger, digest(), digest())


def test_merkle_root_anchor_and_inclusion(world: World) -> None:
    digests = [digest(f"scan{i}") for i in range(7)]
    tree = MerkleTree.build(digests)
    metadata = digest("meta")
    result = world.ledger.anchor_merkle_root(world.exporter, tree.root, tree.count, metadata)
    assert only_event(result, "MerkleRootAnchored") == {
        "root": tree.root,
        "actor": world.exporter.address,
        "count": 7,
        "metadataHash": metadata,
    }
    record = world.ledger.merkle_root(tree.root)
    assert record is not None
    assert (record.actor, record.count, record.block_number) == (
        world.exporter.address,
        7,
        result.block_number,
    )
    for d in digests:
        proof = tree.proof(d)
        assert verify_proof(tree.root, d, proof)
        assert world.ledger.prove_inclusion(tree.root, d, proof)
    assert not world.ledger.prove_inclusion(tree.root, digest(), tree.proof(digests[0]))
    leaf = world.ledger.contract.functions.merkleLeaf(digests[0]).call()
    assert bytes(leaf) == merkle_leaf(digests[0])


def test_prove_inclusion_is_false_for_unanchored_root(world: World) -> None:
    tree = MerkleTree.build([digest(), digest()])
    d = EventDigest(tree.levels[0][0])
    assert world.ledger.merkle_root(tree.root) is None
    assert not world.ledger.prove_inclusion(tree.root, d, [])


def test_anchor_merkle_root_reverts_twice(world: World) -> None:
    root = digest()
    world.ledger.anchor_merkle_root(world.exporter, root, 1, digest())
    with reverts("OcopLedgerRootAlreadyAnchored", root=root):
        world.ledger.anchor_merkle_root(world.lab, root, 1, digest())


def test_anchor_merkle_root_reverts_for_zero_count(world: World) -> None:
    root = digest()
    with reverts("OcopLedgerInvalidMerkleRoot", root=root, count=0):
        world.ledger.anchor_merkle_root(world.exporter, root, 0, digest())


# --------------------------------------------------------------------- batched writes


def test_batch_write_runs_every_call(world: World) -> None:
    lots = [world.harvest()[0] for _ in range(3)]
    events = [digest() for _ in lots]
    calls = [Calls.record_event(b, "drying", e) for b, e in zip(lots, events, strict=True)]
    result = world.ledger.batch_write(world.coop, calls)
    assert [log.args["eventHash"] for log in result.logs] == events
    assert all(world.ledger.event_record(e) is not None for e in events)


def test_batch_write_is_all_or_nothing(world: World) -> None:
    batch_id, _ = world.harvest()
    missing = new_batch_id()
    good, bad = digest(), digest()
    before = world.w3.eth.block_number
    with reverts("OcopLedgerUnknownBatch", batchId=missing):
        world.ledger.batch_write(
            world.coop,
            [Calls.record_event(batch_id, "drying", good), Calls.record_event(missing, "x", bad)],
        )
    assert world.w3.eth.block_number == before
    assert world.ledger.event_record(good) is None


# ---------------------------------------------------------------------------- upgrade


def _v2(world: World) -> Ledger:
    deployment = deploy_ledger(world.w3, world.admin, predecessor=world.ledger.address)
    return Ledger(world.w3, deployment.address, from_block=deployment.deploy_block)


def _onboard_all(world: World, ledger: Ledger) -> None:
    for role in (Role.COOPERATIVE, Role.PROCESSOR, Role.LAB, Role.EXPORTER, Role.CUSTOMS):
        ledger.onboard_actor(world.admin, world.actor_for(role).address, role, 1)


def _deploy_registry(world: World) -> Any:
    from contracts.build import artifact_path, load_artifact
    from contracts.ledger import deploy_contract

    receipt = deploy_contract(world.w3, world.admin, "OcopLedgerRegistry", [world.admin.address])
    abi = load_artifact(artifact_path("OcopLedgerRegistry"))["abi"]
    return world.w3.eth.contract(address=receipt["contractAddress"], abi=abi)


def _publish(world: World, registry: Any, ledger: Ledger) -> None:
    from contracts.chains import send_signed

    data = registry.encode_abi("publish", args=[ledger.address, bytes(32)])
    receipt = send_signed(
        world.w3, world.admin, {"to": registry.address, "data": data, "gas": 200_000}
    )
    assert receipt["status"] == 1


def test_upgrade_walk_registry_retire_import(world: World) -> None:
    registry = _deploy_registry(world)
    _publish(world, registry, world.ledger)
    assert registry.functions.current().call() == world.ledger.address
    batch_id, _ = world.harvest()

    v2 = _v2(world)
    _onboard_all(world, v2)
    _publish(world, registry, v2)
    assert registry.functions.current().call() == v2.address
    assert [v[0] for v in registry.functions.versions().call()] == [
        world.ledger.address,
        v2.address,
    ]
    result = world.ledger.retire(world.admin, v2.address)
    assert only_event(result, "LedgerRetired") == {
        "successor": v2.address,
        "admin": world.admin.address,
    }
    # Seal v1: suspend every actor in one transaction (retire itself costs nothing per write).
    actors = [world.actor_for(r).address for r in (Role.COOPERATIVE, Role.PROCESSOR)]
    world.ledger.batch_write(world.admin, [Calls.suspend_actor(a) for a in actors])
    with reverts(
        "OcopLedgerUnauthorizedActor",
        account=world.coop.address,
        neededRole=Role.COOPERATIVE.role_id,
    ):
        world.harvest()

    imported = v2.import_batch(world.coop, batch_id)
    assert [log.name for log in imported.logs] == ["BatchImported"]
    assert world.ledger.batch(batch_id).status is BatchStatus.MIGRATED
    state = v2.batch(batch_id)
    assert (state.status, state.custodian, state.origin, state.remaining) == (
        BatchStatus.ACTIVE,
        world.coop.address,
        world.coop.address,
        HARVEST_GRAMS,
    )
    v2.transfer_custody(world.coop, batch_id, world.processor.address, digest())
    with reverts("OcopLedgerBatchNotActive", batchId=batch_id, status=BatchStatus.MIGRATED):
        world.ledger.clear_export(world.customs, batch_id, digest(), 1, digest())


def test_import_batch_reverts_without_predecessor(world: World) -> None:
    with reverts("OcopLedgerNoPredecessor"):
        world.ledger.import_batch(world.coop, new_batch_id())


def test_migrate_out_reverts_for_non_successor(world: World) -> None:
    v2 = _v2(world)
    _onboard_all(world, v2)
    batch_id, _ = world.harvest()
    with reverts("OcopLedgerNotSuccessor", account=v2.address):
        v2.import_batch(world.coop, batch_id)  # v1 was never retired in favour of v2


def test_retire_reverts_for_contract_not_continuing(world: World) -> None:
    other = deploy_ledger(world.w3, world.admin)  # no predecessor
    with reverts("OcopLedgerNotSuccessor", account=other.address):
        world.ledger.retire(world.admin, other.address)
