"""The JSON-RPC calls the sync makes, and how it copes with a node that says "too much".

``ChainReader`` speaks raw JSON-RPC to HTTP nodes (no web3 result formatters: the decoder
reads hex strings directly) and batches block-header requests; other providers (the
in-process eth-tester chain) go through web3. ``AdaptiveRange`` sizes ``eth_getLogs``
block ranges for answers of about a target number of logs, and halves them on "too many
results" / response-size / time-out errors. ``Backoff`` spaces retries after RPC
failures.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from web3 import HTTPProvider
from web3.types import RPCEndpoint

from chain_sync.errors import RpcError
from chain_sync.gcpause import paused_gc
from contracts.ledger import hex_int, hex_text

# Words in the error messages of Geth, Besu, Erigon, Alchemy, Infura, QuickNode and
# Hardhat when an eth_getLogs range is too large (too many logs, response too big, a
# block-range cap, or the node timing out on it).
_RANGE_ERROR_MARKERS = (
    "too many",
    "more than",
    "query returned",
    "response size",
    "response is too big",
    "limit exceeded",
    "exceeds",
    "exceeded",
    "range limit",
    "block range",
    "timeout",
    "timed out",
)


def is_range_error(exc: BaseException) -> bool:
    """Whether ``exc`` means "ask for fewer blocks" rather than "the node is down"."""
    if isinstance(exc, TimeoutError):
        return True
    # requests' ReadTimeout (raised by web3's HTTPProvider) without importing requests.
    if type(exc).__name__ in ("ReadTimeout", "Timeout", "ReadTimeoutError"):
        return True
    message = str(exc).lower()
    return any(marker in message for marker in _RANGE_ERROR_MARKERS)


ZERO_HASH = "0x" + "00" * 32
"""The parent hash of a block whose parent the node does not know (``hardhat_mine``)."""


@dataclass(frozen=True, slots=True)
class BlockRef:
    """A block's identity: what the mirror needs to detect a reorg."""

    number: int
    hash: str
    parent_hash: str


def _block_ref(raw: Mapping[str, Any]) -> BlockRef:
    return BlockRef(
        number=hex_int(raw["number"]),
        hash=hex_text(raw["hash"]),
        parent_hash=hex_text(raw["parentHash"]),
    )


class ChainReader:
    """Head, block headers and ledger logs, as cheaply as the provider allows."""

    def __init__(self, w3: Any) -> None:
        self.w3 = w3
        provider = w3.provider
        self._http: HTTPProvider | None = provider if isinstance(provider, HTTPProvider) else None

    def _request(self, method: str, params: Sequence[Any]) -> Any:
        assert self._http is not None
        answer: Any = self._http.make_request(RPCEndpoint(method), list(params))
        error = answer.get("error")
        if error:
            raise RpcError(method, error.get("code"), str(error.get("message", error)))
        return answer.get("result")

    def head(self) -> int:
        """The latest block number."""
        if self._http is None:
            return int(self.w3.eth.block_number)
        return int(self._request("eth_blockNumber", []), 16)

    def blocks(self, numbers: Iterable[int]) -> dict[int, BlockRef | None]:
        """Headers of ``numbers`` (None for a block the chain does not have), in one
        JSON-RPC batch on HTTP nodes.

        A header whose parent hash is all zeros (Hardhat's ``hardhat_mine(n > 1)`` leaves
        it unknown) gets the hash of block ``number - 1`` instead: read from the same
        answer when asked for, else in one more batch. Such a link is by number, not by
        hash; the sync's re-read of the range's last header and its cursor check still
        see a chain that changed meanwhile."""
        found = self._headers(numbers)
        unknown = [
            n
            for n, ref in found.items()
            if ref is not None and n > 0 and ref.parent_hash == ZERO_HASH
        ]
        if not unknown:
            return found
        parents = {n - 1 for n in unknown} - found.keys()
        extra = self._headers(parents) if parents else {}
        for n in unknown:
            ref = found[n]
            parent = found[n - 1] if n - 1 in found else extra.get(n - 1)
            if ref is not None and parent is not None:
                found[n] = BlockRef(ref.number, ref.hash, parent.hash)
        return found

    def _headers(self, numbers: Iterable[int]) -> dict[int, BlockRef | None]:
        """The headers of ``numbers`` as the node gives them."""
        wanted = sorted(set(numbers))
        if not wanted:
            return {}
        if self._http is None:
            return {n: self._tester_block(n) for n in wanted}
        calls = [(RPCEndpoint("eth_getBlockByNumber"), [hex(n), False]) for n in wanted]
        answers: Any = self._http.make_batch_request(cast("Any", calls))
        if isinstance(answers, dict):  # the whole batch was refused
            refusal: Any = answers.get("error") or {}
            raise RpcError("eth_getBlockByNumber", refusal.get("code"), str(refusal))
        by_id = sorted(answers, key=lambda a: int(a.get("id", 0)))
        found: dict[int, BlockRef | None] = {}
        for number, answer in zip(wanted, by_id, strict=True):
            error = answer.get("error")
            if error:
                raise RpcError("eth_getBlockByNumber", error.get("code"), str(error))
            result = answer.get("result")
            found[number] = _block_ref(result) if result else None
        return found

    def _tester_block(self, number: int) -> BlockRef | None:
        from web3.exceptions import BlockNotFound

        try:
            return _block_ref(self.w3.eth.get_block(number))
        except BlockNotFound:
            return None

    def logs(self, address: str, start: int, end: int) -> list[Mapping[str, Any]]:
        """Every log of ``address`` in blocks ``start..end``, as the node returns them."""
        params = {"address": address, "fromBlock": hex(start), "toBlock": hex(end)}
        if self._http is None:
            found: list[Mapping[str, Any]] = self.w3.eth.get_logs(
                {"address": address, "fromBlock": start, "toBlock": end}
            )
            return found
        with paused_gc():  # a large answer parses several times faster
            result: list[Mapping[str, Any]] = self._request("eth_getLogs", [params])
        return result


