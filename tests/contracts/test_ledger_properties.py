"""Property: random sequences of splits, merges, transfers and over-draws never create
quantity. Each accepted step matches a Python model gram for gram; each refused step
changes nothing; the grams alive never exceed the grams harvested."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from web3 import EthereumTesterProvider

from contracts.errors import LedgerRevert
from contracts.types import BatchId, BatchStatus, Role
from tests.contracts.ledger_world import World, digest, new_batch_id

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount

HARVEST = 10_000

# (kind, a, b, c): indices pick batches and holders modulo what exists.
Op = tuple[str, int, int, int]
ops = st.lists(
    st.tuples(
        st.sampled_from(["split", "merge", "transfer", "overdraw", "yield"]),
        st.integers(0, 50),
        st.integers(0, 50),
        st.integers(1, 10_000),
    ),
    min_size=1,
    max_size=12,
)


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sequence=ops)
def test_no_sequence_creates_quantity(module_world: World, sequence: list[Op]) -> None:
    provider = module_world.w3.provider
    assert isinstance(provider, EthereumTesterProvider)
    tester = provider.ethereum_tester
    assert tester is not None
    snapshot = tester.take_snapshot()
    try:
        _run(module_world, sequence)
    finally:
        tester.revert_to_snapshot(snapshot)


def _run(world: World, sequence: list[Op]) -> None:
    ledger = world.ledger
    # Two processors hand batches to each other.
    ledger.onboard_actor(world.admin, world.exporter.address, Role.PROCESSOR, 1)
    holders: list[LocalAccount] = [world.processor, world.exporter]
    remaining: dict[BatchId, int] = {}
    holder: dict[BatchId, int] = {}
    for _ in range(2):
        batch_id = world.at_processor(HARVEST)
        remaining[batch_id], holder[batch_id] = HARVEST, 0
    harvested = sum(remaining.values())

    for kind, a, b, c in sequence:
        live = [i for i, grams in remaining.items() if grams > 0]
        if not live:
            break
        src = live[a % len(live)]
        who = holders[holder[src]]
        take = 1 + c % remaining[src]
        if kind == "split":
            if take < 2:
                continue
            outs = [new_batch_id(), new_batch_id()]
            quantities = [take // 2, take - take // 2]
            ledger.transform(who, [src], [take], outs, quantities, digest())
            remaining[src] -= take
            for out, grams in zip(outs, quantities, strict=True):
                remaining[out], holder[out] = grams, holder[src]
        elif kind == "merge":
            other = live[b % len(live)]
            out = new_batch_id()
            same_holder = holder[other] == holder[src] and other != src
            inputs = [src, other] if same_holder else [src]
            takes = [take, 1 + c % remaining[other]] if same_holder else [take]
            ledger.transform(who, inputs, takes, [out], [sum(takes)], digest())
            for batch_id, grams in zip(inputs, takes, strict=True):
                remaining[batch_id] -= grams
            remaining[out], holder[out] = sum(takes), holder[src]
        elif kind == "transfer":
            to = 1 - holder[src]
            ledger.transfer_custody(who, src, holders[to].address, digest())
            holder[src] = to
        elif kind == "yield":
            out = new_batch_id()
            bps = 1 + b * 199  # 1 .. 9951 basis points
            allowed = take * bps // 10_000
            with pytest.raises(LedgerRevert, match="OcopLedgerMassBalanceExceeded"):
                ledger.transform(who, [src], [take], [out], [allowed + 1], digest(), bps)
        else:  # overdraw: ask for more than is left
            with pytest.raises(LedgerRevert, match="OcopLedgerInsufficientQuantity"):
                ledger.transform(who, [src], [remaining[src] + 1], [new_batch_id()], [1], digest())

    on_chain = {batch_id: ledger.batch(batch_id) for batch_id in remaining}
    assert {i: s.remaining for i, s in on_chain.items()} == remaining
    assert sum(s.remaining for s in on_chain.values()) <= harvested
    for state in on_chain.values():
        assert state.remaining <= state.quantity
        expected = BatchStatus.CONSUMED if state.remaining == 0 else BatchStatus.ACTIVE
        assert state.status is expected
