"""The gas goals of issue 4, asserted: gas is deterministic, so a regression fails here.
The figures come from ``bench.gas.run.measure`` (the same run prints them as JSON)."""

from __future__ import annotations

from typing import Any

import pytest

from bench.gas.run import GOALS, measure


@pytest.fixture(scope="module")
def figures() -> dict[str, Any]:
    return measure()


def test_every_lifecycle_event_is_at_most_50k_gas(figures: dict[str, Any]) -> None:
    goal = figures["goals"]["lifecycle_event"]
    assert goal["gas"] <= GOALS["lifecycle_event_max_gas"], goal


def test_batch_of_50_is_at_most_15k_gas_per_event(figures: dict[str, Any]) -> None:
    batch = figures["batch_of_50"]
    assert batch["recordEvent_per_event"] <= GOALS["batch_of_50_per_event_max_gas"]
    assert batch["ship_per_event"] <= GOALS["batch_of_50_per_event_max_gas"]


def test_merkle_anchor_of_1000_is_at_most_100_gas_per_event(figures: dict[str, Any]) -> None:
    assert figures["merkle_1000"]["per_event"] <= GOALS["merkle_1000_per_event_max_gas"]


def test_floor_is_below_every_ledger_write(figures: dict[str, Any]) -> None:
    floor = figures["floor"]["single"]
    assert all(ratio >= 1 for ratio in figures["ratio_to_floor"].values())
    assert 21_000 < floor < 30_000
