"""Fixtures for the ledger tests: one eth-tester chain and deployed ledger per module,
with actors onboarded once; each test runs on a fresh snapshot of that state."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from web3 import EthereumTesterProvider

from contracts.chains import dev_funder, memory_chain
from tests.contracts.ledger_world import World, build_world

if TYPE_CHECKING:
    from collections.abc import Iterator

    from contracts.ledger import Ledger


@pytest.fixture(scope="module")
def module_world() -> World:
    w3 = memory_chain()
    assert dev_funder(w3).address == w3.eth.accounts[0]
    return build_world(w3)


@pytest.fixture
def world(module_world: World) -> Iterator[World]:
    # web3's ``w3.testing`` module is untyped: speak to eth-tester directly.
    provider = module_world.w3.provider
    assert isinstance(provider, EthereumTesterProvider)
    tester = provider.ethereum_tester
    assert tester is not None
    snapshot = tester.take_snapshot()
    yield module_world
    tester.revert_to_snapshot(snapshot)


@pytest.fixture
def ledger(world: World) -> Ledger:
    return world.ledger