@dataclass
class AdaptiveRange:
    """How many blocks the next ``eth_getLogs`` asks for.

    Aims at answers of about ``target_logs`` logs: after each answer, the next range is
    the one that would have held ``target_logs`` logs at the density just seen, grown at
    most ``max_growth`` times per answer (and not at all after an answer slower than
    ``fast_seconds``), within ``minimum..maximum``. A chain's density is unknown until
    read, so the first range is small (``size``) and grows quickly over sparse blocks.
    Answers stay near the target, which bounds memory and lets the writer start while
    later ranges are read, except where the chain turns denser inside one range, or
    inside one block (a range is never smaller). Halves (down to one block) when the node
    refuses a range as too large or times out; a one-block range the node still refuses
    is an error to report, not to retry forever.
    """

    size: int = 1
    minimum: int = 1
    maximum: int = 50_000
    target_logs: int = 5_000
    max_growth: int = 10
    fast_seconds: float = 1.0
    # Below the smallest range the node refused: growing back into a refusal would cost
    # a failed call (or several) per answer.
    _ceiling: int | None = field(default=None, repr=False, init=False)

    def shrink(self) -> bool:
        """Halve the range after the node refused it; False when already at the minimum."""
        if self.size <= self.minimum:
            return False
        self._ceiling = min(self._ceiling or self.size, self.size - 1)
        self.size = max(self.minimum, self.size // 2)
        return True

    def succeeded(self, elapsed_seconds: float, blocks: int, logs: int) -> None:
        """Size the next range after an answer of ``logs`` logs for ``blocks`` blocks."""
        fitting = blocks * self.target_logs // logs if logs else self.maximum
        growth = self.max_growth if elapsed_seconds < self.fast_seconds else 1
        largest = min(self.maximum, self._ceiling or self.maximum)
        self.size = max(self.minimum, min(largest, fitting, self.size * growth))


def fetch_range(
    reader: ChainReader, address: str, start: int, limit: int, ranges: AdaptiveRange
) -> tuple[int, list[Mapping[str, Any]]]:
    """(end, logs) for blocks ``start..end``, ``end <= limit``, the range sized by
    ``ranges`` and shrunk until the node accepts it."""
    while True:
        end = min(limit, start + ranges.size - 1)
        began = time.monotonic()
        try:
            found = reader.logs(address, start, end)
        except Exception as exc:
            if is_range_error(exc) and end > start and ranges.shrink():
                continue
            raise
        ranges.succeeded(time.monotonic() - began, end - start + 1, len(found))
        return end, found


@dataclass
class Backoff:
    """Exponential delays between retries: ``initial``, doubling, capped at ``cap``."""

    initial: float = 0.5
    cap: float = 30.0
    _next: float = field(default=0.0, repr=False)

    def next_delay(self) -> float:
        delay = self._next or self.initial
        self._next = min(self.cap, delay * 2)
        return delay

    def reset(self) -> None:
        self._next = 0.0
