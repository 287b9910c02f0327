"""Adaptive eth_getLogs ranges and retry backoff, against a test double of the one RPC
boundary they sit on (``ChainReader.logs``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from requests.exceptions import ConnectionError as RequestsConnectionError
from requests.exceptions import ReadTimeout

from chain_sync.errors import RpcError
from chain_sync.rpc import AdaptiveRange, Backoff, ChainReader, fetch_range, is_range_error


class RefusingNode(ChainReader):
    """Answers eth_getLogs only for ranges of at most ``limit`` blocks, with one log per
    range or ``per_block`` logs in each block; records each ask."""

    def __init__(self, limit: int, error: Exception, per_block: int = 0) -> None:
        self.limit = limit
        self.error = error
        self.per_block = per_block
        self.asked: list[tuple[int, int]] = []

    def logs(self, address: str, start: int, end: int) -> list[Mapping[str, Any]]:
        self.asked.append((start, end))
        if end - start + 1 > self.limit:
            raise self.error
        if not self.per_block:
            return [{"blockNumber": hex(start)}]
        return [{"blockNumber": hex(n)} for n in range(start, end + 1)] * self.per_block


TOO_MANY = RpcError("eth_getLogs", -32005, "query returned more than 10000 results")


@pytest.mark.parametrize(
    "error",
    [
        TOO_MANY,
        RpcError(
            "eth_getLogs",
            -32000,
            "Log response size exceeded. You can make eth_getLogs requests with up to a 2K "
            "block range",
        ),
        RpcError("eth_getLogs", -32602, "Requested range exceeds maximum range limit"),
        ReadTimeout("HTTPConnectionPool: Read timed out. (read timeout=30)"),
    ],
)
def test_fetch_range_halves_until_the_node_answers(error: Exception) -> None:
    node = RefusingNode(limit=100, error=error)
    ranges = AdaptiveRange(size=2_000)
    end, logs = fetch_range(node, "0x0", 10, 1_000_000, ranges)
    assert [size for size in (e - s + 1 for s, e in node.asked)] == [
        2_000,
        1_000,
        500,
        250,
        125,
        62,
    ]
    # The next range grows again, but stays below the smallest range refused (125).
    assert (end, ranges.size) == (71, 124)
    assert logs == [{"blockNumber": hex(10)}]


def _sizes(node: RefusingNode, ranges: AdaptiveRange, answers: int) -> list[int]:
    sizes, start = [], 0
    for _ in range(answers):
        end, _ = fetch_range(node, "0x0", start, 10**9, ranges)
        sizes.append(end - start + 1)
        start = end + 1
    return sizes


def test_fetch_range_grows_tenfold_over_sparse_blocks_up_to_the_maximum() -> None:
    node = RefusingNode(limit=10**9, error=TOO_MANY)
    assert _sizes(node, AdaptiveRange(size=1, maximum=350), 6) == [1, 10, 100, 350, 350, 350]


def test_fetch_range_aims_at_the_target_number_of_logs() -> None:
    node = RefusingNode(limit=10**9, error=TOO_MANY, per_block=40)
    ranges = AdaptiveRange(size=1, target_logs=1_000)
    assert _sizes(node, ranges, 5) == [1, 10, 25, 25, 25]  # 25 blocks x 40 logs = 1,000


def test_fetch_range_shrinks_when_the_chain_gets_denser() -> None:
    ranges = AdaptiveRange(size=2_000, target_logs=5_000)
    ranges.succeeded(0.2, blocks=2_000, logs=100_000)
    assert ranges.size == 100
    ranges.succeeded(0.2, blocks=100, logs=5_000_000)
    assert ranges.size == 1  # never below one block


def test_fetch_range_slow_answers_do_not_grow() -> None:
    ranges = AdaptiveRange(size=100, fast_seconds=1.0)
    ranges.succeeded(2.5, blocks=100, logs=1)
    assert ranges.size == 100
    ranges.succeeded(0.1, blocks=100, logs=1)
    assert ranges.size == 1_000


def test_fetch_range_never_asks_past_the_limit() -> None:
    node = RefusingNode(limit=10**9, error=TOO_MANY)
    end, _ = fetch_range(node, "0x0", 5, 7, AdaptiveRange(size=2_000))
    assert (end, node.asked) == (7, [(5, 7)])


def test_fetch_range_one_block_refused_raises_the_node_error() -> None:
    node = RefusingNode(limit=0, error=TOO_MANY)
    with pytest.raises(RpcError, match="more than 10000 results"):
        fetch_range(node, "0x0", 1, 100, AdaptiveRange(size=8))
    assert [e - s + 1 for s, e in node.asked] == [8, 4, 2, 1]


def test_fetch_range_node_down_is_not_a_range_problem() -> None:
    down = RequestsConnectionError("Connection refused")
    node = RefusingNode(limit=0, error=down)
    ranges = AdaptiveRange(size=64)
    with pytest.raises(RequestsConnectionError):
        fetch_range(node, "0x0", 1, 100, ranges)
    assert (len(node.asked), ranges.size) == (1, 64)
    assert not is_range_error(down)


def test_backoff_doubles_up_to_the_cap_and_resets() -> None:
    backoff = Backoff(initial=0.5, cap=3.0)
    assert [backoff.next_delay() for _ in range(5)] == [0.5, 1.0, 2.0, 3.0, 3.0]
    backoff.reset()
    assert backoff.next_delay() == 0.5
