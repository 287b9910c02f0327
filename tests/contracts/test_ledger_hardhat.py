"""The binding against a real Hardhat node: same flow, same decoded reverts as eth-tester."""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING

import pytest

from contracts.chains import HARDHAT_CHAIN_ID, HardhatNode, dev_funder, genesis_hash
from contracts.errors import ChainMismatch, LedgerRevert
from contracts.ledger import Calls, Deployment, Ledger
from contracts.merkle import MerkleTree
from contracts.types import BatchStatus, EventKind, Role
from tests.contracts.ledger_world import World, build_world, digest, new_batch_id

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

pytestmark = [pytest.mark.hardhat, pytest.mark.timeout(180)]


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture(scope="module")
def node() -> Iterator[HardhatNode]:
    with HardhatNode() as node:
        yield node


@pytest.fixture(scope="module")
def hh_world(node: HardhatNode) -> World:
    return build_world(node.web3())


class TestHardhatNode:
    def test_node_answers_on_chain_31337(self, node: HardhatNode) -> None:
        w3 = node.web3()
        assert w3.eth.chain_id == HARDHAT_CHAIN_ID
        assert dev_funder(w3).address == "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
        assert "Started HTTP and WebSocket JSON-RPC server" in node.log_path.read_text()

    def test_register_transform_transfer_runs(self, hh_world: World) -> None:
        world, ledger = hh_world, hh_world.ledger
        harvest = world.at_processor(300_000)
        out = new_batch_id()
        result = ledger.transform(world.processor, [harvest], [300_000], [out], [250_000], digest())
        assert [log.name for log in result.logs] == ["BatchTransformed"]
        ledger.transfer_custody(world.processor, out, world.exporter.address, digest())
        state = ledger.batch(out)
        assert (state.custodian, state.status) == (world.exporter.address, BatchStatus.ACTIVE)
        assert ledger.batch(harvest).status is BatchStatus.CONSUMED
        assert ledger.parents_of(out) == [harvest]

    def test_ship_receive_batch_write_and_history(self, hh_world: World) -> None:
        world, ledger = hh_world, hh_world.ledger
        lots = [world.harvest(1_000)[0] for _ in range(3)]
        ships = [digest() for _ in lots]
        calls = [
            Calls.ship(lot, world.processor.address, d) for lot, d in zip(lots, ships, strict=True)
        ]
        shipped = ledger.batch_write(world.coop, calls)
        assert [log.name for log in shipped.logs] == ["CustodyShipped"] * 3
        ledger.receive(world.processor, lots[0], digest())
        assert ledger.batch(lots[0]).custodian == world.processor.address
        assert ledger.batch(lots[1]).status is BatchStatus.IN_TRANSIT
        record = ledger.event_record(ships[2])  # eth_getLogs on the digest topic
        assert record is not None
        assert (record.batch_id, record.kind, record.block_number) == (
            lots[2],
            EventKind.CUSTODY,
            shipped.block_number,
        )
        assert ledger.role_at(world.coop.address, Role.COOPERATIVE, shipped.block_number)

    def test_merkle_inclusion_on_node(self, hh_world: World) -> None:
        digests = [digest() for _ in range(5)]
        tree = MerkleTree.build(digests)
        hh_world.ledger.anchor_merkle_root(hh_world.exporter, tree.root, tree.count, digest())
        assert hh_world.ledger.prove_inclusion(tree.root, digests[3], tree.proof(digests[3]))

    def test_revert_decodes_like_eth_tester(self, hh_world: World, module_world: World) -> None:
        def refusal(world: World) -> tuple[str, dict[str, object]]:
            source = world.at_processor(100)
            with pytest.raises(LedgerRevert) as info:
                world.ledger.transform(
                    world.processor, [source], [100], [new_batch_id()], [101], digest()
                )
            return info.value.error_name, info.value.args_by_name

        on_hardhat, on_tester = refusal(hh_world), refusal(module_world)
        assert on_hardhat == on_tester
        assert on_hardhat == (
            "OcopLedgerMassBalanceExceeded",
            {"inputTotal": 100, "outputTotal": 101, "yieldBps": 10_000},
        )

    def test_deployment_manifest_round_trips_and_checks(
        self, hh_world: World, tmp_path: Path, module_world: World
    ) -> None:
        path = tmp_path / "deployment.json"
        hh_world.deployment.save(path)
        loaded = Deployment.load(path)
        assert loaded == hh_world.deployment
        assert loaded.genesis_hash == genesis_hash(hh_world.w3)
        Ledger.from_deployment(hh_world.w3, loaded)  # same chain: accepted
        with pytest.raises(ChainMismatch, match="chain id"):
            loaded.check(module_world.w3)


def test_hardhat_node_stop_leaves_no_process() -> None:
    node = HardhatNode().start()
    assert node.running
    process = node._process
    assert process is not None
    pgid = process.pid
    node.stop()
    deadline = time.monotonic() + 5
    while _group_alive(pgid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _group_alive(pgid)
    assert not node.running
    node.stop()  # idempotent
